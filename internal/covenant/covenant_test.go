package covenant

import (
	"strings"
	"testing"
	"time"

	"github.com/govalues/decimal"

	"cartera/internal/kpi"
	"cartera/internal/platform/civil"
)

func TestEveryRatioHasAKind(t *testing.T) {
	for _, n := range kpi.Names {
		if ratioKinds[n] == 0 {
			t.Errorf("ratio %s has no kind", n)
		}
	}
	if got, want := len(Metrics()), len(kpi.Names)+len(kpi.Inputs); got != want {
		t.Errorf("%d metrics, want %d", got, want)
	}
}

func TestParseMetric(t *testing.T) {
	m, err := ParseMetric(" PAR30_ratio ")
	if err != nil || !m.Ratio || m.Kind != Share {
		t.Errorf("par30_ratio: %+v %v", m, err)
	}
	if m, err := ParseMetric("equity"); err != nil || m.Ratio || m.Kind != Money {
		t.Errorf("equity: %+v %v", m, err)
	}
	if m, err := ParseMetric("branches"); err != nil || m.Kind != Number {
		t.Errorf("branches: %+v %v", m, err)
	}
	if _, err := ParseMetric("par90"); err == nil || !strings.Contains(err.Error(), "operational_self_sufficiency") {
		t.Errorf("an unknown metric's error must list the valid ones: %v", err)
	}
}

// Thresholds as people write them in a loan agreement.
func TestParseThreshold(t *testing.T) {
	par30, _ := ParseMetric("par30_ratio")
	oss, _ := ParseMetric("operational_self_sufficiency")
	dte, _ := ParseMetric("debt_to_equity")
	equity, _ := ParseMetric("equity")
	for _, tc := range []struct {
		m    Metric
		in   string
		want string // "" for an error
		says string
	}{
		{par30, "5 %", "0.05", ""}, {par30, "5%", "0.05", ""}, {par30, "0.05", "0.05", ""}, {par30, " 7.5 % ", "0.075", ""},
		{par30, "1", "1", ""}, {par30, "5", "", "ambiguous"}, {par30, "100%", "1", ""},
		{oss, "110 %", "1.1", ""}, {oss, "1.1", "1.1", ""}, {oss, "100%", "1", ""},
		{dte, "6", "6", ""}, {dte, "600 %", "", "not a percentage"},
		{equity, "1500000", "1500000", ""}, {equity, "1e6", "", "not a threshold"},
		{par30, "five", "", "not a threshold"}, {par30, "", "", "not a threshold"}, {par30, "5 % %", "", "not a threshold"},
	} {
		got, err := ParseThreshold(tc.m, tc.in)
		switch {
		case tc.want == "" && (err == nil || !strings.Contains(err.Error(), tc.says)):
			t.Errorf("%s %q: %s, %v; want an error saying %q", tc.m.Name, tc.in, got, err, tc.says)
		case tc.want != "" && (err != nil || !got.Equal(decimal.MustParse(tc.want))):
			t.Errorf("%s %q: %s, %v; want %s", tc.m.Name, tc.in, got, err, tc.want)
		}
	}
}

func TestFrequencyAndPeriod(t *testing.T) {
	terms := Terms{From: civil.Date(2024, 1, 1), To: civil.Date(2025, 6, 30), Frequency: Quarterly}
	for _, tc := range []struct {
		end  time.Time
		want bool
	}{
		{civil.Date(2023, 12, 31), false}, // before From
		{civil.Date(2024, 2, 29), false},  // not a quarter end
		{civil.Date(2024, 3, 31), true},
		{civil.Date(2025, 6, 30), true}, // To is included
		{civil.Date(2025, 9, 30), false},
	} {
		if got := terms.Applies(tc.end); got != tc.want {
			t.Errorf("quarterly, %s: %v", civil.Format(tc.end), got)
		}
	}
	months := map[Frequency][]time.Month{EachReport: {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, Quarterly: {3, 6, 9, 12},
		Semiannual: {6, 12}, Annual: {12}}
	for f, want := range months {
		var got []time.Month
		for m := time.January; m <= time.December; m++ {
			if f.Tests(civil.Date(2024, m, civil.DaysIn(2024, m))) {
				got = append(got, m)
			}
		}
		if len(got) != len(want) {
			t.Errorf("%s tests %v, want %v", f, got, want)
		}
	}
	if open := (Terms{From: civil.Date(2024, 1, 1), Frequency: Annual}); !open.Applies(civil.Date(2040, 12, 31)) {
		t.Error("a covenant without To applies to every later period")
	}
	for _, s := range []string{"monthly", ""} {
		if _, err := ParseFrequency(s); err == nil {
			t.Errorf("frequency %q accepted", s)
		}
	}
	for _, s := range []string{"=<", "=", ""} {
		if _, err := ParseOperator(s); err == nil {
			t.Errorf("operator %q accepted", s)
		}
	}
}

// A ratio of exactly the threshold meets it: the ratio engine's float noise
// (1,707,001.66 over 34,140,033.20 is 0.049999999999999996 in float64) must not
// make "at least 5 %" a breach.
func TestEvaluateAtTheThreshold(t *testing.T) {
	par30, _ := ParseMetric("par30_ratio")
	terms := Terms{Metric: par30, Operator: AtMost, Threshold: decimal.MustParse("0.05"), Frequency: EachReport}
	d := func(s string) *decimal.Decimal { v := decimal.MustParse(s); return &v }
	end := civil.Date(2024, 3, 31)
	p := kpi.Compute([]kpi.Statement{{PeriodEnd: end, Months: 3, Currency: "USD",
		Figures: kpi.Figures{GrossLoanPortfolio: d("34140033.20"), PAR30: d("1707001.66")}}})[0]
	if f := *p.Ratios[kpi.PAR30Ratio].Value; f == 0.05 {
		t.Fatalf("the ratio engine gave exactly 0.05: the case no longer shows float noise")
	}
	v, missing := Value(par30, p)
	if v == nil || !v.Equal(decimal.MustParse("0.05")) {
		t.Fatalf("value %v (%s), want 0.05", v, missing)
	}
	if r := Evaluate(terms, end, v, missing, terms.Threshold); r.Status != Met {
		t.Errorf("exactly 5 %% against at most 5 %%: %s", r.Status)
	}
	if r := Evaluate(Terms{Metric: par30, Operator: AtLeast}, end, v, missing, terms.Threshold); r.Status != Met {
		t.Errorf("exactly 5 %% against at least 5 %%: %s", r.Status)
	}
	above := d("0.0500000001")
	if r := Evaluate(terms, end, above, "", terms.Threshold); r.Status != Breached {
		t.Errorf("above: %s", r.Status)
	}
	oss, _ := ParseMetric("operational_self_sufficiency")
	if v, missing := Value(oss, p); v != nil || !strings.Contains(missing, "operational_self_sufficiency") {
		t.Errorf("a ratio the period cannot compute: %v %q", v, missing)
	}
	if r := Evaluate(Terms{Metric: oss, Operator: AtLeast}, end, nil, "x", decimal.One); r.Status != NotTestable || r.Missing != "x" {
		t.Errorf("not testable: %+v", r)
	}
	equity, _ := ParseMetric("equity")
	if v, missing := Value(equity, p); v != nil || missing != "equity is not reported" {
		t.Errorf("a figure not reported: %v %q", v, missing)
	}
}

// The story: a breach found by an import, cured by the next period, reopened
// when a correction makes that period breach too.
func TestTrackBreaches(t *testing.T) {
	at := func(month time.Month, day int) time.Time { return time.Date(2024, month, day, 10, 0, 0, 0, time.UTC) }
	f := func(end time.Time, s Status, found time.Time) Finding {
		return Finding{Result: Result{PeriodEnd: end, Status: s}, FoundAt: found}
	}
	q1, q2, q3 := civil.Date(2024, 3, 31), civil.Date(2024, 6, 30), civil.Date(2024, 9, 30)
	findings := []Finding{f(q1, Breached, at(5, 2)), f(q2, Met, at(8, 1)), f(q3, Met, at(11, 3))}
	bs := Track(findings, 90)
	if len(bs) != 1 || bs[0].Opened.PeriodEnd != q1 || bs[0].ClosedBy == nil || bs[0].ClosedBy.PeriodEnd != q2 {
		t.Fatalf("breach then cure: %+v", bs)
	}
	if want := civil.Date(2024, 7, 31); !bs[0].CureBy.Equal(want) {
		t.Errorf("cure by %s, want %s (found + 90 days)", civil.Format(bs[0].CureBy), civil.Format(want))
	}
	// A correction of Q2 (found later) breaches too: the breach stays open through Q2
	// and Q3 closes it.
	findings[1] = f(q2, Breached, at(12, 1))
	bs = Track(findings, 90)
	if len(bs) != 1 || bs[0].ClosedBy == nil || bs[0].ClosedBy.PeriodEnd != q3 {
		t.Fatalf("corrected: %+v", bs)
	}
	// Not testable says nothing: the breach stays open, and is uncured past its date.
	bs = Track([]Finding{f(q1, Breached, at(5, 2)), f(q2, NotTestable, at(8, 1))}, 30)
	if len(bs) != 1 || bs[0].ClosedBy != nil || !bs[0].Uncured(civil.Date(2024, 6, 2)) || bs[0].Uncured(civil.Date(2024, 6, 1)) {
		t.Errorf("open and uncured after 30 days: %+v", bs)
	}
	// Two breaches with a cure between them.
	bs = Track([]Finding{f(q1, Breached, at(5, 2)), f(q2, Met, at(8, 1)), f(q3, Breached, at(11, 3))}, 0)
	if len(bs) != 2 || bs[1].ClosedBy != nil {
		t.Errorf("breach, cure, breach: %+v", bs)
	}
}
