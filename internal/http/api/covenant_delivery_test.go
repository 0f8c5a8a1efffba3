package api_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"cartera/internal/user"
)

// downThenUp is a webhook receiver that is down (503) for its first `down` requests,
// then takes every event, checking its signature with the secret.
type downThenUp struct {
	mu       sync.Mutex
	down     int
	calls    int
	accepted []map[string]any
	badSigs  int
}

func (d *downThenUp) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	d.mu.Lock()
	defer d.mu.Unlock()
	d.calls++
	if d.calls <= d.down {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	mac := hmac.New(sha256.New, []byte(hookSecret))
	mac.Write(body)
	if r.Header.Get("X-Cartera-Signature") != "sha256="+hex.EncodeToString(mac.Sum(nil)) {
		d.badSigs++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var event map[string]any
	if err := json.Unmarshal(body, &event); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	d.accepted = append(d.accepted, event)
}

// TestABreachFoundByAnImportReachesAReceiverThatWasDown is issue 18 end to end: a
// covenant through the API, a breach found by an import, its event written in the
// import's transaction and delivered, signed, to a webhook whose receiver was down
// for two attempts, retried on the service's clock with backoff; the delivery log
// tells the story.
func TestABreachFoundByAnImportReachesAReceiverThatWasDown(t *testing.T) {
	clock := &movable{now: time.Date(2024, 8, 1, 9, 0, 0, 0, time.UTC)}
	e := newEnvClock(t, clock.clock)
	rcv := &downThenUp{down: 2}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	r := e.do(user.Admin, http.MethodPost, "/api/v1/webhooks", map[string]any{"url": srv.URL, "secret": hookSecret, "events": []string{"breach", "cure"}})
	if r.status != http.StatusCreated {
		t.Fatalf("register: %d %s", r.status, r.body)
	}
	hook := int64(r.json(t)["id"].(float64))
	p := e.partnerID("Sartawi", "BO")
	r = e.do(user.Manager, http.MethodPost, fmt.Sprintf("/api/v1/partners/%d/covenants", p), map[string]any{"metric": "par30_ratio",
		"operator": "<=", "threshold": "5 %", "from": "2024-01-01", "frequency": "each_report", "cure_days": 30})
	if r.status != http.StatusCreated {
		t.Fatalf("covenant: %d %s", r.status, r.body)
	}
	csv := "partner,country,period_end,months,currency,gross_loan_portfolio,par30\nSartawi,BO,2024-03-31,3,USD,1000000,80000\n"
	if r := e.upload(user.Manager, "", []byte(csv), false); r.status != http.StatusOK {
		t.Fatalf("import: %d %s", r.status, r.body)
	}

	wk := e.services.Webhooks.NewWorker(slog.New(slog.NewTextHandler(io.Discard, nil)))
	run := func() {
		t.Helper()
		if _, err := wk.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	run() // down: 503
	run() // not due yet: the backoff holds it
	if rcv.calls != 1 {
		t.Fatalf("%d calls before the backoff passed, want 1", rcv.calls)
	}
	clock.now = clock.now.Add(40 * time.Second) // past 30 s ± 20 %
	run()                                       // down again
	clock.now = clock.now.Add(75 * time.Second) // past 60 s ± 20 %
	run()                                       // up
	if rcv.calls != 3 || len(rcv.accepted) != 1 || rcv.badSigs != 0 {
		t.Fatalf("calls %d, accepted %d, bad signatures %d; want 3, 1, 0", rcv.calls, len(rcv.accepted), rcv.badSigs)
	}
	got := rcv.accepted[0]
	data, _ := got["data"].(map[string]any)
	if got["kind"] != "breach" || got["partner_id"] != float64(p) || data["value"] != "0.08" || data["period_end"] != "2024-03-31" {
		t.Fatalf("the event delivered: %v", got)
	}
	log := e.do(user.Admin, http.MethodGet, fmt.Sprintf("/api/v1/webhooks/%d/deliveries", hook), nil)
	d := log.json(t)["items"].([]any)[0].(map[string]any)
	attempts := d["log"].([]any)
	if d["state"] != "delivered" || len(attempts) != 3 {
		t.Fatalf("delivery log: %s", log.body)
	}
	for i, want := range []float64{503, 503, 200} { // oldest attempt first
		if status := attempts[i].(map[string]any)["status"].(float64); status != want {
			t.Errorf("attempt %d: status %v, want %v", i+1, status, want)
		}
	}
}
