package statements

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// yearQueries live in their own file: the newsletter form's, not the ledger of reports.
type yearQueries struct {
	Years *sqlx.Stmt `query:"report-years"`
}

// YearSpan is the first and latest calendar year a partner has a report for.
type YearSpan struct {
	PartnerID int64 `db:"partner_id"`
	First     int   `db:"first_year"`
	Last      int   `db:"last_year"`
}

// ReportYears returns the span of years of every partner with reports, in one query
// however many partners there are.
func (s *Service) ReportYears(ctx context.Context) (map[int64]YearSpan, error) {
	var rows []YearSpan
	if err := s.years.Years.SelectContext(ctx, &rows); err != nil {
		return nil, fmt.Errorf("list report years: %w", err)
	}
	out := make(map[int64]YearSpan, len(rows))
	for _, r := range rows {
		out[r.PartnerID] = r
	}
	return out, nil
}
