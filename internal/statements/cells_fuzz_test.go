package statements

import (
	"math/big"
	"regexp"
	"strings"
	"testing"

	"cartera/internal/kpi"
	"cartera/internal/platform/money"
)

var plainDecimal = regexp.MustCompile(`^[+-]?[0-9]+(\.[0-9]+)?$`)

// FuzzParseCells feeds one cell to the import's number, whole-number and date
// readers, as a CSV (either decimal mark) and as a spreadsheet would give it: none
// panics, and a plain decimal written in a CSV is read as exactly that number.
// Seeds: testdata/fuzz/FuzzParseCells and the cases below.
func FuzzParseCells(f *testing.F) {
	for _, seed := range []string{"1707001.66", "1707001.6599999999", "1234,56", "1.234,56", "-12.5", "1e3", "1E+308", "1e400",
		"NaN", "-Inf", "0x1p-2", "45292", "45292.75", "2958466", "1e18", "-1", "2024-01-31", "2024-1-31", "", " 12 ", "9223372036854775808",
		strings.Repeat("0", 331), "-" + strings.Repeat("0", 400) + "12.50" + strings.Repeat("0", 400)} {
		f.Add(seed)
	}
	count := kpi.Input{Name: "active_borrowers", Kind: kpi.Count}
	amount := kpi.Input{Name: "gross_loan_portfolio", Kind: kpi.Decimal}
	f.Fuzz(func(t *testing.T, cell string) {
		tables := []*Table{{}, {DecimalComma: true}, {Spreadsheet: true}, {Spreadsheet: true, date1904: true}}
		for _, tb := range tables {
			for _, in := range []kpi.Input{count, amount} {
				v, msg := tb.parseNumber(in, cell)
				if (v == nil) == (msg == "") && strings.TrimSpace(cell) != "" {
					t.Fatalf("parseNumber(%q) = %v, %q: a value or a message, not both or neither", cell, v, msg)
				}
			}
			tb.parseInt(cell)
			tb.parseDate(cell)
		}
		// A CSV's plain decimal is read exactly as written.
		s := strings.TrimSpace(cell)
		if want, ok := new(big.Rat).SetString(s); ok && plainDecimal.MatchString(s) {
			if v, msg := (&Table{}).parseNumber(amount, cell); v != nil {
				if got, _ := new(big.Rat).SetString(v.String()); got.Cmp(want) != 0 {
					t.Fatalf("parseNumber(%q) = %s, not the number written", cell, v)
				}
			} else if money.CheckDigits(s) == nil {
				t.Fatalf("parseNumber(%q) refused a plain decimal: %s", cell, msg)
			}
		}
	})
}
