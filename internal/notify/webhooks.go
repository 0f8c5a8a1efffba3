package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"cartera/internal/audit"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/civil"
	"cartera/internal/platform/db"
)

// MinSecretLength is the shortest webhook secret accepted: the receiver checks every
// body's HMAC with it, so it must not be guessable.
const MinSecretLength = 16

// Webhook is a registered receiver of events. Its secret is never read back: it
// is only used to sign deliveries.
type Webhook struct {
	ID        int64          `db:"id"`
	URL       string         `db:"url"`
	Events    pq.StringArray `db:"events"`
	CreatedBy int64          `db:"created_by"`
	CreatedAt time.Time      `db:"created_at"`
	DeletedAt *time.Time     `db:"deleted_at"`
}

// NewWebhook is what an admin registers.
type NewWebhook struct {
	URL    string
	Secret string
	Events []string
}

// Attempt is one try of a delivery: the receiver's status code, or the error.
type Attempt struct {
	At         time.Time `json:"at"`
	Status     *int      `json:"status"`
	Error      *string   `json:"error"`
	DurationMS int       `json:"duration_ms"`
}

// Delivery is an event on its way to a webhook, with its log of attempts.
type Delivery struct {
	ID             int64      `db:"id"`
	WebhookID      int64      `db:"webhook_id"`
	EventID        int64      `db:"event_id"`
	Kind           Kind       `db:"kind"`
	EventCreatedAt time.Time  `db:"event_created_at"`
	Attempts       int        `db:"attempts"`
	NextAt         time.Time  `db:"next_at"`
	DeliveredAt    *time.Time `db:"delivered_at"`
	GivenUpAt      *time.Time `db:"given_up_at"`
	LastStatus     *int       `db:"last_status"`
	LastError      *string    `db:"last_error"`
	AttemptsLog    string     `db:"attempts_log"`
	Log            []Attempt  `db:"-"`
}

// State says where a delivery stands: delivered, given_up or pending.
func (d Delivery) State() string {
	switch {
	case d.DeliveredAt != nil:
		return "delivered"
	case d.GivenUpAt != nil:
		return "given_up"
	}
	return "pending"
}

// Webhooks registers the receivers of events (admins only: the API and the UI check
// the role) and shows and re-sends their deliveries.
//
// Server-side request forgery: a webhook makes the server POST to any URL its admin
// gives, internal addresses included. Only admins register them, and the body is
// Cartera's own event, never a response read back; deployments that must keep the
// server from reaching internal services should filter its egress.
type Webhooks struct {
	conn  *sqlx.DB
	audit *audit.Log
	clock civil.Clock
	q     struct {
		Insert     *sqlx.Stmt `query:"insert-webhook"`
		List       *sqlx.Stmt `query:"list-webhooks"`
		Get        *sqlx.Stmt `query:"get-webhook"`
		Delete     *sqlx.Stmt `query:"delete-webhook"`
		Deliveries *sqlx.Stmt `query:"list-deliveries"`
		Resend     *sqlx.Stmt `query:"resend-delivery"`
		Owner      *sqlx.Stmt `query:"delivery-webhook"`
		Claim      *sqlx.Stmt `query:"claim-deliveries"`
		Record     *sqlx.Stmt `query:"record-attempt"`
	}
}

// NewWebhooks prepares the webhooks' queries.
func NewWebhooks(ctx context.Context, conn *sqlx.DB, log *audit.Log, clock civil.Clock) (*Webhooks, error) {
	w := &Webhooks{conn: conn, audit: log, clock: clock}
	if err := db.PrepareQueries(ctx, conn, "notify_webhooks.sql", &w.q); err != nil {
		return nil, err
	}
	return w, nil
}

// validate checks a new webhook, naming every field at fault.
func (in *NewWebhook) validate() error {
	var bad apperr.Fields
	in.URL = strings.TrimSpace(in.URL)
	if u, err := url.Parse(in.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "" {
		bad.Add("url", "must be an http or https URL with a host, such as https://example.org/hooks/cartera")
	}
	if len(in.Secret) < MinSecretLength {
		bad.Add("secret", "must be at least %d characters", MinSecretLength)
	}
	known := make([]string, len(Kinds))
	for i, k := range Kinds {
		known[i] = string(k)
	}
	var events []string
	for _, e := range in.Events {
		e = strings.TrimSpace(e)
		switch {
		case !slices.Contains(known, e):
			bad.Add("events", "unknown event %q; use %s", e, strings.Join(known, ", "))
		case !slices.Contains(events, e):
			events = append(events, e)
		}
	}
	if len(in.Events) == 0 {
		bad.Add("events", "name at least one event: %s", strings.Join(known, ", "))
	}
	in.Events = events
	return bad.Err()
}

// Register adds a webhook; the audit entry has everything but the secret.
func (w *Webhooks) Register(ctx context.Context, actor audit.Actor, in NewWebhook) (Webhook, error) {
	if err := in.validate(); err != nil {
		return Webhook{}, err
	}
	if actor.UserID == nil {
		return Webhook{}, apperr.Forbidden("webhooks are registered by a user")
	}
	var h Webhook
	err := db.InTx(ctx, w.conn, func(tx *sqlx.Tx) error {
		if err := tx.StmtxContext(ctx, w.q.Insert).GetContext(ctx, &h, in.URL, in.Secret, pq.StringArray(in.Events), *actor.UserID, w.clock.Now()); err != nil {
			return err
		}
		return w.audit.Record(ctx, tx, actor, audit.Create, "webhook", h.ID, nil, h)
	})
	return h, err
}

// List is every webhook, deleted ones last.
func (w *Webhooks) List(ctx context.Context) ([]Webhook, error) {
	var out []Webhook
	err := w.q.List.SelectContext(ctx, &out)
	return out, err
}

// Get is one webhook.
func (w *Webhooks) Get(ctx context.Context, id int64) (Webhook, error) {
	var h Webhook
	if err := w.q.Get.GetContext(ctx, &h, id); err != nil {
		return h, notFound(err, "webhook %d not found", id)
	}
	return h, nil
}

// Delete ends a webhook: no new deliveries, and its pending ones stop.
func (w *Webhooks) Delete(ctx context.Context, actor audit.Actor, id int64) (Webhook, error) {
	before, err := w.Get(ctx, id)
	if err != nil {
		return before, err
	}
	if before.DeletedAt != nil {
		return before, apperr.Conflict("id", fmt.Sprintf("webhook %d is deleted already", id))
	}
	var h Webhook
	err = db.InTx(ctx, w.conn, func(tx *sqlx.Tx) error {
		if err := tx.StmtxContext(ctx, w.q.Delete).GetContext(ctx, &h, id, w.clock.Now()); err != nil {
			return notFound(err, "webhook %d not found", id)
		}
		return w.audit.Record(ctx, tx, actor, audit.Delete, "webhook", id, before, h)
	})
	return h, err
}

// Deliveries is a webhook's delivery log, newest first: limit of them with ids below
// before (0: from the newest).
func (w *Webhooks) Deliveries(ctx context.Context, webhookID, before int64, limit int) ([]Delivery, error) {
	if _, err := w.Get(ctx, webhookID); err != nil {
		return nil, err
	}
	var out []Delivery
	if err := w.q.Deliveries.SelectContext(ctx, &out, webhookID, before, limit); err != nil {
		return nil, err
	}
	for i := range out {
		if err := json.Unmarshal([]byte(out[i].AttemptsLog), &out[i].Log); err != nil {
			return nil, fmt.Errorf("delivery %d's attempts: %w", out[i].ID, err)
		}
	}
	return out, nil
}

// Resend queues a delivery again now, as a new series of attempts (retried for 24
// hours from now), whether it was delivered, given up or still pending. Audited.
func (w *Webhooks) Resend(ctx context.Context, actor audit.Actor, id int64) (webhookID int64, err error) {
	if err := w.q.Owner.GetContext(ctx, &webhookID, id); err != nil {
		return 0, notFound(err, "delivery %d not found", id)
	}
	err = db.InTx(ctx, w.conn, func(tx *sqlx.Tx) error {
		var d struct {
			ID        int64 `db:"id" json:"id"`
			WebhookID int64 `db:"webhook_id" json:"webhook_id"`
			EventID   int64 `db:"event_id" json:"event_id"`
		}
		if err := tx.StmtxContext(ctx, w.q.Resend).GetContext(ctx, &d, id, w.clock.Now()); err != nil {
			return notFound(err, "delivery %d's webhook is deleted", id)
		}
		return w.audit.Record(ctx, tx, actor, audit.Update, "webhook_delivery", id, nil, map[string]any{"resent": d})
	})
	return webhookID, err
}

// notFound turns "no row" into a not-found error with message; other errors pass.
func notFound(err error, format string, args ...any) error {
	if db.IsNoRows(err) {
		return apperr.NotFound(format, args...)
	}
	return err
}
