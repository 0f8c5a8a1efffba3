package reports

import (
	"fmt"
	"strings"

	"github.com/govalues/decimal"
)

// RenderFactSheet renders the newsletter fact sheet on half an A4 (an A5 page, to
// paste into a newsletter as it is): the "data on" box, the "then and now" table and
// a small chart of the portfolio by year.
func RenderFactSheet(f FactSheet) ([]byte, error) {
	l := f.Lang
	d := newDoc("A5", l, fmt.Sprintf(lblDataOn.in(l), f.Partner.Name), f.Fund, f.AsOf)
	d.font("B", 15, colBrand)
	for _, line := range d.lines(f.Partner.Name, d.width) {
		d.ensure(7)
		d.pdf.SetX(d.left)
		d.cell(d.width, 6.5, line, "L")
		d.pdf.Ln(6.5)
	}
	d.paragraph(d.loc.Country(f.Partner.Country)+" · "+label(legalStatusLabels, f.Partner.LegalStatus, l), d.left, "", colMuted)
	d.pdf.Ln(2)
	factSheetBox(d, f)
	d.pdf.Ln(4)
	if f.Then == nil || f.Now == nil {
		d.paragraph(lblNoFactFigures.in(l), d.left, "", colMuted)
	} else {
		thenAndNow(d, f)
		portfolioChart(d, f)
	}
	d.pdf.Ln(3)
	d.paragraph(fmt.Sprintf(lblSource.in(l), f.Fund)+" "+fmt.Sprintf(lblAsOf.in(l), d.loc.Date(f.AsOf))+".", d.left, "", colMuted)
	return d.bytes()
}

// factSheetBox is the shaded "Data on <partner>" box.
func factSheetBox(d *doc, f FactSheet) {
	l := f.Lang
	year := func(y int) string {
		if y == 0 {
			return lblNA.in(l)
		}
		return fmt.Sprint(y)
	}
	region := f.Partner.Region
	if strings.TrimSpace(region) == "" {
		region = lblNA.in(l)
	}
	credit := lblNone.in(l)
	if f.LatestCredit != nil {
		credit = d.loc.Amount(f.LatestCredit.Amount, f.Currency) + " (" + fmt.Sprint(f.LatestCredit.Year) + ")"
	}
	rows := [][2]string{
		{lblFounded.in(l), year(f.Partner.Founded)},
		{lblLegalStatus.in(l), label(legalStatusLabels, f.Partner.LegalStatus, l)},
		{lblPartnerSince.in(l), year(f.Partner.PartnerSince)},
		{lblRegion.in(l), region},
		{fmt.Sprintf(lblLatestCredit.in(l), f.Fund), credit},
	}
	const pad, labelW, h = 3, 44, 4.4
	valueW := d.width - 2*pad - labelW
	title := fmt.Sprintf(lblDataOn.in(l), f.Partner.Name)
	d.font("B", 9.5, colBrand)
	titleLines := d.lines(title, d.width-2*pad)
	// Lay the box out first, so its shading is drawn under the text.
	type laid struct{ label, value []string }
	var body []laid
	height := pad + float64(len(titleLines))*5 + 1.5
	for _, r := range rows {
		d.font("", fontBody, colInk)
		lv := laid{label: d.pdf.SplitText(r[0], labelW), value: d.lines(r[1], valueW)}
		n := max(len(lv.label), len(lv.value))
		height += float64(n) * h
		body = append(body, lv)
	}
	height += pad
	d.ensure(min(height, d.bottom-d.pdf.GetY()))
	top := d.pdf.GetY()
	d.pdf.SetFillColor(colBand.r, colBand.g, colBand.b)
	d.pdf.SetDrawColor(colBrand.r, colBrand.g, colBrand.b)
	d.pdf.SetLineWidth(0.6)
	if top+height <= d.bottom {
		d.pdf.Rect(d.left, top, d.width, height, "F")
		d.pdf.Line(d.left, top, d.left, top+height)
	}
	d.pdf.SetY(top + pad)
	d.font("B", 9.5, colBrand)
	for _, line := range titleLines {
		d.pdf.SetX(d.left + pad)
		d.cell(d.width-2*pad, 5, line, "L")
		d.pdf.Ln(5)
	}
	d.pdf.Ln(1.5)
	for _, lv := range body {
		n := max(len(lv.label), len(lv.value))
		d.ensure(float64(n) * h)
		y := d.pdf.GetY()
		d.font("B", fontBody, colInk)
		for i, s := range lv.label {
			d.pdf.SetXY(d.left+pad, y+float64(i)*h)
			d.cell(labelW, h, s, "L")
		}
		d.font("", fontBody, colInk)
		for i, s := range lv.value {
			d.pdf.SetXY(d.left+pad+labelW, y+float64(i)*h)
			d.cell(valueW, h, s, "L")
		}
		d.pdf.SetY(y + float64(n)*h)
	}
	d.pdf.SetY(d.pdf.GetY() + pad)
}

// thenAndNow is the two-year table: portfolio, clients, average loan, fund's credit.
func thenAndNow(d *doc, f FactSheet) {
	l := f.Lang
	na := lblNA.in(l)
	amount := func(v *decimal.Decimal, compact bool) string {
		switch {
		case v == nil:
			return na
		case compact:
			return d.loc.Compact(*v, f.Currency)
		}
		return d.loc.Amount(*v, f.Currency)
	}
	count := func(v *decimal.Decimal) string {
		if v == nil {
			return na
		}
		return d.loc.Integer(*v)
	}
	credit := func(s *Snapshot) string {
		if s.FundCredit.IsZero() {
			return "—"
		}
		return d.loc.Amount(s.FundCredit, f.Currency)
	}
	valueW := (d.width - 42) / 2
	cols := []column{{42, "L"}, {valueW, "R"}, {valueW, "R"}}
	d.heading(fmt.Sprintf(lblThenNow.in(l), f.Partner.Name), 24)
	header := []string{"", fmt.Sprintf(lblInYear.in(l), f.Then.Year), fmt.Sprintf(lblInYear.in(l), f.Now.Year)}
	rows := [][]string{
		{lblPortfolio.in(l), amount(f.Then.Portfolio, true), amount(f.Now.Portfolio, true)},
		{lblClients.in(l), count(f.Then.Clients), count(f.Now.Clients)},
		{lblAverageLoan.in(l), amount(f.Then.AverageLoan, false), amount(f.Now.AverageLoan, false)},
		{fmt.Sprintf(lblFundCredit.in(l), f.Fund), credit(f.Then), credit(f.Now)},
	}
	d.table(cols, header, rows)
}

// portfolioChart is the small chart: the portfolio at each year's last report.
func portfolioChart(d *doc, f FactSheet) {
	if len(f.Portfolio) == 0 {
		return
	}
	const h = 46
	d.ensure(h + 4)
	d.pdf.Ln(4)
	y := d.pdf.GetY()
	var labels []string
	var values series
	for _, p := range f.Portfolio {
		labels = append(labels, fmt.Sprint(p.Year))
		values = append(values, floatOf(&p.Amount, 1_000_000))
	}
	l := f.Lang
	millions := func(v float64) string { return d.loc.Float(v, 1) }
	title := lblPortfolioByYear.in(l) + " (" + d.loc.Millions(f.Currency) + ")"
	px, py, pw, ph := d.chartFrame(d.left, y, d.width, h, title)
	a := niceAxis(0, maxOf(values))
	d.gridY(a, px, py, pw, ph, millions, false, colMuted)
	slot := pw / float64(len(values))
	d.pdf.SetFillColor(colBrand.r, colBrand.g, colBrand.b)
	d.font("", 6.5, colBrand)
	for i, v := range values {
		if v == nil {
			continue
		}
		top := a.y(*v, py, ph)
		d.pdf.Rect(px+float64(i)*slot+slot*0.2, top, slot*0.6, a.y(0, py, ph)-top, "F")
		d.pdf.SetXY(px+float64(i)*slot, top-3.5)
		d.cell(slot, 3, millions(*v), "C")
	}
	d.categoryLabels(labels, px, py, pw, ph)
	d.pdf.SetY(y + h - 4)
}

func maxOf(s series) float64 {
	_, hi, ok := s.bounds()
	if !ok {
		return 1
	}
	return hi
}
