package reports

import (
	"math"

	"codeberg.org/go-pdf/fpdf"

	"cartera/internal/kpi"
)

// Charts are drawn as vectors (rectangles, lines, polygons), so they print sharp and
// weigh nothing. Their values are float64: geometry, never amounts to be summed.

// axis is a scale from lo to hi in steps of step, with round numbers at the ticks.
type axis struct{ lo, hi, step float64 }

// niceAxis covers [min, max] (and zero) with about five round steps (1, 2, 2.5 or 5
// times a power of ten).
func niceAxis(min, max float64) axis {
	min, max = math.Min(min, 0), math.Max(max, 0)
	if max-min < 1e-12 {
		max = min + 1
	}
	raw := (max - min) / 5
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag * 10
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	return axis{lo: math.Floor(min/step) * step, hi: math.Ceil(max/step) * step, step: step}
}

func (a axis) ticks() []float64 {
	var t []float64
	for v := a.lo; v <= a.hi+a.step/2; v += a.step {
		t = append(t, math.Round(v/a.step)*a.step)
	}
	return t
}

// y maps a value to the page, given the plot's top and height.
func (a axis) y(v, top, h float64) float64 {
	return top + h - (v-a.lo)/(a.hi-a.lo)*h
}

// series is a chart's values per category; nil is a value not reported.
type series []*float64

func (s series) bounds() (lo, hi float64, any bool) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, v := range s {
		if v != nil {
			lo, hi, any = math.Min(lo, *v), math.Max(hi, *v), true
		}
	}
	return lo, hi, any
}

// chartFrame draws a chart's title and returns the plot area under it.
func (d *doc) chartFrame(x, y, w, h float64, title string) (px, py, pw, ph float64) {
	d.font("B", 8, colInk)
	d.pdf.SetXY(x, y)
	d.cell(w, 4.5, title, "L")
	return x + 14, y + 7, w - 28, h - 16
}

// gridY draws horizontal grid lines with labels at the left (or right) edge.
func (d *doc) gridY(a axis, px, py, pw, ph float64, format func(float64) string, right bool, c rgb) {
	d.font("", 6.5, c)
	for _, t := range a.ticks() {
		y := a.y(t, py, ph)
		if !right {
			d.pdf.SetDrawColor(colRule.r, colRule.g, colRule.b)
			d.pdf.SetLineWidth(0.1)
			d.pdf.Line(px, y, px+pw, y)
			d.pdf.SetXY(px-14, y-1.5)
			d.cell(13, 3, format(t), "R")
			continue
		}
		d.pdf.SetXY(px+pw+1, y-1.5)
		d.cell(13, 3, format(t), "L")
	}
}

// categoryLabels writes the categories under the plot, one per slot.
func (d *doc) categoryLabels(labels []string, px, py, pw, ph float64) {
	slot := pw / float64(len(labels))
	d.font("", 6.5, colMuted)
	for i, l := range labels {
		d.pdf.SetXY(px+float64(i)*slot, py+ph+0.8)
		d.cell(slot, 3, d.fit(l, slot), "C")
	}
}

// barLineChart draws bars on the left axis and a line on the right axis (GLP bars
// with the PAR30 line).
func (d *doc) barLineChart(x, y, w, h float64, title string, labels []string, bars, line series,
	barFormat, lineFormat func(float64) string, barName, lineName string) {
	px, py, pw, ph := d.chartFrame(x, y, w, h, title)
	lo, hi, _ := bars.bounds()
	left := niceAxis(lo, hi)
	llo, lhi, _ := line.bounds()
	right := niceAxis(llo, math.Max(lhi, 0.05)) // a flat 0 % line still gets a scale
	d.gridY(left, px, py, pw, ph, barFormat, false, colMuted)
	d.gridY(right, px, py, pw, ph, lineFormat, true, colAccent)
	slot := pw / float64(len(labels))
	d.pdf.SetFillColor(colBrand.r, colBrand.g, colBrand.b)
	for i, v := range bars {
		if v == nil {
			continue
		}
		bx := px + float64(i)*slot + slot*0.2
		top, base := left.y(math.Max(*v, 0), py, ph), left.y(math.Min(*v, 0), py, ph)
		d.pdf.Rect(bx, top, slot*0.6, base-top, "F")
	}
	d.polyline(line, right, px, py, pw, ph, colAccent)
	d.categoryLabels(labels, px, py, pw, ph)
	d.legend(x+14, y+h-4.5, []legendItem{{barName, colBrand, false}, {lineName, colAccent, true}})
}

// lineChart draws one series as a line with its points, and the zero line.
func (d *doc) lineChart(x, y, w, h float64, title string, labels []string, values series, format func(float64) string) {
	px, py, pw, ph := d.chartFrame(x, y, w, h, title)
	lo, hi, _ := values.bounds()
	a := niceAxis(lo, hi)
	d.gridY(a, px, py, pw, ph, format, false, colMuted)
	d.pdf.SetDrawColor(colInk.r, colInk.g, colInk.b)
	d.pdf.SetLineWidth(0.3)
	d.pdf.Line(px, a.y(0, py, ph), px+pw, a.y(0, py, ph))
	d.polyline(values, a, px, py, pw, ph, colBrand)
	// Values beside the points: the line's exact reading.
	slot := pw / float64(len(labels))
	d.font("", 6.5, colBrand)
	for i, v := range values {
		if v != nil {
			y := a.y(*v, py, ph) - 4.4 // above the point, or below it when at the top
			if y < py+1 {
				y = a.y(*v, py, ph) + 1.6
			}
			d.pdf.SetXY(px+float64(i)*slot, y)
			d.cell(slot, 3, format(*v), "C")
		}
	}
	d.categoryLabels(labels, px, py, pw, ph)
}

// polyline joins the reported points (a gap where a value is missing) and marks them.
func (d *doc) polyline(s series, a axis, px, py, pw, ph float64, c rgb) {
	slot := pw / float64(len(s))
	d.pdf.SetDrawColor(c.r, c.g, c.b)
	d.pdf.SetFillColor(c.r, c.g, c.b)
	d.pdf.SetLineWidth(0.5)
	var prev *fpdf.PointType
	for i, v := range s {
		if v == nil {
			prev = nil
			continue
		}
		p := fpdf.PointType{X: px + (float64(i)+0.5)*slot, Y: a.y(*v, py, ph)}
		if prev != nil {
			d.pdf.Line(prev.X, prev.Y, p.X, p.Y)
		}
		d.pdf.Circle(p.X, p.Y, 0.9, "F")
		prev = &p
	}
}

type legendItem struct {
	name string
	c    rgb
	line bool
}

func (d *doc) legend(x, y float64, items []legendItem) {
	d.font("", 6.5, colInk)
	for _, it := range items {
		d.pdf.SetFillColor(it.c.r, it.c.g, it.c.b)
		d.pdf.SetDrawColor(it.c.r, it.c.g, it.c.b)
		if it.line {
			d.pdf.SetLineWidth(0.5)
			d.pdf.Line(x, y+1.5, x+4, y+1.5)
		} else {
			d.pdf.Rect(x, y+0.3, 4, 2.4, "F")
		}
		d.pdf.SetXY(x+5, y)
		w := d.pdf.GetStringWidth(it.name) + 3
		d.cell(w, 3, it.name, "L")
		x += w + 7
	}
}

// peerBar draws a peer group's spread of one ratio from worst (left) to best
// (right): the whole range as a line, the middle half as a box, the median as a
// tick, and the partner's value as a dot, green in the best half, red otherwise.
func (d *doc) peerBar(x, y, w float64, r PeerRatio) {
	s := r.Summary
	lo, hi := s.Min, s.Max
	flip := r.Direction == kpi.LowerIsGood
	pos := func(v float64) float64 {
		if hi-lo < 1e-12 {
			return x + w/2
		}
		f := (v - lo) / (hi - lo)
		if flip {
			f = 1 - f
		}
		return x + math.Max(0, math.Min(1, f))*w
	}
	mid := y + 2
	d.pdf.SetDrawColor(colMuted.r, colMuted.g, colMuted.b)
	d.pdf.SetLineWidth(0.3)
	d.pdf.Line(x, mid, x+w, mid)
	d.pdf.Line(x, mid-1.2, x, mid+1.2)
	d.pdf.Line(x+w, mid-1.2, x+w, mid+1.2)
	q1, q3 := pos(s.Q1), pos(s.Q3)
	d.pdf.SetFillColor(colBand.r-20, colBand.g-15, colBand.b-10)
	d.pdf.Rect(math.Min(q1, q3), mid-1.6, math.Abs(q3-q1), 3.2, "FD")
	d.pdf.SetDrawColor(colInk.r, colInk.g, colInk.b)
	d.pdf.SetLineWidth(0.5)
	d.pdf.Line(pos(s.Median), mid-1.8, pos(s.Median), mid+1.8)
	if r.Value != nil {
		c := colBad
		if r.Position.Quartile == 1 || r.Position.Quartile == 2 {
			c = colGood
		}
		d.pdf.SetFillColor(c.r, c.g, c.b)
		d.pdf.SetDrawColor(255, 255, 255)
		d.pdf.SetLineWidth(0.3)
		d.pdf.Circle(pos(*r.Value), mid, 1.4, "FD")
	}
}
