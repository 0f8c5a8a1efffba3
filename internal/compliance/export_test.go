package compliance

import (
	"context"

	"github.com/jmoiron/sqlx"

	"cartera/internal/platform/db"
)

// EvaluateAsRead evaluates covenants as the caller read them, however stale (an
// evaluation that read a covenant before it ended): for the tests of what the store
// itself refuses, whatever the locks upstream.
func (s *Service) EvaluateAsRead(ctx context.Context, covs []Covenant) error {
	return db.InTx(ctx, s.conn, func(tx *sqlx.Tx) error {
		ids := make([]int64, len(covs))
		for i, c := range covs {
			ids[i] = c.PartnerID
		}
		reports, err := s.reports.ReportsForUpdate(ctx, tx, ids)
		if err != nil {
			return err
		}
		return s.run(ctx, tx, batch{covs: covs, reports: reports})
	})
}
