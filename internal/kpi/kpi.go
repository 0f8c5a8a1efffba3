// Package kpi computes a partner's ratios from its raw figures, period by period, the
// way rating agencies do (DOMAIN.md, "Partner KPIs"): flows over a period shorter than a
// year are annualized; stocks in a denominator are averaged, preferring a reported
// average, then the mean with the value 12 months earlier, then with the period start,
// then the period end alone, and each ratio says which basis it used. A ratio whose
// inputs are missing, or whose denominator is zero, is absent, never zero.
//
// It is pure Go: figures in, ratios out; no database.
package kpi

import (
	"sort"
	"time"

	"github.com/govalues/decimal"
)

// Figures are a partner's raw figures at a period end, under the canonical names.
// Every one is optional (nil: not reported).
type Figures struct {
	GrossLoanPortfolio   *decimal.Decimal
	PAR30                *decimal.Decimal
	WriteOffs            *decimal.Decimal
	LoanLossReserve      *decimal.Decimal
	ProvisionExpense     *decimal.Decimal
	ActiveClients        *decimal.Decimal
	LoansOutstanding     *decimal.Decimal
	TotalAssets          *decimal.Decimal
	TotalLiabilities     *decimal.Decimal
	Equity               *decimal.Decimal
	FinancialRevenue     *decimal.Decimal
	FinancialExpense     *decimal.Decimal
	OperatingExpense     *decimal.Decimal
	PersonnelExpense     *decimal.Decimal
	PortfolioRevenue     *decimal.Decimal
	NetIncome            *decimal.Decimal
	Donations            *decimal.Decimal
	TotalStaff           *decimal.Decimal
	LoanOfficers         *decimal.Decimal
	WomenClients         *decimal.Decimal
	RuralClients         *decimal.Decimal
	Branches             *decimal.Decimal
	Deposits             *decimal.Decimal
	AverageGLP           *decimal.Decimal // average_gross_loan_portfolio
	AverageAssets        *decimal.Decimal
	AverageEquity        *decimal.Decimal
	AverageActiveClients *decimal.Decimal
}

// Statement is one period's figures.
type Statement struct {
	PeriodEnd time.Time
	Months    int // 3, 6 or 12
	Currency  string
	Figures
}

// Basis says how a ratio's averaged denominator was obtained.
type Basis string

// The averaging bases, from most to least preferred.
const (
	ReportedAverage Basis = "reported_average"
	TwelveMonths    Basis = "average_12_months"    // mean of the period end and 12 months earlier
	PeriodStart     Basis = "average_period_start" // mean of the period end and the period start
	PeriodEnd       Basis = "period_end"           // the period end alone
)

// Name is a ratio's canonical name.
type Name string

// The ratios.
const (
	GLPGrowth             Name = "glp_growth"
	ClientGrowth          Name = "client_growth"
	AverageLoanBalance    Name = "average_loan_balance"
	PAR30Ratio            Name = "par30_ratio"
	WriteOffRatio         Name = "write_off_ratio"
	RiskCoverage          Name = "risk_coverage"
	ProvisionExpenseRatio Name = "provision_expense_ratio"
	OperatingExpenseRatio Name = "operating_expense_ratio"
	PersonnelExpenseRatio Name = "personnel_expense_ratio"
	PortfolioYield        Name = "portfolio_yield"
	CostPerClient         Name = "cost_per_client"
	ClientsPerLoanOfficer Name = "clients_per_loan_officer"
	ClientsPerStaff       Name = "clients_per_staff"
	LoanOfficersShare     Name = "loan_officers_share"
	ROE                   Name = "roe"
	ROA                   Name = "roa"
	DebtToEquity          Name = "debt_to_equity"
	EquityToAssets        Name = "equity_to_assets"
	OperationalSelfSuffic Name = "operational_self_sufficiency"
	WomenShare            Name = "women_share"
)

// Names lists every ratio in display order.
var Names = []Name{GLPGrowth, ClientGrowth, AverageLoanBalance, PAR30Ratio, WriteOffRatio, RiskCoverage,
	ProvisionExpenseRatio, OperatingExpenseRatio, PersonnelExpenseRatio, PortfolioYield, CostPerClient,
	ClientsPerLoanOfficer, ClientsPerStaff, LoanOfficersShare, ROE, ROA, DebtToEquity, EquityToAssets,
	OperationalSelfSuffic, WomenShare}

// HigherIsBetter says, per ratio, which direction is good, for ranking among peers.
// Ratios absent here (growth, average loan balance, debt/equity) have no better side.
var HigherIsBetter = map[Name]bool{
	PAR30Ratio: false, WriteOffRatio: false, RiskCoverage: true, ProvisionExpenseRatio: false,
	OperatingExpenseRatio: false, PersonnelExpenseRatio: false, PortfolioYield: true, CostPerClient: false,
	ClientsPerLoanOfficer: true, ClientsPerStaff: true, LoanOfficersShare: true, ROE: true, ROA: true,
	EquityToAssets: true, OperationalSelfSuffic: true, WomenShare: true,
}

// Ratio is one ratio's value (a fraction: 0.822 is 82.2 %) and, for averaged ones, its basis.
type Ratio struct {
	Value *float64
	Basis Basis // empty when no stock is averaged
}

// Period is one report with its ratios.
type Period struct {
	Statement
	Ratios map[Name]Ratio
}

// Compute returns every period's ratios, in period-end order. Reports are one
// partner's; a report is averaged or compared only with reports in its own currency.
func Compute(reports []Statement) []Period {
	byEnd := make(map[monthCurrency]*Statement, len(reports))
	for i := range reports {
		byEnd[keyOf(reports[i].PeriodEnd, reports[i].Currency)] = &reports[i]
	}
	find := func(t time.Time, currency string) *Statement { return byEnd[keyOf(t, currency)] }
	out := make([]Period, 0, len(reports))
	for i := range reports {
		out = append(out, Period{Statement: reports[i], Ratios: ratios(&reports[i], find)})
	}
	sortPeriods(out)
	return out
}

// PeriodAt computes the ratios of the one report, among a partner's reports, whose
// period ends in the calendar month of month: the cheap path when only one period is
// wanted (a peer table over thousands of partners).
func PeriodAt(reports []Statement, month time.Time) (Period, bool) {
	find := func(t time.Time, currency string) *Statement {
		k := keyOf(t, currency)
		for i := range reports {
			if keyOf(reports[i].PeriodEnd, reports[i].Currency) == k {
				return &reports[i]
			}
		}
		return nil
	}
	for i := range reports {
		if sameMonth(reports[i].PeriodEnd, month) {
			return Period{Statement: reports[i], Ratios: ratios(&reports[i], find)}, true
		}
	}
	return Period{}, false
}

// monthCurrency matches period ends by calendar month: a report at 30 June and one at
// 1 July of the next year are not 12 months apart, but 30 June and 30 June are. A
// report in another currency is not the same series: averaging bolivianos with
// dollars would be meaningless.
type monthCurrency struct {
	year     int
	month    time.Month
	currency string
}

func keyOf(t time.Time, currency string) monthCurrency {
	return monthCurrency{year: t.Year(), month: t.Month(), currency: currency}
}

func sameMonth(a, b time.Time) bool { return a.Year() == b.Year() && a.Month() == b.Month() }

// monthsBefore is the first day of the month n months before t's: reports are matched
// by month, so the day does not matter.
func monthsBefore(t time.Time, n int) time.Time {
	return time.Date(t.Year(), t.Month()-time.Month(n), 1, 0, 0, 0, 0, time.UTC)
}

// inputs are what a period's ratios are computed from: its figures, the report 12
// months earlier (prior) and the one at the period's start (start), for averages and
// growth, and the factor that annualizes its flows.
type inputs struct {
	f            Figures
	prior, start *Statement
	annual       float64
}

// avg is a stock's average over the period, and how it was taken: as reported, over
// 12 months, from the period's start, or the period-end value alone.
func (in inputs) avg(reported *decimal.Decimal, stock func(Figures) *decimal.Decimal) (*float64, Basis) {
	switch {
	case reported != nil:
		return fl(reported), ReportedAverage
	case stock(in.f) == nil:
		return nil, ""
	case in.prior != nil && stock(in.prior.Figures) != nil:
		m := (num(stock(in.f)) + num(stock(in.prior.Figures))) / 2
		return &m, TwelveMonths
	case in.start != nil && in.start != in.prior && stock(in.start.Figures) != nil:
		m := (num(stock(in.f)) + num(stock(in.start.Figures))) / 2
		return &m, PeriodStart
	}
	return fl(stock(in.f)), PeriodEnd
}

// flowOver is a flow, annualized, over a denominator.
func (in inputs) flowOver(flow *decimal.Decimal, denom *float64) *float64 {
	if flow == nil {
		return nil
	}
	return div(num(flow)*in.annual, denom)
}

// growth is a stock's growth over 12 months.
func (in inputs) growth(stock func(Figures) *decimal.Decimal) *float64 {
	if in.prior == nil || stock(in.f) == nil || stock(in.prior.Figures) == nil {
		return nil
	}
	v := div(num(stock(in.f)), fl(stock(in.prior.Figures)))
	if v == nil {
		return nil
	}
	g := *v - 1
	return &g
}

// ratio is a over b, both at the period's end.
func ratio(a, b *decimal.Decimal) *float64 {
	if a == nil {
		return nil
	}
	return div(num(a), fl(b))
}

func ratios(r *Statement, find func(time.Time, string) *Statement) map[Name]Ratio {
	in := inputs{f: r.Figures, prior: find(monthsBefore(r.PeriodEnd, 12), r.Currency),
		start: find(monthsBefore(r.PeriodEnd, r.Months), r.Currency), annual: 12.0 / float64(r.Months)}
	f := r.Figures
	out := make(map[Name]Ratio, len(Names))
	set := func(n Name, v *float64, b Basis) { out[n] = Ratio{Value: v, Basis: b} }
	glp := func(x Figures) *decimal.Decimal { return x.GrossLoanPortfolio }
	avgGLP, glpBasis := in.avg(f.AverageGLP, glp)
	avgAssets, assetsBasis := in.avg(f.AverageAssets, func(x Figures) *decimal.Decimal { return x.TotalAssets })
	avgEquity, equityBasis := in.avg(f.AverageEquity, func(x Figures) *decimal.Decimal { return x.Equity })
	avgClients, clientsBasis := in.avg(f.AverageActiveClients, func(x Figures) *decimal.Decimal { return x.ActiveClients })

	set(GLPGrowth, in.growth(glp), "")
	set(ClientGrowth, in.growth(func(x Figures) *decimal.Decimal { return x.ActiveClients }), "")
	set(AverageLoanBalance, ratio(f.GrossLoanPortfolio, f.ActiveClients), "")
	set(PAR30Ratio, ratio(f.PAR30, f.GrossLoanPortfolio), "")
	set(WriteOffRatio, in.flowOver(f.WriteOffs, avgGLP), glpBasis)
	set(RiskCoverage, ratio(f.LoanLossReserve, f.PAR30), "")
	set(ProvisionExpenseRatio, in.flowOver(f.ProvisionExpense, avgGLP), glpBasis)
	set(OperatingExpenseRatio, in.flowOver(f.OperatingExpense, avgGLP), glpBasis)
	set(PersonnelExpenseRatio, in.flowOver(f.PersonnelExpense, avgGLP), glpBasis)
	set(PortfolioYield, in.flowOver(f.PortfolioRevenue, avgGLP), glpBasis)
	set(CostPerClient, in.flowOver(f.OperatingExpense, avgClients), clientsBasis)
	set(ClientsPerLoanOfficer, ratio(f.ActiveClients, f.LoanOfficers), "")
	set(ClientsPerStaff, ratio(f.ActiveClients, f.TotalStaff), "")
	set(LoanOfficersShare, ratio(f.LoanOfficers, f.TotalStaff), "")
	set(ROE, in.flowOver(f.NetIncome, avgEquity), equityBasis)
	set(ROA, in.flowOver(f.NetIncome, avgAssets), assetsBasis)
	set(DebtToEquity, ratio(f.TotalLiabilities, f.Equity), "")
	set(EquityToAssets, ratio(f.Equity, f.TotalAssets), "")
	set(OperationalSelfSuffic, selfSufficiency(f), "")
	set(WomenShare, ratio(f.WomenClients, f.ActiveClients), "")
	// A ratio with no value has no basis either.
	for n, r := range out {
		if r.Value == nil {
			out[n] = Ratio{}
		}
	}
	return out
}

// selfSufficiency is operational self-sufficiency: financial revenue over financial,
// provision and operating expense.
func selfSufficiency(f Figures) *float64 {
	if f.FinancialRevenue == nil || f.FinancialExpense == nil || f.ProvisionExpense == nil || f.OperatingExpense == nil {
		return nil
	}
	costs := num(f.FinancialExpense) + num(f.ProvisionExpense) + num(f.OperatingExpense)
	return div(num(f.FinancialRevenue), &costs)
}

// num is a figure as a float: ratios are proportions, not amounts, so float64 is
// the right tool once the exact figures are divided. A coefficient below 2^53 and a
// power of ten up to 10^22 are both exact as floats, so their quotient is the
// correctly rounded value, the same as parsing the decimal's text (which
// Decimal.Float64 does, at several times the cost, and a peer table converts tens of
// thousands of figures).
func num(d *decimal.Decimal) float64 {
	if coef, scale := d.Coef(), d.Scale(); coef < 1<<53 && scale < len(powersOfTen) {
		v := float64(coef) / powersOfTen[scale]
		if d.IsNeg() {
			v = -v
		}
		return v
	}
	v, _ := d.Float64()
	return v
}

var powersOfTen = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
	1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

func fl(d *decimal.Decimal) *float64 {
	if d == nil {
		return nil
	}
	v := num(d)
	return &v
}

// div is a/b, absent when b is absent or zero.
func div(a float64, b *float64) *float64 {
	if b == nil || *b == 0 {
		return nil
	}
	v := a / *b
	return &v
}

func sortPeriods(ps []Period) {
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].PeriodEnd.Before(ps[j].PeriodEnd) })
}
