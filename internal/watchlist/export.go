package watchlist

import (
	"cartera/internal/platform/civil"
	"cartera/internal/platform/sheet"
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

// Download is the list as a file.
type Download = sheet.Download

// Export writes the list in format, "csv" or "xlsx", one row per reason; text (names
// are typed by users) is made safe from spreadsheets' formulas.
func Export(l List, format string) (Download, error) {
	t := sheet.Table{Sheet: "watch list", Header: Header, Rows: l.rows(), Widths: map[int]float64{2: 30, 6: 60}}
	return sheet.Export(t, format, "watchlist-"+civil.Format(l.AsOf))
}
