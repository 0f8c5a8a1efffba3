package ui

import (
	"fmt"
	"html/template"
	"math"
	"strings"

	"github.com/govalues/decimal"

	"cartera/internal/kpi"
)

// chart is an SVG drawn on the server: no script, prints and scales with the page.
type chart struct {
	Title string
	SVG   template.HTML
}

// point is one value of a series; nil values leave a gap.
type point struct {
	Label string
	Value *float64
}

// series is a line of a chart; Percent formats its values as percentages.
type series struct {
	Points  []point
	Percent bool
}

// lineChart draws one or two series over the same labels, each with its own scale
// (the first on the left axis, the second on the right).
func lineChart(title string, lines ...series) chart {
	const w, h, left, right, top, bottom = 480, 220, 60, 60, 12, 30
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-label="%s">`, w, h, template.HTMLEscapeString(title))
	fmt.Fprintf(&b, `<line class="axis" x1="%d" y1="%d" x2="%d" y2="%d"/>`, left, h-bottom, w-right, h-bottom)
	n := 0
	if len(lines) > 0 {
		n = len(lines[0].Points)
	}
	x := func(i int) float64 {
		if n <= 1 {
			return float64(left+w-right) / 2
		}
		return float64(left) + float64(i)*float64(w-left-right)/float64(n-1)
	}
	for i := 0; i < n; i++ {
		if n <= 8 || i%((n+7)/8) == 0 {
			fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`, x(i), h-bottom+16, template.HTMLEscapeString(lines[0].Points[i].Label))
		}
	}
	for si, line := range lines {
		s := line.Points
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, p := range s {
			if p.Value != nil {
				lo, hi = math.Min(lo, *p.Value), math.Max(hi, *p.Value)
			}
		}
		if math.IsInf(lo, 0) {
			continue
		}
		lo = math.Min(lo, 0)
		if hi <= lo {
			hi = lo + 1
		}
		y := func(v float64) float64 { return float64(top) + (hi-v)/(hi-lo)*float64(h-top-bottom) }
		anchor, ax := "end", left-6
		if si == 1 {
			anchor, ax = "start", w-right+6
		}
		for _, v := range []float64{lo, (lo + hi) / 2, hi} {
			fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="%s">%s</text>`, ax, y(v)+4, anchor, axisLabel(v, line.Percent))
		}
		var path strings.Builder
		pen := "M"
		for i, p := range s {
			if p.Value == nil {
				pen = "M"
				continue
			}
			fmt.Fprintf(&path, "%s%.1f %.1f ", pen, x(i), y(*p.Value))
			pen = "L"
			fmt.Fprintf(&b, `<circle class="dot%d" cx="%.1f" cy="%.1f" r="3"><title>%s: %s</title></circle>`, si+1, x(i), y(*p.Value), template.HTMLEscapeString(p.Label), axisLabel(*p.Value, line.Percent))
		}
		fmt.Fprintf(&b, `<path class="line%d" d="%s"/>`, si+1, strings.TrimSpace(path.String()))
	}
	b.WriteString(`</svg>`)
	return chart{Title: title, SVG: template.HTML(b.String())}
}

// axisLabel shortens a value for an axis: 12.5 %, 1.2 M, 350 k.
func axisLabel(v float64, percent bool) string {
	if percent {
		return fmt.Sprintf("%.1f %%", v*100)
	}
	switch a := math.Abs(v); {
	case a >= 1e9:
		return fmt.Sprintf("%.1f bn", v/1e9)
	case a >= 1e6:
		return fmt.Sprintf("%.1f M", v/1e6)
	case a >= 1e3:
		return fmt.Sprintf("%.0f k", v/1e3)
	}
	return fmt.Sprintf("%.2f", v)
}

// partnerCharts are the partner page's trends: portfolio and its quality, then
// profitability and efficiency.
func partnerCharts(periods []kpi.Period) []chart {
	if len(periods) == 0 {
		return nil
	}
	glp, par, roe, oer := make([]point, len(periods)), make([]point, len(periods)), make([]point, len(periods)), make([]point, len(periods))
	for i, p := range periods {
		label := p.PeriodEnd.Format("2006-01")
		glp[i] = point{label, floatOf(p.GrossLoanPortfolio)}
		par[i] = point{label, p.Ratios[kpi.PAR30Ratio].Value}
		roe[i] = point{label, p.Ratios[kpi.ROE].Value}
		oer[i] = point{label, p.Ratios[kpi.OperatingExpenseRatio].Value}
	}
	return []chart{
		lineChart("Gross loan portfolio (left, green) and PAR30 (right, orange)", series{glp, false}, series{par, true}),
		lineChart("Return on equity", series{roe, true}),
		lineChart("Operating expense ratio", series{oer, true}),
	}
}

func floatOf(d *decimal.Decimal) *float64 {
	if d == nil {
		return nil
	}
	f, _ := d.Float64()
	return &f
}

// bar is one bar of a horizontal bar chart, with an optional limit line.
type bar struct {
	Label string
	Value float64
	Limit *float64
}

// barChart draws horizontal bars, largest first as given, with each bar's limit as a
// dashed mark; a bar over its limit is drawn in the warning colour.
func barChart(title string, bars []bar, format func(float64) string) chart {
	const w, left, right, rowH, top = 680, 190, 110, 22, 8
	h := top*2 + rowH*len(bars)
	if len(bars) == 0 {
		h = 40
	}
	maxV := 0.0
	for _, b := range bars {
		maxV = math.Max(maxV, b.Value)
		if b.Limit != nil {
			maxV = math.Max(maxV, *b.Limit)
		}
	}
	if maxV <= 0 {
		maxV = 1
	}
	scale := float64(w-left-right) / maxV
	var s strings.Builder
	fmt.Fprintf(&s, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-label="%s">`, w, h, template.HTMLEscapeString(title))
	for i, b := range bars {
		y := top + i*rowH
		class := "bar"
		if b.Limit != nil && b.Value > *b.Limit {
			class = "bar over"
		}
		fmt.Fprintf(&s, `<text x="%d" y="%d" text-anchor="end">%s</text>`, left-6, y+15, template.HTMLEscapeString(shorten(b.Label, 28)))
		fmt.Fprintf(&s, `<rect class="%s" x="%d" y="%d" width="%.1f" height="%d"><title>%s: %s</title></rect>`,
			class, left, y+3, math.Max(b.Value*scale, 1), rowH-6, template.HTMLEscapeString(b.Label), format(b.Value))
		fmt.Fprintf(&s, `<text x="%.1f" y="%d">%s</text>`, float64(left)+b.Value*scale+6, y+15, format(b.Value))
		if b.Limit != nil {
			lx := float64(left) + *b.Limit*scale
			fmt.Fprintf(&s, `<line class="limit" x1="%.1f" y1="%d" x2="%.1f" y2="%d"><title>limit %s</title></line>`, lx, y+1, lx, y+rowH-1, format(*b.Limit))
		}
	}
	s.WriteString(`</svg>`)
	return chart{Title: title, SVG: template.HTML(s.String())}
}

// shorten cuts a label to n characters with an ellipsis; the bar's tooltip has it whole.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
