package ledger

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"

	"cartera/internal/loan"
	"cartera/internal/platform/civil"
)

// Position is a loan as it stood at a date: its terms, its balances and its schedule.
type Position struct {
	Loan     loan.Loan
	Balances loan.Balances
	State    *loan.State
}

// EachPositionAt replays every loan signed on or before the date (of one fund, or all
// when fundID is nil) and gives each position to visit, in loan order, from one
// goroutine; it stops at visit's first error. The book is read inside one read-only
// snapshot, so the answer is consistent with itself whatever is written meanwhile.
// It is the reference for portfolio views: exact, replaying each loan's whole history.
// The transactions stream loan by loan and the loans are replayed on every core while
// the next are read: on the large book, holding every transaction first was 2.7 GB and
// 10 s a call.
func (s *Service) EachPositionAt(ctx context.Context, asOf time.Time, fundID *int64, visit func(Position) error) error {
	asOf = civil.Of(asOf)
	tx, err := s.conn.BeginTxx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead})
	if err != nil {
		return fmt.Errorf("positions at %s: %w", civil.Format(asOf), err)
	}
	defer tx.Rollback() //nolint:errcheck // read-only
	b, err := s.openPositionBook(ctx, tx, asOf, fundID)
	if err != nil {
		return err
	}
	defer b.rows.Close()
	return b.replayInOrder(ctx, visit)
}

// positionBook is the book at a date as one snapshot reads it: the loans in loan
// order with their reschedulings, and their transactions streaming in the same order.
type positionBook struct {
	asOf     time.Time
	loans    []loan.Loan
	rsByLoan map[int64][]loan.Rescheduling
	rows     *sql.Rows
	next     *loan.Transaction // read ahead: the first of the next loan's
}

// replayedPosition is a loan's position, or why it could not be replayed.
type replayedPosition struct {
	pos Position
	err error
}

// positionJob is a loan with its transactions, for a worker to replay into slot.
type positionJob struct {
	loan loan.Loan
	txs  []loan.Transaction
	slot chan replayedPosition
}

// openPositionBook reads the loans and reschedulings of the book at asOf and starts
// the stream of its transactions.
func (s *Service) openPositionBook(ctx context.Context, tx *sqlx.Tx, asOf time.Time, fundID *int64) (*positionBook, error) {
	b := &positionBook{asOf: asOf}
	if err := tx.Stmtx(s.q.PositionLoans).SelectContext(ctx, &b.loans, asOf, fundID); err != nil {
		return nil, fmt.Errorf("book loans at %s: %w", civil.Format(asOf), err)
	}
	var rs []loan.Rescheduling
	if err := tx.Stmtx(s.q.PositionResched).SelectContext(ctx, &rs, asOf, fundID); err != nil {
		return nil, fmt.Errorf("book reschedulings at %s: %w", civil.Format(asOf), err)
	}
	_, b.rsByLoan = loan.ByLoan(nil, rs)
	rows, err := tx.Stmtx(s.q.PositionTxs).QueryContext(ctx, asOf, fundID)
	if err != nil {
		return nil, fmt.Errorf("book transactions at %s: %w", civil.Format(asOf), err)
	}
	b.rows = rows
	return b, nil
}

// replayInOrder replays the loans on every core while the next are read, and gives
// each position to visit in loan order; it stops at the first error.
//
// The reader hands each loan with its transactions to the workers and, in the same
// order, the slot its position will arrive in; the caller's goroutine takes the slots
// in turn, so visit sees the loans in order.
func (b *positionBook) replayInOrder(ctx context.Context, visit func(Position) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	workers := max(runtime.GOMAXPROCS(0), 1)
	jobs, slots := make(chan positionJob, 4*workers), make(chan chan replayedPosition, 4*workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b.replayJobs(jobs)
		}()
	}
	readErr := make(chan error, 1)
	go func() {
		defer close(slots)
		defer close(jobs)
		readErr <- b.feed(ctx, jobs, slots)
	}()
	defer wg.Wait()
	for slot := range slots {
		r := <-slot
		if r.err == nil {
			r.err = visit(r.pos)
		}
		if r.err != nil {
			cancel()
			for range slots { // let the reader stop
			}
			return r.err
		}
	}
	return <-readErr
}

// replayJobs replays each job's loan at the book's date into the job's slot.
func (b *positionBook) replayJobs(jobs <-chan positionJob) {
	for j := range jobs {
		st, err := loan.Replay(j.loan.Terms(), loan.Events(j.txs, b.rsByLoan[j.loan.ID]), b.asOf)
		if err != nil {
			j.slot <- replayedPosition{err: fmt.Errorf("replay loan %d: %w", j.loan.ID, err)}
			continue
		}
		j.slot <- replayedPosition{pos: Position{Loan: j.loan, Balances: st.Balances(), State: st}}
	}
}

// feed reads each loan's transactions and hands the loan to the workers, its slot
// first to slots, until the loans are done or ctx is cancelled.
func (b *positionBook) feed(ctx context.Context, jobs chan<- positionJob, slots chan<- chan replayedPosition) error {
	for _, l := range b.loans {
		txs, err := b.transactionsOf(l.ID)
		if err != nil {
			return err
		}
		slot := make(chan replayedPosition, 1)
		select {
		case slots <- slot:
		case <-ctx.Done():
			return ctx.Err()
		}
		select {
		case jobs <- positionJob{loan: loan.Normalize(l), txs: txs, slot: slot}:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return b.rows.Err()
}

// transactionsOf reads the stream's transactions of loan id, which are next in it,
// keeping the first of the next loan's read ahead.
func (b *positionBook) transactionsOf(id int64) ([]loan.Transaction, error) {
	var txs []loan.Transaction
	for {
		if b.next == nil {
			if !b.rows.Next() {
				break
			}
			var t loan.Transaction
			if err := b.rows.Scan(&t.ID, &t.LoanID, &t.Kind, &t.Date, &t.Amount, &t.Principal, &t.Interest, &t.Prepaid, &t.Reason); err != nil {
				return nil, fmt.Errorf("book transactions: %w", err)
			}
			t.Date = civil.Of(t.Date)
			b.next = &t
		}
		if b.next.LoanID != id {
			break
		}
		txs, b.next = append(txs, *b.next), nil
	}
	if b.next != nil && b.next.LoanID < id {
		return nil, fmt.Errorf("book transactions: loan %d's are out of order", b.next.LoanID)
	}
	return txs, nil
}
