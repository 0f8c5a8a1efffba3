package reports

import (
	"strings"
	"testing"

	"github.com/govalues/decimal"

	"cartera/internal/covenant"
	"cartera/internal/platform/pdftest"
)

// adraCompliance is ADRA Peru's profile with two covenants over its four periods:
// operational self-sufficiency at least 100 % (partner-wide, 90 days to cure), and
// PAR30 at most 5 % on its loan, tested each June and December, the latest period
// without the figure it needs.
func adraCompliance(t *testing.T, lang Lang) (Profile, []string) {
	p := adraProfile(lang)
	oss, err := covenant.ParseMetric("operational_self_sufficiency")
	if err != nil {
		t.Fatal(err)
	}
	par, err := covenant.ParseMetric("par30_ratio")
	if err != nil {
		t.Fatal(err)
	}
	g := &covenant.Grid{}
	ossRow := covenant.GridRow{CovenantID: 1, Terms: covenant.Terms{Metric: oss, Operator: covenant.AtLeast,
		Threshold: decimal.One, Frequency: covenant.EachReport, CureDays: 90}}
	parRow := covenant.GridRow{CovenantID: 2, LoanID: 7, LoanRef: "ADRA-PEN-01", Terms: covenant.Terms{Metric: par,
		Operator: covenant.AtMost, Threshold: decimal.MustParse("0.05"), Frequency: covenant.Semiannual}}
	var ossValues []string
	for i, period := range p.Periods {
		g.Periods = append(g.Periods, period.PeriodEnd)
		// The value the table must print, computed here from the seed's figures
		// rather than through the ratio engine: revenue over the three costs.
		f := period.Figures
		costs, err := f.FinancialExpense.Add(*f.ProvisionExpense)
		if err == nil {
			costs, err = costs.Add(*f.OperatingExpense)
		}
		ratio, err2 := f.FinancialRevenue.Quo(costs)
		if err != nil || err2 != nil {
			t.Fatal(err, err2)
		}
		r, _ := ratio.Float64()
		ossValues = append(ossValues, pdftest.PlainSpaces(localeOf(lang).Percent(r)))
		v, missing := covenant.Value(oss, period)
		res := covenant.Evaluate(ossRow.Terms, period.PeriodEnd, v, missing, decimal.One)
		ossRow.Cells = append(ossRow.Cells, covenant.Cell{Status: res.Status, Value: res.Value})
		cell := covenant.Cell{Status: covenant.NotTestable, Missing: "par30 is not reported"}
		if i < len(p.Periods)-1 {
			v, _ := covenant.Value(par, period)
			cell = covenant.Cell{Status: covenant.Met, Value: v}
		}
		parRow.Cells = append(parRow.Cells, cell)
	}
	g.Rows = []covenant.GridRow{ossRow, parRow}
	p.Covenants = g
	return p, ossValues
}

func TestProfileShowsCovenantComplianceInEachLanguage(t *testing.T) {
	words := map[Lang][]string{
		English: {"Covenant compliance", "Operational self-sufficiency ≥ 100.0%", "all loans · cure within 90 days", "breached", "not testable"},
		French:  {"Respect des covenants", "Autosuffisance opérationnelle ≥ 100,0 %", "tous les prêts · régularisation sous 90 jours", "non respecté", "non mesurable"},
		Spanish: {"Cumplimiento de covenants", "Autosuficiencia operativa ≥ 100,0 %", "todos los préstamos · subsanar en 90 días", "incumplido", "no medible"},
	}
	for lang, texts := range words {
		t.Run(string(lang), func(t *testing.T) {
			p, oss := adraCompliance(t, lang)
			pdf, err := RenderProfile(p)
			if err != nil {
				t.Fatal(err)
			}
			// The self-sufficiency row prints each period's value, as computed from the
			// figures, and ADRA-PEN-01's PAR30 covenant is listed with its loan.
			pdftest.Reads(t, pdf, [][]string{oss}, append(texts, "ADRA-PEN-01"))
		})
	}
}

func TestProfileLeavesTheComplianceTableOutWithoutCovenants(t *testing.T) {
	pdf, err := RenderProfile(adraProfile(English))
	if err != nil {
		t.Fatal(err)
	}
	if text := pdftest.Text(t, pdf, false); strings.Contains(text, "Covenant compliance") {
		t.Error("a partner without covenants gets a compliance table")
	}
}
