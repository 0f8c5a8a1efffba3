package ledger

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"

	"cartera/internal/audit"
	"cartera/internal/book"
	"cartera/internal/loan"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/db"
)

// Editable is what a loan's edit may change: its reference and purpose at any time,
// its terms until the first disbursement (after it, terms change by rescheduling).
type Editable struct {
	Reference, Purpose string
	loan.Terms
}

// Edit applies change to the loan under its row lock, checks the result and stores
// it with its audit entry. A change of terms on a loan with a disbursement is a
// conflict (409) saying what to do instead; a cancelled loan takes no change.
func (s *Service) Edit(ctx context.Context, actor audit.Actor, id int64, change func(*Editable) error) (loan.Loan, error) {
	l, _, err := s.edit(ctx, actor, id, nil, change)
	return l, err
}

// EditIfMatch is Edit under an HTTP If-Match: match tells whether the loan's current
// ETag (Detail.ETag) is one the caller read; if not, nothing is written (412). It
// returns the loan's ETag after the edit.
func (s *Service) EditIfMatch(ctx context.Context, actor audit.Actor, id int64, match func(etag string) bool, change func(*Editable) error) (loan.Loan, string, error) {
	return s.edit(ctx, actor, id, match, change)
}

// ETag names a loan's stored version for HTTP's conditional requests: its history
// (Version: every event, reversal and rescheduling, and its terms) and its own row
// (updated_at: reference, purpose, status). It names what is stored, not the
// figures derived for a date, which change with the date asked for.
func (d Detail) ETag() string { return etag(d.Loan, d.Version) }

func etag(l loan.Loan, version string) string {
	return `"` + version + "-u" + strconv.FormatInt(l.UpdatedAt.UnixMicro(), 36) + `"`
}

func (s *Service) edit(ctx context.Context, actor audit.Actor, id int64, match func(string) bool, change func(*Editable) error) (loan.Loan, string, error) {
	var after loan.Loan
	var tag string
	err := db.InTx(ctx, s.conn, func(tx *sqlx.Tx) error {
		before, err := s.lockLoan(ctx, tx, id)
		if err != nil {
			return err
		}
		txs, rs, err := s.history(ctx, tx, id)
		if err != nil {
			return err
		}
		if current := etag(before, historyVersion(before, txs, rs)); match != nil && !match(current) {
			return apperr.Stale(fmt.Sprintf("loan %s changed since the version If-Match names (it is now %s): read it again, then apply your change", before.Reference, current))
		}
		if before.Status == loan.Cancelled {
			return apperr.Conflict("", fmt.Sprintf("loan %s was cancelled: it takes no change", before.Reference))
		}
		if after, err = s.applyEdit(ctx, tx, before, change); err != nil {
			return err
		}
		tag = etag(after, historyVersion(after, txs, rs))
		if after == before {
			return nil
		}
		return s.audit.Record(ctx, tx, actor, audit.Update, "loan", id, before, after)
	})
	return loan.Normalize(after), tag, err
}

// applyEdit stores the change of terms and of description the edit makes.
func (s *Service) applyEdit(ctx context.Context, tx *sqlx.Tx, before loan.Loan, change func(*Editable) error) (loan.Loan, error) {
	e := Editable{Reference: before.Reference, Purpose: before.Purpose, Terms: before.Terms()}
	if err := change(&e); err != nil {
		return before, err
	}
	e.Reference, e.Purpose = strings.TrimSpace(e.Reference), strings.TrimSpace(e.Purpose)
	if err := checkDescription(e); err != nil {
		return before, err
	}
	after := before
	if changed := changedTerms(before.Terms(), e.Terms); len(changed) > 0 {
		var err error
		if after, err = s.changeTerms(ctx, tx, before, e.Terms, changed); err != nil {
			return before, err
		}
	}
	if e.Reference != after.Reference || e.Purpose != after.Purpose {
		if err := tx.StmtxContext(ctx, s.q.UpdateDesc).GetContext(ctx, &after, before.ID, e.Reference, e.Purpose); err != nil {
			return before, db.TranslateError(err, constraints)
		}
	}
	return after, nil
}

func checkDescription(e Editable) error {
	var bad apperr.Fields
	if e.Reference == "" || len([]rune(e.Reference)) > 100 {
		bad.Add("reference", "must be 1 to 100 characters")
	}
	if len([]rune(e.Purpose)) > 2000 {
		bad.Add("purpose", "must be at most 2,000 characters")
	}
	return bad.Err()
}

// changedTerms names the API fields whose terms differ.
func changedTerms(a, b loan.Terms) []string {
	var out []string
	for _, c := range []struct {
		field string
		same  bool
	}{
		{"currency", a.Currency.Code == b.Currency.Code}, {"committed_amount", a.Committed.Equal(b.Committed)},
		{"interest_rate", a.Rate.Equal(b.Rate)}, {"day_count", a.DayCount == b.DayCount}, {"signed_on", a.SignedOn.Equal(b.SignedOn)},
		{"first_due_on", a.FirstDueOn.Equal(b.FirstDueOn)}, {"maturity_on", a.MaturityOn.Equal(b.MaturityOn)},
		{"amortization", a.Amortization == b.Amortization}, {"frequency", a.Frequency == b.Frequency},
		{"grace_periods", a.GracePeriods == b.GracePeriods}, {"allocation_order", a.Order.OrDefault() == b.Order.OrDefault()},
		{"default_margin", a.DefaultMargin.Equal(b.DefaultMargin)}, {"prepayment_fee", a.PrepaymentFee.Equal(b.PrepaymentFee)},
	} {
		if !c.same {
			out = append(out, c.field)
		}
	}
	return out
}

// changeTerms stores new terms on a loan nothing was disbursed on, and its book.
func (s *Service) changeTerms(ctx context.Context, tx *sqlx.Tx, before loan.Loan, t loan.Terms, changed []string) (loan.Loan, error) {
	txs, rs, err := s.history(ctx, tx, before.ID)
	if err != nil {
		return loan.Loan{}, err
	}
	if len(loan.Events(txs, rs)) > 0 {
		return loan.Loan{}, apperr.Conflict(changed[0], fmt.Sprintf("loan %s has disbursements: its terms change by rescheduling "+
			"(POST /api/v1/loans/%d/reschedule), or reverse its transactions first to correct them", before.Reference, before.ID))
	}
	if err := t.Validate(); err != nil {
		return loan.Loan{}, err
	}
	var after loan.Loan
	if err := tx.StmtxContext(ctx, s.q.UpdateTerms).GetContext(ctx, &after, before.ID, t.Currency.Code, t.Committed, t.Rate,
		t.DayCount, t.SignedOn, t.FirstDueOn, t.MaturityOn, t.Amortization, t.Frequency, t.GracePeriods, t.Order.OrDefault(),
		t.DefaultMargin, t.PrepaymentFee); err != nil {
		return loan.Loan{}, db.TranslateError(err, constraints)
	}
	after = loan.Normalize(after)
	if len(txs)+len(rs) > 0 {
		// Only reversed entries: what they derived is stored, so derive it again on the
		// new terms (the schedule's dates and amounts follow them).
		st, err := loan.Replay(after.Terms(), loan.Events(txs, rs), s.clock.Today())
		if err != nil {
			return loan.Loan{}, err
		}
		if err := s.storeDerived(ctx, tx, after, txs, st); err != nil {
			return loan.Loan{}, err
		}
	}
	// Both keys in one call, so that their locks are taken in one order.
	if err := s.book.Refresh(ctx, tx, book.KeyOf(before), book.KeyOf(after)); err != nil {
		return loan.Loan{}, err
	}
	return after, nil
}

// Cancel cancels a loan entered by mistake, before anything was disbursed on it: it
// stays listed, with why, and leaves exposure, the portfolio and every total.
func (s *Service) Cancel(ctx context.Context, actor audit.Actor, id int64, reason string) (loan.Loan, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" || len([]rune(reason)) > 2000 {
		return loan.Loan{}, apperr.Invalid(apperr.FieldError{Field: "reason", Message: "a cancellation needs a reason (at most 2,000 characters)"})
	}
	var after loan.Loan
	err := db.InTx(ctx, s.conn, func(tx *sqlx.Tx) error {
		before, err := s.lockLoan(ctx, tx, id)
		if err != nil {
			return err
		}
		if before.Status == loan.Cancelled {
			return apperr.Conflict("", fmt.Sprintf("loan %s was already cancelled", before.Reference))
		}
		txs, rs, err := s.history(ctx, tx, id)
		if err != nil {
			return err
		}
		if len(loan.Events(txs, rs)) > 0 {
			return apperr.Invalid(apperr.FieldError{Field: "status", Message: fmt.Sprintf(
				"loan %s has disbursements: reverse its transactions first, or write it off", before.Reference)})
		}
		if err := tx.StmtxContext(ctx, s.q.Cancel).GetContext(ctx, &after, id, reason); err != nil {
			return db.TranslateError(err, constraints)
		}
		if err := s.book.Refresh(ctx, tx, book.KeyOf(before)); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, actor, audit.Update, "loan", id, before, map[string]any{"loan": after, "cancel_reason": reason})
	})
	return loan.Normalize(after), err
}
