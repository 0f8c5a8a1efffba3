package ledger

import (
	"context"
	"fmt"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"

	"cartera/internal/audit"
	"cartera/internal/book"
	"cartera/internal/loan"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/civil"
	"cartera/internal/platform/db"
	"cartera/internal/platform/money"
)

// History is a loan with its events, for Load.
type History struct {
	Loan   NewLoan      // FundID required
	Events []loan.Event // in the order they happened; IDs are assigned
}

// LoadResult counts what Load wrote.
type LoadResult struct {
	Loans, Transactions, Reschedulings, Installments, Ranges int
}

// derived is one history replayed: the rows Post would have stored.
type derived struct {
	id       int64
	events   []loan.Event
	state    *loan.State
	status   loan.Status
	timeline []loan.Step
	totals   []derivedRow // per transaction, as derive gives them
	txs      []loan.Transaction
}

// Load writes many loans with their histories in one transaction, with COPY. Each is
// replayed as a write would be (every rule checked, allocations, running totals,
// schedule as of asOf, status, the book), so what is stored is what posting every
// event through Post would have stored, in a fraction of the time: for synthetic
// books and migrations from another system. Events after asOf are refused, and so
// are events in a fund's closed books (a conflict: closed.go). Other writes to the
// ledger wait until it is done.
func (s *Service) Load(ctx context.Context, actor audit.Actor, histories []History, asOf time.Time, progress func(string)) (LoadResult, error) {
	say := func(format string, args ...any) {
		if progress != nil {
			progress(fmt.Sprintf(format, args...))
		}
	}
	asOf = civil.Of(asOf)
	for i, h := range histories {
		if h.Loan.FundID == nil {
			return LoadResult{}, apperr.Invalid(apperr.FieldError{Field: fmt.Sprintf("loans[%d].fund_id", i), Message: "is required"})
		}
		if err := h.Loan.Terms.Validate(); err != nil {
			return LoadResult{}, fmt.Errorf("loan %d (%s): %w", i, h.Loan.Reference, err)
		}
		for _, e := range h.Events {
			if e.On.After(asOf) {
				return LoadResult{}, apperr.Invalid(apperr.FieldError{Field: fmt.Sprintf("loans[%d].events", i),
					Message: fmt.Sprintf("an event on %s is after %s", civil.Format(e.On), civil.Format(asOf))})
			}
		}
	}
	var res LoadResult
	err := db.InTx(ctx, s.conn, func(tx *sqlx.Tx) error {
		// Ledger writes insert into these tables: they wait, so the ids reserved below
		// are this load's alone.
		if _, err := tx.ExecContext(ctx, `LOCK TABLE loans, loan_transactions, loan_reschedules IN EXCLUSIVE MODE`); err != nil {
			return fmt.Errorf("load loans: %w", err)
		}
		if err := s.checkLoadBooksOpen(ctx, tx, histories); err != nil {
			return err
		}
		nEvents := 0
		for _, h := range histories {
			nEvents += len(h.Events)
		}
		firstLoan, err := reserve(ctx, tx, "pg_get_serial_sequence('loans', 'id')", len(histories))
		if err != nil {
			return err
		}
		firstEvent, err := reserve(ctx, tx, "'loan_event_id_seq'", nEvents)
		if err != nil {
			return err
		}
		out, err := deriveAll(histories, firstLoan, firstEvent, asOf)
		if err != nil {
			return err
		}
		say("%d loans replayed", len(out))
		if err := copyLedger(ctx, tx, histories, out, &res); err != nil {
			return err
		}
		say("%d transactions and %d installments copied", res.Transactions, res.Installments)
		if len(histories) > 0 {
			last := firstLoan + int64(len(histories)) - 1
			if _, err := tx.StmtxContext(ctx, s.q.UpdateUnpaid).ExecContext(ctx, firstLoan, last); err != nil {
				return fmt.Errorf("load loans: oldest unpaid installments: %w", err)
			}
		}
		loaded := make([]book.Loaded, len(histories))
		for i, h := range histories {
			loaded[i] = book.Loaded{Key: book.Key{PartnerID: h.Loan.PartnerID, FundID: *h.Loan.FundID, Currency: h.Loan.Currency.Code},
				Timeline: out[i].timeline}
		}
		if res.Ranges, err = s.book.Load(ctx, tx, loaded, say); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, actor, audit.Create, "loan_book", "load", nil, res)
	})
	return res, err
}

// reserve takes n values of a sequence and returns the first.
func reserve(ctx context.Context, tx *sqlx.Tx, seq string, n int) (int64, error) {
	var last int64
	if err := tx.GetContext(ctx, &last, `SELECT nextval(`+seq+`)`); err != nil {
		return 0, fmt.Errorf("reserve ids: %w", err)
	}
	if n > 1 {
		if _, err := tx.ExecContext(ctx, `SELECT setval(`+seq+`, $1)`, last+int64(n)-1); err != nil {
			return 0, fmt.Errorf("reserve ids: %w", err)
		}
	}
	return last, nil
}

// deriveAll replays every history on all cores.
func deriveAll(histories []History, firstLoan, firstEvent int64, asOf time.Time) ([]derived, error) {
	out := make([]derived, len(histories))
	next := firstEvent
	for i, h := range histories {
		evs := append([]loan.Event(nil), h.Events...)
		sort.SliceStable(evs, func(a, b int) bool { return evs[a].On.Before(evs[b].On) })
		for k := range evs {
			evs[k].ID = next
			next++
		}
		out[i] = derived{id: firstLoan + int64(i), events: evs}
	}
	var wg sync.WaitGroup
	errs := make([]error, len(histories))
	work := make(chan int, 256)
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				errs[i] = out[i].replay(histories[i].Loan.Terms, asOf)
			}
		}()
	}
	for i := range histories {
		work <- i
	}
	close(work)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("loan %d (%s): %w", i, histories[i].Loan.Reference, err)
		}
	}
	return out, nil
}

func (d *derived) replay(terms loan.Terms, asOf time.Time) (err error) {
	if d.state, err = loan.Replay(terms, d.events, asOf); err != nil {
		return err
	}
	if d.state.Overpaid.IsPos() {
		// As Post refuses it: a repayment beyond everything owed that day.
		for _, e := range d.events {
			if a := d.state.Allocations[e.ID]; a.Overpaid.IsPos() {
				return fmt.Errorf("the repayment of %s on %s is more than everything owed then (%s)", e.Amount, civil.Format(e.On),
					money.MustSub(e.Amount, a.Overpaid))
			}
		}
	}
	d.status = d.state.Balances().Status
	if d.timeline, err = loan.Timeline(terms, d.events); err != nil {
		return err
	}
	for _, e := range d.events {
		if !e.Kind.IsAmendment() {
			d.txs = append(d.txs, loan.Transaction{ID: e.ID, LoanID: d.id, Kind: e.Kind, Date: e.On, Amount: e.Amount, Reason: e.Reason})
		}
	}
	d.totals, err = derive(d.txs, d.state)
	return err
}

func copyLedger(ctx context.Context, tx *sqlx.Tx, histories []History, out []derived, res *LoadResult) error {
	if err := copyLoans(ctx, tx, histories, out); err != nil {
		return err
	}
	res.Loans = len(histories)
	refs := refsOf(out)
	if err := copyTransactions(ctx, tx, out, refs.txs); err != nil {
		return err
	}
	res.Transactions = len(refs.txs)
	if err := copyReschedulings(ctx, tx, out, refs.reschedulings); err != nil {
		return err
	}
	res.Reschedulings = len(refs.reschedulings)
	if err := copyInstallments(ctx, tx, out, refs.installments); err != nil {
		return err
	}
	res.Installments = len(refs.installments)
	return nil
}

// rowRef is a row to copy: the k-th of the loan-th derived history's.
type rowRef struct{ loan, k int }

// derivedRefs are the rows of the derived histories, per table, in loan order.
type derivedRefs struct {
	txs, reschedulings, installments []rowRef
}

func refsOf(out []derived) derivedRefs {
	var refs derivedRefs
	for i, d := range out {
		for k := range d.txs {
			refs.txs = append(refs.txs, rowRef{i, k})
		}
		for k, e := range d.events {
			if e.Kind.IsAmendment() {
				refs.reschedulings = append(refs.reschedulings, rowRef{i, k})
			}
		}
		if len(d.events) == 0 {
			continue // as Create: the schedule is stored with the first event
		}
		for k := range d.state.Installments {
			refs.installments = append(refs.installments, rowRef{i, k})
		}
	}
	return refs
}

func copyLoans(ctx context.Context, tx *sqlx.Tx, histories []History, out []derived) error {
	return db.Copy(ctx, tx, "loans", []string{"id", "fund_id", "partner_id", "reference", "currency", "committed_amount",
		"interest_rate", "day_count", "signed_on", "first_due_on", "maturity_on", "amortization", "frequency", "grace_periods",
		"purpose", "status", "restructured_on", "allocation_order", "default_margin", "prepayment_fee", "disbursed", "outstanding",
		"current_maturity_on"}, len(histories), func(i int) []any {
		l := histories[i].Loan
		var restructured any // NULL unless a rescheduling moved overdue amounts
		if on := restructuredNow(out[i].state); on != nil {
			restructured = civil.Format(*on)
		}
		disbursed, outstanding, maturity := listFigures(loan.Loan{MaturityOn: l.MaturityOn}, out[i].totals, out[i].state)
		var matures any // NULL while the terms' maturity holds
		if maturity != nil {
			matures = *maturity
		}
		return []any{out[i].id, *l.FundID, l.PartnerID, l.Reference, l.Currency.Code, l.Committed.String(), l.Rate.String(),
			string(l.DayCount), civil.Format(l.SignedOn), civil.Format(l.FirstDueOn), civil.Format(l.MaturityOn), string(l.Amortization),
			string(l.Frequency), l.GracePeriods, l.Purpose, string(out[i].status), restructured, string(l.Order.OrDefault()),
			l.DefaultMargin.String(), l.PrepaymentFee.String(), disbursed, outstanding, matures}
	})
}

func copyTransactions(ctx context.Context, tx *sqlx.Tx, out []derived, txs []rowRef) error {
	return db.WithoutIndexes(ctx, tx, "loan_transactions", len(txs), func() error {
		return db.Copy(ctx, tx, "loan_transactions", []string{"id", "loan_id", "kind", "value_date", "amount", "principal", "interest",
			"prepaid", "reason", "cum_disbursed", "cum_principal_repaid", "cum_interest_paid", "cum_written_off", "overpaid",
			"late_interest", "fee"}, len(txs), func(i int) []any {
			d := &out[txs[i].loan]
			t, v := d.txs[txs[i].k], d.totals[txs[i].k]
			return []any{t.ID, d.id, string(t.Kind), civil.Format(t.Date), t.Amount.String(), v[0].String(), v[1].String(), v[2].String(),
				t.Reason, v[3].String(), v[4].String(), v[5].String(), v[6].String(), v[7].String(), v[8].String(), v[9].String()}
		})
	})
}

func copyReschedulings(ctx context.Context, tx *sqlx.Tx, out []derived, rss []rowRef) error {
	return db.Copy(ctx, tx, "loan_reschedules", []string{"id", "loan_id", "effective_on", "new_maturity_on", "new_frequency",
		"new_interest_rate", "reason", "kind", "amount"}, len(rss), func(i int) []any {
		d := &out[rss[i].loan]
		e := d.events[rss[i].k]
		var maturity, freq, rate any // NULL when the rescheduling leaves it
		if e.NewMaturityOn != nil {
			maturity = civil.Format(*e.NewMaturityOn)
		}
		if e.NewFrequency != nil {
			freq = string(*e.NewFrequency)
		}
		if e.NewRate != nil {
			rate = e.NewRate.String()
		}
		var amount any // a cancellation of commitment's
		if e.Kind == loan.CommitmentCancel {
			amount = e.Amount.String()
		}
		return []any{e.ID, d.id, civil.Format(e.On), maturity, freq, rate, e.Reason, string(e.Kind), amount}
	})
}

func copyInstallments(ctx context.Context, tx *sqlx.Tx, out []derived, insts []rowRef) error {
	return db.WithoutIndexes(ctx, tx, "loan_installments", len(insts), func() error {
		return db.Copy(ctx, tx, "loan_installments", []string{"loan_id", "seq", "due_on", "principal", "interest", "paid_principal",
			"paid_interest", "written_off_principal", "written_off_interest", "rescheduled"}, len(insts), func(i int) []any {
			d := &out[insts[i].loan]
			in := d.state.Installments[insts[i].k]
			return []any{d.id, in.Seq, civil.Format(in.DueOn), in.Principal.String(), in.Interest.String(), in.PaidPrincipal.String(),
				in.PaidInterest.String(), in.WrittenOffPrincipal.String(), in.WrittenOffInterest.String(), strconv.FormatBool(in.Rescheduled)}
		})
	})
}
