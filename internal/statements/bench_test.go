package statements

import (
	"bytes"
	"fmt"
	"testing"
)

// BenchmarkImport10000Rows imports a CSV of 10,000 reports (2,000 partners, five
// quarters each, every figure) into an empty table: reading the file, checking every
// row, comparing with what is stored, writing and auditing. The partner-figures
// issue's target is under 5 s.
func BenchmarkImport10000Rows(b *testing.B) {
	f := newFixture(b)
	if _, err := f.conn.Exec(`INSERT INTO partners (name, country, legal_status)
		SELECT 'Partner ' || i, 'BO', 'ngo' FROM generate_series(1, 2000) AS i`); err != nil {
		b.Fatal(err)
	}
	var csv bytes.Buffer
	csv.WriteString("partner,country,period_end,months,currency")
	for _, c := range Columns()[5:] {
		csv.WriteString("," + c)
	}
	csv.WriteString("\n")
	ends := []string{"2023-06-30", "2023-09-30", "2023-12-31", "2024-03-31", "2024-06-30"}
	for p := 1; p <= 2000; p++ {
		for q, end := range ends {
			g := 1000000 + p*997 + q*50000
			c := 3000 + p%700 + q*40
			fmt.Fprintf(&csv, "Partner %d,BO,%s,3,USD", p, end)
			for _, v := range []any{g, g / 25, g / 300, g / 20, g / 250, c, c, g * 13 / 10, g * 8 / 10, g / 2,
				g * 9 / 100, g / 50, g / 20, g / 33, g * 85 / 1000, g / 100, 0, 100 + p%50, 40 + p%20, c * 6 / 10,
				c * 4 / 10, 10, 0, "", "", "", ""} {
				fmt.Fprintf(&csv, ",%v", v)
			}
			csv.WriteString("\n")
		}
	}
	data := csv.Bytes()
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		if _, err := f.conn.Exec(`DELETE FROM financial_statements; DELETE FROM audit_log WHERE entity = 'financial_report'`); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		table, err := ReadTable(data)
		if err != nil {
			b.Fatal(err)
		}
		res, err := f.s.Import(f.ctx, tester, table, ImportOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if res.Created != 10000 {
			b.Fatalf("%+v", res)
		}
	}
}
