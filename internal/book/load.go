package book

import (
	"cartera/internal/loan"
	"cartera/internal/platform/civil"
	"cartera/internal/platform/db"
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// Loaded is a loan just copied into the ledger in bulk, with its timeline.
type Loaded struct {
	Key      Key
	Timeline []loan.Step
}

// Load writes the book of loans loaded in bulk, inside the load's transaction: keys new
// to the ledger are summed here and copied; a key that already had loans is derived
// again with them. It returns how many ranges it copied.
func (s *Store) Load(ctx context.Context, tx *sqlx.Tx, loaded []Loaded, say func(string, ...any)) (int, error) {
	existing := map[Key]bool{}
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT partner_id, fund_id, currency FROM loan_book`)
	if err != nil {
		return 0, fmt.Errorf("load book: %w", err)
	}
	for rows.Next() {
		var k Key
		if err := rows.Scan(&k.PartnerID, &k.FundID, &k.Currency); err != nil {
			rows.Close()
			return 0, fmt.Errorf("load book: %w", err)
		}
		existing[k] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("load book: %w", err)
	}
	byKey := map[Key][][]loan.Step{}
	var keys, again []Key
	for _, l := range loaded {
		k := l.Key
		if existing[k] {
			again = append(again, k)
			continue
		}
		if _, ok := byKey[k]; !ok {
			keys = append(keys, k)
		}
		byKey[k] = append(byKey[k], l.Timeline)
	}
	type keyed struct {
		key Key
		r   Range
	}
	var ranges []keyed
	for _, k := range keys {
		rs, err := Aggregate(byKey[k])
		if err != nil {
			return 0, fmt.Errorf("book %s: %w", k, err)
		}
		for _, r := range rs {
			ranges = append(ranges, keyed{k, r})
		}
	}
	err = db.WithoutIndexes(ctx, tx, "loan_book", len(ranges), func() error {
		return db.Copy(ctx, tx, "loan_book", []string{"partner_id", "fund_id", "currency", "from_on", "to_on", "outstanding",
			"undisbursed", "overdue", "par30", "restructured", "loans"}, len(ranges), func(i int) []any {
			kr := ranges[i]
			var to any
			if !kr.r.To.IsZero() {
				to = civil.Format(kr.r.To)
			}
			return []any{kr.key.PartnerID, kr.key.FundID, kr.key.Currency, civil.Format(kr.r.From), to, kr.r.Outstanding.String(),
				kr.r.Undisbursed.String(), kr.r.Overdue.String(), kr.r.PAR30.String(), kr.r.Restructured.String(), kr.r.Loans}
		})
	})
	if err != nil {
		return 0, err
	}
	say("%d book ranges copied", len(ranges))
	if err := s.Refresh(ctx, tx, again...); err != nil {
		return 0, err
	}
	// Statistics for the plans of what follows, on tables that just grew by millions.
	if _, err := tx.ExecContext(ctx, `ANALYZE loan_book`); err != nil {
		return 0, fmt.Errorf("load book: %w", err)
	}
	// The country book of every loaded partner's country, whole.
	changed := map[int64]time.Time{}
	for _, k := range keys {
		changed[k.PartnerID] = beginning
	}
	return len(ranges), s.refreshCountriesOf(ctx, tx, changed)
}
