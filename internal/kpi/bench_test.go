package kpi

import (
	"testing"

	"github.com/govalues/decimal"
)

// BenchmarkCompute40Periods computes every ratio of one partner over 40 quarterly
// periods (the partner-figures issue's target: under 1 ms).
func BenchmarkCompute40Periods(b *testing.B) {
	var reports []Statement
	for i := 0; i < 40; i++ {
		v := func(base int64) *decimal.Decimal {
			x := decimal.MustNew(base+int64(i)*base/50, 0)
			return &x
		}
		reports = append(reports, Statement{PeriodEnd: end("2015-03-31").AddDate(0, 3*i, 0), Months: 3, Figures: Figures{
			GrossLoanPortfolio: v(5000000), PAR30: v(150000), WriteOffs: v(20000), LoanLossReserve: v(160000),
			ProvisionExpense: v(30000), ActiveClients: v(12000), TotalAssets: v(6500000), TotalLiabilities: v(4000000),
			Equity: v(2500000), FinancialRevenue: v(450000), FinancialExpense: v(90000), OperatingExpense: v(250000),
			PersonnelExpense: v(150000), PortfolioRevenue: v(420000), NetIncome: v(60000), TotalStaff: v(120),
			LoanOfficers: v(60), WomenClients: v(8000),
		}})
	}
	for b.Loop() {
		if ps := Compute(reports); len(ps) != 40 || ps[39].Ratios[ROE].Value == nil {
			b.Fatal("ratios missing")
		}
	}
}
