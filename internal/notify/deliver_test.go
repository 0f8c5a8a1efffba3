package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"cartera/internal/audit"
	"cartera/internal/platform/db"
	"cartera/internal/platform/pgtest"
)

const testSecret = "s3cret-s3cret-s3cret"

// world is a database with the notify services on a clock the test moves.
type world struct {
	t     testing.TB
	ctx   context.Context
	conn  *sqlx.DB
	now   atomic.Pointer[time.Time]
	svc   *Service
	hooks *Webhooks
	inbox *Inbox
	admin audit.Actor
}

func newWorld(t testing.TB) *world {
	t.Helper()
	w := &world{t: t, ctx: context.Background(), conn: pgtest.New(t)}
	start := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	w.now.Store(&start)
	clock := func() time.Time { return *w.now.Load() }
	log, err := audit.NewLog(w.ctx, w.conn)
	if err != nil {
		t.Fatal(err)
	}
	if w.svc, err = NewService(w.ctx, w.conn, clock); err != nil {
		t.Fatal(err)
	}
	if w.hooks, err = NewWebhooks(w.ctx, w.conn, log, clock); err != nil {
		t.Fatal(err)
	}
	if w.inbox, err = NewInbox(w.ctx, w.conn, clock); err != nil {
		t.Fatal(err)
	}
	id := w.user("admin@example.org", "admin")
	w.admin = audit.Actor{UserID: &id, Name: "admin@example.org", Via: audit.ViaAPI}
	return w
}

func (w *world) user(email, role string) int64 {
	var id int64
	if err := w.conn.Get(&id, `INSERT INTO users (email, name, role, password_hash) VALUES ($1, $1, $2, 'x') RETURNING id`, email, role); err != nil {
		w.t.Fatal(err)
	}
	return id
}

func (w *world) advance(d time.Duration) {
	next := w.now.Load().Add(d)
	w.now.Store(&next)
}

func (w *world) register(url string, kinds ...string) Webhook {
	w.t.Helper()
	h, err := w.hooks.Register(w.ctx, w.admin, NewWebhook{URL: url, Secret: testSecret, Events: kinds})
	if err != nil {
		w.t.Fatal(err)
	}
	return h
}

func (w *world) emit(events ...Event) {
	w.t.Helper()
	if err := db.InTx(w.ctx, w.conn, func(tx *sqlx.Tx) error { _, err := w.svc.Emit(w.ctx, tx, events...); return err }); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) worker() *Worker {
	return w.hooks.NewWorker(slog.New(slog.NewTextHandler(io.Discard, nil)))
}

func (w *world) runOnce(wk *Worker) int {
	w.t.Helper()
	n, err := wk.RunOnce(w.ctx)
	if err != nil {
		w.t.Fatal(err)
	}
	return n
}

func (w *world) deliveries(h Webhook) []Delivery {
	w.t.Helper()
	ds, err := w.hooks.Deliveries(w.ctx, h.ID, 0, 100)
	if err != nil {
		w.t.Fatal(err)
	}
	return ds
}

// receiver answers with the statuses given in turn (the last one from then on) and
// keeps what it got.
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	statuses []int
	got      []*http.Request
	bodies   [][]byte
}

func newReceiver(t testing.TB, statuses ...int) *receiver {
	r := &receiver{statuses: statuses}
	r.Server = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		status := r.statuses[min(len(r.got), len(r.statuses)-1)]
		r.got, r.bodies = append(r.got, req), append(r.bodies, body)
		r.mu.Unlock()
		rw.WriteHeader(status)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.got)
}

func TestDeliveryIsSignedSoTheReceiverCanVerifyIt(t *testing.T) {
	w := newWorld(t)
	rcv := newReceiver(t, http.StatusNoContent)
	h := w.register(rcv.URL+"/hook", "breach")
	w.emit(Event{Kind: Breach, Key: "breach:1:2026-06-30:0", Payload: map[string]string{"covenant_id": "1", "value": "0.0712"}},
		Event{Kind: Cure, Key: "cure:1:2026-09-30"}) // not subscribed
	if n := w.runOnce(w.worker()); n != 1 {
		t.Fatalf("claimed %d, want 1", n)
	}
	if rcv.count() != 1 {
		t.Fatalf("receiver got %d requests, want 1", rcv.count())
	}
	req, body := rcv.got[0], rcv.bodies[0]
	// What a receiver does: the HMAC of the raw body under the shared secret.
	if got, want := req.Header.Get("X-Cartera-Signature"), Sign(testSecret, body); got != want || len(got) != len("sha256=")+64 {
		t.Errorf("signature %q, want %q", got, want)
	}
	if Sign("another-secret-of-16", body) == req.Header.Get("X-Cartera-Signature") {
		t.Error("the signature does not depend on the secret")
	}
	ds := w.deliveries(h)
	for name, want := range map[string]string{"Content-Type": "application/json", "X-Cartera-Event": "breach",
		"X-Cartera-Delivery": strconv.FormatInt(ds[0].ID, 10)} {
		if got := req.Header.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	var b map[string]any
	if err := json.Unmarshal(body, &b); err != nil {
		t.Fatal(err)
	}
	data, _ := b["data"].(map[string]any)
	if b["kind"] != "breach" || b["id"] == nil || b["created_at"] != "2026-12-03T09:00:00Z" || b["partner_id"] != nil || data["value"] != "0.0712" {
		t.Errorf("body %s", body)
	}
	if ds[0].State() != "delivered" || ds[0].Attempts != 1 || len(ds[0].Log) != 1 || *ds[0].Log[0].Status != 204 {
		t.Errorf("delivery after success: %+v", ds[0])
	}
}

func TestAReceiverThatFailsGetsTheEventOnceItRecovers(t *testing.T) {
	w := newWorld(t)
	rcv := newReceiver(t, 500, 500, 200)
	h := w.register(rcv.URL, "cure")
	w.emit(Event{Kind: Cure, Key: "cure:7:2026-09-30", PartnerID: 0, Payload: map[string]string{"breach_id": "7"}})
	wk := w.worker()
	for i, wantDelay := range []time.Duration{30 * time.Second, time.Minute} {
		before := *w.now.Load()
		if n := w.runOnce(wk); n != 1 {
			t.Fatalf("attempt %d: claimed %d", i+1, n)
		}
		d := w.deliveries(h)[0]
		if d.State() != "pending" || d.Attempts != i+1 || *d.LastStatus != 500 {
			t.Fatalf("after failure %d: %+v", i+1, d)
		}
		if wait := d.NextAt.Sub(before); wait < wantDelay*8/10 || wait > wantDelay*12/10 {
			t.Errorf("after failure %d retried in %v, want %v ± 20 %%", i+1, wait, wantDelay)
		}
		if n := w.runOnce(wk); n != 0 {
			t.Fatalf("retried before its time: %d claimed", n)
		}
		w.advance(d.NextAt.Sub(before))
	}
	if n := w.runOnce(wk); n != 1 {
		t.Fatalf("third attempt: claimed %d", n)
	}
	d := w.deliveries(h)[0]
	if d.State() != "delivered" || d.Attempts != 3 || len(d.Log) != 3 || *d.Log[0].Status != 500 || *d.Log[2].Status != 200 {
		t.Fatalf("after recovery: %+v", d)
	}
	if *d.Log[0].Error != "HTTP 500" {
		t.Errorf("a failed attempt's error: %q", *d.Log[0].Error)
	}
}

func TestDeliveriesAreGivenUp24HoursAfterTheEvent(t *testing.T) {
	w := newWorld(t)
	rcv := newReceiver(t, 503)
	h := w.register(rcv.URL, "uncured")
	w.emit(Event{Kind: Uncured, Key: "uncured:1:2026-12-01"})
	wk := w.worker()
	// Every hour (the backoff's cap), until the day is over.
	for i := 0; i < 30 && w.deliveries(h)[0].State() == "pending"; i++ {
		if n := w.runOnce(wk); n != 1 {
			t.Fatalf("attempt %d: claimed %d", i+1, n)
		}
		w.advance(time.Hour + 15*time.Minute)
	}
	d := w.deliveries(h)[0]
	if d.State() != "given_up" {
		t.Fatalf("still %s after %d attempts", d.State(), d.Attempts)
	}
	if d.GivenUpAt.Sub(d.EventCreatedAt) > RetryFor || d.GivenUpAt.Sub(d.EventCreatedAt) < RetryFor-2*time.Hour {
		t.Errorf("given up %v after the event, want just under %v", d.GivenUpAt.Sub(d.EventCreatedAt), RetryFor)
	}
	w.advance(48 * time.Hour)
	if n := w.runOnce(wk); n != 0 {
		t.Errorf("a given-up delivery was claimed again")
	}
}

func TestAUnreachableReceiverIsRetriedWithTheError(t *testing.T) {
	w := newWorld(t)
	rcv := newReceiver(t, 200)
	url := rcv.URL
	rcv.Close() // nothing listens there now
	h := w.register(url, "breach")
	w.emit(Event{Kind: Breach, Key: "breach:2:2026-06-30:0"})
	w.runOnce(w.worker())
	d := w.deliveries(h)[0]
	if d.State() != "pending" || d.LastStatus != nil || d.LastError == nil || d.Log[0].Error == nil || d.Log[0].Status != nil {
		t.Fatalf("after a refused connection: %+v", d)
	}
}

func TestTwoWorkersDeliverEachDeliveryExactlyOnce(t *testing.T) {
	w := newWorld(t)
	rcv := newReceiver(t, 200)
	w.register(rcv.URL+"/a", "breach")
	w.register(rcv.URL+"/b", "breach")
	const events = 150
	batch := make([]Event, events)
	for i := range batch {
		batch[i] = Event{Kind: Breach, Key: fmt.Sprintf("breach:%d:2026-06-30:0", i), Payload: map[string]int{"n": i}}
	}
	w.emit(batch...)
	var wg sync.WaitGroup
	for range 2 {
		wk := w.worker()
		wk.Batch, wk.Concurrency = 10, 4
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				n, err := wk.RunOnce(w.ctx)
				if err != nil {
					t.Error(err)
					return
				}
				if n == 0 {
					return
				}
			}
		}()
	}
	wg.Wait()
	seen := map[string]int{}
	rcv.mu.Lock()
	for _, r := range rcv.got {
		seen[r.Header.Get("X-Cartera-Delivery")]++
	}
	rcv.mu.Unlock()
	if len(seen) != 2*events {
		t.Errorf("%d deliveries received, want %d", len(seen), 2*events)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("delivery %s received %d times", id, n)
		}
	}
	var attempts int
	if err := w.conn.Get(&attempts, `SELECT count(*) FROM webhook_attempts`); err != nil || attempts != 2*events {
		t.Errorf("%d attempts logged (%v), want %d", attempts, err, 2*events)
	}
}

func TestAClaimOfAWorkerThatDiedIsRetriedAfterItsLease(t *testing.T) {
	w := newWorld(t)
	rcv := newReceiver(t, 200)
	h := w.register(rcv.URL, "breach")
	w.emit(Event{Kind: Breach, Key: "breach:3:2026-06-30:0"})
	// A worker claims and dies before it posts or records anything.
	now := *w.now.Load()
	var claims []claimed
	if err := w.hooks.q.Claim.SelectContext(w.ctx, &claims, now, 10, now.Add(lease)); err != nil || len(claims) != 1 {
		t.Fatalf("claim: %v, %d", err, len(claims))
	}
	wk := w.worker()
	if n := w.runOnce(wk); n != 0 {
		t.Fatalf("a leased delivery was claimed again at once")
	}
	w.advance(lease)
	if n := w.runOnce(wk); n != 1 || rcv.count() != 1 {
		t.Fatalf("after the lease: claimed %d, received %d", n, rcv.count())
	}
	if d := w.deliveries(h)[0]; d.State() != "delivered" || d.Attempts != 2 {
		t.Errorf("%+v", d)
	}
	// The dead worker's late record (its attempts count is stale) changes nothing.
	if _, err := w.hooks.q.Record.ExecContext(w.ctx, claims[0].ID, claims[0].Attempts, now, nil, "late", false, true, now, 1); err != nil {
		t.Fatal(err)
	}
	if d := w.deliveries(h)[0]; d.State() != "delivered" {
		t.Errorf("a stale claim's record overwrote the delivery: %+v", d)
	}
}

func TestResendStartsANewSeriesAndDeleteStopsPendingDeliveries(t *testing.T) {
	w := newWorld(t)
	rcv := newReceiver(t, 200)
	h := w.register(rcv.URL, "breach", "cure")
	w.emit(Event{Kind: Breach, Key: "breach:4:2026-06-30:0"})
	wk := w.worker()
	w.runOnce(wk)
	w.advance(72 * time.Hour) // long after the event: a re-send has its own 24 hours
	d := w.deliveries(h)[0]
	if _, err := w.hooks.Resend(w.ctx, w.admin, d.ID); err != nil {
		t.Fatal(err)
	}
	if d := w.deliveries(h)[0]; d.State() != "pending" || d.Attempts != 0 {
		t.Fatalf("after re-send: %+v", d)
	}
	rcv.statuses = []int{200, 500, 200}
	w.runOnce(wk)
	if d := w.deliveries(h)[0]; d.State() != "pending" || d.Attempts != 1 {
		t.Fatalf("a re-sent delivery failing once is retried, not given up: %+v", d)
	}
	w.advance(time.Minute)
	w.runOnce(wk)
	if d := w.deliveries(h)[0]; d.State() != "delivered" || len(d.Log) != 3 {
		t.Fatalf("after the re-sent series: %+v", d)
	}
	// Deleting a webhook stops what is pending to it.
	rcv.statuses = []int{500}
	w.emit(Event{Kind: Cure, Key: "cure:4:2026-09-30"})
	w.runOnce(wk)
	if _, err := w.hooks.Delete(w.ctx, w.admin, h.ID); err != nil {
		t.Fatal(err)
	}
	w.advance(time.Hour)
	if n := w.runOnce(wk); n != 0 {
		t.Errorf("a deleted webhook's delivery was claimed")
	}
	if ds := w.deliveries(h); ds[0].State() != "given_up" {
		t.Errorf("the pending delivery of a deleted webhook: %+v", ds[0])
	}
	if _, err := w.hooks.Resend(w.ctx, w.admin, d.ID); err == nil {
		t.Error("re-sent to a deleted webhook")
	}
	w.emit(Event{Kind: Breach, Key: "breach:5:2026-06-30:0"})
	if ds := w.deliveries(h); len(ds) != 2 {
		t.Errorf("a deleted webhook got a new delivery: %d", len(ds))
	}
}

func TestBackoffDoublesFromThirtySecondsToAnHour(t *testing.T) {
	for _, c := range []struct {
		attempts int
		jitter   float64
		want     time.Duration
	}{
		{1, 0.5, 30 * time.Second}, {2, 0.5, time.Minute}, {3, 0.5, 2 * time.Minute},
		{7, 0.5, 32 * time.Minute}, {8, 0.5, time.Hour}, {40, 0.5, time.Hour},
		{1, 0, 24 * time.Second}, {1, 0.999999, 36 * time.Second}, {40, 0, 48 * time.Minute},
	} {
		if got := Backoff(c.attempts, c.jitter); got.Round(time.Millisecond) != c.want {
			t.Errorf("Backoff(%d, %v) = %v, want %v", c.attempts, c.jitter, got, c.want)
		}
	}
}
