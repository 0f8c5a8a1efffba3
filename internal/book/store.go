// Package book is the loan book: the derived read model that exposure and the
// portfolio read. It keeps, per partner, fund and currency, ranges of dates over which
// the book's figures (outstanding, undisbursed, overdue, PAR30 and the restructured
// part of it, open loans) are constant, and the same per country; summing it at a date is what replaying every
// loan to that date gives, in one query instead of a replay of the whole book.
//
// The ledger writes it in the transaction of every write (Refresh) and of a bulk load
// (Load); the book reads the ledger's tables (loans, loan_transactions,
// loan_reschedules) as its input and never writes them.
package book

import (
	"cartera/internal/loan"
	"cartera/internal/platform/db"
	"context"
	"database/sql"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// Store keeps the book and answers what it holds at a date.
type Store struct {
	conn *sqlx.DB
	q    struct {
		LockKey          *sqlx.Stmt `query:"lock-book-key"`
		KeyLoans         *sqlx.Stmt `query:"book-key-loans"`
		LoansTxs         *sqlx.Stmt `query:"loans-transactions"`
		LoansResched     *sqlx.Stmt `query:"loans-reschedules"`
		KeyRanges        *sqlx.Stmt `query:"book-key-ranges"`
		DeleteRanges     *sqlx.Stmt `query:"delete-book-ranges"`
		InsertRanges     *sqlx.Stmt `query:"insert-book-ranges"`
		TakeRebuild      *sqlx.Stmt `query:"take-book-rebuild"`
		Keys             *sqlx.Stmt `query:"book-keys"`
		RangesAt         *sqlx.Stmt `query:"book-ranges-at"`
		CurrenciesAt     *sqlx.Stmt `query:"book-currencies-at"`
		LockCountry      *sqlx.Stmt `query:"lock-book-country"`
		PartnerCountries *sqlx.Stmt `query:"partner-countries"`
		CountryRanges    *sqlx.Stmt `query:"country-open-ranges"`
		CountriesRanges  *sqlx.Stmt `query:"countries-ranges"`
		CutCountry       *sqlx.Stmt `query:"cut-country-book"`
		CutPartners      *sqlx.Stmt `query:"cut-country-partners"`
		InsertCountry    *sqlx.Stmt `query:"insert-country-book"`
		InsertPartners   *sqlx.Stmt `query:"insert-country-partners"`
		TakeStale        *sqlx.Stmt `query:"take-stale-countries"`
		CountryAt        *sqlx.Stmt `query:"country-book-at"`
	}
}

// NewStore prepares the book's queries and, when a migration asked for it, derives
// the whole book again.
func NewStore(ctx context.Context, conn *sqlx.DB) (*Store, error) {
	s := &Store{conn: conn}
	if err := db.PrepareQueries(ctx, conn, "book.sql", &s.q); err != nil {
		return nil, err
	}
	if err := s.rebuildIfAsked(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// scanTransactions reads many loans' transactions (by the query st and its args),
// scanned by hand as the ledger scans a loan's transactions.
func scanTransactions(ctx context.Context, st interface {
	QueryContext(context.Context, ...any) (*sql.Rows, error)
}, args ...any) ([]loan.Transaction, error) {
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return nil, fmt.Errorf("book transactions: %w", err)
	}
	defer rows.Close()
	var txs []loan.Transaction
	for rows.Next() {
		var t loan.Transaction
		if err := rows.Scan(&t.ID, &t.LoanID, &t.Kind, &t.Date, &t.Amount, &t.Principal, &t.Interest, &t.Prepaid, &t.Reason); err != nil {
			return nil, fmt.Errorf("book transactions: %w", err)
		}
		txs = append(txs, t)
	}
	return txs, rows.Err()
}
