package sheet

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/govalues/decimal"
	"github.com/xuri/excelize/v2"
)

var table = Table{Sheet: "list", Header: []string{"name", "amount", "share", "n", "id", "flag", "at", "none"},
	Rows: [][]any{{"=HYPERLINK(\"x\")", decimal.MustParse("1234.50"), 0.125, 3, int64(9), true,
		time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC), nil}}}

func TestCSVIsExactAndFormulaSafe(t *testing.T) {
	d, err := Export(table, "csv", "list-2026-12-03")
	if err != nil {
		t.Fatal(err)
	}
	want := "name,amount,share,n,id,flag,at,none\n\"'=HYPERLINK(\"\"x\"\")\",1234.50,0.125,3,9,true,2026-12-03T09:00:00Z,\n"
	if string(d.Body) != want || d.ContentType != CSVType || d.FileName != "list-2026-12-03.csv" {
		t.Fatalf("csv %q (%s, %s), want %q", d.Body, d.ContentType, d.FileName, want)
	}
}

func TestXLSXHasNumbersAndNoFormula(t *testing.T) {
	d, err := Export(table, "xlsx", "list")
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(d.Body))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if formula, _ := f.GetCellFormula("list", "A2"); formula != "" {
		t.Errorf("a text cell became the formula %q", formula)
	}
	if v, _ := f.GetCellValue("list", "A2"); !strings.HasPrefix(v, "=HYPERLINK") {
		t.Errorf("A2 = %q, want the text as typed", v)
	}
	if typ, _ := f.GetCellType("list", "B2"); typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
		t.Errorf("the amount's cell type %v, want a number", typ)
	}
	if v, _ := f.GetCellValue("list", "B2"); v != "1234.5" {
		t.Errorf("B2 = %q, want 1234.5", v)
	}
	if _, err := Export(table, "pdf", "list"); err == nil {
		t.Error("an unknown format is accepted")
	}
}
