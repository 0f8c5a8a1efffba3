package covenant

import (
	"time"

	"github.com/govalues/decimal"
)

// Grid is a partner's covenants against its periods: one row per covenant, one cell
// per period, as the partner page and the profile's compliance table show them.
type Grid struct {
	Periods []time.Time // oldest first
	Rows    []GridRow
}

// GridRow is one covenant's results over the grid's periods.
type GridRow struct {
	CovenantID int64
	LoanID     int64  // 0: a partner-level covenant, covering all the partner's loans
	LoanRef    string // the loan's reference, for a loan-level covenant
	Terms      Terms
	Cells      []Cell // one per Grid.Periods
}

// Cell is a covenant's result in one period. Status is empty when the covenant does
// not test that period (its frequency skips it, or the period is outside From–To).
type Cell struct {
	Status  Status
	Value   *decimal.Decimal
	Missing string
	// Currency is the period's reporting currency and Threshold the threshold compared
	// in it: for a Money metric the covenant's threshold converted at the period end
	// (empty and nil for the other metrics, whose threshold is the covenant's).
	Currency  string
	Threshold *decimal.Decimal
}

// FormatThreshold writes a threshold as people read it for the metric: a share or a
// fraction as a percentage ("5 %", "110 %"), anything else as a plain decimal.
func FormatThreshold(m Metric, d decimal.Decimal) string {
	if m.Kind == Share || m.Kind == Fraction {
		p, err := d.Mul(decimal.Hundred)
		if err != nil {
			return d.Trim(0).String()
		}
		return p.Trim(0).String() + " %"
	}
	return d.Trim(0).String()
}

// Describe writes the terms in one line, "par30_ratio <= 5 %".
func (t Terms) Describe() string {
	s := t.Metric.Name + " " + string(t.Operator) + " " + FormatThreshold(t.Metric, t.Threshold)
	if t.Currency != "" {
		s += " " + t.Currency
	}
	return s
}
