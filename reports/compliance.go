package reports

import (
	"fmt"

	"github.com/govalues/decimal"

	"cartera/internal/covenant"
	"cartera/internal/kpi"
)

// The compliance table's labels.
var (
	lblCompliance     = text{"Covenant compliance", "Respect des covenants", "Cumplimiento de covenants"}
	lblCovenant       = text{"Covenant", "Covenant", "Covenant"}
	lblAllLoans       = text{"all loans", "tous les prêts", "todos los préstamos"}
	lblCuredBy        = text{"cure within %d days", "régularisation sous %d jours", "subsanar en %d días"}
	lblNotTested      = text{"—", "—", "—"}
	lblNoCovenantRuns = text{"No covenant has been tested in these periods.", "Aucun covenant n’a été testé sur ces périodes.", "Ningún covenant se ha evaluado en estos periodos."}
)

// statusLabels name a period's result in words, never by colour alone.
var statusLabels = map[covenant.Status]text{
	covenant.Met:         {"met", "respecté", "cumplido"},
	covenant.Breached:    {"breached", "non respecté", "incumplido"},
	covenant.Waived:      {"waived", "dérogation", "dispensado"},
	covenant.NotTestable: {"not testable", "non mesurable", "no medible"},
}

var operatorSigns = map[covenant.Operator]string{covenant.AtMost: "≤", covenant.AtLeast: "≥", covenant.Below: "<", covenant.Above: ">"}

// compliance: each covenant against the latest periods, the result in words with
// the value compared; left out when the partner has no covenant.
func (r profileRenderer) compliance() {
	g := r.p.Covenants
	if g == nil || len(g.Rows) == 0 {
		return
	}
	l := r.lang
	r.heading(lblCompliance.in(l), 20)
	if len(g.Periods) == 0 {
		r.paragraph(lblNoCovenantRuns.in(l), r.left, "", colMuted)
		return
	}
	const periodW = 26
	cols := []column{{r.width - periodW*float64(len(g.Periods)), "L"}}
	header := []string{lblCovenant.in(l)}
	for _, p := range g.Periods {
		cols = append(cols, column{periodW, "R"})
		header = append(header, r.loc.Period(p))
	}
	var rows [][]string
	for _, row := range g.Rows {
		cells := []string{r.covenantLabel(row)}
		for _, c := range row.Cells {
			cells = append(cells, r.cellText(row.Terms.Metric, c))
		}
		rows = append(rows, cells)
	}
	r.table(cols, header, rows)
}

// covenantLabel: "PAR30 ratio ≤ 5.0 %" and, below, the loan or "all loans" and the
// cure period.
func (r profileRenderer) covenantLabel(row covenant.GridRow) string {
	t := row.Terms
	s := r.metricLabel(t.Metric) + " " + operatorSigns[t.Operator] + " " + r.metricValue(t.Metric, t.Threshold)
	if t.Currency != "" {
		s += " " + t.Currency
	}
	scope := lblAllLoans.in(r.lang)
	if row.LoanRef != "" {
		scope = row.LoanRef
	}
	if t.CureDays > 0 {
		scope += " · " + fmt.Sprintf(lblCuredBy.in(r.lang), t.CureDays)
	}
	return s + "\n" + scope
}

func (r profileRenderer) metricLabel(m covenant.Metric) string {
	if m.Ratio {
		if t, ok := ratioLabels[kpi.Name(m.Name)]; ok {
			return t.in(r.lang)
		}
		return m.Name
	}
	return label(figureLabels, m.Name, r.lang)
}

// metricValue formats a value or threshold as the metric reads: a share or a
// fraction as a percentage, money and counts grouped in the locale's manner.
func (r profileRenderer) metricValue(m covenant.Metric, d decimal.Decimal) string {
	switch m.Kind {
	case covenant.Share, covenant.Fraction:
		f, _ := d.Float64()
		return r.loc.Percent(f)
	case covenant.Number:
		f, _ := d.Float64()
		return r.loc.Float(f, 2)
	}
	return r.loc.Integer(d)
}

func (r profileRenderer) cellText(m covenant.Metric, c covenant.Cell) string {
	if c.Status == "" {
		return lblNotTested.in(r.lang)
	}
	s := statusLabels[c.Status].in(r.lang)
	if c.Value != nil {
		s = r.metricValue(m, *c.Value) + "\n" + s
	}
	return s
}
