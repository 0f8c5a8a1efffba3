package statements

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// recentQueries live in their own file: the dashboard's, not the ledger of reports.
type recentQueries struct {
	Recent *sqlx.Stmt `query:"recent-reports"`
}

// Received is a report as a list of what came in shows it.
type Received struct {
	ID        int64     `db:"id"`
	PartnerID int64     `db:"partner_id"`
	PeriodEnd time.Time `db:"period_end"`
	Months    int       `db:"months"`
	Currency  string    `db:"currency"`
	UpdatedAt time.Time `db:"updated_at"`
}

// Recent returns the reports entered or corrected most recently, newest first.
func (s *Service) Recent(ctx context.Context, limit int) ([]Received, error) {
	out := []Received{}
	if err := s.recent.Recent.SelectContext(ctx, &out, limit); err != nil {
		return nil, fmt.Errorf("list recent reports: %w", err)
	}
	return out, nil
}
