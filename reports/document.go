package reports

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"
	"golang.org/x/image/font/gofont/goregular"
)

// The house style: Go fonts (they cover Latin-1 and Latin Extended-A, enough for
// English, French and Spanish), a dark teal for headings and bars, orange for the
// second series.
const (
	family   = "go"
	fontBody = 8.5
	lineH    = 4.2 // mm per body line
)

type rgb struct{ r, g, b int }

var (
	colInk    = rgb{33, 37, 41}
	colMuted  = rgb{108, 117, 125}
	colBrand  = rgb{23, 79, 96}
	colAccent = rgb{217, 119, 6}
	colRule   = rgb{206, 212, 218}
	colBand   = rgb{241, 245, 247}
	colGood   = rgb{46, 125, 50}
	colBad    = rgb{198, 40, 40}
)

// doc is a PDF under construction with the house style and a locale.
type doc struct {
	pdf  *fpdf.Fpdf
	loc  *locale
	lang Lang
	// the printable area
	left, right, width, bottom float64
	breakMargin                float64
}

// newDoc starts a document of the given page size ("A4", "A5") whose footer names
// the fund and numbers the pages. The creation date is the document's own date, so
// the same data gives the same bytes.
func newDoc(size string, lang Lang, title, fund string, date time.Time) *doc {
	const margin = 15
	pdf := fpdf.New("P", "mm", size, "")
	pdf.SetCatalogSort(true)
	pdf.SetCreationDate(date)
	pdf.SetModificationDate(date)
	pdf.SetTitle(title, true)
	pdf.SetAuthor(fund, true)
	pdf.SetCreator("Cartera", true)
	pdf.SetProducer("Cartera", true)
	pdf.SetLang(string(lang))
	pdf.AddUTF8FontFromBytes(family, "", goregular.TTF)
	pdf.SetMargins(margin, margin, margin)
	const breakMargin = margin + 5
	pdf.SetAutoPageBreak(true, breakMargin)
	pdf.AliasNbPages("{nb}")
	d := &doc{pdf: pdf, loc: localeOf(lang), lang: lang, breakMargin: breakMargin}
	pageW, pageH := pdf.GetPageSize()
	d.left, d.right, d.width, d.bottom = margin, pageW-margin, pageW-2*margin, pageH-breakMargin
	pdf.SetFooterFunc(func() {
		pdf.SetY(-margin + 2)
		d.font("", 7, colMuted)
		pdf.SetDrawColor(colRule.r, colRule.g, colRule.b)
		pdf.SetLineWidth(0.2)
		pdf.Line(d.left, pdf.GetY()-1, d.right, pdf.GetY()-1)
		pageText := fmt.Sprintf(lblPage.in(lang), pdf.PageNo(), "{nb}")
		pageW := pdf.GetStringWidth(fmt.Sprintf(lblPage.in(lang), pdf.PageNo(), "99"))
		d.cell(d.width-pageW-2, 4, d.fit(fund, d.width-pageW-4), "L")
		pdf.CellFormat(pageW+2, 4, pageText, "", 0, "R", false, 0, "")
	})
	pdf.AddPage()
	return d
}

// bytes finishes the document; fpdf's errors are sticky, so this is where any
// error of the whole rendering surfaces.
func (d *doc) bytes() ([]byte, error) {
	var buf bytes.Buffer
	if err := d.pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("render PDF: %w", err)
	}
	return buf.Bytes(), nil
}

// font sets the size and colour of the text that follows. Bold is the regular face
// filled and then stroked in its own colour (PDF text rendering mode 2): embedding a
// second face doubles what every document costs to build (see docs/PERFORMANCE.md),
// and a stroke of 3.5 % of the size reads as bold on paper and on screen.
func (d *doc) font(style string, size float64, c rgb) {
	d.pdf.SetFont(family, "", size)
	d.pdf.SetTextColor(c.r, c.g, c.b)
	if style == "B" {
		d.pdf.SetDrawColor(c.r, c.g, c.b)
		d.pdf.SetLineWidth(size * 0.035 * 25.4 / 72)
		d.pdf.SetTextRenderingMode(2)
		return
	}
	d.pdf.SetTextRenderingMode(0)
}

func (d *doc) cell(w, h float64, s, align string) {
	d.pdf.CellFormat(w, h, s, "", 0, align, false, 0, "")
}

// fit shortens a one-line text to the width with an ellipsis; used only where a
// second line has no room (the footer), never for the partner's own words.
func (d *doc) fit(s string, w float64) string {
	if d.pdf.GetStringWidth(s) <= w {
		return s
	}
	r := []rune(s)
	for len(r) > 0 && d.pdf.GetStringWidth(string(r)+"…") > w {
		r = r[:len(r)-1]
	}
	return string(r) + "…"
}

// lines splits text into the lines it takes at width w in the current font, word
// by word (a word longer than the line is the only thing ever broken).
func (d *doc) lines(s string, w float64) []string {
	var out []string
	for _, para := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if strings.TrimSpace(para) == "" {
			out = append(out, "")
			continue
		}
		out = append(out, d.pdf.SplitText(para, w)...)
	}
	return out
}

// ensure starts a new page unless h millimetres fit below the current position.
func (d *doc) ensure(h float64) {
	if d.pdf.GetY()+h > d.bottom {
		d.pdf.AddPage()
	}
}

// heading writes a section title with a rule under it, keeping it with at least
// keep millimetres of what follows.
func (d *doc) heading(s string, keep float64) {
	d.ensure(9 + keep)
	d.pdf.Ln(2)
	d.font("B", 10.5, colBrand)
	for _, line := range d.lines(s, d.width) {
		d.pdf.SetX(d.left)
		d.cell(d.width, 5.5, line, "L")
		d.pdf.Ln(5.5)
	}
	d.pdf.SetDrawColor(colBrand.r, colBrand.g, colBrand.b)
	d.pdf.SetLineWidth(0.3)
	d.pdf.Line(d.left, d.pdf.GetY()+0.5, d.right, d.pdf.GetY()+0.5)
	d.pdf.Ln(2)
}

// paragraph writes wrapped text from the left margin (or x), across pages as needed.
func (d *doc) paragraph(s string, x float64, style string, c rgb) {
	d.font(style, fontBody, c)
	w := d.right - x
	for _, line := range d.lines(s, w) {
		d.ensure(lineH)
		d.pdf.SetX(x)
		d.cell(w, lineH, line, "L")
		d.pdf.Ln(lineH)
	}
}

// bullets writes one bullet point per non-blank line of s, each wrapped under itself.
func (d *doc) bullets(s string) {
	const indent = 4
	for _, point := range strings.Split(s, "\n") {
		point = strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(point), "•-*·"))
		if point == "" {
			continue
		}
		d.font("", fontBody, colInk)
		lines := d.pdf.SplitText(point, d.width-indent)
		for i, line := range lines {
			d.ensure(lineH)
			d.pdf.SetX(d.left)
			if i == 0 {
				d.font("", fontBody, colBrand)
				d.cell(indent, lineH, "•", "L")
				d.font("", fontBody, colInk)
			} else {
				d.pdf.SetX(d.left + indent)
			}
			d.cell(d.width-indent, lineH, line, "L")
			d.pdf.Ln(lineH)
		}
		d.pdf.Ln(0.8)
	}
}

// column is one column of a table: its width and alignment.
type column struct {
	w     float64
	align string
}

// table draws a header row and body rows, banded, breaking pages between rows and
// repeating the header on a new page. Cells wrap within their column.
func (d *doc) table(cols []column, header []string, rows [][]string) {
	const h = 4.6
	drawHeader := func() {
		d.font("B", 7.8, colBrand)
		d.pdf.SetFillColor(colBand.r, colBand.g, colBand.b)
		height := d.rowHeight(cols, header, h)
		x, y := d.left, d.pdf.GetY()
		d.pdf.Rect(d.left, y, d.width, height, "F")
		for i, c := range cols {
			d.wrappedCell(x, y, c, header[i], h)
			x += c.w
		}
		d.pdf.SetY(y + height)
		d.pdf.SetDrawColor(colBrand.r, colBrand.g, colBrand.b)
		d.pdf.SetLineWidth(0.25)
		d.pdf.Line(d.left, d.pdf.GetY(), d.right, d.pdf.GetY())
	}
	// Rows are placed by hand, page breaks included: fpdf's automatic break would
	// split a wrapped cell from the rest of its row.
	d.pdf.SetAutoPageBreak(false, 0)
	defer d.pdf.SetAutoPageBreak(true, d.breakMargin)
	d.font("B", 7.8, colBrand)
	need := d.rowHeight(cols, header, h)
	if len(rows) > 0 {
		d.font("", 7.8, colInk)
		need += d.rowHeight(cols, rows[0], h)
	}
	d.ensure(need)
	drawHeader()
	for n, row := range rows {
		d.font("", 7.8, colInk)
		height := d.rowHeight(cols, row, h)
		if d.pdf.GetY()+height > d.bottom {
			d.pdf.AddPage()
			drawHeader()
			d.font("", 7.8, colInk)
		}
		x, y := d.left, d.pdf.GetY()
		if n%2 == 1 {
			d.pdf.SetFillColor(250, 251, 252)
			d.pdf.Rect(d.left, y, d.width, height, "F")
		}
		for i, c := range cols {
			d.wrappedCell(x, y, c, row[i], h)
			x += c.w
		}
		d.pdf.SetY(y + height)
	}
	d.pdf.SetDrawColor(colRule.r, colRule.g, colRule.b)
	d.pdf.SetLineWidth(0.2)
	d.pdf.Line(d.left, d.pdf.GetY(), d.right, d.pdf.GetY())
}

func (d *doc) rowHeight(cols []column, cells []string, h float64) float64 {
	n := 1
	for i, c := range cols {
		if k := len(d.pdf.SplitText(cells[i], c.w)); k > n {
			n = k
		}
	}
	return float64(n)*h + 0.4
}

func (d *doc) wrappedCell(x, y float64, c column, s string, h float64) {
	for i, line := range d.pdf.SplitText(s, c.w) {
		d.pdf.SetXY(x, y+0.2+float64(i)*h)
		d.pdf.CellFormat(c.w, h, line, "", 0, c.align, false, 0, "")
	}
}
