package exposure

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"

	"github.com/govalues/decimal"
	"github.com/xuri/excelize/v2"

	"cartera/internal/platform/csvsafe"
)

// tableHeader is the header of the CSV and XLSX tables: one row per group, then a
// total row.
var tableHeader = []string{"key", "label", "outstanding", "share", "undisbursed", "overdue", "par30", "restructured",
	"partners", "loans", "limit_share", "limit_amount", "limit_currency", "headroom", "breach", "currency", "as_of"}

// cells are a row's values: text, exact amounts, fractions, counts; nil is empty.
func (r Report) rows() [][]any {
	var out [][]any
	for _, g := range r.Groups {
		row := []any{g.Key, g.Label, g.Outstanding, g.Share, g.Undisbursed, g.Overdue, optFloat(g.PAR30), g.Restructured,
			g.Partners, g.Loans, nil, nil, nil, nil, nil, r.Currency, r.AsOf.Format("2006-01-02")}
		if g.Limit != nil {
			row[10], row[11] = optDecimal(g.Limit.MaxShare), optDecimal(g.Limit.MaxAmount)
			if g.Limit.Currency != nil {
				row[12] = *g.Limit.Currency
			}
		}
		if g.Headroom != nil {
			row[13], row[14] = *g.Headroom, g.Breach
		}
		out = append(out, row)
	}
	var share any
	if r.Total.Outstanding.IsPos() {
		share = 1.0
	}
	out = append(out, []any{"total", "Total", r.Total.Outstanding, share, r.Total.Undisbursed, r.Total.Overdue, nil, r.Total.Restructured,
		r.Total.Partners, r.Total.Loans, nil, nil, nil, nil, nil, r.Currency, r.AsOf.Format("2006-01-02")})
	return out
}

func optFloat(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}

func optDecimal(d *decimal.Decimal) any {
	if d == nil {
		return nil
	}
	return *d
}

// WriteCSV writes the report as CSV: amounts as exact decimals with a point, fractions
// as decimals (0.25), empty where nothing applies; text (a partner's name is typed by
// users) so that a spreadsheet does not run it.
func WriteCSV(w io.Writer, r Report) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(tableHeader); err != nil {
		return err
	}
	for _, row := range r.rows() {
		rec := make([]string, len(row))
		for i, v := range row {
			switch x := v.(type) {
			case nil:
			case string:
				rec[i] = csvsafe.Text(x)
			case decimal.Decimal:
				rec[i] = x.String()
			case float64:
				rec[i] = strconv.FormatFloat(x, 'f', -1, 64)
			case int:
				rec[i] = strconv.Itoa(x)
			case bool:
				rec[i] = strconv.FormatBool(x)
			}
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteXLSX writes the report as a spreadsheet: amounts, fractions and counts as
// numbers (formatted), the header frozen. Text goes in as an inline string, never
// as a formula, whatever it begins with: the stream writer makes a formula only of a
// Cell's Formula, which this never sets.
func WriteXLSX(w io.Writer, r Report) error {
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "exposure"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	header, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"E8EEF4"}}})
	if err != nil {
		return err
	}
	amount, _ := f.NewStyle(&excelize.Style{NumFmt: 4})   // #,##0.00
	percent, _ := f.NewStyle(&excelize.Style{NumFmt: 10}) // 0.00%
	count, _ := f.NewStyle(&excelize.Style{NumFmt: 3})    // #,##0
	bold, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, NumFmt: 4})
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	if err := sw.SetColWidth(2, 2, 30); err != nil {
		return err
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	head := make([]any, len(tableHeader))
	for i, h := range tableHeader {
		head[i] = excelize.Cell{StyleID: header, Value: h}
	}
	if err := sw.SetRow("A1", head); err != nil {
		return err
	}
	rows := r.rows()
	for n, row := range rows {
		cells := make([]any, len(row))
		for i, v := range row {
			switch x := v.(type) {
			case decimal.Decimal:
				fl, _ := x.Float64() // exact to the cent below 10^13
				style := amount
				if tableHeader[i] == "limit_share" {
					style = percent
				}
				if n == len(rows)-1 {
					style = bold
				}
				cells[i] = excelize.Cell{StyleID: style, Value: fl}
			case float64:
				cells[i] = excelize.Cell{StyleID: percent, Value: x}
			case int:
				cells[i] = excelize.Cell{StyleID: count, Value: x}
			default:
				cells[i] = v
			}
		}
		cell, _ := excelize.CoordinatesToCellName(1, n+2)
		if err := sw.SetRow(cell, cells); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return f.Write(w)
}

// Download is a report as a file to download: csv or xlsx.
type Download struct {
	FileName, ContentType string
	Body                  []byte
}

// Export writes the report as a file in format, "csv" or "xlsx".
func Export(r Report, format string) (Download, error) {
	var buf bytes.Buffer
	d := Download{FileName: fmt.Sprintf("exposure-by-%s-%s.%s", r.By, r.AsOf.Format("2006-01-02"), format)}
	var err error
	switch format {
	case "csv":
		d.ContentType = "text/csv; charset=utf-8"
		err = WriteCSV(&buf, r)
	case "xlsx":
		d.ContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
		err = WriteXLSX(&buf, r)
	default:
		return Download{}, fmt.Errorf("no export format %q", format)
	}
	d.Body = buf.Bytes()
	return d, err
}
