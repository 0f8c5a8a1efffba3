package ledger

import (
	"context"
	"fmt"
	"time"

	"github.com/govalues/decimal"
	"github.com/jmoiron/sqlx"

	"cartera/internal/platform/civil"
	"cartera/internal/platform/db"
)

// Due is money a loan owes on installments: overdue ones (from OldestDueOn) or one
// coming installment (due on DueOn).
type Due struct {
	LoanID      int64           `db:"loan_id"`
	PartnerID   int64           `db:"partner_id"`
	Reference   string          `db:"reference"`
	Currency    string          `db:"currency"`
	DueOn       time.Time       `db:"due_on"`
	OldestDueOn time.Time       `db:"oldest_due_on"`
	Principal   decimal.Decimal `db:"principal_due"`
	Interest    decimal.Decimal `db:"interest_due"`
	// DaysPastDue counts from the oldest unpaid installment (overdue lists only).
	DaysPastDue int `db:"-"`
}

// Total is principal and interest due.
func (d Due) Total() decimal.Decimal {
	t, err := d.Principal.Add(d.Interest)
	if err != nil {
		return d.Principal
	}
	return t
}

// WatchList is a capped list and how many there are in all.
type WatchList struct {
	Items []Due
	Total int
}

type watchQueries struct {
	Overdue    *sqlx.Stmt `query:"overdue-loans"`
	DueBetween *sqlx.Stmt `query:"due-between"`
	CountDue   *sqlx.Stmt `query:"count-due-between"`
}

func prepareWatch(ctx context.Context, conn *sqlx.DB) (*watchQueries, error) {
	q := &watchQueries{}
	if err := db.PrepareQueries(ctx, conn, "ledger_watch.sql", q); err != nil {
		return nil, err
	}
	return q, nil
}

// Overdue lists loans with installments fallen due before on and still
// unpaid, the longest overdue first, at most limit of them.
func (s *Service) Overdue(ctx context.Context, on time.Time, limit int) (WatchList, error) {
	var rows []struct {
		Due
		Total int `db:"total"`
	}
	if err := s.watch.Overdue.SelectContext(ctx, &rows, civil.Of(on), limit); err != nil {
		return WatchList{}, fmt.Errorf("list overdue loans: %w", err)
	}
	out := WatchList{Items: make([]Due, len(rows))}
	for i, r := range rows {
		r.Due.DaysPastDue = civil.Days(r.OldestDueOn, civil.Of(on))
		out.Items[i], out.Total = r.Due, r.Total
	}
	return out, nil
}

// DueBetween lists the unpaid installments due from from to to, the
// soonest first, at most limit of them.
func (s *Service) DueBetween(ctx context.Context, from, to time.Time, limit int) (WatchList, error) {
	out := WatchList{Items: []Due{}}
	if err := s.watch.DueBetween.SelectContext(ctx, &out.Items, civil.Of(from), civil.Of(to), limit); err != nil {
		return WatchList{}, fmt.Errorf("list installments due: %w", err)
	}
	if err := s.watch.CountDue.GetContext(ctx, &out.Total, civil.Of(from), civil.Of(to)); err != nil {
		return WatchList{}, fmt.Errorf("count installments due: %w", err)
	}
	return out, nil
}
