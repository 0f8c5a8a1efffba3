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

// covenantFigureLabels name, standing alone, the raw figures a covenant may test that
// the statements table names as sub-lines ("of which personnel") or not at all.
var covenantFigureLabels = map[string]text{
	"par30":                        {"Portfolio at risk > 30 days", "Portefeuille à risque > 30 jours", "Cartera en riesgo > 30 días"},
	"write_offs":                   {"Write-offs", "Passages en pertes", "Castigos"},
	"portfolio_revenue":            {"Revenue from the portfolio", "Produits du portefeuille", "Ingresos de la cartera"},
	"personnel_expense":            {"Personnel expense", "Charges de personnel", "Gastos de personal"},
	"loan_officers":                {"Loan officers", "Agents de crédit", "Asesores de crédito"},
	"women_clients":                {"Women clients", "Clientes femmes", "Clientas mujeres"},
	"rural_clients":                {"Rural clients", "Clients ruraux", "Clientes rurales"},
	"branches":                     {"Branches", "Agences", "Agencias"},
	"average_gross_loan_portfolio": {"Average gross loan portfolio", "Portefeuille brut moyen", "Cartera bruta promedio"},
	"average_assets":               {"Average assets", "Actif moyen", "Activo promedio"},
	"average_equity":               {"Average equity", "Fonds propres moyens", "Patrimonio promedio"},
	"average_active_clients":       {"Average active clients", "Clients actifs moyens", "Número promedio de clientes"},
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
			cells = append(cells, r.cellText(row.Terms.Metric, row.Terms.Operator, c))
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
	if t, ok := covenantFigureLabels[m.Name]; ok {
		return t.in(r.lang)
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
		if !m.Ratio { // a count: clients, staff, branches
			return r.loc.Integer(d)
		}
		f, _ := d.Float64()
		return r.loc.Float(f, 2)
	}
	return r.loc.Integer(d)
}

func (r profileRenderer) cellText(m covenant.Metric, op covenant.Operator, c covenant.Cell) string {
	if c.Status == "" {
		return lblNotTested.in(r.lang)
	}
	s := statusLabels[c.Status].in(r.lang)
	if c.Value == nil {
		return s
	}
	if m.Kind != covenant.Money || c.Currency == "" {
		return r.metricValue(m, *c.Value) + "\n" + s
	}
	// An amount in the period's currency, and the threshold it was compared with
	// converted into that currency: the row's threshold is in the covenant's.
	s = r.loc.Amount(*c.Value, c.Currency) + "\n" + s
	if c.Threshold != nil {
		s += "\n" + operatorSigns[op] + " " + r.loc.Amount(*c.Threshold, c.Currency)
	}
	return s
}
