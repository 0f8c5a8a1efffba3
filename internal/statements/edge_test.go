package statements

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"cartera/internal/partner"
	"cartera/internal/platform/civil"
)

func TestImportEdgeCases(t *testing.T) {
	f := newFixture(t)
	impro := f.partner("Impro", "BO", partner.NGO)
	get := func(end time.Time) Statement {
		t.Helper()
		r, err := f.s.Get(f.ctx, impro, end)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	dec2010 := civil.Date(2010, 12, 31)

	t.Run("counts written as decimals", func(t *testing.T) {
		for _, data := range []string{
			"partner,period_end,months,currency,active_clients\nImpro,2010-12-31,12,USD,1700.0\n",
			"partner;period_end;months;currency;active_clients\nImpro;2010-12-31;12;USD;1700,00\n",
		} {
			if _, err := f.importBytes([]byte(data), ImportOptions{}); err != nil {
				t.Fatalf("%q: %v", data, err)
			}
			if got := get(dec2010).ActiveClients.String(); got != "1700" {
				t.Errorf("clients stored as %s", got)
			}
		}
	})

	t.Run("tab-separated with decimal commas", func(t *testing.T) {
		data := "partner\tperiod_end\tmonths\tcurrency\tgross_loan_portfolio\nImpro\t2010-12-31\t12\tUSD\t1000000,25\n"
		if _, err := f.importBytes([]byte(data), ImportOptions{}); err != nil {
			t.Fatal(err)
		}
		if got := get(dec2010).GrossLoanPortfolio.String(); got != "1000000.25" {
			t.Errorf("portfolio %s", got)
		}
	})

	t.Run("a file without a column keeps the stored figure; an empty cell clears it", func(t *testing.T) {
		if _, _, err := f.s.Put(f.ctx, tester, impro, rep("2010-12-31", 12, "USD", "gross_loan_portfolio", "1000000",
			"active_clients", "1700", "equity", "300000")); err != nil {
			t.Fatal(err)
		}
		res, err := f.importBytes([]byte("partner,period_end,months,currency,gross_loan_portfolio,active_clients\nImpro,2010-12-31,12,USD,1100000,\n"), ImportOptions{})
		if err != nil || res.Replaced != 1 {
			t.Fatalf("%+v %v", res, err)
		}
		r := get(dec2010)
		if r.GrossLoanPortfolio.String() != "1100000.00" || r.ActiveClients != nil || r.Equity == nil || r.Equity.String() != "300000.00" {
			t.Errorf("after a partial file: glp %v clients %v equity %v", r.GrossLoanPortfolio, r.ActiveClients, r.Equity)
		}
		// The same partial file again changes nothing.
		if res, err := f.importBytes([]byte("partner,period_end,months,currency,gross_loan_portfolio,active_clients\nImpro,2010-12-31,12,USD,1100000,\n"), ImportOptions{}); err != nil || res.Unchanged != 1 {
			t.Errorf("partial file again: %+v %v", res, err)
		}
		// Kept figures must still fit with the new ones: PAR30 stored above the new portfolio.
		if _, _, err := f.s.Put(f.ctx, tester, impro, rep("2010-12-31", 12, "USD", "gross_loan_portfolio", "1000", "par30", "900")); err != nil {
			t.Fatal(err)
		}
		_, err = f.importBytes([]byte("partner,period_end,months,currency,gross_loan_portfolio\nImpro,2010-12-31,12,USD,500\n"), ImportOptions{})
		if got := strings.Join(problems(t, err), " "); got != "2:par30" {
			t.Errorf("kept PAR30 above the new portfolio: %s (%v)", got, err)
		}
		// Another currency replaces the report whole: no bolivianos beside dollars.
		if _, err := f.importBytes([]byte("partner,period_end,months,currency,gross_loan_portfolio\nImpro,2010-12-31,12,BOB,7000000\n"), ImportOptions{}); err != nil {
			t.Fatal(err)
		}
		if r := get(dec2010); r.Currency != "BOB" || r.PAR30 != nil {
			t.Errorf("after a currency change: %s, par30 %v", r.Currency, r.PAR30)
		}
	})

	t.Run("row numbers after a cell over two lines", func(t *testing.T) {
		data := "partner,period_end,months,currency,gross_loan_portfolio\n\"Imp\nro\",2010-12-31,12,BOB,1\nImpro,2011-12-31,12,USD,x\n\nImpro,2012-12-31,12,USD,y\n"
		_, err := f.importBytes([]byte(data), ImportOptions{})
		if got := strings.Join(problems(t, err), " "); got != "2:partner 3:gross_loan_portfolio 5:gross_loan_portfolio" {
			t.Errorf("rows as a spreadsheet numbers them: %s", got)
		}
	})

	t.Run("a NUL character is named by row and column", func(t *testing.T) {
		_, err := f.importBytes([]byte("partner,country,period_end,months,currency,gross_loan_portfolio\nNew\x00MFI,BO,2010-12-31,12,USD,1\n"), ImportOptions{CreatePartners: true})
		if got := problems(t, err); len(got) == 0 || got[0] != "2:partner" {
			t.Errorf("NUL: %v", got)
		}
	})

	t.Run("a dry run's new partners have no id", func(t *testing.T) {
		res, err := f.importBytes([]byte("partner,country,period_end,months,currency,gross_loan_portfolio\nNew MFI,PE,2010-12-31,12,USD,1\n"), ImportOptions{CreatePartners: true, DryRun: true})
		if err != nil || len(res.PartnersCreated) != 1 || res.PartnersCreated[0].ID != 0 {
			t.Errorf("%+v %v", res, err)
		}
	})
}

func idText(id int64) string { return strconv.FormatInt(id, 10) }

func TestPartnerIDsAndNames(t *testing.T) {
	f := newFixture(t)
	first := f.partner("Impro", "BO", partner.NGO)
	named := f.partner(idText(first), "PE", partner.NGO) // a partner whose name is another's id
	row := func(partner, country string) []byte {
		return []byte("partner,country,period_end,months,currency,gross_loan_portfolio\n" + partner + "," + country + ",2010-12-31,12,USD,1\n")
	}
	if _, err := f.importBytes(row(idText(first), ""), ImportOptions{}); err == nil || !strings.Contains(err.Error(), "both partner") {
		t.Errorf("a cell that is an id and a name: %v", err)
	}
	// With its country, the name wins over the id of a partner elsewhere.
	if _, err := f.importBytes(row(idText(first), "PE"), ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	if n := f.count(`SELECT count(*) FROM financial_statements WHERE partner_id = $1`, named); n != 1 {
		t.Errorf("the PE partner named %q got %d reports", idText(first), n)
	}
	if _, err := f.importBytes(row(idText(named), "BO"), ImportOptions{}); err == nil || !strings.Contains(err.Error(), "is in PE, not BO") {
		t.Errorf("an id in another country than the row's: %v", err)
	}
}

func TestXLSXNumbersAndDates(t *testing.T) {
	f := newFixture(t)
	id := f.partner("Impro", "BO", partner.NGO)
	// A workbook counting dates from 1904 (older Mac Excel): serial 40267 is 2014-03-31.
	x := excelize.NewFile()
	date1904 := true
	if err := x.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &date1904}); err != nil {
		t.Fatal(err)
	}
	for cell, v := range map[string]any{"A1": "partner", "B1": "period_end", "C1": "months", "D1": "currency", "E1": "gross_loan_portfolio",
		"A2": "Impro", "B2": 40267, "C2": 3, "D2": "USD", "E2": 1707001.66} {
		if err := x.SetCellValue("Sheet1", cell, v); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		t.Fatal(err)
	}
	if _, err := f.importBytes(buf.Bytes(), ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	r, err := f.s.Get(f.ctx, id, civil.Date(2014, 3, 31))
	if err != nil {
		t.Fatalf("the 1904 date was not read as 2014-03-31: %v", err)
	}
	if r.GrossLoanPortfolio.String() != "1707001.66" {
		t.Errorf("portfolio %s", r.GrossLoanPortfolio)
	}
	// A real third decimal is refused, as in a CSV; a float's noise is not.
	_, err = f.importBytes(xlsxFile(t, [][]any{
		{"partner", "period_end", "months", "currency", "gross_loan_portfolio", "equity"},
		{"Impro", "2014-06-30", 3, "USD", 1234.565, 0.1 + 0.2},
	}), ImportOptions{})
	if got := strings.Join(problems(t, err), " "); got != "2:gross_loan_portfolio" {
		t.Errorf("XLSX decimals: %s", got)
	}
	// Figures beyond a spreadsheet's 15 digits survive an XLSX export and import.
	if _, _, err := f.s.Put(f.ctx, tester, id, rep("2015-12-31", 12, "IDR", "gross_loan_portfolio", "12345678901234.56", "total_assets", "99999999999999999.99")); err != nil {
		t.Fatal(err)
	}
	rows, err := f.s.Export(f.ctx, ExportQuery{})
	if err != nil {
		t.Fatal(err)
	}
	buf.Reset()
	if err := WriteXLSX(&buf, rows); err != nil {
		t.Fatal(err)
	}
	res, err := f.importBytes(buf.Bytes(), ImportOptions{})
	if err != nil || res.Unchanged != len(rows) {
		t.Errorf("XLSX round trip of large figures: %+v %v", res, err)
	}
}

func TestPeriodStart(t *testing.T) {
	for _, tt := range []struct {
		end    time.Time
		months int
		want   time.Time
	}{
		{civil.Date(2024, 6, 30), 6, civil.Date(2023, 12, 31)},
		{civil.Date(2024, 3, 31), 3, civil.Date(2023, 12, 31)},
		{civil.Date(2024, 2, 29), 12, civil.Date(2023, 2, 28)},
		{civil.Date(2024, 12, 31), 12, civil.Date(2023, 12, 31)},
		{civil.Date(2024, 6, 15), 6, civil.Date(2023, 12, 15)},
	} {
		if got := periodStart(tt.end, tt.months); !got.Equal(tt.want) {
			t.Errorf("periodStart(%s, %d) = %s, want %s", tt.end.Format(civil.Layout), tt.months, got.Format(civil.Layout), tt.want.Format(civil.Layout))
		}
	}
}
