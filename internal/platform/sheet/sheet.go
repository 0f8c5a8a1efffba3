// Package sheet writes a table of cells as a download: CSV or XLSX. The lists of the
// API and the UI (the watch list, covenant results, the exposure) share it, so every
// one is formula-safe the same way: CSV text through csvsafe, XLSX text as inline
// strings, never formulas.
package sheet

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/govalues/decimal"
	"github.com/xuri/excelize/v2"

	"cartera/internal/platform/csvsafe"
)

// Table is a header and rows of cells: string, decimal.Decimal (exact), float64,
// int, int64, bool, time.Time (RFC 3339) or nil (empty).
type Table struct {
	Sheet  string // the XLSX sheet's name
	Header []string
	Rows   [][]any
	// Widths are XLSX column widths by column number (1-based); others are default.
	Widths map[int]float64
}

// The content types of the formats.
const (
	CSVType  = "text/csv; charset=utf-8"
	XLSXType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)

// Download is a table as a file.
type Download struct {
	FileName, ContentType string
	Body                  []byte
}

// Export writes t in format, "csv" or "xlsx", as name.format.
func Export(t Table, format, name string) (Download, error) {
	var buf bytes.Buffer
	d := Download{FileName: name + "." + format}
	var err error
	switch format {
	case "csv":
		d.ContentType, err = CSVType, WriteCSV(&buf, t)
	case "xlsx":
		d.ContentType, err = XLSXType, WriteXLSX(&buf, t)
	default:
		return Download{}, fmt.Errorf("no export format %q", format)
	}
	d.Body = buf.Bytes()
	return d, err
}

// Text is a cell as CSV text: text made formula-safe, numbers exact.
func Text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return csvsafe.Text(x)
	case decimal.Decimal:
		return x.String()
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case bool:
		return strconv.FormatBool(x)
	case time.Time:
		return x.UTC().Format(time.RFC3339)
	}
	return csvsafe.Text(fmt.Sprint(v))
}

// WriteCSV writes t as CSV, the header first.
func WriteCSV(w io.Writer, t Table) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(t.Header); err != nil {
		return err
	}
	for _, row := range t.Rows {
		rec := make([]string, len(row))
		for i, v := range row {
			rec[i] = Text(v)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteXLSX writes t as a spreadsheet, the header bold and frozen. Decimals go in as
// numbers (the CSV and JSON stay exact), text as inline strings: the stream writer
// makes a formula only of a Cell's Formula, which this never sets.
func WriteXLSX(w io.Writer, t Table) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", t.Sheet); err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(t.Sheet)
	if err != nil {
		return err
	}
	for col, width := range t.Widths {
		if err := sw.SetColWidth(col, col, width); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	head := make([]any, len(t.Header))
	for i, h := range t.Header {
		head[i] = excelize.Cell{StyleID: bold, Value: h}
	}
	if err := sw.SetRow("A1", head); err != nil {
		return err
	}
	for n, row := range t.Rows {
		cells := make([]any, len(row))
		for i, v := range row {
			cells[i] = xlsxValue(v)
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

func xlsxValue(v any) any {
	switch x := v.(type) {
	case decimal.Decimal:
		f, _ := x.Float64()
		return f
	case time.Time:
		return x.UTC().Format(time.RFC3339)
	}
	return v
}
