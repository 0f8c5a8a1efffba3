package ledger

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/govalues/decimal"
	"github.com/jmoiron/sqlx"

	"cartera/internal/audit"
	"cartera/internal/fund"
	"cartera/internal/loan"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/civil"
	"cartera/internal/platform/db"
	"cartera/internal/platform/money"
)

// closedBooks is a ledger on 2026-12-15 with a loan of fund 1 disbursed, repaid, partly
// written off, recovered and rescheduled through 2026, then the fund's books closed
// through 2026-10-31. Fund 2's books are open.
type closedBooks struct {
	s      *Service
	conn   *sqlx.DB
	funds  *fund.Service
	loanID int64
	// repaid, rescheduled: entries dated before the close.
	repaid, rescheduled int64
}

var closedThrough = civil.Date(2026, 10, 31)

func newClosedBooks(t *testing.T) closedBooks {
	t.Helper()
	ctx := context.Background()
	s, conn, _, funds := bookService(t, civil.Date(2026, 12, 15))
	_, err := conn.Exec(`INSERT INTO funds (name, base_currency) VALUES ('Closed', 'USD'), ('Open', 'USD');
		INSERT INTO partners (name, country, legal_status) VALUES ('P', 'BO', 'ngo')`)
	ok(t, err)
	actor := audit.System("test")
	l, err := s.Create(ctx, actor, NewLoan{FundID: ptr(int64(1)), PartnerID: 1, Reference: "L1", Terms: closedTerms()})
	ok(t, err)
	c := closedBooks{s: s, conn: conn, funds: funds, loanID: l.ID}
	post := func(e loan.Event) Posted {
		t.Helper()
		p, err := s.Post(ctx, actor, l.ID, e)
		ok(t, err)
		return p
	}
	post(loan.Event{Kind: loan.Disbursement, On: civil.Date(2026, 1, 15), Amount: usd("60000")})
	c.repaid = post(loan.Event{Kind: loan.Repayment, On: civil.Date(2026, 2, 15), Amount: usd("5600")}).Transaction.ID
	post(loan.Event{Kind: loan.WriteOff, On: civil.Date(2026, 5, 20), Amount: usd("1000"), Reason: "flood"})
	post(loan.Event{Kind: loan.Recovery, On: civil.Date(2026, 6, 1), Amount: usd("100")})
	c.rescheduled = post(loan.Event{Kind: loan.Reschedule, On: civil.Date(2026, 8, 1), NewMaturityOn: ptr(civil.Date(2028, 1, 15)), Reason: "r"}).Rescheduling.ID
	_, err = funds.UpdateSettings(ctx, actor, 1, func(st *fund.Settings) error {
		st.BooksClosedThrough = ptr(closedThrough)
		return nil
	})
	ok(t, err)
	return c
}

// closedTerms: 100,000 USD at 12 %, ACT/360, monthly equal principal from 2026-01-15.
func closedTerms() loan.Terms {
	return loan.Terms{Currency: money.MustCurrency("USD"), Committed: usd("100000"), Rate: decimal.MustParse("0.12"),
		DayCount: loan.ACT360, SignedOn: civil.Date(2026, 1, 10), FirstDueOn: civil.Date(2026, 2, 15), MaturityOn: civil.Date(2027, 1, 15),
		Amortization: loan.EqualPrincipal, Frequency: loan.Monthly}
}

func usd(s string) decimal.Decimal { return decimal.MustParse(s) }

// rows counts what a refused write must leave as it was.
func (c closedBooks) rows(t *testing.T) string {
	t.Helper()
	var n string
	ok(t, c.conn.Get(&n, `SELECT concat_ws(' ', (SELECT count(*) FROM loans), (SELECT count(*) FROM loan_transactions),
		(SELECT count(*) FROM loan_reschedules WHERE reversed_at IS NULL), (SELECT count(*) FROM audit_log),
		(SELECT count(*) FROM loan_transactions WHERE reversed_by IS NOT NULL))`))
	return n
}

// mustBeClosed checks err is the closed books' conflict on field, naming both dates.
func mustBeClosed(t *testing.T, err error, field string, on time.Time) {
	t.Helper()
	e, isApp := apperr.As(err)
	if !isApp || e.Kind != apperr.KindConflict || len(e.Fields) != 1 || e.Fields[0].Field != field {
		t.Fatalf("want a conflict on %s, got %v", field, err)
	}
	if !strings.Contains(e.Message, "closed through 2026-10-31") || !strings.Contains(e.Message, civil.Format(on)) {
		t.Errorf("the message names not both dates: %s", e.Message)
	}
}

func TestClosedBooksRefuseEntriesOnOrBeforeTheClose(t *testing.T) {
	c := newClosedBooks(t)
	ctx, actor := context.Background(), audit.System("test")
	newMaturity := ptr(civil.Date(2028, 6, 15))
	for _, tt := range []struct {
		name         string
		e            loan.Event
		closed, open time.Time // a date in the closed books, and one after
	}{
		{"disbursement", loan.Event{Kind: loan.Disbursement, Amount: usd("1000")}, civil.Date(2026, 10, 15), civil.Date(2026, 11, 2)},
		{"repayment", loan.Event{Kind: loan.Repayment, Amount: usd("100")}, closedThrough, civil.Date(2026, 11, 5)},
		{"write-off", loan.Event{Kind: loan.WriteOff, Amount: usd("100"), Reason: "r"}, civil.Date(2026, 9, 1), civil.Date(2026, 11, 10)},
		{"recovery", loan.Event{Kind: loan.Recovery, Amount: usd("50")}, civil.Date(2026, 10, 20), civil.Date(2026, 11, 12)},
		{"rescheduling", loan.Event{Kind: loan.Reschedule, NewMaturityOn: newMaturity, Reason: "r"}, civil.Date(2026, 1, 31), civil.Date(2026, 11, 20)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := c.rows(t)
			e := tt.e
			e.On = tt.closed
			_, err := c.s.Preview(ctx, c.loanID, "", e)
			mustBeClosed(t, err, "date", tt.closed)
			_, err = c.s.Post(ctx, actor, c.loanID, e)
			mustBeClosed(t, err, "date", tt.closed)
			if after := c.rows(t); after != before {
				t.Errorf("a refused write wrote: rows %s, then %s", before, after)
			}
			e.On = tt.open
			if _, err := c.s.Post(ctx, actor, c.loanID, e); err != nil {
				t.Errorf("after the close: %v", err)
			}
		})
	}
}

func TestClosedBooksRefuseReversalsOfClosedEntries(t *testing.T) {
	c := newClosedBooks(t)
	ctx, actor := context.Background(), audit.System("test")
	before := c.rows(t)
	for _, tt := range []struct {
		id int64
		on time.Time
	}{{c.repaid, civil.Date(2026, 2, 15)}, {c.rescheduled, civil.Date(2026, 8, 1)}} {
		_, err := c.s.PreviewReversal(ctx, c.loanID, tt.id)
		mustBeClosed(t, err, "transaction_id", tt.on)
		_, err = c.s.Reverse(ctx, actor, c.loanID, tt.id, "mistake", nil)
		mustBeClosed(t, err, "transaction_id", tt.on)
	}
	if after := c.rows(t); after != before {
		t.Errorf("a refused reversal wrote: rows %s, then %s", before, after)
	}
	// An entry after the close may be reversed.
	p, err := c.s.Post(ctx, actor, c.loanID, loan.Event{Kind: loan.Repayment, On: civil.Date(2026, 11, 16), Amount: usd("300")})
	ok(t, err)
	if _, err := c.s.Reverse(ctx, actor, c.loanID, p.Transaction.ID, "mistake", nil); err != nil {
		t.Errorf("reversal after the close: %v", err)
	}
	// Re-opened (the close moved back before the entry), the entry may be reversed too.
	_, err = c.funds.UpdateSettings(ctx, actor, 1, func(st *fund.Settings) error {
		st.BooksClosedThrough = ptr(civil.Date(2026, 1, 31))
		return nil
	})
	ok(t, err)
	if _, err := c.s.Reverse(ctx, actor, c.loanID, c.repaid, "mistake", nil); err != nil {
		t.Errorf("reversal after re-opening: %v", err)
	}
}

// TestClosedBooksRefuseBulkLoads: a load with one event in a closed period writes
// nothing; the same histories into a fund with open books load.
func TestClosedBooksRefuseBulkLoads(t *testing.T) {
	c := newClosedBooks(t)
	ctx, actor := context.Background(), audit.System("test")
	events := []loan.Event{{Kind: loan.Disbursement, On: civil.Date(2026, 10, 3), Amount: usd("5000")},
		{Kind: loan.Repayment, On: civil.Date(2026, 11, 30), Amount: usd("10")}}
	history := func(fundID int64, ref string) History {
		return History{Loan: NewLoan{FundID: &fundID, PartnerID: 1, Reference: ref, Terms: closedTerms()}, Events: events}
	}
	before := c.rows(t)
	_, err := c.s.Load(ctx, actor, []History{history(2, "A"), history(1, "B")}, civil.Date(2026, 12, 15), nil)
	mustBeClosed(t, err, "loans[1].events", civil.Date(2026, 10, 3))
	if after := c.rows(t); after != before {
		t.Errorf("a refused load wrote: rows %s, then %s", before, after)
	}
	if _, err := c.s.Load(ctx, actor, []History{history(2, "A")}, civil.Date(2026, 12, 15), nil); err != nil {
		t.Errorf("a load into open books: %v", err)
	}
}

// TestClosedBooksLeaveLoansWithNothingBooked: new terms or a cancellation of a loan
// nothing was disbursed on change no entry, so a signing date in the closed period
// does not stop them (the decision in closed.go).
func TestClosedBooksLeaveLoansWithNothingBooked(t *testing.T) {
	c := newClosedBooks(t)
	ctx, actor := context.Background(), audit.System("test")
	l, err := c.s.Create(ctx, actor, NewLoan{FundID: ptr(int64(1)), PartnerID: 1, Reference: "PIPE", Terms: closedTerms()})
	ok(t, err)
	if _, err := c.s.Edit(ctx, actor, l.ID, func(e *Editable) error {
		e.Committed, e.SignedOn = usd("90000"), civil.Date(2026, 1, 5)
		return nil
	}); err != nil {
		t.Errorf("edit of a pipeline loan signed in the closed period: %v", err)
	}
	if _, err := c.s.Cancel(ctx, actor, l.ID, "entered twice"); err != nil {
		t.Errorf("cancellation of a pipeline loan signed in the closed period: %v", err)
	}
}

// TestCloseWaitsForAWriteInFlight: the check holds a share lock on the fund's row to
// the end of the write's transaction, so a close cannot slip in between the check and
// the commit: it waits, then applies.
func TestCloseWaitsForAWriteInFlight(t *testing.T) {
	c := newClosedBooks(t)
	ctx, actor := context.Background(), audit.System("test")
	done := make(chan error, 1)
	err := db.InTx(ctx, c.conn, func(tx *sqlx.Tx) error {
		if err := c.s.CheckBooksOpen(ctx, tx, 1, civil.Date(2026, 11, 20)); err != nil {
			return err
		}
		go func() {
			_, err := c.funds.UpdateSettings(ctx, actor, 1, func(st *fund.Settings) error {
				st.BooksClosedThrough = ptr(civil.Date(2026, 11, 30))
				return nil
			})
			done <- err
		}()
		select {
		case err := <-done:
			t.Errorf("the close did not wait for the write in flight: %v", err)
		case <-time.After(300 * time.Millisecond):
		}
		return nil
	})
	ok(t, err)
	ok(t, <-done)
	tx, err := c.conn.BeginTxx(ctx, nil)
	ok(t, err)
	defer func() { _ = tx.Rollback() }()
	err = c.s.CheckBooksOpen(ctx, tx, 1, civil.Date(2026, 11, 20))
	if e, isApp := apperr.As(err); !isApp || e.Kind != apperr.KindConflict || !strings.Contains(e.Message, "closed through 2026-11-30") {
		t.Errorf("after the close: %v", err)
	}
}
