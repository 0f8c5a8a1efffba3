package compliance

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"cartera/internal/audit"
	"cartera/internal/notify"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/civil"
	"cartera/internal/platform/db"
)

// covenantRef is what a breach or a result names of its covenant: the partner, the
// loan (none for a partner's covenant), the metric, the operator and an amount's
// currency.
type covenantRef struct {
	PartnerID   int64  `db:"partner_id" json:"partner_id"`
	PartnerName string `db:"partner_name" json:"partner_name"`
	LoanID      *int64 `db:"loan_id" json:"loan_id"`
	LoanRef     string `db:"loan_ref" json:"loan_reference,omitempty"`
	Metric      string `db:"metric" json:"metric"`
	Operator    string `db:"operator" json:"operator"`
	Currency    string `db:"currency" json:"currency,omitempty"`
}

// Breach is a stored breach with its status as of today: open, waived or closed
// (closed also when withdrawn: a correction showed the period met).
type Breach struct {
	storedBreach
	covenantRef
	Status  string   `db:"status" json:"status"`
	Uncured bool     `db:"-" json:"uncured"`
	Waivers []Waiver `db:"-" json:"waivers"`
}

// Waiver is a request to waive a breach and its decision.
type Waiver struct {
	ID               int64      `db:"id" json:"id"`
	BreachID         int64      `db:"breach_id" json:"breach_id"`
	Reason           string     `db:"reason" json:"reason"`
	ExpiresOn        time.Time  `db:"expires_on" json:"expires_on"`
	RequestedBy      int64      `db:"requested_by" json:"requested_by"`
	RequestedByEmail string     `db:"requested_by_email" json:"requested_by_email"`
	RequestedAt      time.Time  `db:"requested_at" json:"requested_at"`
	Decision         string     `db:"decision" json:"decision"`
	DecidedBy        *int64     `db:"decided_by" json:"decided_by"`
	DecidedByEmail   string     `db:"decided_by_email" json:"decided_by_email"`
	DecidedAt        *time.Time `db:"decided_at" json:"decided_at"`
	// LapsedAt: the approved waiver no longer applies (its breach was withdrawn or
	// reopened, or the covenant's terms changed since).
	LapsedAt *time.Time `db:"lapsed_at" json:"lapsed_at"`
}

// Pending is the breach's waiver awaiting a decision, if any.
func (b Breach) Pending() *Waiver {
	for i := range b.Waivers {
		if b.Waivers[i].Decision == "" {
			return &b.Waivers[i]
		}
	}
	return nil
}

// BreachFilter selects breaches: a partner (0: all), a status ("": all).
type BreachFilter struct {
	PartnerID int64
	Status    string
}

// Breaches lists breaches, latest found first, with their waivers.
func (s *Service) Breaches(ctx context.Context, f BreachFilter) ([]Breach, error) {
	switch f.Status {
	case "", "open", "waived", "closed":
	default:
		return nil, apperr.Invalid(apperr.FieldError{Field: "status", Message: "must be open, waived or closed"})
	}
	return s.breaches(ctx, nil, f, 0)
}

// BreachPage is a page of breaches, which page it is (from 1) and how many breaches
// match in all.
type BreachPage struct {
	Items       []Breach
	Page, Total int
}

// BreachesPage is page (from 1; past the last: the last) of Breaches(f), per breaches
// a page, and how many there are, read in one snapshot.
func (s *Service) BreachesPage(ctx context.Context, f BreachFilter, page, per int) (BreachPage, error) {
	if f.PartnerID != 0 { // a partner's breaches are few: its list, cut
		all, err := s.Breaches(ctx, f)
		if err != nil {
			return BreachPage{}, err
		}
		out := BreachPage{Total: len(all), Page: clampPage(page, len(all), per)}
		out.Items = all[min((out.Page-1)*per, len(all)):min(out.Page*per, len(all))]
		return out, nil
	}
	switch f.Status {
	case "", "open", "waived", "closed":
	default:
		return BreachPage{}, apperr.Invalid(apperr.FieldError{Field: "status", Message: "must be open, waived or closed"})
	}
	tx, err := s.conn.BeginTxx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return BreachPage{}, fmt.Errorf("list breaches: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // read only: nothing to undo
	today := s.clock.Today()
	var n struct{ Every, Open, Waived int }
	if err := tx.StmtxContext(ctx, s.q.CountBreaches).QueryRowxContext(ctx, today).Scan(&n.Every, &n.Open, &n.Waived); err != nil {
		return BreachPage{}, fmt.Errorf("count breaches: %w", err)
	}
	out := BreachPage{Total: map[string]int{"": n.Every, "open": n.Open, "waived": n.Waived, "closed": n.Every - n.Open - n.Waived}[f.Status]}
	out.Page = clampPage(page, out.Total, per)
	var ids pq.Int64Array
	from := (out.Page - 1) * per
	switch f.Status {
	case "":
		err = tx.StmtxContext(ctx, s.q.PageIDs).SelectContext(ctx, &ids, per, from)
	case "closed":
		err = tx.StmtxContext(ctx, s.q.PageIDsClosed).SelectContext(ctx, &ids, per, from)
	default:
		err = tx.StmtxContext(ctx, s.q.PageIDsLive).SelectContext(ctx, &ids, today, f.Status, per, from)
	}
	if err != nil {
		return BreachPage{}, fmt.Errorf("list breaches: %w", err)
	}
	var rows []Breach
	if err := tx.StmtxContext(ctx, s.q.BreachesByID).SelectContext(ctx, &rows, today, ids); err != nil {
		return BreachPage{}, fmt.Errorf("list breaches: %w", err)
	}
	out.Items, err = s.withWaivers(ctx, tx.StmtxContext(ctx, s.q.Waivers), rows, "", today)
	return out, err
}

// clampPage is page within the pages of total rows, per a page (at least one page).
func clampPage(page, total, per int) int { return min(max(page, 1), max(1, (total+per-1)/per)) }

// Breach returns one breach.
func (s *Service) Breach(ctx context.Context, id int64) (Breach, error) {
	bs, err := s.breaches(ctx, nil, BreachFilter{}, id)
	if err != nil {
		return Breach{}, err
	}
	if len(bs) == 0 {
		return Breach{}, apperr.NotFound("breach %d does not exist", id)
	}
	return bs[0], nil
}

// breaches reads breaches in tx (nil: on the pool).
func (s *Service) breaches(ctx context.Context, tx *sqlx.Tx, f BreachFilter, id int64) ([]Breach, error) {
	stmt := func(st *sqlx.Stmt) *sqlx.Stmt {
		if tx == nil {
			return st
		}
		return tx.StmtxContext(ctx, st)
	}
	today := s.clock.Today()
	var all []Breach
	if err := stmt(s.q.ListBreaches).SelectContext(ctx, &all, today, f.PartnerID, id); err != nil {
		return nil, fmt.Errorf("list breaches: %w", err)
	}
	return s.withWaivers(ctx, stmt(s.q.Waivers), all, f.Status, today)
}

// withWaivers are the breaches of status ("": all) as read, completed: dates as days,
// values without trailing zeros, uncured as of today, their waivers.
func (s *Service) withWaivers(ctx context.Context, waivers *sqlx.Stmt, all []Breach, status string, today time.Time) ([]Breach, error) {
	out := []Breach{}
	ids := pq.Int64Array{}
	for _, b := range all {
		if status != "" && b.Status != status {
			continue
		}
		b.PeriodEnd, b.CureBy = civil.Of(b.PeriodEnd), civil.Of(b.CureBy)
		b.Value, b.Threshold = b.Value.Trim(0), b.Threshold.Trim(0)
		b.Uncured = b.Status == "open" && today.After(b.CureBy)
		b.Waivers = []Waiver{}
		out = append(out, b)
		ids = append(ids, b.ID)
	}
	if len(out) == 0 {
		return out, nil
	}
	var ws []Waiver
	if err := waivers.SelectContext(ctx, &ws, ids); err != nil {
		return nil, fmt.Errorf("list waivers: %w", err)
	}
	at := make(map[int64]int, len(out))
	for i, b := range out {
		at[b.ID] = i
	}
	for _, w := range ws {
		w.ExpiresOn = civil.Of(w.ExpiresOn)
		out[at[w.BreachID]].Waivers = append(out[at[w.BreachID]].Waivers, w)
	}
	return out, nil
}

// RequestWaiver asks to waive an open (or waived) breach until expiresOn; a second
// person decides. Emits waiver_requested.
func (s *Service) RequestWaiver(ctx context.Context, actor audit.Actor, breachID int64, reason string, expiresOn time.Time) (Waiver, error) {
	var bad apperr.Fields
	reason = strings.TrimSpace(reason)
	if reason == "" || len(reason) > 2000 {
		bad.Add("reason", "is required (at most 2000 characters): say why the breach may be waived")
	}
	today := s.clock.Today()
	if expiresOn.IsZero() {
		bad.Add("expires_on", "is required")
	} else if !expiresOn.After(today) {
		bad.Add("expires_on", "must be after today (%s)", civil.Format(today))
	}
	if actor.UserID == nil {
		return Waiver{}, apperr.Forbidden("a waiver is requested by a user")
	}
	if err := bad.Err(); err != nil {
		return Waiver{}, err
	}
	var id int64
	err := db.InTx(ctx, s.conn, func(tx *sqlx.Tx) error {
		b, err := s.lockedBreach(ctx, tx, breachID)
		if err != nil {
			return err
		}
		if b.Status == "closed" {
			return apperr.Invalid(apperr.FieldError{Field: "breach_id", Message: fmt.Sprintf("breach %d is closed: there is nothing to waive", breachID)})
		}
		if b.Pending() != nil {
			return apperr.Conflict("breach_id", fmt.Sprintf("breach %d has a waiver awaiting a decision already", breachID))
		}
		if err := tx.StmtxContext(ctx, s.q.InsertWaiver).GetContext(ctx, &id, breachID, reason, expiresOn, *actor.UserID, s.clock.Now()); err != nil {
			return fmt.Errorf("store the waiver: %w", err)
		}
		w := map[string]any{"breach_id": breachID, "reason": reason, "expires_on": civil.Format(expiresOn), "requested_by": *actor.UserID}
		if err := s.audit.Record(ctx, tx, actor, audit.Create, "covenant_waiver", id, nil, w); err != nil {
			return err
		}
		_, err = s.notify.Emit(ctx, tx, waiverEvent(notify.WaiverRequested, id, b, expiresOn, reason))
		return err
	})
	if err != nil {
		return Waiver{}, err
	}
	return s.waiver(ctx, breachID, id)
}

func (s *Service) waiver(ctx context.Context, breachID, id int64) (Waiver, error) {
	b, err := s.Breach(ctx, breachID)
	if err != nil {
		return Waiver{}, err
	}
	for _, w := range b.Waivers {
		if w.ID == id {
			return w, nil
		}
	}
	return Waiver{}, apperr.NotFound("waiver %d does not exist", id)
}

func (s *Service) lockedBreach(ctx context.Context, tx *sqlx.Tx, id int64) (Breach, error) {
	var got int64
	if err := tx.StmtxContext(ctx, s.q.LockBreach).GetContext(ctx, &got, id); err != nil {
		if db.IsNoRows(err) {
			return Breach{}, apperr.NotFound("breach %d does not exist", id)
		}
		return Breach{}, err
	}
	bs, err := s.breaches(ctx, tx, BreachFilter{}, id)
	if err != nil {
		return Breach{}, err
	}
	return bs[0], nil
}

// ErrNoPending is the conflict of deciding a breach with no waiver awaiting one.
var ErrNoPending = errors.New("no waiver awaits a decision")

// DecideWaiver approves or rejects the breach's pending waiver: by an admin who is
// not the requester (four eyes). Emits waiver_approved or waiver_rejected.
func (s *Service) DecideWaiver(ctx context.Context, actor audit.Actor, breachID int64, approve bool) (Waiver, error) {
	if actor.UserID == nil {
		return Waiver{}, apperr.Forbidden("a waiver is decided by a user")
	}
	var id int64
	err := db.InTx(ctx, s.conn, func(tx *sqlx.Tx) error {
		b, err := s.lockedBreach(ctx, tx, breachID)
		if err != nil {
			return err
		}
		w := b.Pending()
		if w == nil {
			return apperr.Conflict("breach_id", fmt.Sprintf("breach %d has no waiver awaiting a decision", breachID))
		}
		if w.RequestedBy == *actor.UserID {
			return apperr.Forbidden("four eyes: the person who requested a waiver cannot decide it; another admin must")
		}
		if approve {
			if err := approvable(b, *w, s.clock.Today()); err != nil {
				return err
			}
		}
		id = w.ID
		decision, kind := "rejected", notify.WaiverRejected
		if approve {
			decision, kind = "approved", notify.WaiverApproved
		}
		res, err := tx.StmtxContext(ctx, s.q.DecideWaiver).ExecContext(ctx, w.ID, decision, *actor.UserID, s.clock.Now())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return apperr.Conflict("breach_id", fmt.Sprintf("the waiver of breach %d was decided already", breachID))
		}
		if err := s.audit.Record(ctx, tx, actor, audit.Update, "covenant_waiver", w.ID, map[string]any{"decision": nil},
			map[string]any{"decision": decision, "decided_by": *actor.UserID}); err != nil {
			return err
		}
		_, err = s.notify.Emit(ctx, tx, waiverEvent(kind, w.ID, b, w.ExpiresOn, w.Reason))
		return err
	})
	if err != nil {
		return Waiver{}, err
	}
	return s.waiver(ctx, breachID, id)
}

// approvable refuses to approve a waiver of a breach closed since it was requested
// (nothing to waive; it may still be rejected), or reopened since (closed, then open
// again by a correction: the waiver was asked about another situation), or one whose
// end has passed.
func approvable(b Breach, w Waiver, today time.Time) error {
	if b.Status == "closed" {
		return apperr.Conflict("breach_id", fmt.Sprintf("breach %d is closed: there is nothing left to waive; reject the waiver instead", b.ID))
	}
	if b.ReopenedAt != nil && w.RequestedAt.Before(*b.ReopenedAt) {
		return apperr.Conflict("breach_id", fmt.Sprintf("breach %d was reopened (%s) after the waiver was requested (%s): "+
			"the request was about the breach as it was; reject it and request a new one",
			b.ID, b.ReopenedAt.UTC().Format(time.RFC3339), w.RequestedAt.UTC().Format(time.RFC3339)))
	}
	if civil.Of(w.ExpiresOn).Before(today) {
		return apperr.Invalid(apperr.FieldError{Field: "expires_on", Message: fmt.Sprintf(
			"the waiver ended on %s, before today (%s): reject it and request a new one", civil.Format(w.ExpiresOn), civil.Format(today))})
	}
	return nil
}

func waiverEvent(kind notify.Kind, id int64, b Breach, expiresOn time.Time, reason string) notify.Event {
	return notify.Event{Kind: kind, Key: string(kind) + ":" + strconv.FormatInt(id, 10), PartnerID: b.PartnerID, Payload: map[string]any{
		"waiver_id": id, "breach_id": b.ID, "covenant_id": b.CovenantID, "partner_id": b.PartnerID, "partner": b.PartnerName,
		"metric": b.Metric, "period_end": civil.Format(b.PeriodEnd), "expires_on": civil.Format(expiresOn), "reason": reason,
	}}
}
