package compliance

import (
	"context"
	"fmt"
	"time"

	"github.com/govalues/decimal"

	"cartera/internal/covenant"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/civil"
	"cartera/internal/platform/sheet"
)

// ResultRow is one covenant's result in one period, as listed: status waived for a
// breached period whose breach is waived today. Value and Threshold are in the
// period's currency (PeriodCurrency, the report's; empty for a period not reported):
// an amount covenant's threshold converted at the period end, as compared, while
// Currency is the covenant's own. A result not testable for want of a rate keeps the
// threshold in Currency, unconverted.
type ResultRow struct {
	CovenantID int64 `db:"covenant_id" json:"covenant_id"`
	covenantRef
	// PeriodCurrency is the period's reporting currency.
	PeriodCurrency string           `db:"period_currency" json:"period_currency"`
	PeriodEnd      time.Time        `db:"period_end" json:"period_end"`
	Status         string           `db:"status" json:"status"`
	Value          *decimal.Decimal `db:"value" json:"value"`
	Threshold      decimal.Decimal  `db:"threshold" json:"threshold"`
	Missing        string           `db:"missing" json:"missing,omitempty"`
	FoundAt        time.Time        `db:"found_at" json:"found_at"`
	BreachID       int64            `db:"breach_id" json:"breach_id,omitempty"`
}

// ResultFilter selects results: a partner (0: all), a status, a range of period ends.
type ResultFilter struct {
	PartnerID int64
	Status    string
	From, To  *time.Time
}

// maxResults bounds one listing.
const maxResults = 100000

// Results lists covenant results by partner, covenant and period.
func (s *Service) Results(ctx context.Context, f ResultFilter) ([]ResultRow, error) {
	var bad apperr.Fields
	switch covenant.Status(f.Status) {
	case "", covenant.Met, covenant.Breached, covenant.Waived, covenant.NotTestable:
	default:
		bad.Add("status", "must be met, breached, waived or not_testable")
	}
	if f.From != nil && f.To != nil && f.From.After(*f.To) {
		bad.Add("from", "is after to")
	}
	if err := bad.Err(); err != nil {
		return nil, err
	}
	var all []ResultRow
	if err := s.q.ListResults.SelectContext(ctx, &all, s.clock.Today(), f.PartnerID, f.From, f.To); err != nil {
		return nil, fmt.Errorf("list covenant results: %w", err)
	}
	if len(all) > maxResults {
		return nil, apperr.Invalid(apperr.FieldError{Field: "partner_id", Message: fmt.Sprintf("more than %d results: narrow by partner or period", maxResults)})
	}
	out := []ResultRow{}
	for _, r := range all {
		if f.Status == "" || r.Status == f.Status {
			r.PeriodEnd, r.Threshold = civil.Of(r.PeriodEnd), r.Threshold.Trim(0)
			if r.Value != nil {
				v := r.Value.Trim(0)
				r.Value = &v
			}
			out = append(out, r)
		}
	}
	return out, nil
}

var resultHeader = []string{"partner_id", "partner", "covenant_id", "loan_reference", "metric", "operator", "threshold", "currency",
	"period_end", "status", "value", "missing", "breach_id", "found_at", "period_currency"}

func (r ResultRow) cells() []any {
	var value, breach any
	if r.Value != nil {
		value = *r.Value
	}
	if r.BreachID != 0 {
		breach = r.BreachID
	}
	return []any{r.PartnerID, r.PartnerName, r.CovenantID, r.LoanRef, r.Metric, r.Operator, r.Threshold, r.Currency,
		civil.Format(r.PeriodEnd), r.Status, value, r.Missing, breach, r.FoundAt.UTC().Format(time.RFC3339), r.PeriodCurrency}
}

// ExportResults writes results as "csv" (text made formula-safe) or "xlsx".
func ExportResults(rows []ResultRow, format string, today time.Time) (sheet.Download, error) {
	t := sheet.Table{Sheet: "covenant results", Header: resultHeader, Widths: map[int]float64{2: 30, 12: 60}}
	for _, r := range rows {
		t.Rows = append(t.Rows, r.cells())
	}
	return sheet.Export(t, format, "covenant-results-"+civil.Format(today))
}

// Grid is the partner's covenants against the latest `periods` period ends that have
// results, oldest first: the partner page's and the profile's compliance table. A
// cell is empty where the covenant does not test the period.
func (s *Service) Grid(ctx context.Context, partnerID int64, periods int) (covenant.Grid, error) {
	var ends []time.Time
	if err := s.q.Periods.SelectContext(ctx, &ends, partnerID, periods); err != nil {
		return covenant.Grid{}, fmt.Errorf("grid periods: %w", err)
	}
	g := covenant.Grid{Periods: make([]time.Time, len(ends))}
	col := map[time.Time]int{}
	for i := range ends {
		end := civil.Of(ends[len(ends)-1-i])
		g.Periods[i], col[end] = end, i
	}
	if len(ends) == 0 {
		return g, nil
	}
	from, to := g.Periods[0], g.Periods[len(g.Periods)-1]
	rows, err := s.Results(ctx, ResultFilter{PartnerID: partnerID, From: &from, To: &to})
	if err != nil {
		return covenant.Grid{}, err
	}
	covs, err := s.list(ctx, partnerID, 0)
	if err != nil {
		return covenant.Grid{}, err
	}
	at := map[int64]int{}
	for _, c := range covs {
		at[c.ID] = len(g.Rows)
		row := covenant.GridRow{CovenantID: c.ID, LoanRef: c.LoanRef, Terms: c.Terms(), Cells: make([]covenant.Cell, len(g.Periods))}
		if c.LoanID != nil {
			row.LoanID = *c.LoanID
		}
		g.Rows = append(g.Rows, row)
	}
	used := map[int64]bool{}
	for _, r := range rows {
		i, ok := at[r.CovenantID]
		if !ok {
			continue
		}
		used[r.CovenantID] = true
		g.Rows[i].Cells[col[r.PeriodEnd]] = gridCell(g.Rows[i].Terms, r)
	}
	// An ended covenant without results in these periods has nothing to show.
	kept := g.Rows[:0]
	for i, c := range covs {
		if c.EndedAt == nil || used[c.ID] {
			kept = append(kept, g.Rows[i])
		}
	}
	g.Rows = kept
	return g, nil
}

// gridCell is a result as the grid shows it: an amount's value with the period's
// currency and, when compared, the threshold converted into it (the row's terms give
// it in the covenant's currency).
func gridCell(t covenant.Terms, r ResultRow) covenant.Cell {
	c := covenant.Cell{Status: covenant.Status(r.Status), Value: r.Value, Missing: r.Missing}
	if t.Metric.Kind != covenant.Money || r.PeriodCurrency == "" {
		return c
	}
	c.Currency = r.PeriodCurrency
	if r.Value != nil {
		threshold := r.Threshold
		c.Threshold = &threshold
	}
	return c
}
