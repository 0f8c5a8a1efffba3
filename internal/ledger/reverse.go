package ledger

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"

	"cartera/internal/audit"
	"cartera/internal/book"
	"cartera/internal/fund"
	"cartera/internal/loan"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/civil"
	"cartera/internal/platform/db"
)

// Reversed is what a reversal recorded, and the loan after it.
type Reversed struct {
	// Reversal is the row that reverses a transaction (nil for a rescheduling).
	Reversal *loan.Transaction
	// Transaction or Rescheduling is the event reversed, as it now stands.
	Transaction  *loan.Transaction
	Rescheduling *loan.Rescheduling
	// Detail is the loan as of today, without the event.
	Detail Detail
}

// Reverse corrects a mistaken event and keeps it: a disbursement, repayment or
// write-off gets a reversal row at its own date, and a rescheduling (the latest
// first) is marked reversed; the loan is replayed from the start as if the event had
// never happened, and what the replay derives is stored, with the book and one audit
// entry, in one transaction. expect, when set, is the history version the page showed
// (as PostIfUnchanged). A reversal of a reversal, or one that would leave a later
// event impossible, is refused with why (422); reversing twice, or an event dated
// in the fund's closed books (closed.go), is a conflict (409).
func (s *Service) Reverse(ctx context.Context, actor audit.Actor, loanID, eventID int64, reason string, expect *string) (Reversed, error) {
	reason = strings.TrimSpace(reason)
	if err := checkReversalReason(reason); err != nil {
		return Reversed{}, err
	}
	var out Reversed
	err := db.InTx(ctx, s.conn, func(tx *sqlx.Tx) error {
		l, err := s.lockLoan(ctx, tx, loanID)
		if err != nil {
			return err
		}
		txs, rs, err := s.history(ctx, tx, loanID)
		if err != nil {
			return err
		}
		if expect != nil {
			if err := checkVersion(l, txs, rs, *expect); err != nil {
				return err
			}
		}
		w, err := s.replayWithout(l, txs, rs, eventID)
		// A closed period is refused first: what else is wrong with the reversal
		// would not make it possible.
		if err := s.checkReversalBooksOpen(ctx, tx, l.FundID, w); err != nil {
			return err
		}
		if err != nil {
			return err
		}
		if w.t != nil {
			return s.reverseTransaction(ctx, tx, actor, l, *w.t, w.st, reason, &out)
		}
		return s.reverseRescheduling(ctx, tx, actor, l, *w.r, w.st, reason, &out)
	})
	return out, err
}

// withoutEvent is a loan's history with one event left out, as its reversal would
// leave it, and the replay of that history.
type withoutEvent struct {
	t   *loan.Transaction  // the event as stored: a transaction,
	r   *loan.Rescheduling // or a rescheduling
	txs []loan.Transaction // the history without it
	rs  []loan.Rescheduling
	st  *loan.State
}

// replayWithout finds the event, checks it may be reversed, and replays the history
// without it: the checks and the replay Reverse stores and PreviewReversal shows. The
// event is set (when found) even when the reversal is refused.
func (s *Service) replayWithout(l loan.Loan, txs []loan.Transaction, rs []loan.Rescheduling, eventID int64) (withoutEvent, error) {
	w := withoutEvent{txs: append([]loan.Transaction(nil), txs...), rs: append([]loan.Rescheduling(nil), rs...)}
	var err error
	if t := findTransaction(w.txs, eventID); t != nil {
		w.t = findTransaction(txs, eventID)
		if err := checkReversible(*t); err != nil {
			return w, err
		}
		placeholder := int64(-1)
		t.ReversedBy = &placeholder
		w.st, err = s.checkReplayWithout(l, w.txs, w.rs, t.Kind.Label())
		return w, err
	}
	if r := findRescheduling(w.rs, eventID); r != nil {
		w.r = findRescheduling(rs, eventID)
		if err := checkReschedulingReversible(*r, rs); err != nil {
			return w, err
		}
		now := s.clock.Now()
		r.ReversedAt = &now
		w.st, err = s.checkReplayWithout(l, w.txs, w.rs, "rescheduling")
		return w, err
	}
	return w, apperr.NotFound("loan %d has no transaction or rescheduling %d", l.ID, eventID)
}

func checkReversalReason(reason string) error {
	switch {
	case reason == "":
		return apperr.Invalid(apperr.FieldError{Field: "reason", Message: "a reversal needs a reason"})
	case len([]rune(reason)) > 2000:
		return apperr.Invalid(apperr.FieldError{Field: "reason", Message: "must be at most 2,000 characters"})
	}
	return nil
}

// checkReversible refuses a reversal of a reversal (422) and a second one (409).
func checkReversible(t loan.Transaction) error {
	switch {
	case t.Kind == loan.Reversal:
		return apperr.Invalid(apperr.FieldError{Field: "transaction_id", Message: fmt.Sprintf(
			"transaction %d is a reversal, which cannot be reversed: record the transaction again instead", t.ID)})
	case t.ReversedBy != nil:
		return apperr.Conflict("transaction_id", fmt.Sprintf("the %s %d of %s was already reversed (by transaction %d)",
			t.Kind.Label(), t.ID, civil.Format(t.Date), *t.ReversedBy))
	}
	return nil
}

// amendmentLabel names a rescheduling's kind of amendment in a sentence.
func amendmentLabel(r loan.Rescheduling) string {
	if r.Kind == "" {
		return loan.Reschedule.Label()
	}
	return r.Kind.Label()
}

// checkReschedulingReversible: once only (409), and the latest live one first (422).
func checkReschedulingReversible(r loan.Rescheduling, rs []loan.Rescheduling) error {
	if !r.Live() {
		return apperr.Conflict("transaction_id", fmt.Sprintf("the %s %d of %s was already reversed", amendmentLabel(r), r.ID, civil.Format(r.EffectiveOn)))
	}
	for _, later := range rs {
		if later.Live() && later.ID != r.ID && (later.EffectiveOn.After(r.EffectiveOn) || later.EffectiveOn.Equal(r.EffectiveOn) && later.ID > r.ID) {
			return apperr.Invalid(apperr.FieldError{Field: "transaction_id", Message: fmt.Sprintf(
				"reschedulings and amendments are reversed the latest first: reverse the %s of %s (%d) before this one",
				amendmentLabel(later), civil.Format(later.EffectiveOn), later.ID)})
		}
	}
	return nil
}

func findTransaction(txs []loan.Transaction, id int64) *loan.Transaction {
	for i := range txs {
		if txs[i].ID == id {
			return &txs[i]
		}
	}
	return nil
}

func findRescheduling(rs []loan.Rescheduling, id int64) *loan.Rescheduling {
	for i := range rs {
		if rs[i].ID == id {
			return &rs[i]
		}
	}
	return nil
}

// reverseTransaction stores a transaction's reversal; st is the replay without it.
func (s *Service) reverseTransaction(ctx context.Context, tx *sqlx.Tx, actor audit.Actor, l loan.Loan, t loan.Transaction,
	st *loan.State, reason string, out *Reversed) error {
	var rev, marked loan.Transaction
	if err := tx.StmtxContext(ctx, s.q.InsertReversal).GetContext(ctx, &rev, l.ID, t.Date, t.Amount, reason, t.ID); err != nil {
		return db.TranslateError(err, constraints)
	}
	if err := tx.StmtxContext(ctx, s.q.MarkReversed).GetContext(ctx, &marked, t.ID, rev.ID); err != nil {
		return db.TranslateError(err, constraints)
	}
	if err := s.storeAfterReversal(ctx, tx, l, st, out); err != nil {
		return err
	}
	out.Reversal, out.Transaction = &rev, &marked
	return s.audit.Record(ctx, tx, actor, audit.Create, "loan_transaction", rev.ID, t, rev)
}

// reverseRescheduling marks a rescheduling reversed; st is the replay without it.
func (s *Service) reverseRescheduling(ctx context.Context, tx *sqlx.Tx, actor audit.Actor, l loan.Loan, r loan.Rescheduling,
	st *loan.State, reason string, out *Reversed) error {
	var marked loan.Rescheduling
	if err := tx.StmtxContext(ctx, s.q.ReverseResched).GetContext(ctx, &marked, r.ID, reason); err != nil {
		return db.TranslateError(err, constraints)
	}
	if err := s.storeAfterReversal(ctx, tx, l, st, out); err != nil {
		return err
	}
	out.Rescheduling = &marked
	return s.audit.Record(ctx, tx, actor, audit.Update, "loan_reschedule", r.ID, r, marked)
}

// checkReplayWithout replays the history without the event: a later event it would
// make impossible (a repayment with nothing disbursed to repay...) refuses the reversal.
func (s *Service) checkReplayWithout(l loan.Loan, txs []loan.Transaction, rs []loan.Rescheduling, what string) (*loan.State, error) {
	st, err := loan.Replay(l.Terms(), loan.Events(txs, rs), s.clock.Today())
	if err == nil {
		if err := newOverpayment(l, txs, st, loan.Event{}); err != nil {
			e, _ := apperr.As(err)
			return nil, apperr.Invalid(apperr.FieldError{Field: "transaction_id", Message: fmt.Sprintf(
				"reversing this %s would leave a repayment beyond what is owed: %s", what, strings.TrimPrefix(e.Fields[0].Message, "with it, "))})
		}
		return st, nil
	}
	var ee *loan.EventError
	if !errors.As(err, &ee) {
		return nil, err
	}
	why := ee.Err.Error()
	var ae *apperr.Error
	if errors.As(ee.Err, &ae) && len(ae.Fields) > 0 {
		parts := make([]string, len(ae.Fields))
		for i, f := range ae.Fields {
			parts[i] = f.Message
		}
		why = strings.Join(parts, "; ")
	}
	return nil, apperr.Invalid(apperr.FieldError{Field: "transaction_id", Message: fmt.Sprintf(
		"reversing this %s would leave the %s of %s impossible: %s", what, ee.Event.Kind.Label(), civil.Format(ee.Event.On), why)})
}

// storeAfterReversal stores what the replay without the event (st, the same events
// as the history now stands: the event and its reversal both left out) derives, and
// the book, and the loan as of today. Replaying once, not twice, measured on a loan of
// 500 transactions.
func (s *Service) storeAfterReversal(ctx context.Context, tx *sqlx.Tx, l loan.Loan, st *loan.State, out *Reversed) error {
	txs, rs, err := s.history(ctx, tx, l.ID)
	if err != nil {
		return err
	}
	today := s.clock.Today()
	if err := s.storeDerived(ctx, tx, l, txs, st); err != nil {
		return err
	}
	if err := s.book.Refresh(ctx, tx, book.KeyOf(l)); err != nil {
		return err
	}
	out.Detail = detailOf(l, st, txs, rs, today)
	return nil
}

// ReversalPreview is a loan today and as it would stand without one of its events.
type ReversalPreview struct {
	Now, After   Detail
	Transaction  *loan.Transaction  // the event to reverse: a transaction,
	Rescheduling *loan.Rescheduling // or a rescheduling
}

// PreviewReversal replays the loan without the event, as Reverse would, and stores
// nothing. A reversal Reverse would refuse is that error.
func (s *Service) PreviewReversal(ctx context.Context, loanID, eventID int64) (ReversalPreview, error) {
	var p ReversalPreview
	l, err := s.getLoan(ctx, loanID)
	if err != nil {
		return p, err
	}
	txs, rs, err := s.history(ctx, s.conn, loanID)
	if err != nil {
		return p, err
	}
	today := s.clock.Today()
	if p.Now, err = detail(l, txs, rs, today); err != nil {
		return p, err
	}
	w, err := s.replayWithout(l, txs, rs, eventID)
	p.Transaction, p.Rescheduling = w.t, w.r
	if w.t != nil || w.r != nil {
		if err := s.previewBooksOpen(ctx, l.FundID, func(st fund.Settings) error { return reversalBooksOpen(st, w) }); err != nil {
			return p, err
		}
	}
	if err != nil {
		return p, err
	}
	p.After = detailOf(l, w.st, w.txs, w.rs, today)
	return p, nil
}
