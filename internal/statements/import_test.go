package statements

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"

	"cartera/internal/partner"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/civil"
)

func (f *fixture) importBytes(data []byte, opts ImportOptions) (ImportResult, error) {
	f.t.Helper()
	table, err := ReadTable(data)
	if err != nil {
		return ImportResult{}, err
	}
	return f.s.Import(f.ctx, tester, table, opts)
}

// problems renders an import error's problems as "row:column" strings.
func problems(t *testing.T, err error) []string {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Kind != apperr.KindInvalid {
		t.Fatalf("err = %v, want a validation error listing the problems", err)
	}
	var out []string
	for _, p := range e.Fields {
		out = append(out, fmt.Sprintf("%d:%s", p.Row, p.Column))
	}
	return out
}

func TestImportReadsWhatSpreadsheetsWrite(t *testing.T) {
	f := newFixture(t)
	id := f.partner("Pro Mujer Bolivia", "BO", partner.NGO)
	tests := []struct {
		name string
		data []byte
	}{
		{"comma-separated", []byte("partner,period_end,months,currency,gross_loan_portfolio,active_clients,net_income\n" +
			"Pro Mujer Bolivia,2003-06-30,12,USD,4682000.50,34973,-12.25\n")},
		{"byte-order mark, semicolons, decimal commas, CRLF", []byte("\ufeffpartner;period_end;months;currency;gross_loan_portfolio;active_clients;net_income\r\n" +
			"Pro Mujer Bolivia;2003-06-30;12;USD;4682000,50;34973;-12,25\r\n")},
		{"UTF-16 with a byte-order mark, tabs", utf16LE("partner\tperiod_end\tmonths\tcurrency\tgross_loan_portfolio\tactive_clients\tnet_income\r\n" +
			"pro mujer bolivia\t2003-06-30\t12\tusd\t4682000.5\t34973\t-12.25\r\n")},
		{"by id, columns in another order and letter case", []byte(fmt.Sprintf("Currency,Months,Net_Income,Partner,Period_End,Active_Clients,Gross_Loan_Portfolio\n"+
			"USD,12,-12.25,%d,2003-06-30,34973,4682000.50\n", id))},
		{"XLSX with a date cell and binary floats", xlsxFile(t, [][]any{
			{"partner", "period_end", "months", "currency", "gross_loan_portfolio", "active_clients", "net_income"},
			{"Pro Mujer Bolivia", civil.Date(2003, 6, 30), 12, "USD", 4682000.5000000001, 34973.0, -12.25},
		})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := f.conn.Exec(`DELETE FROM financial_statements`); err != nil {
				t.Fatal(err)
			}
			res, err := f.importBytes(tt.data, ImportOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Rows != 1 || res.Created != 1 {
				t.Fatalf("result %+v", res)
			}
			r, err := f.s.Get(f.ctx, id, civil.Date(2003, 6, 30))
			if err != nil {
				t.Fatal(err)
			}
			if r.GrossLoanPortfolio.String() != "4682000.50" || r.ActiveClients.String() != "34973" ||
				r.NetIncome.String() != "-12.25" || r.Months != 12 || r.Currency != "USD" {
				t.Errorf("stored glp %v clients %v net %v months %d currency %s", r.GrossLoanPortfolio, r.ActiveClients, r.NetIncome, r.Months, r.Currency)
			}
		})
	}
}

func utf16LE(s string) []byte {
	out := []byte{0xFF, 0xFE}
	for _, u := range utf16.Encode([]rune(s)) {
		out = append(out, byte(u), byte(u>>8))
	}
	return out
}

func xlsxFile(t *testing.T, rows [][]any) []byte {
	t.Helper()
	x := excelize.NewFile()
	defer x.Close()
	dateStyle, err := x.NewStyle(&excelize.Style{NumFmt: 14})
	if err != nil {
		t.Fatal(err)
	}
	for i, row := range rows {
		for j, v := range row {
			cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
			if err := x.SetCellValue("Sheet1", cell, v); err != nil {
				t.Fatal(err)
			}
			if _, ok := v.(interface{ Unix() int64 }); ok {
				if err := x.SetCellStyle("Sheet1", cell, cell, dateStyle); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestImportIsAllOrNothing: a file with bad rows is refused whole, every problem
// listed by its row and column, and nothing is written, partners included.
func TestImportIsAllOrNothing(t *testing.T) {
	f := newFixture(t)
	f.partner("ADRA Peru", "PE", partner.NGO)
	data := []byte("partner,country,period_end,months,currency,gross_loan_portfolio,par30,active_clients,women_clients\n" +
		"ADRA Peru,PE,2002-12-31,12,USD,457000,0,4619,\n" + // row 2: fine
		"ADRA Peru,PE,2003-06-30,6,USD,612 000,0,5688,\n" + // row 3: text in a number column
		"ADRA Peru,PE,2003-12-31,7,USD,700000,800000,-4,\n" + // row 4: months, par30 above the portfolio, negative count
		"Nobody,BO,2003-06-30,6,USD,1,,,\n" + // row 5: unknown partner, not created without the option
		"New MFI,BO,2003-06-30,6,USD,1000,,10,11\n" + // row 6: women above clients
		"ADRA Peru,PE,2025-06-30,6,XYZ,1,,,\n" + // row 7: future period end, currency
		"ADRA Peru,PE,,,USD,1,,,\n" + // row 8: no period end, no months
		"\n" + // a blank line is skipped
		"ADRA Peru,PE,2002-12-31,12,USD,1,,,\n") // row 10: the same partner and month as row 2
	_, err := f.importBytes(data, ImportOptions{})
	got := strings.Join(problems(t, err), " ")
	want := "3:gross_loan_portfolio 4:months 4:active_clients 4:par30 5:partner 6:women_clients 6:partner " +
		"7:period_end 7:currency 8:period_end 8:months 10:period_end"
	if got != want {
		t.Errorf("problems\n got %s\nwant %s", got, want)
	}
	if !strings.Contains(err.Error(), "nothing was imported") {
		t.Errorf("message %q", err)
	}
	if n := f.count(`SELECT count(*) FROM financial_statements`); n != 0 {
		t.Errorf("%d reports written from a refused file", n)
	}
	// Creating partners does not excuse the other rows: still nothing written.
	_, err = f.importBytes(data, ImportOptions{CreatePartners: true})
	if err == nil {
		t.Fatal("a file with bad rows was accepted")
	}
	if n := f.count(`SELECT count(*) FROM partners`); n != 1 {
		t.Errorf("%d partners after refused imports, want the 1 there was", n)
	}
}

func TestImportColumns(t *testing.T) {
	f := newFixture(t)
	f.partner("Impro", "BO", partner.NGO)
	// Unknown columns are refused by name unless asked to skip them.
	data := []byte("partner,period_end,months,currency,gross_loan_portfolio,mix_roe,\n" +
		"Impro,2010-12-31,12,USD,1000000,0.12,\n")
	_, err := f.importBytes(data, ImportOptions{})
	if got := strings.Join(problems(t, err), " "); got != "1:mix_roe" {
		t.Errorf("unknown column: %s", got)
	}
	res, err := f.importBytes(data, ImportOptions{IgnoreUnknownColumns: true})
	if err != nil || res.Created != 1 || strings.Join(res.IgnoredColumns, ",") != "mix_roe" {
		t.Fatalf("ignoring unknown columns: %+v %v", res, err)
	}
	// Missing required columns, a repeated one, values under no header, a ragged row.
	_, err = f.importBytes([]byte("partner,months,months,gross_loan_portfolio,\nImpro,12,12,1,stray\nImpro,12,12,1,,extra\n"), ImportOptions{})
	got := strings.Join(problems(t, err), " ")
	if got != "1:months 1:column E 1:period_end 1:currency" {
		t.Errorf("header problems: %s", got)
	}
	for _, data := range []string{"", "partner,period_end,months,currency\n", "\ufeff"} {
		if _, err := f.importBytes([]byte(data), ImportOptions{}); !apperr.IsKind(err, apperr.KindInvalid) {
			t.Errorf("import of %q: %v, want a validation error", data, err)
		}
	}
	if _, err := f.importBytes([]byte("PK\x03\x04 not really a zip"), ImportOptions{}); !apperr.IsKind(err, apperr.KindInvalid) {
		t.Errorf("a broken XLSX: %v", err)
	}
	if _, err := f.importBytes([]byte("partner,\"period_end\n"), ImportOptions{}); !apperr.IsKind(err, apperr.KindInvalid) {
		t.Errorf("a broken CSV quote: %v", err)
	}
}

func TestImportPartners(t *testing.T) {
	f := newFixture(t)
	f.partner("Pro Mujer", "BO", partner.NGO)
	f.partner("Pro Mujer", "PE", partner.NGO)
	// One name in two countries: the country column tells them apart.
	data := []byte("partner,period_end,months,currency,gross_loan_portfolio\nPro Mujer,2014-12-31,12,USD,1\n")
	_, err := f.importBytes(data, ImportOptions{})
	if e, _ := apperr.As(err); err == nil || !strings.Contains(e.Fields[0].Message, "BO, PE") {
		t.Fatalf("ambiguous name: %v", err)
	}
	res, err := f.importBytes([]byte("partner,country,period_end,months,currency,gross_loan_portfolio\nPRO MUJER,pe,2014-12-31,12,USD,1\n"), ImportOptions{})
	if err != nil || res.Created != 1 {
		t.Fatalf("with the country: %+v %v", res, err)
	}
	// New partners: created once for all their rows, in the same transaction.
	data = []byte("partner,country,legal_status,period_end,months,currency,gross_loan_portfolio\n" +
		"Emprender,BO,,2013-12-31,12,USD,100\n" +
		"Emprender,BO,,2014-12-31,12,USD,200\n" +
		"BancoSol,BO,bank,2014-12-31,12,USD,300\n")
	res, err = f.importBytes(data, ImportOptions{CreatePartners: true})
	if err != nil || res.Created != 3 || len(res.PartnersCreated) != 2 {
		t.Fatalf("create partners: %+v %v", res, err)
	}
	if res.PartnersCreated[0].LegalStatus != partner.OtherStatus || res.PartnersCreated[1].LegalStatus != partner.Bank {
		t.Errorf("legal statuses %s, %s; want other (none given), bank", res.PartnersCreated[0].LegalStatus, res.PartnersCreated[1].LegalStatus)
	}
	// A partner to create needs a country.
	_, err = f.importBytes([]byte("partner,period_end,months,currency,gross_loan_portfolio\nNew One,2014-12-31,12,USD,1\n"), ImportOptions{CreatePartners: true})
	if got := strings.Join(problems(t, err), " "); got != "2:country" {
		t.Errorf("no country to create a partner: %s", got)
	}
	if _, err := f.importBytes([]byte("partner,period_end,months,currency,gross_loan_portfolio\n4242,2014-12-31,12,USD,1\n"), ImportOptions{}); err == nil ||
		!strings.Contains(err.Error(), "no partner has the id 4242") {
		t.Errorf("unknown id: %v", err)
	}
}

func TestReimportAndDryRun(t *testing.T) {
	f := newFixture(t)
	id := f.partner("ADRA Peru", "PE", partner.NGO)
	data := []byte("partner,period_end,months,currency,gross_loan_portfolio,active_clients\n" +
		"ADRA Peru,2002-12-31,12,USD,457000,4619\nADRA Peru,2003-06-30,6,USD,612000,5688\n")
	dry, err := f.importBytes(data, ImportOptions{DryRun: true})
	if err != nil || !dry.DryRun || dry.Created != 2 {
		t.Fatalf("dry run: %+v %v", dry, err)
	}
	if n := f.count(`SELECT count(*) FROM financial_statements`); n != 0 {
		t.Fatalf("a dry run wrote %d reports", n)
	}
	if _, err := f.importBytes(data, ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	audited := f.count(`SELECT count(*) FROM audit_log`)
	again, err := f.importBytes(data, ImportOptions{})
	if err != nil || again.Created+again.Replaced != 0 || again.Unchanged != 2 {
		t.Fatalf("re-import: %+v %v", again, err)
	}
	if n := f.count(`SELECT count(*) FROM audit_log`); n != audited {
		t.Errorf("re-importing the same file added %d audit entries", n-audited)
	}
	// A changed figure replaces that report only.
	changed := bytes.Replace(data, []byte("612000"), []byte("612500"), 1)
	res, err := f.importBytes(changed, ImportOptions{})
	if err != nil || res.Replaced != 1 || res.Unchanged != 1 {
		t.Fatalf("changed file: %+v %v", res, err)
	}
	// A report stored for another day of the month is a conflict, named on its row.
	_, err = f.importBytes([]byte("partner,period_end,months,currency,gross_loan_portfolio\nADRA Peru,2003-06-29,6,USD,1\n"), ImportOptions{})
	if got := strings.Join(problems(t, err), " "); got != "2:period_end" || !strings.Contains(err.Error(), "2003-06-30") {
		t.Errorf("another day of a stored month: %s (%v)", got, err)
	}
	r, _ := f.s.Get(f.ctx, id, civil.Date(2003, 6, 30))
	if r.GrossLoanPortfolio.String() != "612500.00" {
		t.Errorf("after the refused import the report holds %v", r.GrossLoanPortfolio)
	}
}

// TestExportImportsBack: an export, CSV or XLSX, imports back to the same data: every
// figure of every kind, names with commas, quotes and accents.
func TestExportImportsBack(t *testing.T) {
	f := newFixture(t)
	a := f.partner(`Caja "Los Andes", Perú`, "PE", partner.Cooperative)
	b := f.partner("Crédito Ñandutí", "PY", partner.NBFI)
	full := []string{}
	for i, name := range Columns()[5:] {
		v := fmt.Sprint(1000 + i)
		switch name {
		case "net_income", "equity":
			v = "-" + v + ".75"
		case "gross_loan_portfolio", "total_assets":
			v = "98765432109.99" // large: a binary float keeps it exactly
		case "women_clients", "rural_clients", "loan_officers", "personnel_expense":
			v = "7" // parts of a whole
		}
		full = append(full, name, v)
	}
	for _, r := range []struct {
		id     int64
		report []string
	}{
		{a, full},
		{b, []string{"gross_loan_portfolio", "0.01", "active_clients", "0"}},
	} {
		if _, _, err := f.s.Put(f.ctx, tester, r.id, rep("2023-12-31", 12, "USD", r.report...)); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := f.s.Put(f.ctx, tester, b, rep("2024-06-30", 6, "PYG", "gross_loan_portfolio", "5")); err != nil {
		t.Fatal(err)
	}
	rows, err := f.s.Export(f.ctx, ExportQuery{})
	if err != nil || len(rows) != 3 {
		t.Fatalf("export: %d rows, %v", len(rows), err)
	}
	for _, format := range []Format{CSV, XLSX} {
		t.Run(string(format), func(t *testing.T) {
			var buf bytes.Buffer
			write := WriteCSV
			if format == XLSX {
				write = WriteXLSX
			}
			if err := write(&buf, rows); err != nil {
				t.Fatal(err)
			}
			res, err := f.importBytes(buf.Bytes(), ImportOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Rows != 3 || res.Unchanged != 3 {
				t.Errorf("re-import of the export: %+v, want 3 rows unchanged", res)
			}
		})
	}
	// Filters: one partner, one month.
	june := civil.Date(2024, 6, 1)
	one, err := f.s.Export(f.ctx, ExportQuery{PartnerID: &b, PeriodEnd: &june})
	if err != nil || len(one) != 1 || one[0].Currency != "PYG" {
		t.Errorf("filtered export: %+v %v", one, err)
	}
	pe, err := f.s.Export(f.ctx, ExportQuery{Filter: partner.Filter{Country: "PE"}})
	if err != nil || len(pe) != 1 || pe[0].Partner.ID != a {
		t.Errorf("export by country: %+v %v", pe, err)
	}
}
