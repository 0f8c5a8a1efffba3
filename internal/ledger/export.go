package ledger

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"time"

	"github.com/govalues/decimal"
	"github.com/xuri/excelize/v2"

	"cartera/internal/platform/civil"
	"cartera/internal/platform/csvsafe"
	"cartera/internal/platform/money"
)

// ExportColumns are the columns of the loans list's CSV and XLSX downloads.
var ExportColumns = []string{"id", "reference", "partner_id", "partner", "fund_id", "fund", "currency", "committed_amount",
	"disbursed", "outstanding_principal", "interest_rate", "status", "restructured_on", "signed_on", "maturity_on", "current_maturity_on"}

// exportRow is a loan's values under ExportColumns: text, amounts, dates (nil: none).
func exportRow(s Summary) []any {
	var restructured any
	if s.RestructuredOn != nil {
		restructured = *s.RestructuredOn
	}
	return []any{s.ID, s.Reference, s.PartnerID, s.PartnerName, s.FundID, s.FundName, s.Currency, s.Committed,
		s.Disbursed, s.Outstanding, s.Rate, string(s.Status), restructured, s.SignedOn, s.MaturityOn, s.CurrentMaturityOn}
}

// WriteCSV writes loans as CSV: amounts with the currency's decimals, rates as
// fractions, dates as YYYY-MM-DD; the text users type (references, names) so that a
// spreadsheet does not run it.
func WriteCSV(w io.Writer, loans []Summary) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(ExportColumns); err != nil {
		return err
	}
	rec := make([]string, len(ExportColumns))
	for _, l := range loans {
		scale := money.MustCurrency(l.Currency).Scale
		for i, v := range exportRow(l) {
			switch x := v.(type) {
			case nil:
				rec[i] = ""
			case int64:
				rec[i] = fmt.Sprint(x)
			case string:
				rec[i] = csvsafe.Text(x)
			case decimal.Decimal:
				if ExportColumns[i] == "interest_rate" {
					rec[i] = x.Trim(0).String()
				} else {
					rec[i] = x.Rescale(scale).String()
				}
			case time.Time:
				rec[i] = civil.Format(x)
			}
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteXLSX writes loans as a workbook: the header frozen and filtered, amounts and
// rates as numbers, dates as dates. Text goes in as text, never as a formula.
func WriteXLSX(w io.Writer, loans []Summary) error {
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "loans"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	styles, err := newExportStyles(f)
	if err != nil {
		return err
	}
	if err := writeExportHeader(sw, styles); err != nil {
		return err
	}
	for n, l := range loans {
		cell, _ := excelize.CoordinatesToCellName(1, n+2)
		if err := sw.SetRow(cell, styles.cells(l)); err != nil {
			return fmt.Errorf("write row %d: %w", n+2, err)
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	last, _ := excelize.CoordinatesToCellName(len(ExportColumns), len(loans)+1)
	if err := f.AutoFilter(sheet, "A1:"+last, nil); err != nil {
		return err
	}
	return f.Write(w)
}

type exportStyles struct{ header, date, amount, rate, text int }

func newExportStyles(f *excelize.File) (exportStyles, error) {
	var s exportStyles
	dateFormat := "yyyy-mm-dd"
	for _, st := range []struct {
		id    *int
		style *excelize.Style
	}{
		{&s.header, &excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"E8EEF4"}}}},
		{&s.date, &excelize.Style{CustomNumFmt: &dateFormat}},
		{&s.amount, &excelize.Style{NumFmt: 4}}, // #,##0.00
		{&s.rate, &excelize.Style{NumFmt: 10}},  // 0.00%
		{&s.text, &excelize.Style{NumFmt: 49}},  // @
	} {
		id, err := f.NewStyle(st.style)
		if err != nil {
			return s, err
		}
		*st.id = id
	}
	return s, nil
}

func writeExportHeader(sw *excelize.StreamWriter, s exportStyles) error {
	if err := sw.SetColWidth(2, 6, 22); err != nil {
		return err
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	head := make([]any, len(ExportColumns))
	for i, h := range ExportColumns {
		head[i] = excelize.Cell{StyleID: s.header, Value: h}
	}
	return sw.SetRow("A1", head)
}

func (s exportStyles) cells(l Summary) []any {
	row := exportRow(l)
	for i, v := range row {
		switch x := v.(type) {
		case string:
			row[i] = excelize.Cell{StyleID: s.text, Value: x}
		case decimal.Decimal:
			if x.Prec() > 15 {
				// A spreadsheet keeps 15 significant digits: larger amounts go as text.
				row[i] = excelize.Cell{StyleID: s.text, Value: x.Trim(0).String()}
				continue
			}
			// A binary float: exact to the cent below 10^13, what a spreadsheet keeps.
			fl, _ := x.Float64()
			style := s.amount
			if ExportColumns[i] == "interest_rate" {
				style = s.rate
			}
			row[i] = excelize.Cell{StyleID: style, Value: fl}
		case time.Time:
			row[i] = excelize.Cell{StyleID: s.date, Value: x}
		}
	}
	return row
}

// Export writes loans as a file to download, "csv" or "xlsx": its content type,
// name and bytes.
func Export(loans []Summary, format string, today time.Time) (contentType, fileName string, body []byte, err error) {
	var buf bytes.Buffer
	fileName = "loans-" + civil.Format(today) + "." + format
	switch format {
	case "csv":
		contentType, err = "text/csv; charset=utf-8", WriteCSV(&buf, loans)
	case "xlsx":
		contentType, err = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", WriteXLSX(&buf, loans)
	default:
		err = fmt.Errorf("no export format %q", format)
	}
	return contentType, fileName, buf.Bytes(), err
}
