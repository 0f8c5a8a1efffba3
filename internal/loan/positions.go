package loan

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"sync"
	"time"

	"cartera/internal/platform/civil"
)

// Position is a loan as it stood at a date: its terms, its balances and its schedule.
type Position struct {
	Loan     Loan
	Balances Balances
	State    *State
}

// PositionsAt replays every loan signed on or before the date (of one fund, or all
// when fundID is nil) and returns where each stood, in loan order. It is the
// reference for portfolio views: exact, replaying each loan's whole history. It holds
// every position, schedules included: EachPositionAt gives them one at a time.
func (s *Service) PositionsAt(ctx context.Context, asOf time.Time, fundID *int64) ([]Position, error) {
	var out []Position
	err := s.EachPositionAt(ctx, asOf, fundID, func(p Position) error {
		out = append(out, p)
		return nil
	})
	return out, err
}

// EachPositionAt replays every loan signed on or before the date (of one fund, or all
// when fundID is nil) and gives each position to visit, in loan order, from one
// goroutine; it stops at visit's first error. The book is read inside one read-only
// snapshot, so the answer is consistent with itself whatever is written meanwhile.
// The transactions stream loan by loan and the loans are replayed on every core while
// the next are read: on the large book, holding every transaction first was 2.7 GB and
// 10 s a call.
func (s *Service) EachPositionAt(ctx context.Context, asOf time.Time, fundID *int64, visit func(Position) error) error {
	asOf = civil.Of(asOf)
	tx, err := s.conn.BeginTxx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead})
	if err != nil {
		return fmt.Errorf("positions at %s: %w", fmtDate(asOf), err)
	}
	defer tx.Rollback() //nolint:errcheck // read-only
	var loans []Loan
	if err := tx.Stmtx(s.q.BookLoans).SelectContext(ctx, &loans, asOf, fundID); err != nil {
		return fmt.Errorf("book loans at %s: %w", fmtDate(asOf), err)
	}
	var rs []Rescheduling
	if err := tx.Stmtx(s.q.BookResched).SelectContext(ctx, &rs, asOf, fundID); err != nil {
		return fmt.Errorf("book reschedulings at %s: %w", fmtDate(asOf), err)
	}
	_, rsByLoan := byLoan(nil, rs)
	rows, err := tx.Stmtx(s.q.BookTxs).QueryContext(ctx, asOf, fundID)
	if err != nil {
		return fmt.Errorf("book transactions at %s: %w", fmtDate(asOf), err)
	}
	defer rows.Close()

	// The reader hands each loan with its transactions to the workers and, in the
	// same order, the slot its position will arrive in; the caller's goroutine takes
	// the slots in turn, so visit sees the loans in order.
	type replayed struct {
		pos Position
		err error
	}
	type job struct {
		loan Loan
		txs  []Transaction
		slot chan replayed
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	workers := max(runtime.GOMAXPROCS(0), 1)
	jobs, slots := make(chan job, 4*workers), make(chan chan replayed, 4*workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				st, err := Replay(j.loan.Terms(), events(j.txs, rsByLoan[j.loan.ID]), asOf)
				if err != nil {
					j.slot <- replayed{err: fmt.Errorf("replay loan %d: %w", j.loan.ID, err)}
					continue
				}
				j.slot <- replayed{pos: Position{Loan: j.loan, Balances: st.Balances(), State: st}}
			}
		}()
	}
	readErr := make(chan error, 1)
	go func() {
		defer close(slots)
		defer close(jobs)
		readErr <- func() error {
			var next *Transaction // read ahead: the first of the next loan's
			for _, l := range loans {
				var txs []Transaction
				for {
					if next == nil {
						if !rows.Next() {
							break
						}
						var t Transaction
						if err := rows.Scan(&t.ID, &t.LoanID, &t.Kind, &t.Date, &t.Amount, &t.Principal, &t.Interest, &t.Prepaid, &t.Reason); err != nil {
							return fmt.Errorf("book transactions: %w", err)
						}
						t.Date = civil.Of(t.Date)
						next = &t
					}
					if next.LoanID != l.ID {
						break
					}
					txs, next = append(txs, *next), nil
				}
				if next != nil && next.LoanID < l.ID {
					return fmt.Errorf("book transactions: loan %d's are out of order", next.LoanID)
				}
				slot := make(chan replayed, 1)
				select {
				case slots <- slot:
				case <-ctx.Done():
					return ctx.Err()
				}
				select {
				case jobs <- job{loan: normalizeLoan(l), txs: txs, slot: slot}:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			return rows.Err()
		}()
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

// bookTransactions reads many loans' transactions (by the query st and its args),
// scanned by hand as transactions are.
func (s *Service) bookTransactions(ctx context.Context, st interface {
	QueryContext(context.Context, ...any) (*sql.Rows, error)
}, args ...any) ([]Transaction, error) {
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return nil, fmt.Errorf("book transactions: %w", err)
	}
	defer rows.Close()
	var txs []Transaction
	for rows.Next() {
		var t Transaction
		if err := rows.Scan(&t.ID, &t.LoanID, &t.Kind, &t.Date, &t.Amount, &t.Principal, &t.Interest, &t.Prepaid, &t.Reason); err != nil {
			return nil, fmt.Errorf("book transactions: %w", err)
		}
		txs = append(txs, t)
	}
	return txs, rows.Err()
}
