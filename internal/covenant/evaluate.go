package covenant

import (
	"fmt"
	"strings"
	"time"

	"github.com/govalues/decimal"

	"cartera/internal/kpi"
	"cartera/internal/platform/money"
)

// ParseThreshold reads a threshold as people write it for the metric: "5 %", "5%"
// or "0.05" for a share or a fraction (a percentage is divided by 100), a plain
// decimal otherwise. For a Share a bare number above 1 is refused as ambiguous:
// "5" may mean 5 % or 500 %. The value is exact: no float on the way.
func ParseThreshold(m Metric, s string) (decimal.Decimal, error) {
	text := strings.TrimSpace(s)
	number, percent := strings.CutSuffix(text, "%")
	number = strings.TrimSpace(number)
	if percent && (m.Kind == Number || m.Kind == Money) {
		return decimal.Zero, fmt.Errorf("%q: %s is not a percentage; write a plain number", s, m.Name)
	}
	d, err := money.ParseAmount(number)
	if err != nil {
		return decimal.Zero, fmt.Errorf("%q is not a threshold such as \"5 %%\" or \"0.05\"", s)
	}
	if percent {
		if d, err = d.Quo(decimal.Hundred); err != nil {
			return decimal.Zero, fmt.Errorf("%q: %w", s, err)
		}
		return d.Trim(0), nil
	}
	if m.Kind == Share && d.Cmp(decimal.One) > 0 {
		return decimal.Zero, fmt.Errorf("%q is ambiguous for %s, a share: write \"%s %%\" or \"%s\"", s, m.Name, d, mustQuo(d))
	}
	return d, nil
}

func mustQuo(d decimal.Decimal) string {
	q, err := d.Quo(decimal.Hundred)
	if err != nil {
		return "?"
	}
	return q.Trim(0).String()
}

// Status is a covenant's result for one period.
type Status string

// The statuses.
const (
	Met         Status = "met"
	Breached    Status = "breached"
	Waived      Status = "waived"
	NotTestable Status = "not_testable"
)

// Result is a covenant's result for the period ending PeriodEnd: the value compared
// (nil when not testable) and, when not testable, what is missing.
type Result struct {
	PeriodEnd time.Time
	Status    Status
	Value     *decimal.Decimal
	Missing   string
}

// Value is the metric's value in a period, as a decimal: a ratio is rounded to ten
// decimals (the ratio engine's floats carry binary noise: 0.05 can be
// 0.05000000000000000277, which must not breach "at most 5 %"), a raw figure is
// exact. missing names what the period lacks when there is no value.
func Value(m Metric, p kpi.Period) (v *decimal.Decimal, missing string) {
	if m.Ratio {
		r := p.Ratios[kpi.Name(m.Name)]
		if r.Value == nil {
			return nil, whyNoRatio(kpi.Name(m.Name), p.Figures)
		}
		d, err := decimal.NewFromFloat64(*r.Value)
		if err != nil {
			return nil, m.Name + " is out of range"
		}
		d = d.Round(10).Trim(0)
		return &d, ""
	}
	in, ok := kpi.InputByName(m.Name)
	if !ok {
		return nil, m.Name + " is no figure"
	}
	f := p.Figures
	if got := *in.Of(&f); got != nil {
		d := *got
		return &d, ""
	}
	return nil, m.Name + " is not reported"
}

// Evaluate is the covenant's result for a period with value (nil: not testable, for
// missing). threshold is the terms' threshold in the period's currency (a Money
// threshold converted at the period end by the caller; the others as they are).
func Evaluate(t Terms, periodEnd time.Time, value *decimal.Decimal, missing string, threshold decimal.Decimal) Result {
	r := Result{PeriodEnd: periodEnd, Value: value}
	switch {
	case value == nil:
		r.Status, r.Missing = NotTestable, missing
	case t.Operator.Holds(*value, threshold):
		r.Status = Met
	default:
		r.Status = Breached
	}
	return r
}
