package statements

import (
	"testing"
	"time"
	"unicode/utf8"

	"cartera/internal/platform/apperr"
)

// fuzzLimits are small caps, so that each input is quick to read even when it
// inflates: the checks are the same whatever the caps.
var fuzzLimits = limits{rows: 50, columns: 20, cells: 400, cellBytes: 200, textBytes: 4000, rowCells: 100, recordBytes: 8 << 10, sheetRows: 200, sheetCells: 2000,
	zip: zipLimits{entries: 40, sheet: 256 << 10, sharedStrings: 64 << 10, other: 64 << 10, others: 128 << 10, total: 1 << 20, run: 4 << 10, structure: 16 << 10}}

// FuzzReadTable reads arbitrary bytes as an uploaded table, CSV or XLSX (seeds in
// testdata/fuzz/FuzzReadTable): it never panics (even inside excelize, which the
// guard would hide), refuses only with a 422 about the file, and what it reads
// keeps within the caps, its rows numbered upwards after the header, every cell
// valid UTF-8.
func FuzzReadTable(f *testing.F) {
	f.Add([]byte("partner,period_end,months,currency\nImpro,2024-06-30,6,USD\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		done := make(chan struct{}, 1)
		var table *Table
		var err error
		go func() { table, err = readAny(data, fuzzLimits); done <- struct{}{} }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("reading %d bytes takes more than 10 s", len(data))
		}
		if err != nil {
			e, ok := apperr.As(err)
			if !ok || e.Kind != apperr.KindInvalid || len(e.Fields) != 1 || e.Fields[0].Field != "file" {
				t.Fatalf("err = %#v, want a 422 about the file", err)
			}
			return
		}
		if table.Header == nil {
			t.Fatal("a table without a header")
		}
		if len(table.Rows) > fuzzLimits.rows {
			t.Fatalf("%d rows, more than the cap", len(table.Rows))
		}
		last, cells := 1, 0
		for _, r := range table.Rows {
			if r.Line <= last {
				t.Fatalf("row %d after row %d", r.Line, last)
			}
			last = r.Line
			if len(r.Cells) > fuzzLimits.columns || blank(r.Cells) {
				t.Fatalf("row %d: %d cells %q", r.Line, len(r.Cells), r.Cells)
			}
			cells += len(r.Cells)
			for _, c := range r.Cells {
				if !utf8.ValidString(c) || len(c) > fuzzLimits.cellBytes {
					t.Fatalf("row %d: cell %q", r.Line, c)
				}
			}
		}
		if cells > fuzzLimits.cells {
			t.Fatalf("%d cells, more than the cap", cells)
		}
		for _, h := range table.Header {
			if !utf8.ValidString(h) {
				t.Fatalf("header cell %q", h)
			}
		}
	})
}
