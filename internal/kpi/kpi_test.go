package kpi

import (
	"encoding/csv"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/govalues/decimal"
)

func d(s string) *decimal.Decimal {
	v := decimal.MustParse(s)
	return &v
}

func end(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func near(t *testing.T, what string, got *float64, want float64) {
	t.Helper()
	if got == nil {
		t.Errorf("%s is absent, want %.4f", what, want)
		return
	}
	if math.Abs(*got-want) > 0.0005 {
		t.Errorf("%s = %.4f, want %.4f", what, *got, want)
	}
}

// TestADRAPeru checks the two figures DOMAIN.md works by hand from the rating report
// (US$ '000): Dec-02: 345 / avg(246, 457) = 98.1 %; Jun-03: 171 × 2 / avg(221, 612) = 82.1 %.
func TestADRAPeru(t *testing.T) {
	reports := []Report{
		{PeriodEnd: end("2003-06-30"), Months: 6, Figures: Figures{GrossLoanPortfolio: d("612"), OperatingExpense: d("171")}},
		{PeriodEnd: end("2001-12-31"), Months: 12, Figures: Figures{GrossLoanPortfolio: d("246")}},
		{PeriodEnd: end("2002-06-30"), Months: 6, Figures: Figures{GrossLoanPortfolio: d("221")}},
		{PeriodEnd: end("2002-12-31"), Months: 12, Figures: Figures{GrossLoanPortfolio: d("457"), OperatingExpense: d("345")}},
	}
	periods := Compute(reports)
	if !periods[0].PeriodEnd.Equal(end("2001-12-31")) || !periods[3].PeriodEnd.Equal(end("2003-06-30")) {
		t.Fatal("periods are not in date order")
	}
	dec02, jun03 := periods[2].Ratios[OperatingExpenseRatio], periods[3].Ratios[OperatingExpenseRatio]
	near(t, "OER Dec-02", dec02.Value, 0.9815)
	near(t, "OER Jun-03", jun03.Value, 0.8211)
	if dec02.Basis != TwelveMonths || jun03.Basis != TwelveMonths {
		t.Errorf("bases %s, %s; want the 12-month average", dec02.Basis, jun03.Basis)
	}
	near(t, "GLP growth Jun-03", periods[3].Ratios[GLPGrowth].Value, 612.0/221-1) // 177 %, as the report's table
	if v := periods[0].Ratios[OperatingExpenseRatio].Value; v != nil {
		t.Errorf("no operating expense, so no OER; got %v", *v)
	}
}

func TestAveragingBasis(t *testing.T) {
	q := func(endDate string, glp string) Report {
		return Report{PeriodEnd: end(endDate), Months: 3, Figures: Figures{GrossLoanPortfolio: d(glp), PortfolioRevenue: d("30")}}
	}
	tests := []struct {
		name      string
		reports   []Report
		wantBasis Basis
		wantYield float64 // 30 × 4 / the averaged GLP
	}{
		{"reported average wins", []Report{q("2023-03-31", "800"), func() Report {
			r := q("2024-03-31", "1200")
			r.AverageGLP = d("1000")
			return r
		}()}, ReportedAverage, 0.12},
		{"12 months earlier", []Report{q("2023-03-31", "800"), q("2023-12-31", "1100"), q("2024-03-31", "1200")}, TwelveMonths, 0.12},
		{"else the period start", []Report{q("2023-12-31", "1200"), q("2024-03-31", "800")}, PeriodStart, 0.12},
		{"else the period end alone", []Report{q("2024-03-31", "1000")}, PeriodEnd, 0.12},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := Compute(tt.reports)
			last := ps[len(ps)-1].Ratios[PortfolioYield]
			near(t, "yield", last.Value, tt.wantYield)
			if last.Basis != tt.wantBasis {
				t.Errorf("basis %q, want %q", last.Basis, tt.wantBasis)
			}
		})
	}
}

func TestAbsentNotZero(t *testing.T) {
	r := Report{PeriodEnd: end("2024-12-31"), Months: 12, Figures: Figures{
		GrossLoanPortfolio: d("0"), PAR30: d("0"), ActiveClients: d("100"), TotalStaff: d("0"), Equity: d("50"),
	}}
	got := Compute([]Report{r})[0].Ratios
	// A zero numerator is a real zero: no portfolio over 100 clients.
	if v := got[AverageLoanBalance].Value; v == nil || *v != 0 {
		t.Errorf("average loan balance = %v, want 0", v)
	}
	for _, n := range []Name{PAR30Ratio, ClientsPerStaff, RiskCoverage, ROE, DebtToEquity, GLPGrowth} {
		if got[n].Value != nil {
			t.Errorf("%s = %v, want absent (a zero denominator or a missing input)", n, *got[n].Value)
		}
		if got[n].Basis != "" {
			t.Errorf("%s has a basis without a value", n)
		}
	}
	if len(got) != len(Names) {
		t.Errorf("%d ratios, want all %d named", len(got), len(Names))
	}
}

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
	byPartner := map[string][]Report{}
	published := map[string]map[string]map[Name]float64{} // partner → period → ratio → MIX's value
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
		r := Report{PeriodEnd: end(row[col["period_end"]]), Months: months, Currency: row[col["currency"]], Figures: Figures{
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
			published[p] = map[string]map[Name]float64{}
		}
		pub := map[Name]float64{}
		for _, n := range Names {
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
		for _, period := range Compute(reports) {
			for name, want := range published[p][period.PeriodEnd.Format("2006-01-02")] {
				compared++
				got := period.Ratios[name].Value
				if got == nil {
					t.Logf("%s %s %s: absent, MIX %v", p, period.PeriodEnd.Format("2006"), name, want)
					continue
				}
				ok := WithinPublishedRounding(name, *got, want)
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

// TestNumMatchesParsing: the fast float conversion gives exactly what parsing the
// decimal's text gives, over random figures of every magnitude and scale.
func TestNumMatchesParsing(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 100000; i++ {
		coef := rng.Int64N(int64(1) << uint(1+rng.IntN(62)))
		if rng.IntN(2) == 0 {
			coef = -coef
		}
		d, err := decimal.New(coef, rng.IntN(20))
		if err != nil {
			continue
		}
		want, _ := d.Float64()
		if got := num(&d); got != want {
			t.Fatalf("num(%s) = %v, parsing gives %v", d, got, want)
		}
	}
}
