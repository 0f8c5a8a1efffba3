package reports

import (
	"strings"
	"testing"

	"github.com/govalues/decimal"

	"cartera/internal/covenant"
	"cartera/internal/kpi"
	"cartera/internal/platform/pdftest"
)

// A Money covenant (equity at least 1,000,000 USD) on a partner reporting in PEN: the
// cell printed the value in PEN with no currency under a threshold in USD ("3,000,000
// breached" under "Equity ≥ 1,000,000 USD"). The grid now gives each cell the
// period's currency and the threshold converted into it, and both are printed.
func TestAMoneyCovenantsCellsNameTheirCurrency(t *testing.T) {
	p := adraProfile(English)
	for i := range p.Periods {
		p.Periods[i].Currency = "PEN"
	}
	eq, err := covenant.ParseMetric("equity")
	if err != nil {
		t.Fatal(err)
	}
	row := covenant.GridRow{CovenantID: 1, Terms: covenant.Terms{Metric: eq, Operator: covenant.AtLeast,
		Threshold: decimal.MustNew(1000000, 0), Currency: "USD", Frequency: covenant.EachReport}}
	g := &covenant.Grid{}
	v, converted := decimal.MustNew(3000000, 0), decimal.MustNew(3720000, 0)
	for _, period := range p.Periods {
		g.Periods = append(g.Periods, period.PeriodEnd)
		row.Cells = append(row.Cells, covenant.Cell{Status: covenant.Breached, Value: &v, Currency: "PEN", Threshold: &converted})
	}
	g.Rows = []covenant.GridRow{row}
	p.Covenants = g
	pdf, err := RenderProfile(p)
	if err != nil {
		t.Fatal(err)
	}
	text := pdftest.Text(t, pdf, false)
	i := strings.Index(text, "Covenant compliance")
	t.Logf("period currencies: %s; table: %q", p.Periods[len(p.Periods)-1].Currency, text[i:min(len(text), i+400)])
	j := strings.Index(text[i:], "Balance sheet")
	table := pdftest.PlainSpaces(text[i : i+j])
	if !strings.Contains(table, "PEN 3,000,000") || !strings.Contains(table, "≥ PEN 3,720,000") {
		t.Errorf("the compliance table names no currency for the values or their threshold: %q", table)
	}
}

// A covenant on a raw figure the documents' label table lacked (write_offs,
// loan_officers) printed its code in every language, and one on personnel_expense the
// income statement's indented "of which personnel": every raw figure now reads alone.
func TestRawFigureCovenantsReadInWords(t *testing.T) {
	for _, in := range kpi.Inputs {
		name := in.Name
		m, err := covenant.ParseMetric(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, lang := range []Lang{English, French, Spanish} {
			r := profileRenderer{doc: &doc{lang: lang}}
			got := r.metricLabel(m)
			if got == name || strings.HasPrefix(got, "of which") || strings.HasPrefix(got, "dont") || strings.HasPrefix(got, "de ellos") {
				t.Errorf("%s in %s: covenant labelled %q", name, lang, got)
			}
		}
	}
}
