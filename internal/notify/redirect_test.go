package notify

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// A receiver that answers the POST with a redirect never accepted the event. Before
// the fix the worker's client followed the 302 with a GET (body dropped) to wherever
// it pointed and recorded the delivery delivered on the GET's 200; now the 302 is a
// failed attempt, and nothing goes anywhere but the registered URL.
func TestARedirectIsNotADelivery(t *testing.T) {
	w := newWorld(t)
	elsewhere := newReceiver(t, http.StatusOK)
	var posts int
	moved := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, req *http.Request) {
		posts++
		http.Redirect(rw, req, elsewhere.URL+"/not-the-hook", http.StatusFound)
	}))
	t.Cleanup(moved.Close)
	h := w.register(moved.URL, "breach")
	w.emit(Event{Kind: Breach, Key: "breach:1:2026-06-30:0", Payload: map[string]string{"v": "1"}})
	w.runOnce(w.worker())
	d := w.deliveries(h)[0]
	if posts != 1 || elsewhere.count() != 0 {
		t.Fatalf("posts %d, requests to the redirect's target %d; want 1 and 0", posts, elsewhere.count())
	}
	if d.State() == "delivered" || d.LastStatus == nil || *d.LastStatus != http.StatusFound {
		t.Errorf("delivery %s with status %v, want pending with 302", d.State(), d.LastStatus)
	}
}
