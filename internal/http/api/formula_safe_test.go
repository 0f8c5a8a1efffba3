package api_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"cartera/internal/platform/csvsafe"
	"cartera/internal/user"
)

// formulaNames are partners' names a spreadsheet would run as formulas (OWASP's
// examples), and one that really begins with a quote.
var formulaNames = []string{`=HYPERLINK("http://x","y")`, `+cmd|' /C calc'!A0`, `-2+3`, `@SUM(A1)`, `'quoted`}

// formulaBook is the demo with its partners renamed to formulaNames, and a statement
// with a loss (a negative figure) for the first of them; it returns the names in use.
func formulaBook(t *testing.T) (*env, map[string]bool) {
	e := newEnv(t)
	ids := e.demoIDs()
	var sorted []int64
	for _, id := range ids {
		sorted = append(sorted, id)
	}
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	if len(sorted) < len(formulaNames) {
		t.Fatalf("the demo has %d partners", len(sorted))
	}
	names := map[string]bool{}
	for i, name := range formulaNames {
		if _, err := e.conn.Exec(`UPDATE partners SET name = $1 WHERE id = $2`, name, sorted[i]); err != nil {
			t.Fatal(err)
		}
		names[name] = true
	}
	r := e.do(user.Manager, "PUT", fmt.Sprintf("/api/v1/partners/%d/statements/2003-06-30", sorted[0]),
		map[string]any{"months": 6, "currency": "USD", "gross_loan_portfolio": "612000", "net_income": "-12.5"})
	if r.status != http.StatusCreated {
		t.Fatalf("statement with a loss: %d %s", r.status, r.body)
	}
	return e, names
}

// readCSV is a download's rows, with its header's columns by name.
func readCSV(t *testing.T, r response) ([][]string, map[string]int) {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("csv: %d %s", r.status, r.body)
	}
	rows, err := csv.NewReader(bytes.NewReader(r.body)).ReadAll()
	if err != nil || len(rows) < 2 {
		t.Fatalf("csv: %d rows, %v", len(rows), err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	return rows, col
}

// checkQuoted holds a CSV column to the names: each written with a quote in front
// when it begins as a formula would, as it is otherwise; it returns the names seen.
func checkQuoted(t *testing.T, what string, rows [][]string, i int, names map[string]bool) map[string]bool {
	t.Helper()
	seen := map[string]bool{}
	for _, row := range rows[1:] {
		cell := row[i]
		if name := csvsafe.Unquote(cell); names[name] {
			seen[name] = true
			if want := csvsafe.Text(name); cell != want || (name != "'quoted" && cell != "'"+name) {
				t.Errorf("%s: %q is written %q, want %q", what, name, cell, want)
			}
			continue
		}
		if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
			t.Errorf("%s: %q is not quoted", what, cell)
		}
	}
	return seen
}

// checkXLSXText holds a workbook's column to the names: string cells equal to them,
// never formulas; it returns the names seen.
func checkXLSXText(t *testing.T, what string, body []byte, sheet, column string, names map[string]bool) map[string]bool {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	defer f.Close()
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for n := 2; n <= len(rows); n++ {
		cell := fmt.Sprintf("%s%d", column, n)
		v, _ := f.GetCellValue(sheet, cell)
		if !names[v] {
			continue
		}
		seen[v] = true
		typ, _ := f.GetCellType(sheet, cell)
		if formula, _ := f.GetCellFormula(sheet, cell); formula != "" || (typ != excelize.CellTypeInlineString && typ != excelize.CellTypeSharedString) {
			t.Errorf("%s: %s %q is of type %v, formula %q", what, cell, v, typ, formula)
		}
	}
	return seen
}

func TestExportsAreFormulaSafe(t *testing.T) {
	e, names := formulaBook(t)

	// The exposure by partner: the labels are the names.
	rows, col := readCSV(t, e.do(user.Viewer, "GET", "/api/v1/exposure?by=partner&format=csv", nil))
	if seen := checkQuoted(t, "exposure csv", rows, col["label"], names); len(seen) < 2 {
		t.Errorf("exposure csv: only %v of the names", seen)
	}
	x := e.do(user.Viewer, "GET", "/api/v1/exposure?by=partner&format=xlsx", nil)
	if seen := checkXLSXText(t, "exposure xlsx", x.body, "exposure", "B", names); len(seen) < 2 {
		t.Errorf("exposure xlsx: only %v of the names", seen)
	}

	// The loans list: the partners with loans the list shows.
	rows, col = readCSV(t, e.do(user.Viewer, "GET", "/api/v1/loans?format=csv", nil))
	if seen := checkQuoted(t, "loans csv", rows, col["partner"], names); len(seen) < 3 {
		t.Errorf("loans csv: only %v of the names", seen)
	}
	x = e.do(user.Viewer, "GET", "/api/v1/loans?format=xlsx", nil)
	if seen := checkXLSXText(t, "loans xlsx", x.body, "loans", "D", names); len(seen) < 3 {
		t.Errorf("loans xlsx: only %v of the names", seen)
	}

	// The statements: names quoted, a loss still a number.
	rows, col = readCSV(t, e.do(user.Viewer, "GET", "/api/v1/statements/export?format=csv", nil))
	checkQuoted(t, "statements csv", rows, col["partner"], names)
	if !slices.ContainsFunc(rows, func(row []string) bool {
		return row[col["partner"]] == "'"+formulaNames[0] && row[col["net_income"]] == "-12.5"
	}) {
		t.Errorf("statements csv: no row of %q with its loss -12.5 unquoted", formulaNames[0])
	}
	x = e.do(user.Viewer, "GET", "/api/v1/statements/export?format=xlsx", nil)
	if seen := checkXLSXText(t, "statements xlsx", x.body, "reports", "A", names); !seen[formulaNames[0]] {
		t.Errorf("statements xlsx: only %v of the names", seen)
	}
}

// A statements export imports back unchanged: the quote the CSV puts in front of a
// name goes away on import, and a name that begins with a quote keeps it.
func TestStatementsExportImportsBackWithFormulaNames(t *testing.T) {
	e, names := formulaBook(t)
	for _, name := range []string{formulaNames[1], "'quoted"} {
		r := e.do(user.Manager, "PUT", fmt.Sprintf("/api/v1/partners/%d/statements/2003-06-30", partnerNamed(t, e, name)),
			map[string]any{"months": 6, "currency": "USD", "gross_loan_portfolio": "1000", "net_income": "-3"})
		if r.status != http.StatusCreated && r.status != http.StatusOK {
			t.Fatalf("statement of %q: %d %s", name, r.status, r.body)
		}
	}
	for _, format := range []string{"csv", "xlsx"} {
		r := e.do(user.Viewer, "GET", "/api/v1/statements/export?format="+format, nil)
		if r.status != http.StatusOK {
			t.Fatalf("%s export: %d", format, r.status)
		}
		var all int
		if rows, err := csv.NewReader(bytes.NewReader(e.do(user.Viewer, "GET", "/api/v1/statements/export?format=csv", nil).body)).ReadAll(); err == nil {
			all = len(rows) - 1
		}
		back := e.upload(user.Manager, "", r.body, true)
		if doc := back.json(t); back.status != http.StatusOK || doc["unchanged"] != float64(all) || doc["created"] != 0.0 ||
			len(doc["partners_created"].([]any)) != 0 {
			t.Errorf("re-import of the %s export (%d rows): %d %s", format, all, back.status, back.body)
		}
	}
	var got []string
	if err := e.conn.Select(&got, `SELECT name FROM partners ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	for name := range names {
		if !slices.Contains(got, name) {
			t.Errorf("after the round trips the partners are %q, without %q", got, name)
		}
	}
}

// partnerNamed is the id of the partner of that exact name.
func partnerNamed(t *testing.T, e *env, name string) int64 {
	t.Helper()
	var id int64
	if err := e.conn.Get(&id, `SELECT id FROM partners WHERE name = $1`, name); err != nil {
		t.Fatalf("partner %q: %v", name, err)
	}
	return id
}
