// Package ledger is the store of the fund's loans: every write locks the loan, replays
// its whole history with the engine (package loan) and stores the event with what the
// replay derived and the book's new ranges, with its audit entry, in one transaction.
// It also answers the reads: a loan at a date, lists, previews, watch lists, every
// loan's position at a date, and bulk loads for synthetic books.
package ledger

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/govalues/decimal"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"cartera/internal/audit"
	"cartera/internal/book"
	"cartera/internal/fund"
	"cartera/internal/loan"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/civil"
	"cartera/internal/platform/db"
	"cartera/internal/platform/money"
)

// NewLoan is what it takes to record a loan.
type NewLoan struct {
	FundID    *int64 // may be left out when the installation has one fund
	PartnerID int64
	Reference string
	Purpose   string
	loan.Terms
}

// Detail is a loan as of a date: terms, schedule, balances, history and return.
type Detail struct {
	Loan          loan.Loan
	State         *loan.State
	Balances      loan.Balances
	Transactions  []loan.Transaction
	Reschedulings []loan.Rescheduling
	XIRR          *float64
	// Version names the loan's whole history (not only up to the as-of date): it
	// changes with every event posted. A form carries it to PostIfUnchanged.
	Version string
}

// Service records loans and their events. Every write locks the loan, replays its
// whole history with the new event, and stores the event with the figures the replay
// derives, in one transaction with its audit entry; an event the replay refuses
// writes nothing.
type Service struct {
	conn  *sqlx.DB
	audit *audit.Log
	funds *fund.Service
	book  *book.Store
	clock civil.Clock
	watch *watchQueries
	// restate are the queries of a restatement under new rules (restate.go).
	restate *restateQueries
	// list are the loans list's query templates (list.go).
	list listQueries
	q    struct {
		Insert          *sqlx.NamedStmt `query:"insert-loan"`
		Get             *sqlx.Stmt      `query:"get-loan"`
		ForUpdate       *sqlx.Stmt      `query:"get-loan-for-update"`
		UpdateDesc      *sqlx.Stmt      `query:"update-loan-description"`
		UpdateStatus    *sqlx.Stmt      `query:"update-loan-status"`
		Transactions    *sqlx.Stmt      `query:"list-transactions"`
		Reschedules     *sqlx.Stmt      `query:"list-reschedules"`
		InsertTx        *sqlx.Stmt      `query:"insert-transaction"`
		InsertResched   *sqlx.Stmt      `query:"insert-reschedule"`
		UpdateDerived   *sqlx.Stmt      `query:"update-derived"`
		DeleteInst      *sqlx.Stmt      `query:"delete-installments"`
		InsertInst      *sqlx.Stmt      `query:"insert-installments"`
		Installments    *sqlx.Stmt      `query:"list-installments"`
		PositionLoans   *sqlx.Stmt      `query:"position-loans"`
		PositionTxs     *sqlx.Stmt      `query:"position-transactions"`
		PositionResched *sqlx.Stmt      `query:"position-reschedules"`
		InsertReversal  *sqlx.Stmt      `query:"insert-reversal"`
		MarkReversed    *sqlx.Stmt      `query:"mark-reversed"`
		ReverseResched  *sqlx.Stmt      `query:"reverse-reschedule"`
		UpdateTerms     *sqlx.Stmt      `query:"update-loan-terms"`
		UpdateRestruct  *sqlx.Stmt      `query:"update-loan-restructured"`
		UpdateFigures   *sqlx.Stmt      `query:"update-loan-figures"`
		UpdateUnpaid    *sqlx.Stmt      `query:"update-loans-unpaid"`
		Cancel          *sqlx.Stmt      `query:"cancel-loan"`
	}
}

var constraints = map[string]db.Constraint{
	"loans_fund_reference_key":               {Field: "reference", Message: "the fund already has a loan with this reference"},
	"loans_fund_id_fkey":                     {Field: "fund_id", Message: "no fund has this id"},
	"loan_transactions_writeoff_reason":      {Field: "reason", Message: "a write-off needs a reason"},
	"loans_reference_check":                  {Field: "reference", Message: "must be 1 to 100 characters"},
	"loans_first_due_after_signing":          {Field: "first_due_on", Message: "must be after signed_on"},
	"loans_maturity_after_first_due":         {Field: "maturity_on", Message: "cannot be before first_due_on"},
	"loan_reschedules_new_maturity_on_check": {Field: "maturity_on", Message: "must be after the rescheduling date"},
}

// NewService prepares the loan queries.
func NewService(ctx context.Context, conn *sqlx.DB, log *audit.Log, funds *fund.Service, bk *book.Store, clock civil.Clock) (*Service, error) {
	s := &Service{conn: conn, audit: log, funds: funds, book: bk, clock: clock}
	if err := db.PrepareQueries(ctx, conn, "ledger.sql", &s.q); err != nil {
		return nil, err
	}
	var err error
	if s.watch, err = prepareWatch(ctx, conn); err != nil {
		return nil, err
	}
	if s.restate, err = prepareRestate(ctx, conn); err != nil {
		return nil, err
	}
	if s.list, err = loadListQueries(ctx, conn); err != nil {
		return nil, err
	}
	funds.OnCureChange(s.rederiveFund)
	return s, nil
}

// rederiveFund replays every loan of a fund as of today and stores what it derives
// (status, restructuring, allocations, schedule) and its book, after a change of the
// fund's cure of restructured loans is committed: each loan in its own transaction,
// locked as a write locks it (the loan, then the fund), so that none waits on another
// in a cycle. A write in between reads the new cure itself. It costs a replay per loan
// (about 1 ms for a busy one).
func (s *Service) rederiveFund(ctx context.Context, fundID int64) error {
	var ids []int64
	if err := s.conn.SelectContext(ctx, &ids, `SELECT id FROM loans WHERE fund_id = $1 AND status <> 'cancelled' ORDER BY id`, fundID); err != nil {
		return fmt.Errorf("loans of fund %d: %w", fundID, err)
	}
	for _, id := range ids {
		err := db.InTx(ctx, s.conn, func(tx *sqlx.Tx) error {
			l, err := s.lockLoan(ctx, tx, id)
			if err != nil {
				return err
			}
			txs, rs, err := s.history(ctx, tx, id)
			if err != nil || len(txs)+len(rs) == 0 {
				return err
			}
			st, err := loan.Replay(l.Terms(), loan.Events(txs, rs), s.clock.Today())
			if err != nil {
				return fmt.Errorf("re-derive loan %d: %w", id, err)
			}
			if err := s.storeDerived(ctx, tx, l, txs, st); err != nil {
				return err
			}
			return s.book.Refresh(ctx, tx, book.KeyOf(l))
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// Validate reports every rule the new loan breaks that needs no database: its
// reference, purpose and terms (Create also checks the fund and the partner).
func (in NewLoan) Validate() error {
	var bad apperr.Fields
	if ref := strings.TrimSpace(in.Reference); ref == "" || len([]rune(ref)) > 100 {
		bad.Add("reference", "must be 1 to 100 characters")
	}
	if len([]rune(strings.TrimSpace(in.Purpose))) > 2000 {
		bad.Add("purpose", "must be at most 2,000 characters")
	}
	if err := in.Terms.Validate(); err != nil {
		e, _ := apperr.As(err)
		bad = append(bad, e.Fields...)
	}
	return bad.Err()
}

// Create records a loan to a partner. Its schedule appears with the first disbursement.
func (s *Service) Create(ctx context.Context, actor audit.Actor, in NewLoan) (loan.Loan, error) {
	in.Reference = strings.TrimSpace(in.Reference)
	in.Purpose = strings.TrimSpace(in.Purpose)
	var bad apperr.Fields
	if err := in.Validate(); err != nil {
		e, _ := apperr.As(err)
		bad = append(bad, e.Fields...)
	}
	if in.FundID == nil {
		funds, err := s.funds.List(ctx)
		if err != nil {
			return loan.Loan{}, err
		}
		if len(funds) != 1 {
			bad.Add("fund_id", "is required: there are %d funds", len(funds))
		} else {
			in.FundID = &funds[0].ID
		}
	}
	if err := bad.Err(); err != nil {
		return loan.Loan{}, err
	}
	in.CureAfter = 0 // the fund's setting, read with the loan whenever it is replayed
	if in.Order == "" {
		// Not stated: the fund's default, kept on the loan (a later change of the
		// fund's default leaves the loans it already has alone).
		settings, err := s.funds.Settings(ctx, *in.FundID)
		if err != nil {
			return loan.Loan{}, err
		}
		in.Order = loan.AllocationOrder(settings.AllocationOrder)
	}
	row := loan.Loan{
		FundID: *in.FundID, PartnerID: in.PartnerID, Reference: in.Reference, Currency: in.Currency.Code,
		Committed: in.Committed, Rate: in.Rate, DayCount: in.DayCount, SignedOn: in.SignedOn,
		FirstDueOn: in.FirstDueOn, MaturityOn: in.MaturityOn, Amortization: in.Amortization,
		Frequency: in.Frequency, GracePeriods: in.GracePeriods, Purpose: in.Purpose,
		AllocationOrder: in.Order, DefaultMargin: in.DefaultMargin, PrepaymentFee: in.PrepaymentFee,
	}
	var l loan.Loan
	err := db.InTx(ctx, s.conn, func(tx *sqlx.Tx) error {
		if err := tx.NamedStmtContext(ctx, s.q.Insert).GetContext(ctx, &l, row); err != nil {
			if isConstraint(err, "loans_partner_id_fkey") {
				return apperr.NotFound("partner %d does not exist", in.PartnerID)
			}
			return db.TranslateError(err, constraints)
		}
		// Signed, the commitment counts in the exposure from its signing date.
		if err := s.book.Refresh(ctx, tx, book.KeyOf(l)); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, actor, audit.Create, "loan", l.ID, nil, l)
	})
	return loan.Normalize(l), err
}

func isConstraint(err error, name string) bool {
	var pqErr *pq.Error
	return errors.As(err, &pqErr) && pqErr.Constraint == name
}

// Get returns the loan as of asOf: schedule, balances and history up to that date.
func (s *Service) Get(ctx context.Context, id int64, asOf time.Time) (Detail, error) {
	l, err := s.getLoan(ctx, id)
	if err != nil {
		return Detail{}, err
	}
	txs, rs, err := s.history(ctx, s.conn, id)
	if err != nil {
		return Detail{}, err
	}
	// Always a replay: since interest follows the cash (rules 3) a loan's figures move
	// between its events (interest accrues, installments fall due unpaid and their
	// principal goes on bearing interest), so what the last write stored answers only
	// its own date. Measured: 0.5 ms more on a loan of 500 transactions (PERFORMANCE.md).
	return detail(loan.Normalize(l), txs, rs, asOf)
}

// storedState rebuilds the State the last write's replay stored: the schedule and the
// allocations, with the totals summed from the transactions.
func (s *Service) storedState(ctx context.Context, q sqlx.QueryerContext, l loan.Loan, txs []loan.Transaction, rs []loan.Rescheduling, asOf time.Time) (_ *loan.State, err error) {
	defer money.RecoverOverflow(&err)
	st := &loan.State{AsOf: asOf, Terms: l.Terms(), Allocations: make(map[int64]loan.Allocation, len(txs)), RestructuredOn: l.RestructuredOn}
	for _, r := range rs {
		if !r.Live() {
			continue
		}
		if r.NewMaturityOn != nil {
			st.Terms.MaturityOn = *r.NewMaturityOn
		}
		if r.NewFrequency != nil {
			st.Terms.Frequency = *r.NewFrequency
		}
		if r.NewRate != nil {
			st.Terms.Rate = *r.NewRate
		}
	}
	for _, t := range txs {
		if !t.Live() {
			continue
		}
		switch t.Kind {
		case loan.Disbursement:
			st.Disbursed = money.MustAdd(st.Disbursed, t.Amount)
		case loan.Repayment:
			st.PrincipalRepaid = money.MustAdd(st.PrincipalRepaid, t.Principal)
			st.InterestPaid = money.MustAdd(st.InterestPaid, t.Interest)
			st.Allocations[t.ID] = loan.Allocation{Principal: t.Principal, Interest: t.Interest, Prepaid: t.Prepaid, Overpaid: t.Overpaid,
				LateInterest: t.LateInterest, Fee: t.Fee}
			st.Overpaid = money.MustAdd(st.Overpaid, t.Overpaid)
		case loan.WriteOff:
			st.WrittenOff = money.MustAdd(st.WrittenOff, t.Amount)
			st.Allocations[t.ID] = loan.Allocation{Principal: t.Amount}
		case loan.Recovery:
			st.Recovered = money.MustAdd(st.Recovered, t.Amount)
			st.Allocations[t.ID] = loan.Allocation{Principal: t.Amount}
		}
	}
	st.Outstanding = money.MustSub(money.MustSub(st.Disbursed, st.PrincipalRepaid), st.WrittenOff)
	rows, err := s.stmt(q, s.q.Installments).QueryContext(ctx, l.ID)
	if err != nil {
		return nil, fmt.Errorf("loan %d schedule: %w", l.ID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var in loan.Installment
		if err := rows.Scan(&in.Seq, &in.DueOn, &in.Principal, &in.Interest, &in.PaidPrincipal, &in.PaidInterest,
			&in.WrittenOffPrincipal, &in.WrittenOffInterest, &in.Rescheduled); err != nil {
			return nil, fmt.Errorf("loan %d schedule: %w", l.ID, err)
		}
		in.DueOn = civil.Of(in.DueOn)
		st.Installments = append(st.Installments, in)
	}
	return st, rows.Err()
}

func detail(l loan.Loan, txs []loan.Transaction, rs []loan.Rescheduling, asOf time.Time) (Detail, error) {
	st, err := loan.Replay(l.Terms(), loan.Events(txs, rs), asOf)
	if err != nil {
		return Detail{}, fmt.Errorf("replay loan %d: %w", l.ID, err)
	}
	return detailOf(l, st, txs, rs, asOf), nil
}

func detailOf(l loan.Loan, st *loan.State, txs []loan.Transaction, rs []loan.Rescheduling, asOf time.Time) Detail {
	d := Detail{Loan: l, State: st, Balances: st.Balances(), Version: historyVersion(l, txs, rs)}
	if l.Status == loan.Cancelled {
		// Cancelled before anything was disbursed: nothing is drawable any more.
		d.Balances.Status, d.Balances.Undisbursed = loan.Cancelled, decimal.Zero
	}
	var flows []loan.CashFlow
	for _, t := range txs {
		if t.Date.After(asOf) {
			continue
		}
		d.Transactions = append(d.Transactions, t)
		if !t.Live() {
			continue // no cash moved, in the end
		}
		amount, _ := t.Amount.Float64()
		switch t.Kind {
		case loan.Disbursement:
			flows = append(flows, loan.CashFlow{On: t.Date, Amount: -amount})
		case loan.Repayment, loan.Recovery:
			flows = append(flows, loan.CashFlow{On: t.Date, Amount: amount})
		}
	}
	for _, r := range rs {
		if !r.EffectiveOn.After(asOf) {
			d.Reschedulings = append(d.Reschedulings, r)
		}
	}
	// The return to date counts what is still outstanding as if collected at asOf.
	if out, _ := st.Outstanding.Float64(); out > 0 {
		flows = append(flows, loan.CashFlow{On: asOf, Amount: out})
	}
	if r, ok := loan.XIRR(flows); ok {
		d.XIRR = &r
	}
	return d
}

func (s *Service) history(ctx context.Context, q sqlx.QueryerContext, id int64) ([]loan.Transaction, []loan.Rescheduling, error) {
	txs, err := s.transactions(ctx, s.stmt(q, s.q.Transactions), id)
	if err != nil {
		return nil, nil, err
	}
	rs := []loan.Rescheduling{}
	if err := s.stmt(q, s.q.Reschedules).SelectContext(ctx, &rs, id); err != nil {
		return nil, nil, fmt.Errorf("loan %d reschedulings: %w", id, err)
	}
	for i := range txs {
		txs[i].Date = civil.Of(txs[i].Date)
	}
	for i := range rs {
		rs[i].EffectiveOn = civil.Of(rs[i].EffectiveOn)
		if rs[i].NewMaturityOn != nil {
			m := civil.Of(*rs[i].NewMaturityOn)
			rs[i].NewMaturityOn = &m
		}
	}
	return txs, rs, nil
}

// transactions reads a loan's transactions, scanned by hand: a loan may have hundreds,
// and sqlx's per-row reflection was a fifth of BenchmarkGetLoan500.
func (s *Service) transactions(ctx context.Context, st *sqlx.Stmt, id int64) ([]loan.Transaction, error) {
	rows, err := st.QueryContext(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("loan %d transactions: %w", id, err)
	}
	defer rows.Close()
	txs := []loan.Transaction{}
	for rows.Next() {
		var t loan.Transaction
		if err := rows.Scan(&t.ID, &t.LoanID, &t.Kind, &t.Date, &t.Amount, &t.Principal, &t.Interest, &t.Prepaid, &t.Reason,
			&t.Reverses, &t.ReversedBy, &t.ReversedAt, &t.Overpaid, &t.LateInterest, &t.Fee); err != nil {
			return nil, fmt.Errorf("loan %d transactions: %w", id, err)
		}
		txs = append(txs, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("loan %d transactions: %w", id, err)
	}
	return txs, nil
}

// stmt binds a prepared statement to a transaction when q is one.
func (s *Service) stmt(q sqlx.QueryerContext, st *sqlx.Stmt) *sqlx.Stmt {
	if tx, ok := q.(*sqlx.Tx); ok {
		return tx.Stmtx(st)
	}
	return st
}

// getLoan reads a loan, its dates made civil; an unknown id is a 404.
func (s *Service) getLoan(ctx context.Context, id int64) (loan.Loan, error) {
	var l loan.Loan
	if err := s.q.Get.GetContext(ctx, &l, id); err != nil {
		if db.IsNoRows(err) {
			return loan.Loan{}, apperr.NotFound("loan %d does not exist", id)
		}
		return loan.Loan{}, fmt.Errorf("get loan %d: %w", id, err)
	}
	return loan.Normalize(l), nil
}

// Owed is everything owed on a loan on a date, as a repayment that day would be
// allocated: the most it may be.
func (s *Service) Owed(ctx context.Context, id int64, on time.Time) (loan.Loan, loan.Owed, error) {
	l, err := s.getLoan(ctx, id)
	if err != nil {
		return loan.Loan{}, loan.Owed{}, err
	}
	txs, rs, err := s.history(ctx, s.conn, id)
	if err != nil {
		return loan.Loan{}, loan.Owed{}, err
	}
	l = loan.Normalize(l)
	o, err := loan.OwedOn(l.Terms(), loan.Events(txs, rs), on)
	return l, o, err
}

// Posted is an event just recorded, with how it was applied and the loan after it.
type Posted struct {
	Transaction  *loan.Transaction
	Rescheduling *loan.Rescheduling
	Detail       Detail
}

// Post records a disbursement, repayment, write-off or recovery (e.Kind), or a
// rescheduling. One dated in the fund's closed books is a conflict (closed.go).
func (s *Service) Post(ctx context.Context, actor audit.Actor, loanID int64, e loan.Event) (Posted, error) {
	return s.post(ctx, actor, loanID, e, nil)
}

// PostIfUnchanged is Post for an event decided on a page that showed the loan at
// version (Detail.Version): if any event was posted since, it records nothing and
// returns a conflict naming what changed.
func (s *Service) PostIfUnchanged(ctx context.Context, actor audit.Actor, loanID int64, version string, e loan.Event) (Posted, error) {
	return s.post(ctx, actor, loanID, e, &version)
}

func (s *Service) post(ctx context.Context, actor audit.Actor, loanID int64, e loan.Event, expect *string) (Posted, error) {
	var posted Posted
	err := db.InTx(ctx, s.conn, func(tx *sqlx.Tx) error {
		l, err := s.lockLoan(ctx, tx, loanID)
		if err != nil {
			return err
		}
		if l.Status == loan.Cancelled {
			return apperr.Conflict("", fmt.Sprintf("loan %s was cancelled: nothing can be recorded on it", l.Reference))
		}
		if expect != nil {
			// Under the lock, so nothing can be posted between this check and the write.
			if err := s.checkUnchanged(ctx, tx, l, *expect); err != nil {
				return err
			}
		}
		if err := s.checkEvent(l, e); err != nil {
			return err
		}
		if err := s.CheckBooksOpen(ctx, tx, l.FundID, e.On); err != nil {
			return err
		}
		entity, recordID, err := s.insertEvent(ctx, tx, loanID, e, &posted)
		if err != nil {
			return err
		}
		e.ID = recordID
		txs, rs, st, err := s.replayAndStore(ctx, tx, l, e)
		if err != nil {
			return err
		}
		// Report the event with the allocation the replay gave it, and the loan as of
		// the event's date.
		posted.reportApplied(txs, rs, st)
		if posted.Detail, err = detail(l, txs, rs, e.On); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, actor, audit.Create, entity, recordID, nil, posted.record())
	})
	return posted, err
}

// lockLoan reads the loan for update. The row lock serializes every write to one
// loan: two repayments posted at once are applied one after the other, each against
// the other's result. Then the fund's settings under a share lock (as CheckBooksOpen
// reads them: always the loan, then the fund), for the cure the replay applies: read
// so, a write that waited for a change of them sees the change, where the query's own
// snapshot would not.
func (s *Service) lockLoan(ctx context.Context, tx *sqlx.Tx, loanID int64) (loan.Loan, error) {
	var l loan.Loan
	if err := tx.StmtxContext(ctx, s.q.ForUpdate).GetContext(ctx, &l, loanID); err != nil {
		if db.IsNoRows(err) {
			return loan.Loan{}, apperr.NotFound("loan %d does not exist", loanID)
		}
		return loan.Loan{}, fmt.Errorf("load loan %d: %w", loanID, err)
	}
	settings, err := s.funds.LockSettings(ctx, tx, l.FundID)
	if err != nil {
		return loan.Loan{}, err
	}
	l.RestructuredCure = settings.RestructuredCureInstallments
	return loan.Normalize(l), nil
}

// checkUnchanged refuses the write when the loan's history is no longer at version.
func (s *Service) checkUnchanged(ctx context.Context, tx *sqlx.Tx, l loan.Loan, version string) error {
	txs, rs, err := s.history(ctx, tx, l.ID)
	if err != nil {
		return err
	}
	return checkVersion(l, txs, rs, version)
}

// insertEvent stores the event's row, as a rescheduling or a transaction, and sets it
// in posted; it returns the audited entity and the row's id.
func (s *Service) insertEvent(ctx context.Context, tx *sqlx.Tx, loanID int64, e loan.Event, posted *Posted) (entity string, recordID int64, err error) {
	if e.Kind.IsAmendment() {
		var amount *decimal.Decimal
		if e.Kind == loan.CommitmentCancel {
			amount = &e.Amount
		}
		var r loan.Rescheduling
		if err := tx.StmtxContext(ctx, s.q.InsertResched).GetContext(ctx, &r, loanID, e.On, e.NewMaturityOn, e.NewFrequency, e.NewRate,
			e.Reason, e.Kind, amount); err != nil {
			return "", 0, db.TranslateError(err, constraints)
		}
		posted.Rescheduling = &r
		return "loan_reschedule", r.ID, nil
	}
	var t loan.Transaction
	if err := tx.StmtxContext(ctx, s.q.InsertTx).GetContext(ctx, &t, loanID, e.Kind, e.On, e.Amount, e.Reason); err != nil {
		return "", 0, db.TranslateError(err, constraints)
	}
	posted.Transaction = &t
	return "loan_transaction", t.ID, nil
}

// replayAndStore replays the loan's whole history, the new event included, up to
// today (or the event's date, were it later), and stores what the replay derived and
// the book's new ranges. It returns the history it replayed and the replay.
func (s *Service) replayAndStore(ctx context.Context, tx *sqlx.Tx, l loan.Loan, e loan.Event) ([]loan.Transaction, []loan.Rescheduling, *loan.State, error) {
	txs, rs, err := s.history(ctx, tx, l.ID)
	if err != nil {
		return nil, nil, nil, err
	}
	asOf := s.clock.Today()
	if e.On.After(asOf) {
		asOf = e.On
	}
	st, err := loan.Replay(l.Terms(), loan.Events(txs, rs), asOf)
	if err != nil {
		return nil, nil, nil, err // the new event breaks a rule: nothing is written
	}
	if err := newOverpayment(l, txs, st, e); err != nil {
		return nil, nil, nil, err
	}
	if err := s.storeDerived(ctx, tx, l, txs, st); err != nil {
		return nil, nil, nil, err
	}
	if err := s.book.Refresh(ctx, tx, book.KeyOf(l)); err != nil {
		return nil, nil, nil, err
	}
	return txs, rs, st, nil
}

// reportApplied gives every transaction of txs the allocation the replay st gave it,
// and sets the posted event to its row as replayed.
func (p *Posted) reportApplied(txs []loan.Transaction, rs []loan.Rescheduling, st *loan.State) {
	for i := range txs {
		if a, ok := st.Allocations[txs[i].ID]; ok {
			txs[i] = txs[i].AppliedAs(a)
		}
		if p.Transaction != nil && txs[i].ID == p.Transaction.ID {
			*p.Transaction = txs[i]
		}
	}
	if p.Rescheduling != nil {
		for _, r := range rs {
			if r.ID == p.Rescheduling.ID {
				*p.Rescheduling = r
			}
		}
	}
}

// record is the posted event as the audit log records it.
func (p *Posted) record() any {
	if p.Rescheduling != nil {
		return p.Rescheduling
	}
	return p.Transaction
}

// checkEvent applies the rules that need no replay, naming the API's fields.
func (s *Service) checkEvent(l loan.Loan, e loan.Event) error {
	var bad apperr.Fields
	s.checkEventDate(&bad, l, e)
	if len([]rune(e.Reason)) > 2000 {
		bad.Add("reason", "must be at most 2,000 characters")
	}
	switch e.Kind {
	case loan.Disbursement, loan.Repayment, loan.WriteOff, loan.Recovery:
		loan.CheckAmount(&bad, "amount", e.Amount, money.MustCurrency(l.Currency))
		if e.Kind == loan.WriteOff && strings.TrimSpace(e.Reason) == "" {
			bad.Add("reason", "a write-off needs a reason")
		}
	case loan.Reschedule:
		checkRescheduling(&bad, e)
	case loan.CommitmentCancel:
		loan.CheckAmount(&bad, "amount", e.Amount, money.MustCurrency(l.Currency))
	case loan.RateChange:
		if e.NewRate == nil {
			bad.Add("rate", "is required: the new annual rate, a fraction (0.085 is 8.5 %%)")
		} else if e.NewRate.IsNeg() || e.NewRate.Cmp(loan.MaxRate) >= 0 {
			bad.Add("rate", "must be a fraction from 0 to below 1 (0.085 is 8.5 %%)")
		} else if e.NewRate.MinScale() > 8 {
			bad.Add("rate", "at most 8 decimals")
		}
	default:
		bad.Add("kind", "%q cannot be recorded here", e.Kind)
	}
	return bad.Err()
}

// checkEventDate adds to bad what is wrong with the event's date.
func (s *Service) checkEventDate(bad *apperr.Fields, l loan.Loan, e loan.Event) {
	if e.On.IsZero() {
		bad.Add("date", "is required")
	} else if e.On.Before(l.SignedOn) {
		bad.Add("date", "cannot be before the loan was signed (%s)", civil.Format(l.SignedOn))
	} else if e.On.After(s.clock.Today()) {
		// Every write replays up to today, so nothing may be recorded beyond it.
		bad.Add("date", "cannot be in the future: record money when it has moved, a rescheduling once agreed")
	}
}

// checkRescheduling adds to bad what is wrong with a rescheduling's new terms.
func checkRescheduling(bad *apperr.Fields, e loan.Event) {
	if e.NewMaturityOn == nil && e.NewFrequency == nil && e.NewRate == nil {
		bad.Add("maturity_on", "a rescheduling changes the maturity, the frequency or the rate")
	}
	if e.NewMaturityOn != nil && !e.On.IsZero() && !e.NewMaturityOn.After(e.On) {
		bad.Add("maturity_on", "must be after the rescheduling date (%s)", civil.Format(e.On))
	}
	if e.NewFrequency != nil && e.NewFrequency.Months() == 0 {
		bad.Add("frequency", "must be one of monthly, quarterly, semiannual, annual")
	}
	if e.NewRate != nil && (e.NewRate.IsNeg() || e.NewRate.Cmp(loan.MaxRate) >= 0) {
		bad.Add("interest_rate", "must be a fraction from 0 to below 1 (0.085 is 8.5 %%)")
	} else if e.NewRate != nil && e.NewRate.MinScale() > 8 {
		bad.Add("interest_rate", "at most 8 decimals")
	}
}

// storeDerived writes what the replay derived: allocations that changed, the schedule,
// the status.
func (s *Service) storeDerived(ctx context.Context, tx *sqlx.Tx, l loan.Loan, txs []loan.Transaction, st *loan.State) error {
	// Allocations and running totals, in event order (txs are in date, then id, order).
	n := len(txs)
	ids := make([]int64, n)
	vals := make([][]string, len(derivedRow{}))
	for i := range vals {
		vals[i] = make([]string, n)
	}
	totals, err := derive(txs, st)
	if err != nil {
		return fmt.Errorf("store allocations of loan %d: %w", l.ID, err)
	}
	for i, d := range totals {
		ids[i] = txs[i].ID
		for k, v := range d {
			vals[k][i] = v.String()
		}
	}
	if _, err := tx.StmtxContext(ctx, s.q.UpdateDerived).ExecContext(ctx, pq.Array(ids), pq.Array(vals[0]), pq.Array(vals[1]),
		pq.Array(vals[2]), pq.Array(vals[3]), pq.Array(vals[4]), pq.Array(vals[5]), pq.Array(vals[6]), pq.Array(vals[7]),
		pq.Array(vals[8]), pq.Array(vals[9])); err != nil {
		return fmt.Errorf("store allocations of loan %d: %w", l.ID, err)
	}
	if _, err := tx.StmtxContext(ctx, s.q.DeleteInst).ExecContext(ctx, l.ID); err != nil {
		return fmt.Errorf("replace schedule of loan %d: %w", l.ID, err)
	}
	n = len(st.Installments)
	seq, due := make([]int64, n), make([]string, n)
	cols := make([][]string, 6)
	resched := make([]bool, n)
	for i := range cols {
		cols[i] = make([]string, n)
	}
	for i, in := range st.Installments {
		seq[i], due[i], resched[i] = int64(in.Seq), civil.Format(in.DueOn), in.Rescheduled
		for k, v := range []decimal.Decimal{in.Principal, in.Interest, in.PaidPrincipal, in.PaidInterest, in.WrittenOffPrincipal, in.WrittenOffInterest} {
			cols[k][i] = v.String()
		}
	}
	if _, err := tx.StmtxContext(ctx, s.q.InsertInst).ExecContext(ctx, l.ID, pq.Array(seq), pq.Array(due),
		pq.Array(cols[0]), pq.Array(cols[1]), pq.Array(cols[2]), pq.Array(cols[3]), pq.Array(cols[4]), pq.Array(cols[5]),
		pq.Array(resched)); err != nil {
		return fmt.Errorf("store schedule of loan %d: %w", l.ID, err)
	}
	disbursed, outstanding, maturity := listFigures(l, totals, st)
	if _, err := tx.StmtxContext(ctx, s.q.UpdateFigures).ExecContext(ctx, l.ID, disbursed, outstanding, maturity); err != nil {
		return fmt.Errorf("store figures of loan %d: %w", l.ID, err)
	}
	if on := restructuredNow(st); !sameDate(on, l.RestructuredOn) {
		if _, err := tx.StmtxContext(ctx, s.q.UpdateRestruct).ExecContext(ctx, l.ID, on); err != nil {
			return fmt.Errorf("store restructuring of loan %d: %w", l.ID, err)
		}
	}
	if status := st.Balances().Status; status != l.Status && l.Status != loan.Cancelled {
		if _, err := tx.StmtxContext(ctx, s.q.UpdateStatus).ExecContext(ctx, l.ID, status); err != nil {
			return fmt.Errorf("store status of loan %d: %w", l.ID, err)
		}
	}
	return nil
}

// derivedRow is what a replay derives for a transaction: principal, interest, prepaid,
// the cumulative disbursed, principal repaid, interest paid and written off, then
// overpaid, late interest and fee (update-derived's columns, in its order).
type derivedRow = [10]decimal.Decimal

// derive gives each transaction (in date, then id, order) what the replay st applied it
// to and the loan's running totals after it (derivedRow).
func derive(txs []loan.Transaction, st *loan.State) (_ []derivedRow, err error) {
	defer money.RecoverOverflow(&err)
	out := make([]derivedRow, len(txs))
	var cd, cp, ci, cw decimal.Decimal
	for i, t := range txs {
		a := st.Allocations[t.ID]
		if !t.Live() {
			// A reversed transaction keeps the allocation it had when it was reversed,
			// a reversal its own; neither counts in the running totals.
			out[i] = derivedRow{t.Principal, t.Interest, t.Prepaid, cd, cp, ci, cw, t.Overpaid, t.LateInterest, t.Fee}
			continue
		}
		switch t.Kind {
		case loan.Disbursement:
			a = loan.Allocation{Principal: t.Amount}
			cd = money.MustAdd(cd, t.Amount)
		case loan.Repayment:
			cp, ci = money.MustAdd(cp, a.Principal), money.MustAdd(ci, a.Interest)
		case loan.WriteOff:
			cw = money.MustAdd(cw, t.Amount)
		}
		out[i] = derivedRow{a.Principal, a.Interest, a.Prepaid, cd, cp, ci, cw, a.Overpaid, a.LateInterest, a.Fee}
	}
	return out, nil
}

// listFigures are what lists show of a loan after a write (the columns of
// update-loan-figures): principal disbursed and outstanding after its last live
// transaction (totals as derive gives them), and its maturity as rescheduled, nil when
// the terms' still holds.
func listFigures(l loan.Loan, totals []derivedRow, st *loan.State) (disbursed, outstanding string, maturity *string) {
	d, o := decimal.Zero, decimal.Zero
	if n := len(totals); n > 0 {
		last := totals[n-1] // a reversed one carries the totals before it
		d = last[3]
		o = money.MustSub(money.MustSub(last[3], last[4]), last[6])
	}
	if !civil.Of(st.Terms.MaturityOn).Equal(civil.Of(l.MaturityOn)) {
		m := civil.Format(st.Terms.MaturityOn)
		maturity = &m
	}
	return d.String(), o.String(), maturity
}

// restructuredNow is the restructuring the loans table keeps: the state's, while the
// loan counts as restructured at its date (a cure by the fund's setting clears it, for
// the lists and their filter).
func restructuredNow(st *loan.State) *time.Time {
	if st.CuredOn != nil && st.CuredOn.Before(st.AsOf) {
		return nil
	}
	return st.RestructuredOn
}

// sameDate reports whether two optional dates are the same day (or both absent).
func sameDate(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return civil.Of(*a).Equal(civil.Of(*b))
}
