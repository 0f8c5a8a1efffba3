package reports

import (
	"fmt"
	"strings"

	"github.com/govalues/decimal"

	"cartera/internal/kpi"
)

// RenderProfile renders the partner profile: page 1 the figures, charts and peer
// position; page 2 the fund's loans, the statements, description, strengths and
// risks. Long texts flow onto further pages.
func RenderProfile(p Profile) ([]byte, error) {
	d := newDoc("A4", p.Lang, lblProfile.in(p.Lang)+" · "+p.Partner.Name, p.Fund, p.AsOf)
	r := profileRenderer{doc: d, p: p}
	r.header()
	if len(p.Periods) == 0 {
		d.heading(lblHeadline.in(p.Lang), 10)
		d.paragraph(fmt.Sprintf(lblNoFigures.in(p.Lang), d.loc.Date(p.AsOf)), d.left, "", colMuted)
	} else {
		r.headlineTable()
		r.charts()
		r.peers()
	}
	d.pdf.AddPage()
	r.loans()
	r.compliance()
	if len(p.Periods) > 0 {
		r.statements()
	}
	r.texts()
	return d.bytes()
}

type profileRenderer struct {
	*doc
	p Profile
}

func (r profileRenderer) latest() *kpi.Period {
	if len(r.p.Periods) == 0 {
		return nil
	}
	return &r.p.Periods[len(r.p.Periods)-1]
}

// header: the name (wrapping if long), then country, legal status, methodology, and
// the date and unit of the figures.
func (r profileRenderer) header() {
	l := r.lang
	r.font("B", 7.5, colMuted)
	r.cell(r.width, 4, strings.ToUpper(lblProfile.in(l)), "L")
	r.pdf.Ln(5)
	r.font("B", 17, colBrand)
	for _, line := range r.lines(r.p.Partner.Name, r.width) {
		r.ensure(8)
		r.pdf.SetX(r.left)
		r.cell(r.width, 7.5, line, "L")
		r.pdf.Ln(7.5)
	}
	facts := []string{r.loc.Country(r.p.Partner.Country), label(legalStatusLabels, r.p.Partner.LegalStatus, l)}
	if r.p.Partner.Methodology != "" {
		facts = append(facts, label(methodologyLabels, r.p.Partner.Methodology, l))
	}
	r.paragraph(strings.Join(facts, " · "), r.left, "", colInk)
	when := fmt.Sprintf(lblAsOf.in(l), r.loc.Date(r.p.AsOf))
	if last := r.latest(); last != nil {
		when += " · " + fmt.Sprintf(lblAmountsIn.in(l), currencyPrefix(last.Currency))
	}
	r.paragraph(when, r.left, "", colMuted)
	r.pdf.Ln(1)
}

// value formatters for the headline and statement tables.
func (r profileRenderer) thousands(d *decimal.Decimal) string {
	if d == nil {
		return lblNA.in(r.lang)
	}
	return r.loc.Thousands(*d)
}

func (r profileRenderer) count(d *decimal.Decimal) string {
	if d == nil {
		return lblNA.in(r.lang)
	}
	return r.loc.Integer(*d)
}

func (r profileRenderer) ratio(p kpi.Period, n kpi.Name) string {
	v := p.Ratios[n].Value
	if v == nil {
		return lblNA.in(r.lang)
	}
	if isPercent(n) {
		return r.loc.Percent(*v)
	}
	return r.loc.Float(*v, 0)
}

// isPercent tells the ratios shown as percentages from those in clients or money.
func isPercent(n kpi.Name) bool {
	switch n {
	case kpi.AverageLoanBalance, kpi.CostPerClient, kpi.ClientsPerLoanOfficer, kpi.ClientsPerStaff, kpi.DebtToEquity:
		return false
	}
	return true
}

// periodColumns are the headers of the period columns; a period in another currency
// than the latest says which.
func (r profileRenderer) periodColumns() []string {
	last := r.latest()
	out := make([]string, len(r.p.Periods))
	for i, p := range r.p.Periods {
		out[i] = r.loc.Period(p.PeriodEnd)
		if p.Currency != last.Currency {
			out[i] += " (" + p.Currency + ")"
		}
	}
	return out
}

// tableColumns gives the label column what the period columns leave.
func (r profileRenderer) tableColumns() []column {
	const periodW = 26
	cols := []column{{r.width - periodW*float64(len(r.p.Periods)), "L"}}
	for range r.p.Periods {
		cols = append(cols, column{periodW, "R"})
	}
	return cols
}

type tableRow struct {
	label string
	cell  func(p kpi.Period) string
}

func (r profileRenderer) rows(spec []tableRow) [][]string {
	var out [][]string
	for _, s := range spec {
		row := []string{s.label}
		for _, p := range r.p.Periods {
			row = append(row, s.cell(p))
		}
		out = append(out, row)
	}
	return out
}

func (r profileRenderer) figureRow(name string, unit string, get func(f *kpi.Figures) *decimal.Decimal, inThousands bool) tableRow {
	lbl := label(figureLabels, name, r.lang)
	if unit != "" {
		lbl += " (" + unit + ")"
	}
	return tableRow{lbl, func(p kpi.Period) string {
		if inThousands {
			return r.thousands(get(&p.Figures))
		}
		return r.count(get(&p.Figures))
	}}
}

func (r profileRenderer) ratioRow(n kpi.Name, unit string) tableRow {
	lbl := ratioLabels[n].in(r.lang)
	if unit != "" {
		lbl += " (" + unit + ")"
	}
	return tableRow{lbl, func(p kpi.Period) string { return r.ratio(p, n) }}
}

// headlineTable is the rating report's company profile: DOMAIN.md's fifteen rows.
func (r profileRenderer) headlineTable() {
	l := r.lang
	r.heading(lblHeadline.in(l), 30)
	glp := func(f *kpi.Figures) *decimal.Decimal { return f.GrossLoanPortfolio }
	spec := []tableRow{
		r.figureRow("gross_loan_portfolio", "", glp, true),
		r.ratioRow(kpi.GLPGrowth, ""),
		r.figureRow("active_clients", "", func(f *kpi.Figures) *decimal.Decimal { return f.ActiveClients }, false),
		r.figureRow("loans_outstanding", "", func(f *kpi.Figures) *decimal.Decimal { return f.LoansOutstanding }, false),
		r.ratioRow(kpi.AverageLoanBalance, lblUnits.in(l)),
		r.figureRow("total_assets", "", func(f *kpi.Figures) *decimal.Decimal { return f.TotalAssets }, true),
		r.figureRow("equity", "", func(f *kpi.Figures) *decimal.Decimal { return f.Equity }, true),
		r.figureRow("net_income", "", func(f *kpi.Figures) *decimal.Decimal { return f.NetIncome }, true),
		r.figureRow("total_staff", "", func(f *kpi.Figures) *decimal.Decimal { return f.TotalStaff }, false),
		r.ratioRow(kpi.ROE, ""),
		r.ratioRow(kpi.OperatingExpenseRatio, ""),
		r.ratioRow(kpi.PAR30Ratio, ""),
		r.ratioRow(kpi.ClientsPerLoanOfficer, ""),
		r.ratioRow(kpi.ClientsPerStaff, ""),
		r.ratioRow(kpi.PortfolioYield, ""),
	}
	header := append([]string{""}, r.periodColumns()...)
	r.table(r.tableColumns(), header, r.rows(spec))
}

// charts: GLP bars with the PAR30 line, and ROE, side by side.
func (r profileRenderer) charts() {
	const h = 58
	r.ensure(h + 4)
	r.pdf.Ln(4)
	y := r.pdf.GetY()
	labels := r.periodColumns()
	var glp, par, roe series
	for _, p := range r.p.Periods {
		if p.Currency != r.latest().Currency {
			glp = append(glp, nil) // another currency: the table shows it, the axis cannot
		} else {
			glp = append(glp, floatOf(p.GrossLoanPortfolio, 1000))
		}
		par = append(par, p.Ratios[kpi.PAR30Ratio].Value)
		roe = append(roe, p.Ratios[kpi.ROE].Value)
	}
	half := (r.width - 6) / 2
	thousands := func(v float64) string { return r.loc.Float(v, 0) }
	percent := func(v float64) string { return r.loc.Percent(v) }
	r.barLineChart(r.left, y, half, h, lblChartGLP.in(r.lang), labels, glp, par, thousands, percent,
		fmt.Sprintf("%s ('000 %s)", label(figureLabels, "gross_loan_portfolio", r.lang), r.latest().Currency), "PAR30")
	r.lineChart(r.left+half+6, y, half, h, lblChartROE.in(r.lang), labels, roe, percent)
	r.pdf.SetY(y + h + 2)
}

// floatOf is an amount as a chart coordinate (divided by unit), or nil.
func floatOf(d *decimal.Decimal, unit int64) *float64 {
	if d == nil {
		return nil
	}
	q, err := d.Quo(decimal.MustNew(unit, 0))
	if err != nil {
		return nil
	}
	f, _ := q.Float64()
	return &f
}

// peers: one bar per key ratio, worst to best, with the partner's dot.
func (r profileRenderer) peers() {
	l := r.lang
	g := r.p.Peers
	r.heading(lblPeers.in(l), 24)
	if g == nil || g.Members < 3 {
		r.paragraph(lblNoPeers.in(l), r.left, "", colMuted)
		return
	}
	r.paragraph(fmt.Sprintf(lblPeerGroup.in(l), g.Members, r.loc.WorldRegion(g.WorldRegion), r.loc.Period(g.PeriodEnd)), r.left, "", colMuted)
	r.pdf.Ln(1)
	const labelW, valueW = 58, 38
	barW := r.width - labelW - valueW - 14
	r.font("", 6.5, colMuted)
	r.pdf.SetX(r.left + labelW + 7)
	r.cell(barW/2, 3, lblWorst.in(l), "L")
	r.cell(barW/2, 3, lblBest.in(l), "R")
	r.pdf.Ln(4)
	for _, pr := range g.Ratios {
		r.font("", fontBody, colInk)
		labelLines := r.pdf.SplitText(ratioLabels[pr.Name].in(l), labelW)
		rowH := max(6.5, float64(len(labelLines))*lineH+2.3)
		r.ensure(rowH)
		y := r.pdf.GetY()
		for i, line := range labelLines {
			r.pdf.SetXY(r.left, y+float64(i)*lineH)
			r.cell(labelW, 4, line, "L")
		}
		r.pdf.SetXY(r.left+labelW, y)
		if pr.Summary.N < 3 {
			r.font("", fontBody, colMuted)
			r.cell(barW+14, 4, lblNA.in(l), "C")
		} else {
			r.peerBar(r.left+labelW+7, y, barW, pr)
			r.pdf.SetXY(r.left+labelW+barW+14, y)
		}
		value := lblNA.in(l)
		if pr.Value != nil {
			value = r.formatRatio(pr.Name, *pr.Value)
			if pr.Position.Rank > 0 && pr.Summary.N >= 3 {
				value += " · " + fmt.Sprintf(lblPeerRank.in(l), pr.Position.Rank, pr.Summary.N)
			}
		}
		r.font("B", 7.5, colInk)
		r.cell(valueW, 4, value, "R")
		r.pdf.SetY(y + rowH)
	}
}

func (r profileRenderer) formatRatio(n kpi.Name, v float64) string {
	if isPercent(n) {
		return r.loc.Percent(v)
	}
	return r.loc.Float(v, 0)
}

// loans: the fund's loans to the partner as of the date.
func (r profileRenderer) loans() {
	l := r.lang
	r.heading(fmt.Sprintf(lblLoans.in(l), r.p.Partner.Name), 12)
	if len(r.p.Loans) == 0 {
		r.paragraph(lblNoLoans.in(l), r.left, "", colMuted)
		return
	}
	cols := []column{{38, "L"}, {25, "R"}, {25, "R"}, {25, "R"}, {r.width - 38 - 75 - 20, "R"}, {20, "R"}}
	header := []string{lblLoanRef.in(l), lblCommitted.in(l), lblDisbursed.in(l), lblOutstanding.in(l), lblNextDue.in(l), lblDaysPastDue.in(l)}
	var rows [][]string
	for _, ln := range r.p.Loans {
		next := "—"
		if ln.NextDueOn != nil {
			next = r.loc.ShortDate(*ln.NextDueOn) + "\n" + r.loc.Amount(ln.NextDueAmount, ln.Currency)
		}
		rows = append(rows, []string{
			ln.Reference + "\n" + ln.Currency + " · " + label(loanStatusLabels, ln.Status, l),
			r.loc.Integer(ln.Committed), r.loc.Integer(ln.Disbursed), r.loc.Integer(ln.Outstanding),
			next, fmt.Sprint(ln.DaysPastDue),
		})
	}
	r.table(cols, header, rows)
}

// statements: the balance sheet and income statement over the periods, in thousands;
// rows nobody reported are left out.
func (r profileRenderer) statements() {
	l := r.lang
	r.heading(lblStatements.in(l)+" ("+fmt.Sprintf(lblAmountsIn.in(l), currencyPrefix(r.latest().Currency))+")", 30)
	type line struct {
		name string
		get  func(f *kpi.Figures) *decimal.Decimal
	}
	spec := []line{
		{"total_assets", func(f *kpi.Figures) *decimal.Decimal { return f.TotalAssets }},
		{"gross_loan_portfolio", func(f *kpi.Figures) *decimal.Decimal { return f.GrossLoanPortfolio }},
		{"loan_loss_reserve", func(f *kpi.Figures) *decimal.Decimal { return f.LoanLossReserve }},
		{"total_liabilities", func(f *kpi.Figures) *decimal.Decimal { return f.TotalLiabilities }},
		{"deposits", func(f *kpi.Figures) *decimal.Decimal { return f.Deposits }},
		{"equity", func(f *kpi.Figures) *decimal.Decimal { return f.Equity }},
		{"financial_revenue", func(f *kpi.Figures) *decimal.Decimal { return f.FinancialRevenue }},
		{"portfolio_revenue", func(f *kpi.Figures) *decimal.Decimal { return f.PortfolioRevenue }},
		{"financial_expense", func(f *kpi.Figures) *decimal.Decimal { return f.FinancialExpense }},
		{"provision_expense", func(f *kpi.Figures) *decimal.Decimal { return f.ProvisionExpense }},
		{"operating_expense", func(f *kpi.Figures) *decimal.Decimal { return f.OperatingExpense }},
		{"personnel_expense", func(f *kpi.Figures) *decimal.Decimal { return f.PersonnelExpense }},
		{"donations", func(f *kpi.Figures) *decimal.Decimal { return f.Donations }},
		{"net_income", func(f *kpi.Figures) *decimal.Decimal { return f.NetIncome }},
	}
	var spec2 []tableRow
	months := tableRow{lblPeriodLength.in(l), func(p kpi.Period) string { return fmt.Sprintf(lblMonths.in(l), p.Months) }}
	spec2 = append(spec2, months)
	for _, s := range spec {
		reported := false
		for _, p := range r.p.Periods {
			if s.get(&p.Figures) != nil {
				reported = true
			}
		}
		if reported {
			spec2 = append(spec2, r.figureRow(s.name, "", s.get, true))
		}
	}
	header := append([]string{""}, r.periodColumns()...)
	r.table(r.tableColumns(), header, r.rows(spec2))
}

// texts: description, strengths and risks, wrapped over as many pages as they take.
func (r profileRenderer) texts() {
	l := r.lang
	notGiven := func(s string) bool { return strings.TrimSpace(s) == "" }
	r.heading(lblDescription.in(l), 8)
	if notGiven(r.p.Partner.Description) {
		r.paragraph(lblNotGiven.in(l), r.left, "", colMuted)
	} else {
		r.paragraph(r.p.Partner.Description, r.left, "", colInk)
	}
	for _, sec := range []struct {
		title text
		body  string
	}{{lblStrengths, r.p.Partner.Strengths}, {lblRisks, r.p.Partner.Risks}} {
		r.heading(sec.title.in(l), 8)
		if notGiven(sec.body) {
			r.paragraph(lblNotGiven.in(l), r.left, "", colMuted)
			continue
		}
		r.bullets(sec.body)
	}
}
