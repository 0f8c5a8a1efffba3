package loan

import (
	"context"
	"database/sql"
	"fmt"
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
// when fundID is nil) and returns where each stood. The book is read in three queries
// inside one read-only snapshot, so the answer is consistent with itself whatever is
// written meanwhile. It is the reference for portfolio views: exact, replaying each
// loan's whole history.
func (s *Service) PositionsAt(ctx context.Context, asOf time.Time, fundID *int64) ([]Position, error) {
	asOf = civil.Of(asOf)
	tx, err := s.conn.BeginTxx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead})
	if err != nil {
		return nil, fmt.Errorf("positions at %s: %w", fmtDate(asOf), err)
	}
	defer tx.Rollback() //nolint:errcheck // read-only
	var loans []Loan
	if err := tx.Stmtx(s.q.BookLoans).SelectContext(ctx, &loans, asOf, fundID); err != nil {
		return nil, fmt.Errorf("book loans at %s: %w", fmtDate(asOf), err)
	}
	txs, err := s.bookTransactions(ctx, tx.Stmtx(s.q.BookTxs), asOf, fundID)
	if err != nil {
		return nil, err
	}
	var rs []Rescheduling
	if err := tx.Stmtx(s.q.BookResched).SelectContext(ctx, &rs, asOf, fundID); err != nil {
		return nil, fmt.Errorf("book reschedulings at %s: %w", fmtDate(asOf), err)
	}
	txByLoan, rsByLoan := byLoan(txs, rs)
	out := make([]Position, 0, len(loans))
	for _, l := range loans {
		l = normalizeLoan(l)
		st, err := Replay(l.Terms(), events(txByLoan[l.ID], rsByLoan[l.ID]), asOf)
		if err != nil {
			return nil, fmt.Errorf("replay loan %d: %w", l.ID, err)
		}
		out = append(out, Position{Loan: l, Balances: st.Balances(), State: st})
	}
	return out, nil
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
