package kpi

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/govalues/decimal"
)

// Hand-worked tests of the ratio rules in DOMAIN.md, "Partner KPIs — how ratios are
// computed": annualization, the averaging bases and their priority, absent versus zero,
// the growth ratios, and the peer statistics (Summarize, PositionOf, DirectionOf).

// exactly fails unless got is present and within 1e-9 of a hand-worked want.
func exactly(t *testing.T, what string, got *float64, want float64) {
	t.Helper()
	if got == nil {
		t.Errorf("%s is absent, want %v", what, want)
		return
	}
	if math.Abs(*got-want) > 1e-9 {
		t.Errorf("%s = %v, want %v", what, *got, want)
	}
}

// absent fails unless the ratio has neither a value nor a basis.
func absent(t *testing.T, what string, r Ratio) {
	t.Helper()
	if r.Value != nil {
		t.Errorf("%s = %v, want absent", what, *r.Value)
	}
	if r.Basis != "" {
		t.Errorf("%s has basis %q without a value", what, r.Basis)
	}
}

// periodEnding picks the computed period ending on the date s.
func periodEnding(t *testing.T, ps []Period, s string) Period {
	t.Helper()
	for _, p := range ps {
		if p.PeriodEnd.Equal(end(s)) {
			return p
		}
	}
	t.Fatalf("no period ending %s among %d", s, len(ps))
	return Period{}
}

// TestAnnualizedFlows: a flow over 3, 6 or 12 months is multiplied by 12/months; the
// averaged denominators are fixed by reported averages (AverageGLP 1500, AverageEquity
// 500, AverageAssets 2000, AverageActiveClients 300); stock-over-stock ratios are not
// annualized.
func TestAnnualizedFlows(t *testing.T) {
	figures := func() Figures {
		return Figures{
			OperatingExpense: d("45"), PersonnelExpense: d("30"), PortfolioRevenue: d("90"), WriteOffs: d("6"),
			ProvisionExpense: d("9"), NetIncome: d("15"),
			AverageGLP: d("1500"), AverageEquity: d("500"), AverageAssets: d("2000"), AverageActiveClients: d("300"),
			GrossLoanPortfolio: d("1000"), PAR30: d("30"), Equity: d("400"), TotalAssets: d("1600"),
		}
	}
	type want struct {
		oer, personnel, yield, writeOff, provision, roe, roa, costPerClient float64
	}
	tests := []struct {
		months int
		want   want
	}{
		{3, want{
			oer:           0.12,  // 45 × 12/3 / 1500 = 180/1500
			personnel:     0.08,  // 30 × 4 / 1500 = 120/1500
			yield:         0.24,  // 90 × 4 / 1500 = 360/1500
			writeOff:      0.016, // 6 × 4 / 1500 = 24/1500
			provision:     0.024, // 9 × 4 / 1500 = 36/1500
			roe:           0.12,  // 15 × 4 / 500 = 60/500
			roa:           0.03,  // 15 × 4 / 2000 = 60/2000
			costPerClient: 0.6,   // 45 × 4 / 300 = 180/300
		}},
		{6, want{
			oer:           0.06,  // 45 × 12/6 / 1500 = 90/1500
			personnel:     0.04,  // 30 × 2 / 1500 = 60/1500
			yield:         0.12,  // 90 × 2 / 1500 = 180/1500
			writeOff:      0.008, // 6 × 2 / 1500 = 12/1500
			provision:     0.012, // 9 × 2 / 1500 = 18/1500
			roe:           0.06,  // 15 × 2 / 500 = 30/500
			roa:           0.015, // 15 × 2 / 2000 = 30/2000
			costPerClient: 0.3,   // 45 × 2 / 300 = 90/300
		}},
		{12, want{
			oer:           0.03,   // 45 × 12/12 / 1500
			personnel:     0.02,   // 30 / 1500
			yield:         0.06,   // 90 / 1500
			writeOff:      0.004,  // 6 / 1500
			provision:     0.006,  // 9 / 1500
			roe:           0.03,   // 15 / 500
			roa:           0.0075, // 15 / 2000
			costPerClient: 0.15,   // 45 / 300
		}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d months", tt.months), func(t *testing.T) {
			r := Statement{PeriodEnd: end("2024-06-30"), Months: tt.months, Currency: "USD", Figures: figures()}
			got := Compute([]Statement{r})[0].Ratios
			checks := []struct {
				n    Name
				want float64
			}{
				{OperatingExpenseRatio, tt.want.oer}, {PersonnelExpenseRatio, tt.want.personnel},
				{PortfolioYield, tt.want.yield}, {WriteOffRatio, tt.want.writeOff},
				{ProvisionExpenseRatio, tt.want.provision}, {ROE, tt.want.roe}, {ROA, tt.want.roa},
				{CostPerClient, tt.want.costPerClient},
			}
			for _, c := range checks {
				exactly(t, string(c.n), got[c.n].Value, c.want)
				if got[c.n].Basis != ReportedAverage {
					t.Errorf("%s basis %q, want %q", c.n, got[c.n].Basis, ReportedAverage)
				}
			}
			// Stocks over stocks are never annualized, whatever the period length.
			exactly(t, "par30_ratio", got[PAR30Ratio].Value, 0.03)          // 30 / 1000
			exactly(t, "equity_to_assets", got[EquityToAssets].Value, 0.25) // 400 / 1600
			if got[PAR30Ratio].Basis != "" {
				t.Errorf("par30_ratio has basis %q; nothing is averaged", got[PAR30Ratio].Basis)
			}
		})
	}
}

// TestAveragingBasisOrder walks the averaging bases in priority order for the GLP of a
// target report at 2024-06-30: reported average, mean with 12 months earlier, mean with
// the period start, the period end alone. Operating expense is 60 over 6 months (120 a
// year) unless said otherwise, so OER = 120 / the averaged GLP.
func TestAveragingBasisOrder(t *testing.T) {
	rep := func(date string, months int, currency, glp string) Statement {
		r := Statement{PeriodEnd: end(date), Months: months, Currency: currency}
		if glp != "" {
			r.GrossLoanPortfolio = d(glp)
		}
		return r
	}
	target := func(months int, currency string, opex string, mod func(*Statement)) Statement {
		r := rep("2024-06-30", months, currency, "1200")
		r.OperatingExpense = d(opex)
		if mod != nil {
			mod(&r)
		}
		return r
	}
	avg1000 := func(r *Statement) { r.AverageGLP = d("1000") }
	tests := []struct {
		name      string
		others    []Statement
		target    Statement
		wantOER   float64
		wantBasis Basis
	}{
		{"reported average beats 12 months earlier and period start",
			[]Statement{rep("2023-06-30", 6, "USD", "800"), rep("2023-12-31", 6, "USD", "900")},
			target(6, "USD", "60", avg1000),
			0.12, ReportedAverage}, // 60 × 2 / 1000
		{"reported average used even without a period-end GLP",
			nil,
			target(6, "USD", "60", func(r *Statement) { r.AverageGLP = d("1000"); r.GrossLoanPortfolio = nil }),
			0.12, ReportedAverage}, // 120 / 1000
		{"12 months earlier beats period start",
			[]Statement{rep("2023-06-30", 6, "USD", "800"), rep("2023-12-31", 6, "USD", "1600")},
			target(6, "USD", "60", nil),
			0.12, TwelveMonths}, // 120 / ((1200+800)/2 = 1000); the period start would give 120/1400
		{"12 months earlier with a GLP of zero is still a mean",
			[]Statement{rep("2023-06-30", 6, "USD", "0"), rep("2023-12-31", 6, "USD", "1600")},
			target(6, "USD", "60", nil),
			0.2, TwelveMonths}, // 120 / ((1200+0)/2 = 600)
		{"period start when there is no report 12 months earlier",
			[]Statement{rep("2023-12-31", 6, "USD", "800")},
			target(6, "USD", "60", nil),
			0.12, PeriodStart}, // 120 / ((1200+800)/2)
		{"period start when the report 12 months earlier has no GLP",
			[]Statement{rep("2023-06-30", 6, "USD", ""), rep("2023-12-31", 6, "USD", "800")},
			target(6, "USD", "60", nil),
			0.12, PeriodStart}, // 120 / 1000
		{"period start of a quarter is 3 months earlier",
			[]Statement{rep("2023-12-31", 3, "USD", "1600"), rep("2024-03-31", 3, "USD", "800")},
			target(3, "USD", "30", nil),
			0.12, PeriodStart}, // 30 × 4 / ((1200+800)/2)
		{"a quarter is not averaged with the report 6 months earlier",
			[]Statement{rep("2023-12-31", 3, "USD", "800")},
			target(3, "USD", "30", nil),
			0.1, PeriodEnd}, // 30 × 4 / 1200
		{"period end alone",
			nil,
			target(6, "USD", "60", nil),
			0.1, PeriodEnd}, // 120 / 1200
		{"period end when other reports are neither 12 months nor the period start",
			[]Statement{rep("2023-09-30", 3, "USD", "800"), rep("2024-03-31", 3, "USD", "800")},
			target(6, "USD", "60", nil),
			0.1, PeriodEnd}, // 120 / 1200
		{"report 12 months earlier in another currency is not used: period start",
			[]Statement{rep("2023-06-30", 6, "USD", "400"), rep("2023-12-31", 6, "BOB", "800")},
			target(6, "BOB", "60", nil),
			0.12, PeriodStart}, // 120 / ((1200+800)/2); the USD 400 would give 120/800
		{"reports in another currency are not used: period end",
			[]Statement{rep("2023-06-30", 6, "USD", "800"), rep("2023-12-31", 6, "USD", "800")},
			target(6, "BOB", "60", nil),
			0.1, PeriodEnd}, // 120 / 1200
		{"30 June matches 30 June a year earlier (annual reports)",
			[]Statement{rep("2023-06-30", 12, "USD", "800")},
			target(12, "USD", "120", nil),
			0.12, TwelveMonths}, // 120 / ((1200+800)/2)
		{"calendar month: 29 June 2023 is 12 months before 30 June 2024",
			[]Statement{rep("2023-06-29", 12, "USD", "800")},
			target(12, "USD", "120", nil),
			0.12, TwelveMonths}, // 120 / 1000
		{"1 July 2023 is not 12 months before 30 June 2024",
			[]Statement{rep("2023-07-01", 12, "USD", "800")},
			target(12, "USD", "120", nil),
			0.1, PeriodEnd}, // 120 / 1200
		{"31 May 2023 is not 12 months before 30 June 2024",
			[]Statement{rep("2023-05-31", 12, "USD", "800")},
			target(12, "USD", "120", nil),
			0.1, PeriodEnd}, // 120 / 1200
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reports := append(slices.Clone(tt.others), tt.target)
			got := periodEnding(t, Compute(reports), "2024-06-30").Ratios[OperatingExpenseRatio]
			exactly(t, "OER", got.Value, tt.wantOER)
			if got.Basis != tt.wantBasis {
				t.Errorf("basis %q, want %q", got.Basis, tt.wantBasis)
			}
		})
	}
}

// TestAveragingEachStock: each stock (GLP, assets, equity, clients) is averaged on its
// own, and a reported average replaces only its own stock. Annual reports, 2023 then
// 2024: GLP 500 → 1500, assets 1000 → 3000, equity 200 → 400, clients 100 → 300;
// operating expense 120 and net income 60 in 2024.
func TestAveragingEachStock(t *testing.T) {
	prior := Statement{PeriodEnd: end("2023-12-31"), Months: 12, Figures: Figures{
		GrossLoanPortfolio: d("500"), TotalAssets: d("1000"), Equity: d("200"), ActiveClients: d("100"),
	}}
	current := func(mod func(*Statement)) Statement {
		r := Statement{PeriodEnd: end("2024-12-31"), Months: 12, Figures: Figures{
			GrossLoanPortfolio: d("1500"), TotalAssets: d("3000"), Equity: d("400"), ActiveClients: d("300"),
			OperatingExpense: d("120"), NetIncome: d("60"),
		}}
		if mod != nil {
			mod(&r)
		}
		return r
	}
	type got struct {
		v float64
		b Basis
	}
	// Defaults on the 12-month basis:
	oer := got{0.12, TwelveMonths} // 120 / ((1500+500)/2 = 1000)
	roa := got{0.03, TwelveMonths} // 60 / ((3000+1000)/2 = 2000)
	roe := got{0.2, TwelveMonths}  // 60 / ((400+200)/2 = 300)
	cpc := got{0.6, TwelveMonths}  // 120 / ((300+100)/2 = 200)
	tests := []struct {
		name                string
		prior               Statement
		mod                 func(*Statement)
		oer, roa, roe, cost got
	}{
		{"all on 12 months", prior, nil, oer, roa, roe, cpc},
		{"average GLP only", prior, func(r *Statement) { r.AverageGLP = d("800") },
			got{0.15, ReportedAverage}, roa, roe, cpc}, // OER 120/800
		{"average assets only", prior, func(r *Statement) { r.AverageAssets = d("2400") },
			oer, got{0.025, ReportedAverage}, roe, cpc}, // ROA 60/2400
		{"average equity only", prior, func(r *Statement) { r.AverageEquity = d("250") },
			oer, roa, got{0.24, ReportedAverage}, cpc}, // ROE 60/250
		{"average clients only", prior, func(r *Statement) { r.AverageActiveClients = d("150") },
			oer, roa, roe, got{0.8, ReportedAverage}}, // cost per client 120/150
		{"prior without equity: ROE alone falls back to the period end", func() Statement {
			p := prior
			p.Equity = nil
			return p
		}(), nil, oer, roa, got{0.15, PeriodEnd}, cpc}, // ROE 60/400
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ratios := periodEnding(t, Compute([]Statement{tt.prior, current(tt.mod)}), "2024-12-31").Ratios
			for _, c := range []struct {
				n    Name
				want got
			}{{OperatingExpenseRatio, tt.oer}, {ROA, tt.roa}, {ROE, tt.roe}, {CostPerClient, tt.cost}} {
				exactly(t, string(c.n), ratios[c.n].Value, c.want.v)
				if ratios[c.n].Basis != c.want.b {
					t.Errorf("%s basis %q, want %q", c.n, ratios[c.n].Basis, c.want.b)
				}
			}
		})
	}
}

// fullPrior and fullCurrent are two annual reports with every input of every ratio.
func fullPrior() Statement {
	return Statement{PeriodEnd: end("2023-12-31"), Months: 12, Currency: "USD", Figures: Figures{
		GrossLoanPortfolio: d("800"), ActiveClients: d("320"), TotalAssets: d("1000"), Equity: d("200"),
	}}
}

func fullCurrent() Statement {
	return Statement{PeriodEnd: end("2024-12-31"), Months: 12, Currency: "USD", Figures: Figures{
		GrossLoanPortfolio: d("1000"), PAR30: d("50"), WriteOffs: d("10"), LoanLossReserve: d("60"),
		ProvisionExpense: d("20"), ActiveClients: d("400"), TotalAssets: d("1250"), TotalLiabilities: d("1000"),
		Equity: d("250"), FinancialRevenue: d("300"), FinancialExpense: d("60"), OperatingExpense: d("150"),
		PersonnelExpense: d("90"), PortfolioRevenue: d("280"), NetIncome: d("25"), TotalStaff: d("40"),
		LoanOfficers: d("20"), WomenClients: d("300"),
	}}
}

// TestEveryRatioByHand computes every ratio of fullCurrent, with fullPrior 12 months
// earlier: average GLP (1000+800)/2 = 900, assets (1250+1000)/2 = 1125, equity
// (250+200)/2 = 225, clients (400+320)/2 = 360.
func TestEveryRatioByHand(t *testing.T) {
	want := map[Name]struct {
		v float64
		b Basis
	}{
		GLPGrowth:             {0.25, ""},                  // 1000/800 − 1
		ClientGrowth:          {0.25, ""},                  // 400/320 − 1
		AverageLoanBalance:    {2.5, ""},                   // 1000/400
		PAR30Ratio:            {0.05, ""},                  // 50/1000
		WriteOffRatio:         {10.0 / 900, TwelveMonths},  // 0.0111
		RiskCoverage:          {1.2, ""},                   // 60/50
		ProvisionExpenseRatio: {20.0 / 900, TwelveMonths},  // 0.0222
		OperatingExpenseRatio: {150.0 / 900, TwelveMonths}, // 0.1667
		PersonnelExpenseRatio: {0.1, TwelveMonths},         // 90/900
		PortfolioYield:        {280.0 / 900, TwelveMonths}, // 0.3111
		CostPerClient:         {150.0 / 360, TwelveMonths}, // 0.4167
		ClientsPerLoanOfficer: {20, ""},                    // 400/20
		ClientsPerStaff:       {10, ""},                    // 400/40
		LoanOfficersShare:     {0.5, ""},                   // 20/40
		ROE:                   {25.0 / 225, TwelveMonths},  // 0.1111
		ROA:                   {25.0 / 1125, TwelveMonths}, // 0.0222
		DebtToEquity:          {4, ""},                     // 1000/250
		EquityToAssets:        {0.2, ""},                   // 250/1250
		OperationalSelfSuffic: {300.0 / 230, ""},           // 300/(60+20+150) = 1.3043
		WomenShare:            {0.75, ""},                  // 300/400
	}
	if len(want) != len(Names) {
		t.Fatalf("the table covers %d ratios, Names has %d", len(want), len(Names))
	}
	got := periodEnding(t, Compute([]Statement{fullCurrent(), fullPrior()}), "2024-12-31").Ratios
	for _, n := range Names {
		exactly(t, string(n), got[n].Value, want[n].v)
		if got[n].Basis != want[n].b {
			t.Errorf("%s basis %q, want %q", n, got[n].Basis, want[n].b)
		}
	}
}

// TestMissingInputs: with no figures at all every ratio is absent (and still listed);
// removing any one input of a ratio from fullCurrent/fullPrior makes that ratio absent.
func TestMissingInputs(t *testing.T) {
	t.Run("no figures", func(t *testing.T) {
		ps := Compute([]Statement{
			{PeriodEnd: end("2023-12-31"), Months: 12},
			{PeriodEnd: end("2024-06-30"), Months: 6},
			{PeriodEnd: end("2024-12-31"), Months: 12},
		})
		for _, p := range ps {
			if len(p.Ratios) != len(Names) {
				t.Errorf("%s: %d ratios, want all %d", p.PeriodEnd.Format("2006-01-02"), len(p.Ratios), len(Names))
			}
			for _, n := range Names {
				r, ok := p.Ratios[n]
				if !ok {
					t.Errorf("%s: %s not listed", p.PeriodEnd.Format("2006-01-02"), n)
				}
				absent(t, p.PeriodEnd.Format("2006-01-02")+" "+string(n), r)
			}
		}
	})
	tests := []struct {
		ratio   Name
		current []string // inputs of the period's own report, each removed in turn
		prior   []string // inputs of the report 12 months earlier, each removed in turn
	}{
		{GLPGrowth, []string{"gross_loan_portfolio"}, []string{"gross_loan_portfolio"}},
		{ClientGrowth, []string{"active_clients"}, []string{"active_clients"}},
		{AverageLoanBalance, []string{"gross_loan_portfolio", "active_clients"}, nil},
		{PAR30Ratio, []string{"par30", "gross_loan_portfolio"}, nil},
		{WriteOffRatio, []string{"write_offs", "gross_loan_portfolio"}, nil},
		{RiskCoverage, []string{"loan_loss_reserve", "par30"}, nil},
		{ProvisionExpenseRatio, []string{"provision_expense", "gross_loan_portfolio"}, nil},
		{OperatingExpenseRatio, []string{"operating_expense", "gross_loan_portfolio"}, nil},
		{PersonnelExpenseRatio, []string{"personnel_expense", "gross_loan_portfolio"}, nil},
		{PortfolioYield, []string{"portfolio_revenue", "gross_loan_portfolio"}, nil},
		{CostPerClient, []string{"operating_expense", "active_clients"}, nil},
		{ClientsPerLoanOfficer, []string{"active_clients", "loan_officers"}, nil},
		{ClientsPerStaff, []string{"active_clients", "total_staff"}, nil},
		{LoanOfficersShare, []string{"loan_officers", "total_staff"}, nil},
		{ROE, []string{"net_income", "equity"}, nil},
		{ROA, []string{"net_income", "total_assets"}, nil},
		{DebtToEquity, []string{"total_liabilities", "equity"}, nil},
		{EquityToAssets, []string{"equity", "total_assets"}, nil},
		{OperationalSelfSuffic, []string{"financial_revenue", "financial_expense", "provision_expense", "operating_expense"}, nil},
		{WomenShare, []string{"women_clients", "active_clients"}, nil},
	}
	covered := map[Name]bool{}
	for _, tt := range tests {
		covered[tt.ratio] = true
		for _, side := range []struct {
			which  string
			inputs []string
		}{{"current", tt.current}, {"prior", tt.prior}} {
			for _, name := range side.inputs {
				t.Run(string(tt.ratio)+"/"+side.which+"/"+name, func(t *testing.T) {
					in, ok := InputByName(name)
					if !ok {
						t.Fatalf("no input %q", name)
					}
					cur, pri := fullCurrent(), fullPrior()
					base := periodEnding(t, Compute([]Statement{cur, pri}), "2024-12-31").Ratios[tt.ratio]
					if base.Value == nil {
						t.Fatalf("%s absent with every input", tt.ratio)
					}
					if side.which == "current" {
						in.Set(&cur.Figures, nil)
					} else {
						in.Set(&pri.Figures, nil)
					}
					got := periodEnding(t, Compute([]Statement{cur, pri}), "2024-12-31").Ratios[tt.ratio]
					absent(t, string(tt.ratio)+" without "+side.which+" "+name, got)
				})
			}
		}
	}
	for _, n := range Names {
		if !covered[n] {
			t.Errorf("%s has no missing-input case", n)
		}
	}
}

// TestZeroDenominatorsAndNumerators: a zero denominator makes a ratio absent; a zero
// numerator over a non-zero denominator is a real 0. Each case is fullCurrent (with
// fullPrior 12 months earlier unless noPrior) modified by mod.
func TestZeroDenominatorsAndNumerators(t *testing.T) {
	tests := []struct {
		name     string
		mod      func(*Statement)
		noPrior  bool
		absent   []Name
		zero     []Name
		wantElse map[Name]float64 // other hand-worked values that must survive
	}{
		{"total staff 0", func(r *Statement) { r.TotalStaff = d("0") }, false,
			[]Name{ClientsPerStaff, LoanOfficersShare}, nil,
			map[Name]float64{ClientsPerLoanOfficer: 20}}, // 400/20
		{"loan officers 0", func(r *Statement) { r.LoanOfficers = d("0") }, false,
			[]Name{ClientsPerLoanOfficer}, []Name{LoanOfficersShare}, // 0/40
			map[Name]float64{ClientsPerStaff: 10}},
		{"GLP 0, no prior", func(r *Statement) { r.GrossLoanPortfolio = d("0") }, true,
			[]Name{PAR30Ratio, WriteOffRatio, ProvisionExpenseRatio, OperatingExpenseRatio, PersonnelExpenseRatio, PortfolioYield},
			[]Name{AverageLoanBalance}, // 0/400
			map[Name]float64{CostPerClient: 150.0 / 400}},
		{"reported average GLP 0", func(r *Statement) { r.AverageGLP = d("0") }, false,
			[]Name{WriteOffRatio, ProvisionExpenseRatio, OperatingExpenseRatio, PersonnelExpenseRatio, PortfolioYield}, nil,
			map[Name]float64{PAR30Ratio: 0.05}},
		{"active clients 0, no prior", func(r *Statement) { r.ActiveClients = d("0") }, true,
			[]Name{AverageLoanBalance, WomenShare, CostPerClient}, []Name{ClientsPerStaff, ClientsPerLoanOfficer}, nil},
		{"PAR30 0", func(r *Statement) { r.PAR30 = d("0") }, false,
			[]Name{RiskCoverage}, []Name{PAR30Ratio}, nil}, // 0/1000
		{"all costs 0", func(r *Statement) {
			r.FinancialExpense, r.ProvisionExpense, r.OperatingExpense = d("0"), d("0"), d("0")
		}, false,
			[]Name{OperationalSelfSuffic}, []Name{OperatingExpenseRatio, ProvisionExpenseRatio, CostPerClient}, nil},
		{"costs cancel out: a release of provisions", func(r *Statement) {
			r.FinancialExpense, r.ProvisionExpense, r.OperatingExpense = d("10"), d("-10"), d("0")
		}, false,
			[]Name{OperationalSelfSuffic}, nil,
			map[Name]float64{ProvisionExpenseRatio: -10.0 / 900}},
		{"equity 0, no prior", func(r *Statement) { r.Equity = d("0") }, true,
			[]Name{DebtToEquity, ROE}, []Name{EquityToAssets}, nil}, // 0/1250
		{"reported average equity 0", func(r *Statement) { r.AverageEquity = d("0") }, false,
			[]Name{ROE}, nil, map[Name]float64{DebtToEquity: 4}},
		{"total assets 0, no prior", func(r *Statement) { r.TotalAssets = d("0") }, true,
			[]Name{EquityToAssets, ROA}, nil, nil},
		{"net income 0", func(r *Statement) { r.NetIncome = d("0") }, false,
			nil, []Name{ROE, ROA}, nil},
		{"write-offs, women, reserve, financial revenue 0", func(r *Statement) {
			r.WriteOffs, r.WomenClients, r.LoanLossReserve, r.FinancialRevenue = d("0"), d("0"), d("0"), d("0")
		}, false,
			nil, []Name{WriteOffRatio, WomenShare, RiskCoverage, OperationalSelfSuffic}, nil},
		{"GLP 0 with a prior GLP", func(r *Statement) { r.GrossLoanPortfolio = d("0") }, false,
			nil, nil,
			map[Name]float64{GLPGrowth: -1, OperatingExpenseRatio: 150.0 / 400}}, // 0/800 − 1; 150/((0+800)/2)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cur := fullCurrent()
			tt.mod(&cur)
			reports := []Statement{cur}
			if !tt.noPrior {
				reports = append(reports, fullPrior())
			}
			got := periodEnding(t, Compute(reports), "2024-12-31").Ratios
			for _, n := range tt.absent {
				absent(t, string(n), got[n])
			}
			for _, n := range tt.zero {
				exactly(t, string(n), got[n].Value, 0)
			}
			for n, v := range tt.wantElse {
				exactly(t, string(n), got[n].Value, v)
			}
		})
	}
	// A prior GLP of zero: growth from nothing is not a number.
	t.Run("prior GLP 0", func(t *testing.T) {
		pri := fullPrior()
		pri.GrossLoanPortfolio = d("0")
		got := periodEnding(t, Compute([]Statement{fullCurrent(), pri}), "2024-12-31").Ratios
		absent(t, "glp_growth", got[GLPGrowth])
		exactly(t, "client_growth", got[ClientGrowth].Value, 0.25) // 400/320 − 1
	})
}

// TestGrowthNeedsTwelveMonths: growth compares with the report 12 months earlier (same
// calendar month, same currency) and nothing else.
func TestGrowthNeedsTwelveMonths(t *testing.T) {
	q := func(date, currency, glp, clients string) Statement {
		return Statement{PeriodEnd: end(date), Months: 3, Currency: currency,
			Figures: Figures{GrossLoanPortfolio: d(glp), ActiveClients: d(clients)}}
	}
	tests := []struct {
		name          string
		others        []Statement
		glp, clients  float64
		wantGrowthSet bool
	}{
		{"alone", nil, 0, 0, false},
		{"only the quarter before", []Statement{q("2024-03-31", "USD", "1000", "400")}, 0, 0, false},
		{"only 6 and 9 months earlier", []Statement{q("2023-12-31", "USD", "1000", "400"), q("2023-09-30", "USD", "1000", "400")}, 0, 0, false},
		{"12 months earlier in another currency", []Statement{q("2023-06-30", "BOB", "1000", "400")}, 0, 0, false},
		{"13 months earlier", []Statement{q("2023-05-31", "USD", "1000", "400")}, 0, 0, false},
		{"12 months earlier, among others", []Statement{
			q("2024-03-31", "USD", "1100", "450"), q("2023-06-30", "USD", "1000", "400"), q("2023-12-31", "USD", "900", "300"),
		}, 0.2, 0.25, true}, // 1200/1000 − 1; 500/400 − 1
		{"12 months earlier, calendar month", []Statement{q("2023-06-01", "USD", "960", "500")}, 0.25, 0, true}, // 1200/960 − 1; 500/500 − 1
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reports := append(slices.Clone(tt.others), q("2024-06-30", "USD", "1200", "500"))
			got := periodEnding(t, Compute(reports), "2024-06-30").Ratios
			if !tt.wantGrowthSet {
				absent(t, "glp_growth", got[GLPGrowth])
				absent(t, "client_growth", got[ClientGrowth])
				return
			}
			exactly(t, "glp_growth", got[GLPGrowth].Value, tt.glp)
			exactly(t, "client_growth", got[ClientGrowth].Value, tt.clients)
		})
	}
}

// TestSummarizeQuartiles: QUARTILE.INC, the value at rank (n−1)·p interpolated between
// the two closest ranks, on unsorted input.
func TestSummarizeQuartiles(t *testing.T) {
	tests := []struct {
		name   string
		values []float64
		want   Summary
	}{
		// One value: every statistic is that value.
		{"one", []float64{7}, Summary{N: 1, Min: 7, Q1: 7, Mean: 7, Median: 7, Q3: 7, Max: 7}},
		// 1, 9: ranks 0.25, 0.5, 0.75 → 1+0.25×8 = 3, 1+0.5×8 = 5, 1+0.75×8 = 7; mean 10/2 = 5.
		{"two", []float64{9, 1}, Summary{N: 2, Min: 1, Q1: 3, Mean: 5, Median: 5, Q3: 7, Max: 9}},
		// 1, 3, 4, 10: ranks 0.75, 1.5, 2.25 → 1+0.75×2 = 2.5, 3+0.5×1 = 3.5, 4+0.25×6 = 5.5; mean 18/4 = 4.5.
		{"four", []float64{3, 1, 10, 4}, Summary{N: 4, Min: 1, Q1: 2.5, Mean: 4.5, Median: 3.5, Q3: 5.5, Max: 10}},
		// 1, 2, 3, 4 (the doc comment's example): 1+0.75 = 1.75, 2.5, 3+0.25 = 3.25; mean 2.5.
		{"four, the doc's example", []float64{4, 2, 1, 3}, Summary{N: 4, Min: 1, Q1: 1.75, Mean: 2.5, Median: 2.5, Q3: 3.25, Max: 4}},
		// −2, 0, 4, 5, 8: ranks 1, 2, 3 exactly → 0, 4, 5; mean 15/5 = 3.
		{"five", []float64{5, -2, 8, 0, 4}, Summary{N: 5, Min: -2, Q1: 0, Mean: 3, Median: 4, Q3: 5, Max: 8}},
		// 0.1, 0.2, 0.2, 0.5, 1.0: ranks 1, 2, 3 → 0.2, 0.2, 0.5; mean 2.0/5 = 0.4.
		{"five with a tie", []float64{0.5, 0.2, 1.0, 0.1, 0.2}, Summary{N: 5, Min: 0.1, Q1: 0.2, Mean: 0.4, Median: 0.2, Q3: 0.5, Max: 1.0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := slices.Clone(tt.values)
			got := Summarize(in)
			if !slices.Equal(in, tt.values) {
				t.Errorf("Summarize reordered its input: %v, was %v", in, tt.values)
			}
			if got.N != tt.want.N {
				t.Errorf("N = %d, want %d", got.N, tt.want.N)
			}
			for _, c := range []struct {
				what      string
				got, want float64
			}{
				{"min", got.Min, tt.want.Min}, {"q1", got.Q1, tt.want.Q1}, {"mean", got.Mean, tt.want.Mean},
				{"median", got.Median, tt.want.Median}, {"q3", got.Q3, tt.want.Q3}, {"max", got.Max, tt.want.Max},
			} {
				if math.Abs(c.got-c.want) > 1e-9 {
					t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
				}
			}
		})
	}
	t.Run("nil", func(t *testing.T) {
		if s := Summarize(nil); s != (Summary{}) {
			t.Errorf("Summarize(nil) = %+v, want N 0 and nothing else", s)
		}
		if s := Summarize([]float64{}); s.N != 0 {
			t.Errorf("Summarize(empty).N = %d", s.N)
		}
	})
}

// TestPositionOf: peers 1, 3, 4, 10 (Q1 2.5, median 3.5, Q3 5.5, as in
// TestSummarizeQuartiles); rank 1 is best, counting the peers strictly better.
func TestPositionOf(t *testing.T) {
	peers := []float64{3, 1, 10, 4}
	s := Summarize(peers)
	if s.Q1 != 2.5 || s.Median != 3.5 || s.Q3 != 5.5 {
		t.Fatalf("summary %+v, want Q1 2.5, median 3.5, Q3 5.5", s)
	}
	tests := []struct {
		value float64
		d     Direction
		want  Position
	}{
		// Higher is good: quartile 1 at or above Q3, 2 at or above the median, 3 at or above Q1.
		{11, HigherIsGood, Position{Rank: 1, Quartile: 1}},  // nobody above
		{10, HigherIsGood, Position{Rank: 1, Quartile: 1}},  // ties with 10: nobody strictly above
		{5.5, HigherIsGood, Position{Rank: 2, Quartile: 1}}, // = Q3; 10 above
		{4, HigherIsGood, Position{Rank: 2, Quartile: 2}},   // 10 above
		{3.5, HigherIsGood, Position{Rank: 3, Quartile: 2}}, // = median; 4, 10 above
		{3, HigherIsGood, Position{Rank: 3, Quartile: 3}},   // 4, 10 above
		{2.5, HigherIsGood, Position{Rank: 4, Quartile: 3}}, // = Q1; 3, 4, 10 above
		{1, HigherIsGood, Position{Rank: 4, Quartile: 4}},   // 3, 4, 10 above
		{0, HigherIsGood, Position{Rank: 5, Quartile: 4}},   // all four above
		// Lower is good: quartile 1 at or below Q1, 2 at or below the median, 3 at or below Q3.
		{0, LowerIsGood, Position{Rank: 1, Quartile: 1}},
		{1, LowerIsGood, Position{Rank: 1, Quartile: 1}},   // ties with 1
		{2.5, LowerIsGood, Position{Rank: 2, Quartile: 1}}, // = Q1; 1 below
		{3, LowerIsGood, Position{Rank: 2, Quartile: 2}},   // 1 below
		{3.5, LowerIsGood, Position{Rank: 3, Quartile: 2}}, // = median; 1, 3 below
		{4, LowerIsGood, Position{Rank: 3, Quartile: 3}},   // 1, 3 below
		{5.5, LowerIsGood, Position{Rank: 4, Quartile: 3}}, // = Q3; 1, 3, 4 below
		{10, LowerIsGood, Position{Rank: 4, Quartile: 4}},  // 1, 3, 4 below
		{11, LowerIsGood, Position{Rank: 5, Quartile: 4}},  // all four below
		// No direction: no rank; quarters from the lowest values.
		{0, NoDirection, Position{Rank: 0, Quartile: 1}},
		{2.5, NoDirection, Position{Rank: 0, Quartile: 1}}, // = Q1
		{3, NoDirection, Position{Rank: 0, Quartile: 2}},
		{3.5, NoDirection, Position{Rank: 0, Quartile: 2}}, // = median
		{4, NoDirection, Position{Rank: 0, Quartile: 3}},
		{5.5, NoDirection, Position{Rank: 0, Quartile: 3}}, // = Q3
		{10, NoDirection, Position{Rank: 0, Quartile: 4}},
	}
	for _, tt := range tests {
		got := PositionOf(tt.value, peers, s, tt.d)
		if got != tt.want {
			t.Errorf("PositionOf(%v, %q) = %+v, want %+v", tt.value, tt.d, got, tt.want)
		}
	}

	t.Run("ties share a rank", func(t *testing.T) {
		tied := []float64{5, 8, 5, 3}
		ts := Summarize(tied)
		for _, c := range []struct {
			value float64
			d     Direction
			rank  int
		}{
			{8, HigherIsGood, 1}, {5, HigherIsGood, 2}, {3, HigherIsGood, 4}, // both 5s are 2nd; 3 is 4th
			{3, LowerIsGood, 1}, {5, LowerIsGood, 2}, {8, LowerIsGood, 4},
		} {
			if got := PositionOf(c.value, tied, ts, c.d).Rank; got != c.rank {
				t.Errorf("rank of %v (%s) among %v = %d, want %d", c.value, c.d, tied, got, c.rank)
			}
		}
	})
	t.Run("empty group", func(t *testing.T) {
		// No summary: no quartile; the rank counts the peers given.
		if got := PositionOf(2, nil, Summary{}, HigherIsGood); got != (Position{Rank: 1}) {
			t.Errorf("alone: %+v, want rank 1, no quartile", got)
		}
		if got := PositionOf(2, []float64{3}, Summary{}, HigherIsGood); got != (Position{Rank: 2}) {
			t.Errorf("without a summary: %+v, want rank 2, no quartile", got)
		}
	})
}

// TestDirectionOf: the good side of a few ratios, and none for growth, average loan
// balance and debt/equity.
func TestDirectionOf(t *testing.T) {
	tests := []struct {
		n    Name
		want Direction
	}{
		{ROE, HigherIsGood}, {ROA, HigherIsGood}, {PortfolioYield, HigherIsGood}, {RiskCoverage, HigherIsGood},
		{OperationalSelfSuffic, HigherIsGood},
		{PAR30Ratio, LowerIsGood}, {WriteOffRatio, LowerIsGood}, {OperatingExpenseRatio, LowerIsGood},
		{CostPerClient, LowerIsGood},
		{GLPGrowth, NoDirection}, {ClientGrowth, NoDirection}, {AverageLoanBalance, NoDirection},
		{DebtToEquity, NoDirection}, {Name("not_a_ratio"), NoDirection},
	}
	for _, tt := range tests {
		if got := DirectionOf(tt.n); got != tt.want {
			t.Errorf("DirectionOf(%s) = %q, want %q", tt.n, got, tt.want)
		}
	}
	for n := range HigherIsBetter {
		if !slices.Contains(Names, n) {
			t.Errorf("HigherIsBetter names %q, which is not a ratio", n)
		}
	}
}

// TestPeriodAt: the one-period path gives exactly what Compute gives for that period,
// finding it by calendar month, and nothing for a month without a report.
func TestPeriodAt(t *testing.T) {
	half := func(date string, glp, opex, clients string) Statement {
		return Statement{PeriodEnd: end(date), Months: 6, Currency: "USD", Figures: Figures{
			GrossLoanPortfolio: d(glp), OperatingExpense: d(opex), ActiveClients: d(clients), NetIncome: d("10"), Equity: d("100"),
		}}
	}
	reports := []Statement{
		half("2024-06-30", "1200", "60", "500"),
		half("2023-06-30", "800", "50", "400"),
		half("2023-12-31", "1000", "55", "450"),
		half("2024-12-31", "1400", "70", "520"),
		{PeriodEnd: end("2024-09-30"), Months: 3, Currency: "BOB", Figures: Figures{GrossLoanPortfolio: d("9000"), OperatingExpense: d("400")}},
	}
	all := Compute(reports)
	if len(all) != len(reports) {
		t.Fatalf("Compute returned %d periods for %d reports", len(all), len(reports))
	}
	for i := 1; i < len(all); i++ {
		if !all[i-1].PeriodEnd.Before(all[i].PeriodEnd) {
			t.Errorf("Compute's periods are not in period-end order: %s before %s",
				all[i-1].PeriodEnd.Format("2006-01-02"), all[i].PeriodEnd.Format("2006-01-02"))
		}
	}
	for _, want := range all {
		month := time.Date(want.PeriodEnd.Year(), want.PeriodEnd.Month(), 1, 0, 0, 0, 0, time.UTC) // first of the month
		got, ok := PeriodAt(reports, month)
		label := want.PeriodEnd.Format("2006-01-02")
		if !ok {
			t.Errorf("PeriodAt(%s): not found", label)
			continue
		}
		if !got.PeriodEnd.Equal(want.PeriodEnd) || got.Currency != want.Currency || got.Months != want.Months {
			t.Errorf("PeriodAt(%s) is the report ending %s", label, got.PeriodEnd.Format("2006-01-02"))
		}
		if len(got.Ratios) != len(want.Ratios) {
			t.Errorf("%s: %d ratios, Compute has %d", label, len(got.Ratios), len(want.Ratios))
		}
		for _, n := range Names {
			g, w := got.Ratios[n], want.Ratios[n]
			if (g.Value == nil) != (w.Value == nil) || (g.Value != nil && math.Abs(*g.Value-*w.Value) > 1e-12) || g.Basis != w.Basis {
				t.Errorf("%s %s: PeriodAt %v %q, Compute %v %q", label, n, deref(g.Value), g.Basis, deref(w.Value), w.Basis)
			}
		}
	}
	// Hand-worked, so the comparison above is not of two empty results: Jun-24,
	// OER 60 × 2 / ((1200+800)/2) = 0.12 on 12 months; growth 1200/800 − 1 = 0.5.
	jun, ok := PeriodAt(reports, end("2024-06-15"))
	if !ok {
		t.Fatal("PeriodAt(2024-06-15): not found")
	}
	exactly(t, "Jun-24 OER", jun.Ratios[OperatingExpenseRatio].Value, 0.12)
	if jun.Ratios[OperatingExpenseRatio].Basis != TwelveMonths {
		t.Errorf("Jun-24 OER basis %q, want %q", jun.Ratios[OperatingExpenseRatio].Basis, TwelveMonths)
	}
	exactly(t, "Jun-24 GLP growth", jun.Ratios[GLPGrowth].Value, 0.5)
	// Dec-24: OER 70 × 2 / ((1400+1000)/2 = 1200) = 0.1166..., on 12 months.
	dec, _ := PeriodAt(reports, end("2024-12-01"))
	exactly(t, "Dec-24 OER", dec.Ratios[OperatingExpenseRatio].Value, 140.0/1200)
	// Sep-24 is in BOB, alone in its currency: 400 × 4 / 9000, on the period end.
	sep, _ := PeriodAt(reports, end("2024-09-30"))
	exactly(t, "Sep-24 OER", sep.Ratios[OperatingExpenseRatio].Value, 1600.0/9000)
	if sep.Ratios[OperatingExpenseRatio].Basis != PeriodEnd {
		t.Errorf("Sep-24 OER basis %q, want %q", sep.Ratios[OperatingExpenseRatio].Basis, PeriodEnd)
	}

	for _, month := range []string{"2024-03-31", "2024-07-01", "2022-06-30", "2025-06-30"} {
		if p, ok := PeriodAt(reports, end(month)); ok {
			t.Errorf("PeriodAt(%s) found the report ending %s; none ends that month", month, p.PeriodEnd.Format("2006-01-02"))
		}
	}
	if _, ok := PeriodAt(nil, end("2024-06-30")); ok {
		t.Error("PeriodAt(nil) found a period")
	}
}

func deref(v *float64) any {
	if v == nil {
		return nil
	}
	return *v
}

// TestInputsTable: the names are DOMAIN.md's canonical ones, unique, and each accessor
// reaches its own field of Figures.
func TestInputsTable(t *testing.T) {
	canonical := []string{
		"gross_loan_portfolio", "par30", "write_offs", "loan_loss_reserve", "provision_expense", "active_clients",
		"loans_outstanding", "total_assets", "total_liabilities", "equity", "financial_revenue", "financial_expense",
		"operating_expense", "personnel_expense", "portfolio_revenue", "net_income", "donations", "total_staff",
		"loan_officers", "women_clients", "rural_clients", "branches", "deposits",
		"average_gross_loan_portfolio", "average_assets", "average_equity", "average_active_clients",
	}
	seen := map[string]bool{}
	var names []string
	for _, in := range Inputs {
		if seen[in.Name] {
			t.Errorf("input %q listed twice", in.Name)
		}
		seen[in.Name] = true
		names = append(names, in.Name)
		if got, ok := InputByName(in.Name); !ok || got.Name != in.Name {
			t.Errorf("InputByName(%q) = %q, %v", in.Name, got.Name, ok)
		}
	}
	slices.Sort(names)
	sortedCanonical := slices.Clone(canonical)
	slices.Sort(sortedCanonical)
	if !slices.Equal(names, sortedCanonical) {
		t.Errorf("input names %v, want DOMAIN.md's %v", names, sortedCanonical)
	}
	if _, ok := InputByName("average_gross_loan"); ok {
		t.Error("InputByName found a name that is not an input")
	}

	// Set i+1 through the i-th accessor, then read every one back: each must hold its
	// own value, so no two accessors share a field.
	var f Figures
	if !f.Empty() {
		t.Error("zero Figures are not Empty")
	}
	for i, in := range Inputs {
		v := decimal.MustNew(int64(i+1), 0)
		in.Set(&f, &v)
	}
	if f.Empty() {
		t.Error("filled Figures are Empty")
	}
	for i, in := range Inputs {
		got := in.Get(&f)
		if got == nil || got.Cmp(decimal.MustNew(int64(i+1), 0)) != 0 {
			t.Errorf("%s reads back %v, want %d", in.Name, got, i+1)
		}
	}
	// And every field of Figures is reached by some accessor, each a different value.
	rv := reflect.ValueOf(f)
	if rv.NumField() != len(Inputs) {
		t.Errorf("Figures has %d fields, Inputs %d", rv.NumField(), len(Inputs))
	}
	values := map[string]string{}
	for i := 0; i < rv.NumField(); i++ {
		field := rv.Type().Field(i).Name
		p, ok := rv.Field(i).Interface().(*decimal.Decimal)
		if !ok || p == nil {
			t.Errorf("Figures.%s is not set through any input", field)
			continue
		}
		if other, dup := values[p.String()]; dup {
			t.Errorf("Figures.%s and Figures.%s hold the same value %s", field, other, p)
		}
		values[p.String()] = field
	}
	// Spot-check a few names against their fields.
	for name, want := range map[string]func(*Figures) *decimal.Decimal{
		"gross_loan_portfolio":         func(f *Figures) *decimal.Decimal { return f.GrossLoanPortfolio },
		"par30":                        func(f *Figures) *decimal.Decimal { return f.PAR30 },
		"equity":                       func(f *Figures) *decimal.Decimal { return f.Equity },
		"average_gross_loan_portfolio": func(f *Figures) *decimal.Decimal { return f.AverageGLP },
		"average_active_clients":       func(f *Figures) *decimal.Decimal { return f.AverageActiveClients },
	} {
		in, _ := InputByName(name)
		if in.Of == nil || in.Get(&f) != want(&f) {
			t.Errorf("%s does not point at its own field", name)
		}
	}
	// Set(nil) clears.
	in, _ := InputByName("deposits")
	in.Set(&f, nil)
	if f.Deposits != nil {
		t.Error("Set(nil) did not clear deposits")
	}
}

// TestFiguresEqual: values compare by amount, not by scale; a missing figure is not 0.
func TestFiguresEqual(t *testing.T) {
	tests := []struct {
		name string
		a, b Figures
		want bool
	}{
		{"both empty", Figures{}, Figures{}, true},
		{"1.50 and 1.5", Figures{GrossLoanPortfolio: d("1.50")}, Figures{GrossLoanPortfolio: d("1.5")}, true},
		{"1.5 and 1.51", Figures{GrossLoanPortfolio: d("1.5")}, Figures{GrossLoanPortfolio: d("1.51")}, false},
		{"nil and 0", Figures{}, Figures{Equity: d("0")}, false},
		{"0 and nil", Figures{AverageActiveClients: d("0")}, Figures{}, false},
		{"0 and 0.00", Figures{Equity: d("0")}, Figures{Equity: d("0.00")}, true},
		{"same value, different field", Figures{Equity: d("5")}, Figures{NetIncome: d("5")}, false},
		{"−3 and 3", Figures{NetIncome: d("-3")}, Figures{NetIncome: d("3")}, false},
		{"the last field differs", Figures{Branches: d("2"), AverageActiveClients: d("10")}, Figures{Branches: d("2"), AverageActiveClients: d("10.01")}, false},
	}
	for _, tt := range tests {
		if got := tt.a.Equal(&tt.b); got != tt.want {
			t.Errorf("%s: Equal = %v, want %v", tt.name, got, tt.want)
		}
		if got := tt.b.Equal(&tt.a); got != tt.want {
			t.Errorf("%s (reversed): Equal = %v, want %v", tt.name, got, tt.want)
		}
	}
}
