// Package notify is the notifications outbox: events (a breach, a cure, a waiver, a
// report or a loan falling late) written in the transaction that causes them, each
// once by its idempotency key, and delivered to the webhooks admins register.
package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"cartera/internal/platform/civil"
	"cartera/internal/platform/db"
)

// Kind is what happened.
type Kind string

// The kinds of event.
const (
	Breach          Kind = "breach"           // a covenant breached by a period's figures
	Cure            Kind = "cure"             // a breach closed by a compliant period
	Uncured         Kind = "uncured"          // a breach still open past its cure deadline
	WaiverRequested Kind = "waiver_requested" // a manager asks to waive a breach
	WaiverApproved  Kind = "waiver_approved"  // a second person approved it
	WaiverRejected  Kind = "waiver_rejected"  // a second person rejected it
	WaiverExpiring  Kind = "waiver_expiring"  // an approved waiver ends within 14 days
	WaiverExpired   Kind = "waiver_expired"   // it ended: the breach is open again
	ReportOverdue   Kind = "report_overdue"   // a period's figures not in by their due date
	LoanPastDue30   Kind = "loan_past_due_30" // a loan more than 30 days past due
)

// Kinds lists every kind, in the order people read them.
var Kinds = []Kind{Breach, Cure, Uncured, WaiverRequested, WaiverApproved, WaiverRejected,
	WaiverExpiring, WaiverExpired, ReportOverdue, LoanPastDue30}

// Event is one thing that happened. Key makes it once: an event whose key is stored
// already is not written again (a sweep that runs twice, a retried transaction).
// PartnerID is 0 when no partner is concerned. Payload is marshalled to JSON as is:
// the webhook body carries it under "data".
type Event struct {
	Kind      Kind
	Key       string
	PartnerID int64
	Payload   any
}

// Sweeper finds the events time causes rather than a write (a cure deadline passed, a
// waiver about to end, a report or a loan fallen late) as of today, and emits them;
// each event's key makes a second sweep of the same day a no-op. The service's daily
// sweep calls every sweeper of app.Services.
type Sweeper interface {
	Sweep(ctx context.Context, today time.Time) error
}

// Service writes and delivers events.
type Service struct {
	conn  *sqlx.DB
	clock civil.Clock
	q     struct {
		Emit *sqlx.Stmt `query:"emit-events"`
	}
}

// NewService prepares the outbox's queries.
func NewService(ctx context.Context, conn *sqlx.DB, clock civil.Clock) (*Service, error) {
	s := &Service{conn: conn, clock: clock}
	if err := db.PrepareQueries(ctx, conn, "notify.sql", &s.q); err != nil {
		return nil, err
	}
	return s, nil
}

// Emit writes events in tx, the transaction that causes them, with a delivery for
// each webhook that takes their kind; it returns how many were new.
func (s *Service) Emit(ctx context.Context, tx *sqlx.Tx, events ...Event) (int, error) {
	if len(events) == 0 {
		return 0, nil
	}
	n := len(events)
	kinds, keys, payloads := make(pq.StringArray, n), make(pq.StringArray, n), make(pq.StringArray, n)
	partners := make(pq.Int64Array, n)
	for i, e := range events {
		body, err := json.Marshal(e.Payload)
		if err != nil {
			return 0, fmt.Errorf("event %s: %w", e.Key, err)
		}
		kinds[i], keys[i], partners[i], payloads[i] = string(e.Kind), e.Key, e.PartnerID, string(body)
	}
	var added int
	if err := tx.StmtxContext(ctx, s.q.Emit).GetContext(ctx, &added, kinds, keys, partners, payloads, s.clock.Now()); err != nil {
		return 0, fmt.Errorf("write %d events: %w", n, err)
	}
	return added, nil
}
