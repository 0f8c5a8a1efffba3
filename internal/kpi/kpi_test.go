package kpi

import (
	"math"
	"math/rand/v2"
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
	reports := []Statement{
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
	q := func(endDate string, glp string) Statement {
		return Statement{PeriodEnd: end(endDate), Months: 3, Figures: Figures{GrossLoanPortfolio: d(glp), PortfolioRevenue: d("30")}}
	}
	tests := []struct {
		name      string
		reports   []Statement
		wantBasis Basis
		wantYield float64 // 30 × 4 / the averaged GLP
	}{
		{"reported average wins", []Statement{q("2023-03-31", "800"), func() Statement {
			r := q("2024-03-31", "1200")
			r.AverageGLP = d("1000")
			return r
		}()}, ReportedAverage, 0.12},
		{"12 months earlier", []Statement{q("2023-03-31", "800"), q("2023-12-31", "1100"), q("2024-03-31", "1200")}, TwelveMonths, 0.12},
		{"else the period start", []Statement{q("2023-12-31", "1200"), q("2024-03-31", "800")}, PeriodStart, 0.12},
		{"else the period end alone", []Statement{q("2024-03-31", "1000")}, PeriodEnd, 0.12},
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
	r := Statement{PeriodEnd: end("2024-12-31"), Months: 12, Figures: Figures{
		GrossLoanPortfolio: d("0"), PAR30: d("0"), ActiveClients: d("100"), TotalStaff: d("0"), Equity: d("50"),
	}}
	got := Compute([]Statement{r})[0].Ratios
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
