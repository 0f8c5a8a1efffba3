package compliance

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"cartera/internal/audit"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/civil"
	"cartera/internal/platform/db"
)

// Bulk is a covenant of a bulk load: on a partner (LoanID 0) or on one of its loans,
// written as Create takes it (no currency: a bulk load sets ratio covenants only).
type Bulk struct {
	PartnerID, LoanID int64
	Input             Input
}

// loadBatch is how many partners one transaction of Load covers: a few hundred
// partners' covenants, reports and results at a time, not the whole book's.
const loadBatch = 250

// Load writes covenants in bulk (the large synthetic book's), each checked as Create
// checks its terms and its loan (the partner's, not cancelled), audited and evaluated
// on all its partner's periods. A batch of partners is one transaction that writes
// their covenants and evaluates them: each committed batch is complete. Every loan is
// checked before the first batch, so a refused load writes nothing; on a failure
// later, the count is of the covenants of the batches committed. It is no path for
// users.
func (s *Service) Load(ctx context.Context, actor audit.Actor, covs []Bulk) (int, error) {
	rows, err := checkBulk(covs)
	if err != nil {
		return 0, err
	}
	if err := s.checkLoans(ctx, s.q.LoadLoans, columnsOf(rows)); err != nil {
		return 0, err
	}
	written := 0
	for _, batch := range partnerBatches(rows, loadBatch) {
		if err := db.InTx(ctx, s.conn, func(tx *sqlx.Tx) error { return s.loadPartners(ctx, tx, actor, batch) }); err != nil {
			return written, err
		}
		written += len(batch)
	}
	return written, nil
}

// bulkRow is one covenant of a load, checked, with its place in the load (0 first).
type bulkRow struct {
	at     int
	loanID int64
	c      Covenant
}

// checkBulk checks each covenant's terms as Create does.
func checkBulk(covs []Bulk) ([]bulkRow, error) {
	rows := make([]bulkRow, len(covs))
	for i, b := range covs {
		c := Covenant{PartnerID: b.PartnerID}
		if b.Input.CureDays == nil {
			b.Input.CureDays = new(int)
		}
		if err := checkRequired(b.Input, b.Input.apply(&c)); err != nil {
			return nil, fmt.Errorf("covenant %d of the load: %w", i+1, err)
		}
		if c.Currency != "" {
			return nil, fmt.Errorf("covenant %d of the load: a bulk load sets no amount thresholds (%s)", i+1, c.MetricName)
		}
		rows[i] = bulkRow{at: i, loanID: b.LoanID, c: c}
	}
	return rows, nil
}

// partnerBatches groups the rows by partner, size partners a batch, each partner's
// covenants in the load's order.
func partnerBatches(rows []bulkRow, size int) [][]bulkRow {
	sorted := slices.Clone(rows)
	slices.SortStableFunc(sorted, func(a, b bulkRow) int { return cmp.Compare(a.c.PartnerID, b.c.PartnerID) })
	var out [][]bulkRow
	partners := 0
	for i, r := range sorted {
		if i == 0 || r.c.PartnerID != sorted[i-1].c.PartnerID {
			if partners%size == 0 {
				out = append(out, nil)
			}
			partners++
		}
		out[len(out)-1] = append(out[len(out)-1], r)
	}
	return out
}

// loadPartners writes a batch's covenants with their audit entries and evaluates its
// partners' covenants, in tx, its loans share-locked and checked again (one may have
// been cancelled since Load checked them all).
func (s *Service) loadPartners(ctx context.Context, tx *sqlx.Tx, actor audit.Actor, batch []bulkRow) error {
	cols := columnsOf(batch)
	if err := s.checkLoans(ctx, tx.StmtxContext(ctx, s.q.LoadLoans), cols); err != nil {
		return err
	}
	var stored []storedBulk
	if err := tx.StmtxContext(ctx, s.q.Load).SelectContext(ctx, &stored, cols.partners, cols.loans, cols.metric, cols.op,
		cols.threshold, cols.from, cols.to, cols.freq, cols.cure, s.clock.Now()); err != nil {
		return fmt.Errorf("store %d covenants: %w", len(batch), err)
	}
	if len(stored) != len(batch) {
		return fmt.Errorf("store %d covenants: %d stored", len(batch), len(stored))
	}
	if err := s.audit.RecordAll(ctx, tx, actor, bulkChanges(stored)); err != nil {
		return err
	}
	partners := slices.Compact(slices.Sorted(slices.Values(cols.partners)))
	if err := s.EvaluatePartners(ctx, tx, partners); err != nil {
		return fmt.Errorf("evaluate the covenants of %d partners: %w", len(partners), err)
	}
	return nil
}

// bulkColumns are covenants of a load as columns, for one statement; at is each
// one's place in the load.
type bulkColumns struct {
	at                                []int
	partners, loans, cure             pq.Int64Array
	metric, op, threshold, from, freq pq.StringArray
	to                                db.NullableText
}

func columnsOf(rows []bulkRow) bulkColumns {
	var k bulkColumns
	for _, r := range rows {
		c := r.c
		k.at = append(k.at, r.at)
		k.partners, k.loans, k.cure = append(k.partners, c.PartnerID), append(k.loans, r.loanID), append(k.cure, int64(c.CureDays))
		k.metric, k.op, k.threshold = append(k.metric, c.MetricName), append(k.op, c.Operator), append(k.threshold, c.Threshold.String())
		k.from, k.freq = append(k.from, civil.Format(c.From)), append(k.freq, c.Frequency)
		var to *string
		if c.To != nil {
			day := civil.Format(*c.To)
			to = &day
		}
		k.to = append(k.to, to)
	}
	return k
}

// storedBulk is a covenant of a load as stored, for its audit entry.
type storedBulk struct {
	ID        int64   `db:"id"`
	PartnerID int64   `db:"partner_id"`
	LoanID    int64   `db:"loan_id"`
	Metric    string  `db:"metric"`
	Operator  string  `db:"operator"`
	Threshold string  `db:"threshold"`
	From      string  `db:"valid_from"`
	To        *string `db:"valid_to"`
	Frequency string  `db:"frequency"`
	CureDays  int64   `db:"cure_days"`
}

// bulkChanges are the audit entries of the covenants as stored.
func bulkChanges(stored []storedBulk) []audit.Change {
	out := make([]audit.Change, len(stored))
	for i, c := range stored {
		out[i] = audit.Change{Action: audit.Create, Entity: "covenant", EntityID: c.ID, After: map[string]any{
			"partner_id": c.PartnerID, "loan_id": c.LoanID, "metric": c.Metric, "operator": c.Operator, "threshold": c.Threshold,
			"from": c.From, "to": c.To, "frequency": c.Frequency, "cure_days": c.CureDays}}
	}
	return out
}

// checkLoans refuses the first covenant whose loan is missing, another partner's or
// cancelled, naming its place in the load: one statement (load-covenant-loans, which
// share-locks the loans in a transaction) for all the columns' covenants.
func (s *Service) checkLoans(ctx context.Context, stmt *sqlx.Stmt, k bulkColumns) error {
	var bad []struct {
		Ord     int    `db:"ord"`
		LoanID  int64  `db:"loan_id"`
		Partner int64  `db:"loan_partner_id"`
		Status  string `db:"status"`
	}
	if err := stmt.SelectContext(ctx, &bad, k.partners, k.loans); err != nil {
		return fmt.Errorf("check the loans of %d covenants: %w", len(k.partners), err)
	}
	if len(bad) == 0 {
		return nil
	}
	b, i := bad[0], bad[0].Ord-1
	var msg string
	switch {
	case b.Partner == 0:
		msg = fmt.Sprintf("loan %d does not exist", b.LoanID)
	case b.Partner != k.partners[i]:
		msg = fmt.Sprintf("loan %d belongs to partner %d, not to partner %d", b.LoanID, b.Partner, k.partners[i])
	default:
		msg = fmt.Sprintf("loan %d is cancelled: a cancelled loan takes no covenant", b.LoanID)
	}
	return fmt.Errorf("covenant %d of the load: %w", k.at[i]+1, apperr.Invalid(apperr.FieldError{Field: "loan_id", Message: msg}))
}
