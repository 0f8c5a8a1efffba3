package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Delivery's timing.
const (
	// DeliveryTimeout bounds one POST to a receiver.
	DeliveryTimeout = 10 * time.Second
	// RetryFor is how long a delivery is retried, from its event (or its re-send).
	RetryFor = 24 * time.Hour
	// firstRetry doubles after each failure, up to maxRetry, with ±20 % jitter so
	// the deliveries of a receiver that was down do not all come back at once.
	firstRetry = 30 * time.Second
	maxRetry   = time.Hour
	// lease is how long a claimed delivery is kept from other workers: longer than a
	// delivery can take, so a live worker records its outcome first; a worker that
	// died leaves the delivery due again when the lease ends.
	lease = 2 * time.Minute
)

// Worker delivers due deliveries: it claims a batch (row locks that skip what other
// servers hold, released at once: the claim is a lease), POSTs each to its receiver
// from a small pool, and records each attempt. Several workers, in one process or
// many, may share a database: each delivery is claimed by one at a time.
type Worker struct {
	hooks *Webhooks
	log   *slog.Logger
	// Batch is how many deliveries a claim takes; Concurrency how many are sent at
	// once; Poll how long an idle worker waits before looking again.
	Batch, Concurrency int
	Poll               time.Duration
	Client             *http.Client
}

// NewWorker returns a worker with the defaults: batches of 50, 8 at once, a look
// every half second when idle.
func (w *Webhooks) NewWorker(log *slog.Logger) *Worker {
	return &Worker{hooks: w, log: log, Batch: 50, Concurrency: 8, Poll: 500 * time.Millisecond,
		Client: &http.Client{Timeout: DeliveryTimeout, CheckRedirect: noRedirects}}
}

// noRedirects keeps a redirect as the answer: a 3xx is a failed attempt. Followed,
// the POST would become a GET without the body to wherever it points, and the
// target's 200 would record an event delivered that never arrived (nor at the URL
// the admin registered).
func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// claimed is a delivery taken by this worker, with what sending it needs.
type claimed struct {
	ID             int64     `db:"id"`
	Attempts       int       `db:"attempts"`
	SeriesFrom     time.Time `db:"series_from"`
	URL            string    `db:"url"`
	Secret         string    `db:"secret"`
	WebhookDeleted bool      `db:"webhook_deleted"`
	EventID        int64     `db:"event_id"`
	Kind           Kind      `db:"kind"`
	CreatedAt      time.Time `db:"created_at"`
	PartnerID      int64     `db:"partner_id"`
	Payload        string    `db:"payload"`
}

// Run delivers until ctx ends, then returns once the deliveries in flight are
// recorded (each takes at most DeliveryTimeout).
func (wk *Worker) Run(ctx context.Context) {
	for ctx.Err() == nil {
		n, err := wk.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			wk.log.Error("webhook delivery", "error", err)
		}
		if n > 0 && err == nil {
			continue // more may be due
		}
		select {
		case <-ctx.Done():
		case <-time.After(wk.Poll):
		}
	}
}

// RunOnce claims one batch of due deliveries, sends them and records the outcomes;
// it returns how many it claimed.
func (wk *Worker) RunOnce(ctx context.Context) (int, error) {
	now := wk.hooks.clock.Now()
	var batch []claimed
	if err := wk.hooks.q.Claim.SelectContext(ctx, &batch, now, wk.Batch, now.Add(lease)); err != nil {
		return 0, fmt.Errorf("claim deliveries: %w", err)
	}
	// Sending and recording finish even when ctx ends meanwhile: a stop waits for them
	// rather than leaving attempts made but unrecorded.
	work := context.WithoutCancel(ctx)
	jobs := make(chan claimed)
	errs := make(chan error, len(batch))
	var wg sync.WaitGroup
	for range min(wk.Concurrency, len(batch)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for d := range jobs {
				if err := wk.deliver(work, d); err != nil {
					errs <- err
				}
			}
		}()
	}
	for _, d := range batch {
		jobs <- d
	}
	close(jobs)
	wg.Wait()
	close(errs)
	return len(batch), <-errs // the first error, if any
}

// deliver sends one delivery and records the attempt.
func (wk *Worker) deliver(ctx context.Context, d claimed) error {
	var status *int
	var errText *string
	start := time.Now()
	if d.WebhookDeleted {
		msg := "the webhook was deleted"
		errText = &msg
	} else if code, err := wk.post(ctx, d); err != nil {
		msg := err.Error()
		errText = &msg
	} else {
		status = &code
	}
	took := time.Since(start)
	now := wk.hooks.clock.Now()
	ok := status != nil && *status >= 200 && *status < 300
	next := now.Add(Backoff(d.Attempts, rand.Float64()))
	giveUp := !ok && (d.WebhookDeleted || next.After(d.SeriesFrom.Add(RetryFor)))
	if status != nil && !ok {
		msg := "HTTP " + strconv.Itoa(*status)
		errText = &msg
	}
	_, err := wk.hooks.q.Record.ExecContext(ctx, d.ID, d.Attempts, now, status, errText, ok, giveUp, next, took.Milliseconds())
	if err != nil {
		return fmt.Errorf("record delivery %d: %w", d.ID, err)
	}
	return nil
}

// Backoff is the wait after the attempts-th failed attempt: 30 s doubling to at
// most an hour, scaled by 0.8 to 1.2 as jitter in [0, 1) says.
func Backoff(attempts int, jitter float64) time.Duration {
	d := firstRetry
	for i := 1; i < attempts && d < maxRetry; i++ {
		d *= 2
	}
	d = min(d, maxRetry)
	return time.Duration(float64(d) * (0.8 + 0.4*jitter))
}

// Body is what a receiver gets: the event, its payload under data.
type Body struct {
	ID        int64           `json:"id"`
	Kind      Kind            `json:"kind"`
	CreatedAt time.Time       `json:"created_at"`
	PartnerID *int64          `json:"partner_id"`
	Data      json.RawMessage `json:"data"`
}

// Sign is the X-Cartera-Signature of body under secret.
func Sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// post sends the event and returns the receiver's status code.
func (wk *Worker) post(ctx context.Context, d claimed) (int, error) {
	b := Body{ID: d.EventID, Kind: d.Kind, CreatedAt: d.CreatedAt.UTC(), Data: json.RawMessage(d.Payload)}
	if d.PartnerID != 0 {
		b.PartnerID = &d.PartnerID
	}
	body, err := json.Marshal(b)
	if err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, DeliveryTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.URL, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Cartera-Webhooks/1")
	req.Header.Set("X-Cartera-Signature", Sign(d.Secret, body))
	req.Header.Set("X-Cartera-Event", string(d.Kind))
	req.Header.Set("X-Cartera-Delivery", strconv.FormatInt(d.ID, 10))
	resp, err := wk.Client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	// Drain a little so the connection is reused; the answer itself is not read.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, nil
}
