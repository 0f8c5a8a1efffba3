package kpi_test

import (
	"cartera/internal/kpi"
	"cartera/internal/kpi/kpitest"
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/govalues/decimal"
)

// TestMIXMarket computes the ratios of real MIX Market data (ten Latin American MFIs,
// 2009-2014) and compares them with MIX's own published figures: at least 95 % must
// match within rounding (testdata/README.md: MIX's few inconsistencies are the rest).
func TestMIXMarket(t *testing.T) {
	path := filepath.Join("..", "..", "..", "shared", "testdata", "mix-market-sample.csv")
	f, err := os.Open(path)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("the MIX Market sample must be present in CI: %v", err)
		}
		t.Skipf("MIX Market sample not found (%v): it lives in shared/testdata beside the checkout", err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	byPartner := map[string][]kpi.Statement{}
	published := map[string]map[string]map[kpi.Name]float64{} // partner → period → ratio → MIX's value
	for _, row := range rows[1:] {
		get := func(name string) *decimal.Decimal {
			i, ok := col[name]
			if !ok || row[i] == "" {
				return nil
			}
			v, err := decimal.Parse(row[i])
			if err != nil {
				t.Fatalf("%s %q: %v", name, row[i], err)
			}
			return &v
		}
		months, _ := strconv.Atoi(row[col["months"]])
		r := kpi.Statement{PeriodEnd: periodEnd(t, row[col["period_end"]]), Months: months, Currency: row[col["currency"]], Figures: kpi.Figures{
			GrossLoanPortfolio: get("gross_loan_portfolio"), AverageGLP: get("average_gross_loan_portfolio"), PAR30: get("par30"),
			WriteOffs: get("write_offs"), LoanLossReserve: get("loan_loss_reserve"), ProvisionExpense: get("provision_expense"),
			ActiveClients: get("active_clients"), AverageActiveClients: get("average_active_clients"), WomenClients: get("women_clients"),
			LoansOutstanding: get("loans_outstanding"), LoanOfficers: get("loan_officers"), TotalStaff: get("total_staff"),
			TotalAssets: get("total_assets"), AverageAssets: get("average_assets"), TotalLiabilities: get("total_liabilities"),
			Equity: get("equity"), AverageEquity: get("average_equity"), FinancialRevenue: get("financial_revenue"),
			PortfolioRevenue: get("portfolio_revenue"), FinancialExpense: get("financial_expense"),
			OperatingExpense: get("operating_expense"), NetIncome: get("net_income"),
		}}
		p := row[col["partner"]]
		byPartner[p] = append(byPartner[p], r)
		if published[p] == nil {
			published[p] = map[string]map[kpi.Name]float64{}
		}
		pub := map[kpi.Name]float64{}
		for _, n := range kpi.Names {
			if i, ok := col["mix_"+string(n)]; ok && row[i] != "" {
				name := "mix_" + string(n)
				v, err := strconv.ParseFloat(row[i], 64)
				if err != nil {
					t.Fatalf("%s %q: %v", name, row[i], err)
				}
				pub[n] = v
			}
		}
		published[p][row[col["period_end"]]] = pub
	}
	compared, matched := 0, 0
	for p, reports := range byPartner {
		for _, period := range kpi.Compute(reports) {
			for name, want := range published[p][period.PeriodEnd.Format("2006-01-02")] {
				compared++
				got := period.Ratios[name].Value
				if got == nil {
					t.Logf("%s %s %s: absent, MIX %v", p, period.PeriodEnd.Format("2006"), name, want)
					continue
				}
				ok := kpitest.WithinPublishedRounding(name, *got, want)
				if ok {
					matched++
				} else {
					t.Logf("%s %s %s: %.4f, MIX %.4f", p, period.PeriodEnd.Format("2006"), name, *got, want)
				}
			}
		}
	}
	rate := float64(matched) / float64(compared)
	t.Logf("%d of %d published ratios reproduced (%.1f %%)", matched, compared, 100*rate)
	if compared < 500 || rate < 0.95 {
		t.Errorf("%d of %d published ratios reproduced (%.1f %%), want at least 95 %%", matched, compared, 100*rate)
	}
}

func periodEnd(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
