package statements

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/lib/pq"
	"github.com/xuri/excelize/v2"

	"cartera/internal/kpi"
	"cartera/internal/partner"
	"cartera/internal/platform/civil"
	"cartera/internal/platform/csvsafe"
)

// ExportQuery selects reports to export: those of the partners matching Filter (and
// PartnerID when set), of every period or of the month of PeriodEnd.
type ExportQuery struct {
	Filter    partner.Filter
	PartnerID *int64
	PeriodEnd *time.Time
}

// ExportRow is one report with its partner.
type ExportRow struct {
	Partner partner.Ref
	Statement
}

// Export returns the selected reports by partner name, then period end.
func (s *Service) Export(ctx context.Context, q ExportQuery) ([]ExportRow, error) {
	refs, err := s.partners.Refs(ctx, q.Filter)
	if err != nil {
		return nil, err
	}
	if q.PartnerID != nil {
		if _, err := s.partners.Get(ctx, *q.PartnerID); err != nil {
			return nil, err
		}
		var only []partner.Ref
		for _, r := range refs {
			if r.ID == *q.PartnerID {
				only = append(only, r)
			}
		}
		refs = only
	}
	ids := make(pq.Int64Array, len(refs))
	for i, r := range refs {
		ids[i] = r.ID
	}
	var reports []Statement
	if q.PeriodEnd != nil {
		month := civil.Date(q.PeriodEnd.Year(), q.PeriodEnd.Month(), 1)
		reports, err = s.scan(ctx, s.q.Window, ids, month, civil.AddMonths(month, 1))
	} else {
		reports, err = s.scan(ctx, s.q.OfPartners, ids)
	}
	if err != nil {
		return nil, err
	}
	byPartner := map[int64][]Statement{}
	for _, r := range reports {
		byPartner[r.PartnerID] = append(byPartner[r.PartnerID], r)
	}
	out := make([]ExportRow, 0, len(reports))
	for _, ref := range refs {
		for _, r := range byPartner[ref.ID] {
			out = append(out, ExportRow{Partner: ref, Statement: r})
		}
	}
	return out, nil
}

// WriteCSV writes rows under the import's columns: a file exported imports back to
// the same data. Text is written so that a spreadsheet does not run it (the import
// drops the quote this puts in front); figures, negative ones too, stay numbers.
func WriteCSV(w io.Writer, rows []ExportRow) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(Columns()); err != nil {
		return err
	}
	record := make([]string, 0, len(Columns()))
	for _, r := range rows {
		record = append(record[:0], csvsafe.Text(r.Partner.Name), csvsafe.Text(r.Partner.Country), r.PeriodEnd.Format(civil.Layout),
			strconv.Itoa(r.Months), csvsafe.Text(r.Currency))
		for _, in := range kpi.Inputs {
			v := in.Get(&r.Figures)
			if v == nil {
				record = append(record, "")
				continue
			}
			record = append(record, FormatDecimal(*v))
		}
		if err := cw.Write(record); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteXLSX writes rows as a workbook: a header row, frozen with the partner column,
// numbers as numbers (amounts with two decimals and thousands separators), period
// ends as dates. Text goes in as an inline string as it is, never as a formula: the
// stream writer makes a formula only of a Cell's Formula, which this never sets.
func WriteXLSX(w io.Writer, rows []ExportRow) error {
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "reports"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	styles, err := newXLSXStyles(f)
	if err != nil {
		return err
	}
	cols := Columns()
	if err := writeXLSXHeader(sw, cols, styles); err != nil {
		return err
	}
	for n, r := range rows {
		cells := styles.cells(r)
		cell, err := excelize.CoordinatesToCellName(1, n+2)
		if err != nil {
			return err
		}
		if err := sw.SetRow(cell, cells); err != nil {
			return fmt.Errorf("write row %d: %w", n+2, err)
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	if len(rows) > 0 {
		last, _ := excelize.CoordinatesToCellName(len(cols), len(rows)+1)
		if err := f.AutoFilter(sheet, "A1:"+last, nil); err != nil {
			return err
		}
	}
	return f.Write(w)
}

// xlsxStyles are the ids of a workbook's cell styles, by name.
type xlsxStyles map[string]int

// newXLSXStyles adds the export's cell styles to the workbook.
func newXLSXStyles(f *excelize.File) (xlsxStyles, error) {
	styles := map[string]*excelize.Style{
		"header": {Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"E8EEF4"}}},
		"date":   {CustomNumFmt: strPtr("yyyy-mm-dd")},
		"amount": {NumFmt: 4},  // #,##0.00
		"count":  {NumFmt: 3},  // #,##0
		"months": {NumFmt: 1},  // 0
		"text":   {NumFmt: 49}, // @
	}
	ids := xlsxStyles{}
	for name, st := range styles {
		var err error
		if ids[name], err = f.NewStyle(st); err != nil {
			return nil, err
		}
	}
	return ids, nil
}

// writeXLSXHeader sizes the columns, freezes the header row and the partner column,
// and writes the header row.
func writeXLSXHeader(sw *excelize.StreamWriter, cols []string, styles xlsxStyles) error {
	if err := sw.SetColWidth(1, 1, 28); err != nil {
		return err
	}
	if err := sw.SetColWidth(2, len(cols), 14); err != nil {
		return err
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, XSplit: 1, YSplit: 1, TopLeftCell: "B2", ActivePane: "bottomRight"}); err != nil {
		return err
	}
	header := make([]any, len(cols))
	for i, c := range cols {
		header[i] = excelize.Cell{StyleID: styles["header"], Value: c}
	}
	return sw.SetRow("A1", header)
}

// cells are a report's row of the workbook, in the order of Columns.
func (styles xlsxStyles) cells(r ExportRow) []any {
	cells := []any{
		excelize.Cell{StyleID: styles["text"], Value: r.Partner.Name},
		excelize.Cell{StyleID: styles["text"], Value: r.Partner.Country},
		excelize.Cell{StyleID: styles["date"], Value: r.PeriodEnd},
		excelize.Cell{StyleID: styles["months"], Value: r.Months},
		excelize.Cell{StyleID: styles["text"], Value: r.Currency},
	}
	for _, in := range kpi.Inputs {
		v := in.Get(&r.Figures)
		switch {
		case v == nil:
			cells = append(cells, nil)
		case in.Kind == kpi.Count:
			whole, _, _ := v.Int64(0)
			cells = append(cells, excelize.Cell{StyleID: styles["count"], Value: whole})
		case v.Prec() > 15:
			// A spreadsheet keeps 15 significant digits of a number: larger figures
			// (in rupiah or dong, say) go as text, which imports back exactly.
			cells = append(cells, excelize.Cell{StyleID: styles["text"], Value: FormatDecimal(*v)})
		default:
			// A binary float, which the import snaps back to cents.
			x, _ := v.Float64()
			cells = append(cells, excelize.Cell{StyleID: styles["amount"], Value: x})
		}
	}
	return cells
}

func strPtr(s string) *string { return &s }
