// Package covenant is the pure core of financial covenants: the terms a loan
// agreement sets on a partner's figures (PAR30 at most 5 %, operational
// self-sufficiency at least 110 %, equity over assets at least 15 %), which periods
// they test, the threshold as people write it, and each period's result. It reads the
// ratio engine's names and figures and knows no database.
package covenant

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/govalues/decimal"

	"cartera/internal/kpi"
	"cartera/internal/platform/civil"
)

// Kind is how a metric's value reads, which decides how a threshold may be written.
type Kind int

const (
	// Share is a part of a whole, 0 to 1 (PAR30 ratio, equity over assets): "5 %",
	// "5%" or "0.05"; a bare number above 1 is refused as ambiguous (5 % or 500 %?).
	Share Kind = iota + 1
	// Fraction is a ratio usually written as a percentage that may pass 100 %
	// (operational self-sufficiency, risk coverage, growth): "110 %" or "1.1".
	Fraction
	// Number is a plain number (debt to equity, clients per loan officer, a count).
	Number
	// Money is an amount in a currency (a raw figure such as equity, or average loan
	// balance): its threshold carries a currency, converted at the period end.
	Money
)

// Metric is what a covenant tests: a ratio of the ratio engine or a raw figure.
type Metric struct {
	Name  string
	Ratio bool // a ratio of kpi; else a raw figure of kpi.Inputs
	Kind  Kind
}

// ratioKinds says how each ratio reads. Every kpi ratio is listed (a test checks).
var ratioKinds = map[kpi.Name]Kind{
	kpi.GLPGrowth: Fraction, kpi.ClientGrowth: Fraction, kpi.AverageLoanBalance: Money,
	kpi.PAR30Ratio: Share, kpi.WriteOffRatio: Share, kpi.RiskCoverage: Fraction,
	kpi.ProvisionExpenseRatio: Share, kpi.OperatingExpenseRatio: Share, kpi.PersonnelExpenseRatio: Share,
	kpi.PortfolioYield: Fraction, kpi.CostPerClient: Money, kpi.ClientsPerLoanOfficer: Number,
	kpi.ClientsPerStaff: Number, kpi.LoanOfficersShare: Share, kpi.ROE: Fraction, kpi.ROA: Fraction,
	kpi.DebtToEquity: Number, kpi.EquityToAssets: Share, kpi.OperationalSelfSuffic: Fraction, kpi.WomenShare: Share,
}

// Metrics lists every metric a covenant may test: the ratios in the ratio engine's
// order, then the raw figures in canonical order.
func Metrics() []Metric {
	out := make([]Metric, 0, len(kpi.Names)+len(kpi.Inputs))
	for _, n := range kpi.Names {
		out = append(out, Metric{Name: string(n), Ratio: true, Kind: ratioKinds[n]})
	}
	for _, in := range kpi.Inputs {
		k := Money
		if in.Kind == kpi.Count {
			k = Number
		}
		out = append(out, Metric{Name: in.Name, Kind: k})
	}
	return out
}

// ParseMetric finds a metric by name; an unknown one is an error listing the valid.
func ParseMetric(name string) (Metric, error) {
	name = strings.ToLower(strings.TrimSpace(name))
	all := Metrics()
	for _, m := range all {
		if m.Name == name {
			return m, nil
		}
	}
	names := make([]string, len(all))
	for i, m := range all {
		names[i] = m.Name
	}
	return Metric{}, fmt.Errorf("%q is no metric: use a ratio or a raw figure (%s)", name, strings.Join(names, ", "))
}

// Operator compares a period's value with the threshold.
type Operator string

// The operators.
const (
	AtMost  Operator = "<="
	AtLeast Operator = ">="
	Below   Operator = "<"
	Above   Operator = ">"
)

// ParseOperator reads <=, >=, < or >.
func ParseOperator(s string) (Operator, error) {
	o := Operator(strings.TrimSpace(s))
	if slices.Contains([]Operator{AtMost, AtLeast, Below, Above}, o) {
		return o, nil
	}
	return "", fmt.Errorf("%q is no operator: use <=, >=, < or >", s)
}

// Holds reports whether value meets the covenant "value o threshold".
func (o Operator) Holds(value, threshold decimal.Decimal) bool {
	c := value.Cmp(threshold)
	switch o {
	case AtMost:
		return c <= 0
	case AtLeast:
		return c >= 0
	case Below:
		return c < 0
	case Above:
		return c > 0
	}
	return false
}

// Frequency picks the periods a covenant tests.
type Frequency string

// The frequencies: every stored period, or calendar period ends.
const (
	EachReport Frequency = "each_report"
	Quarterly  Frequency = "quarterly"
	Semiannual Frequency = "semiannual"
	Annual     Frequency = "annual"
)

// ParseFrequency reads a frequency.
func ParseFrequency(s string) (Frequency, error) {
	f := Frequency(strings.ToLower(strings.TrimSpace(s)))
	if slices.Contains([]Frequency{EachReport, Quarterly, Semiannual, Annual}, f) {
		return f, nil
	}
	return "", fmt.Errorf("%q is no frequency: use each_report, quarterly, semiannual or annual", s)
}

// Tests reports whether a period ending in periodEnd's month is one the frequency
// tests: quarterly March, June, September and December; semiannual June and
// December; annual December.
func (f Frequency) Tests(periodEnd time.Time) bool {
	m := periodEnd.Month()
	switch f {
	case EachReport:
		return true
	case Quarterly:
		return m%3 == 0
	case Semiannual:
		return m == time.June || m == time.December
	case Annual:
		return m == time.December
	}
	return false
}

// Terms are a covenant's: metric, operator and threshold, the periods it covers
// (From and To, To zero for open-ended), the frequency, and the days a breach has to
// be cured.
type Terms struct {
	Metric    Metric
	Operator  Operator
	Threshold decimal.Decimal
	Currency  string // for a Money metric: the threshold's currency
	From, To  time.Time
	Frequency Frequency
	CureDays  int
}

// Applies reports whether the covenant tests the period ending on periodEnd.
func (t Terms) Applies(periodEnd time.Time) bool {
	end := civil.Of(periodEnd)
	if end.Before(civil.Of(t.From)) || (!t.To.IsZero() && end.After(civil.Of(t.To))) {
		return false
	}
	return t.Frequency.Tests(end)
}
