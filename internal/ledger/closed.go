package ledger

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"cartera/internal/fund"
	"cartera/internal/loan"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/civil"
)

// Closed books. Once a fund's books are closed through a date (its month-end close,
// fund.Settings.BooksClosedThrough), no write may change a loan of the fund on or before
// it: posting an event dated then (a disbursement, repayment, write-off, recovery or
// rescheduling), reversing one dated then (a reversal replays from the original's
// date), or loading histories with one. Each is a conflict (409) naming the date, and
// writes nothing. The close is read under a share lock on the fund's row in the write's
// own transaction, after the loan's row lock, so a close committed first is seen and a
// close in flight waits for the write (lock order: loan, then fund; a change of
// settings locks the fund alone).
//
// Edits and cancellations are not refused: the ledger takes new terms, or a
// cancellation, only on a loan with nothing live on its books (Edit and Cancel), so
// they change no entry, balance or income of a closed period, whatever the loan's
// signing date. Creating a loan signed in a closed period is allowed for the same
// reason. What does move for those past dates is the undisbursed commitment the
// exposure counts from the signing date, which is not an entry of the books.
// Restatements under new ledger rules (Restate) are not refused either: they are
// reported as restatements of the figures, by loan and field.

// CheckBooksOpen refuses a write dated on to a loan of the fund when the fund's books
// are closed through that date or later: a conflict naming the field "date" and both
// dates. Call it inside the write's transaction, after the loan's row lock.
func (s *Service) CheckBooksOpen(ctx context.Context, tx *sqlx.Tx, fundID int64, on time.Time) error {
	st, err := s.funds.LockSettings(ctx, tx, fundID)
	if err != nil {
		return err
	}
	return booksOpen(st, on, "date", "an entry dated "+civil.Format(on))
}

// booksOpen is the rule: nothing on or before the close. what names the write in the
// message ("an entry dated 2026-10-15", "reversing the repayment of 2026-10-15").
func booksOpen(st fund.Settings, on time.Time, field, what string) error {
	if !st.ClosedOn(on) {
		return nil
	}
	return apperr.Conflict(field, fmt.Sprintf("the fund's books are closed through %s; %s would change them "+
		"(an admin may re-open them in the fund's settings)", civil.Format(*st.BooksClosedThrough), what))
}

// checkReversalBooksOpen refuses, inside tx, the reversal of an event dated in a
// closed period. t or r is the event.
func (s *Service) checkReversalBooksOpen(ctx context.Context, tx *sqlx.Tx, fundID int64, w withoutEvent) error {
	if w.t == nil && w.r == nil {
		return nil // unknown: replayWithout's 404 says so
	}
	st, err := s.funds.LockSettings(ctx, tx, fundID)
	if err != nil {
		return err
	}
	return reversalBooksOpen(st, w)
}

// previewBooksOpen applies check to the fund's settings as they stand: a preview
// writes nothing, so it needs no lock (the write it previews checks again under one).
func (s *Service) previewBooksOpen(ctx context.Context, fundID int64, check func(fund.Settings) error) error {
	st, err := s.funds.Settings(ctx, fundID)
	if err != nil {
		return err
	}
	return check(st)
}

func reversalBooksOpen(st fund.Settings, w withoutEvent) error {
	on, what := eventDate(w)
	return booksOpen(st, on, "transaction_id", "reversing "+what)
}

// eventDate is the date of the event a reversal undoes, and a sentence naming it.
func eventDate(w withoutEvent) (time.Time, string) {
	if w.t != nil {
		return w.t.Date, fmt.Sprintf("the %s of %s", w.t.Kind.Label(), civil.Format(w.t.Date))
	}
	return w.r.EffectiveOn, "the " + amendmentLabel(*w.r) + " of " + civil.Format(w.r.EffectiveOn)
}

// checkLoadBooksOpen refuses a bulk load with an event in a closed period of its
// loan's fund, naming the history's events field as Load's other checks do; and gives
// each loan its fund's cure of restructured loans and, unless stated, allocation order.
func (s *Service) checkLoadBooksOpen(ctx context.Context, tx *sqlx.Tx, histories []History) error {
	settings := map[int64]fund.Settings{}
	for i, h := range histories {
		id := *h.Loan.FundID
		st, seen := settings[id]
		if !seen {
			var err error
			if st, err = s.funds.LockSettings(ctx, tx, id); apperr.IsKind(err, apperr.KindNotFound) {
				return apperr.Invalid(apperr.FieldError{Field: fmt.Sprintf("loans[%d].fund_id", i), Message: "no fund has this id"})
			} else if err != nil {
				return err
			}
			settings[id] = st
		}
		for _, e := range h.Events {
			if err := booksOpen(st, e.On, fmt.Sprintf("loans[%d].events", i), "an entry dated "+civil.Format(e.On)); err != nil {
				return err
			}
		}
		// The fund's settings the loans are derived by, as Create and every replay do.
		terms := &histories[i].Loan.Terms
		terms.CureAfter = 0 // the fund's, never the history's: it is not a term of the loan
		if st.RestructuredCureInstallments != nil {
			terms.CureAfter = *st.RestructuredCureInstallments
		}
		if terms.Order == "" {
			terms.Order = loan.AllocationOrder(st.AllocationOrder)
		}
	}
	return nil
}
