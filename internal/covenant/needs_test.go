package covenant

import (
	"strings"
	"testing"

	"github.com/govalues/decimal"

	"cartera/internal/kpi"
)

// full is a report with every figure, all positive and consistent, and the same a
// year earlier: every ratio computes.
func full(withAverages bool) []kpi.Statement {
	mk := func(end string) kpi.Statement {
		r := kpi.Statement{PeriodEnd: day(end), Months: 12, Currency: "USD"}
		for i, in := range kpi.Inputs {
			if strings.HasPrefix(in.Name, "average_") && !withAverages {
				continue
			}
			v := decimal.MustNew(int64(1000+i), 0)
			in.Set(&r.Figures, &v)
		}
		return r
	}
	return []kpi.Statement{mk("2024-12-31"), mk("2025-12-31")}
}

func latestRatio(reports []kpi.Statement, n kpi.Name) (*float64, kpi.Figures) {
	ps := kpi.Compute(reports)
	last := ps[len(ps)-1]
	return last.Ratios[n].Value, last.Figures
}

// TestRatioNeedsAreTheEnginesInputs checks the table of figures each ratio needs
// against the ratio engine itself: without any figure listed (and its reported
// average) the ratio is gone and the message names that figure; without any figure
// not listed it still computes.
func TestRatioNeedsAreTheEnginesInputs(t *testing.T) {
	for _, n := range kpi.Names {
		needs, ok := ratioNeeds[n]
		if !ok {
			t.Errorf("%s: no figures listed", n)
			continue
		}
		listed := map[string]bool{}
		for _, nd := range needs {
			listed[nd.figure], listed[nd.average] = true, true
		}
		for _, in := range kpi.Inputs {
			reports := full(true)
			in.Set(&reports[1].Figures, nil)
			for _, nd := range needs {
				if nd.figure == in.Name && nd.average != "" {
					avg, _ := kpi.InputByName(nd.average)
					avg.Set(&reports[1].Figures, nil)
				}
			}
			v, figs := latestRatio(reports, n)
			switch {
			case listed[in.Name] && !strings.HasPrefix(in.Name, "average_"):
				if v != nil {
					t.Errorf("%s computes without %s, which the table says it needs", n, in.Name)
				} else if msg := whyNoRatio(n, figs); !strings.Contains(msg, in.Name+" is not reported") {
					t.Errorf("%s without %s: %q does not name it", n, in.Name, msg)
				}
			case !listed[in.Name] && v == nil:
				t.Errorf("%s needs %s, which the table does not list", n, in.Name)
			}
		}
	}
}

func TestWhyNoRatioWithEveryFigure(t *testing.T) {
	reports := full(false)
	growth := reports[1:] // no report a year earlier
	if v, figs := latestRatio(growth, kpi.GLPGrowth); v != nil || !strings.Contains(whyNoRatio(kpi.GLPGrowth, figs), "twelve months earlier") {
		t.Errorf("glp_growth without last year: %v, %q", v, whyNoRatio(kpi.GLPGrowth, figs))
	}
	zero := decimal.Zero
	reports[1].Figures.TotalAssets = &zero
	if v, figs := latestRatio(reports, kpi.EquityToAssets); v != nil || !strings.HasSuffix(whyNoRatio(kpi.EquityToAssets, figs), "its denominator is zero") {
		t.Errorf("equity_to_assets over zero assets: %v, %q", v, whyNoRatio(kpi.EquityToAssets, figs))
	}
	reports[1].Figures.Equity, reports[1].Figures.TotalAssets = nil, nil
	m, _ := ParseMetric("equity_to_assets")
	_, missing := Value(m, kpi.Compute(reports)[1])
	if missing != "equity_to_assets cannot be computed: equity, total_assets are not reported" {
		t.Errorf("two figures missing: %q", missing)
	}
}
