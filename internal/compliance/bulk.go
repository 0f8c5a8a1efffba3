package compliance

import (
	"context"
	"fmt"
	"slices"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"cartera/internal/audit"
	"cartera/internal/platform/civil"
	"cartera/internal/platform/db"
)

// Bulk is a covenant of a bulk load: on a partner (LoanID 0) or on one of its loans,
// written as Create takes it (no currency: a bulk load sets ratio covenants only).
type Bulk struct {
	PartnerID, LoanID int64
	Input             Input
}

// loadBatch is how many partners one evaluation transaction covers in Load: a few
// hundred partners' reports and results at a time, not the whole book's.
const loadBatch = 250

// Load writes covenants in bulk (the large synthetic book's), each checked as Create
// checks its terms and audited, then evaluates every partner concerned on all its
// periods, a batch of partners per transaction. It trusts the loader for the partners
// and loans (their foreign keys still hold) and is no path for users.
func (s *Service) Load(ctx context.Context, actor audit.Actor, covs []Bulk) (int, error) {
	n := len(covs)
	partners, loans, cure := make(pq.Int64Array, n), make(pq.Int64Array, n), make(pq.Int64Array, n)
	metric, op, threshold, from, freq := make(pq.StringArray, n), make(pq.StringArray, n), make(pq.StringArray, n),
		make(pq.StringArray, n), make(pq.StringArray, n)
	for i, b := range covs {
		c := Covenant{PartnerID: b.PartnerID}
		if b.Input.CureDays == nil {
			b.Input.CureDays = new(int)
		}
		if err := checkRequired(b.Input, b.Input.apply(&c)); err != nil {
			return 0, fmt.Errorf("covenant %d of the load: %w", i+1, err)
		}
		if c.Currency != "" {
			return 0, fmt.Errorf("covenant %d of the load: a bulk load sets no amount thresholds (%s)", i+1, c.MetricName)
		}
		partners[i], loans[i], cure[i] = b.PartnerID, b.LoanID, int64(c.CureDays)
		metric[i], op[i], threshold[i], freq[i] = c.MetricName, c.Operator, c.Threshold.String(), c.Frequency
		from[i] = civil.Format(c.From)
	}
	err := db.InTx(ctx, s.conn, func(tx *sqlx.Tx) error {
		var ids []int64
		if err := tx.StmtxContext(ctx, s.q.Load).SelectContext(ctx, &ids, partners, loans, metric, op, threshold, from, freq, cure,
			s.clock.Now()); err != nil {
			return fmt.Errorf("store %d covenants: %w", n, err)
		}
		changes := make([]audit.Change, len(ids))
		for i, id := range ids {
			changes[i] = audit.Change{Action: audit.Create, Entity: "covenant", EntityID: id, After: map[string]any{
				"partner_id": partners[i], "loan_id": loans[i], "metric": metric[i], "operator": op[i], "threshold": threshold[i],
				"from": from[i], "frequency": freq[i], "cure_days": cure[i]}}
		}
		return s.audit.RecordAll(ctx, tx, actor, changes)
	})
	if err != nil {
		return 0, err
	}
	ids := slices.Compact(slices.Sorted(slices.Values(partners)))
	for start := 0; start < len(ids); start += loadBatch {
		batch := ids[start:min(start+loadBatch, len(ids))]
		if err := db.InTx(ctx, s.conn, func(tx *sqlx.Tx) error { return s.EvaluatePartners(ctx, tx, batch) }); err != nil {
			return n, fmt.Errorf("evaluate the covenants of %d partners: %w", len(batch), err)
		}
	}
	return n, nil
}
