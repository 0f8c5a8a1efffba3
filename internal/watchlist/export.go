package watchlist

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"

	"github.com/xuri/excelize/v2"

	"cartera/internal/platform/civil"
	"cartera/internal/platform/csvsafe"
)

// Header is the CSV and XLSX tables' header: one row per reason.
var Header = []string{"partner_id", "partner", "country", "reason", "since", "detail", "loan_id", "loan_reference",
	"breach_id", "metric", "period_end", "cure_by", "uncured", "days_past_due", "as_of"}

// rows are the table's cells: text, counts, booleans; "" and 0 where nothing applies
// are written empty.
func (l List) rows() [][]any {
	var out [][]any
	for _, e := range l.Entries {
		for _, it := range e.Reasons {
			row := []any{e.PartnerID, e.Name, e.Country, string(it.Reason), civil.Format(it.Since), it.Detail, nil, nil,
				nil, nil, nil, nil, nil, nil, civil.Format(l.AsOf)}
			if it.LoanID != 0 {
				row[6], row[7] = it.LoanID, it.Reference
			}
			if it.BreachID != 0 {
				row[8], row[11], row[12] = it.BreachID, civil.Format(*it.CureBy), it.Uncured
			}
			if it.Metric != "" {
				row[9] = it.Metric
			}
			if it.PeriodEnd != nil {
				row[10] = civil.Format(*it.PeriodEnd)
			}
			if it.Reason == PastDue30 {
				row[13] = it.DaysPastDue
			}
			out = append(out, row)
		}
	}
	return out
}

// WriteCSV writes the list as CSV, one row per reason; text (names are typed by
// users) is made safe from spreadsheets' formulas.
func WriteCSV(w io.Writer, l List) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(Header); err != nil {
		return err
	}
	for _, row := range l.rows() {
		rec := make([]string, len(row))
		for i, v := range row {
			switch x := v.(type) {
			case string:
				rec[i] = csvsafe.Text(x)
			case int64:
				rec[i] = strconv.FormatInt(x, 10)
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

// WriteXLSX writes the list as a spreadsheet, the header frozen. Text goes in as an
// inline string, never a formula (the stream writer makes a formula only of a Cell's
// Formula, never set here).
func WriteXLSX(w io.Writer, l List) error {
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "watch list"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	if err := sw.SetColWidth(2, 2, 30); err != nil {
		return err
	}
	if err := sw.SetColWidth(6, 6, 60); err != nil {
		return err
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	head := make([]any, len(Header))
	for i, h := range Header {
		head[i] = excelize.Cell{StyleID: bold, Value: h}
	}
	if err := sw.SetRow("A1", head); err != nil {
		return err
	}
	for n, row := range l.rows() {
		cell, _ := excelize.CoordinatesToCellName(1, n+2)
		if err := sw.SetRow(cell, row); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return f.Write(w)
}

// Download is the list as a file.
type Download struct {
	FileName, ContentType string
	Body                  []byte
}

// Export writes the list in format, "csv" or "xlsx".
func Export(l List, format string) (Download, error) {
	var buf bytes.Buffer
	d := Download{FileName: fmt.Sprintf("watchlist-%s.%s", civil.Format(l.AsOf), format)}
	var err error
	switch format {
	case "csv":
		d.ContentType = "text/csv; charset=utf-8"
		err = WriteCSV(&buf, l)
	case "xlsx":
		d.ContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
		err = WriteXLSX(&buf, l)
	default:
		return Download{}, fmt.Errorf("no export format %q", format)
	}
	d.Body = buf.Bytes()
	return d, err
}
