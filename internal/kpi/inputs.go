package kpi

import "github.com/govalues/decimal"

// Kind is how a raw figure is written.
type Kind int

const (
	// Decimal is an amount in the report's currency (or an average of counts), at most
	// two decimals.
	Decimal Kind = iota + 1
	// Count is a whole number: clients, staff, branches.
	Count
)

// Group is where a figure belongs on a financial statement, for forms and layouts.
type Group string

// The statement groups, in display order.
const (
	GroupPortfolio Group = "portfolio"
	GroupBalance   Group = "balance_sheet"
	GroupIncome    Group = "income_statement"
	GroupOutreach  Group = "outreach"
	GroupAverages  Group = "averages"
)

// Input describes one raw figure: its canonical name (the database column, JSON
// member and CSV/XLSX header), how it is written, whether it may be negative, and
// where it lives in Figures. Everything that reads or writes figures walks Inputs,
// so a figure is added in one place.
type Input struct {
	Name   string
	Kind   Kind
	Signed bool // may be negative: a loss, negative equity, a release of provisions
	Group  Group
	Of     func(*Figures) **decimal.Decimal
}

// Inputs lists every raw figure in canonical order.
var Inputs = []Input{
	{"gross_loan_portfolio", Decimal, false, GroupPortfolio, func(f *Figures) **decimal.Decimal { return &f.GrossLoanPortfolio }},
	{"par30", Decimal, false, GroupPortfolio, func(f *Figures) **decimal.Decimal { return &f.PAR30 }},
	{"write_offs", Decimal, false, GroupPortfolio, func(f *Figures) **decimal.Decimal { return &f.WriteOffs }},
	{"loan_loss_reserve", Decimal, false, GroupPortfolio, func(f *Figures) **decimal.Decimal { return &f.LoanLossReserve }},
	{"provision_expense", Decimal, true, GroupIncome, func(f *Figures) **decimal.Decimal { return &f.ProvisionExpense }},
	{"active_clients", Count, false, GroupOutreach, func(f *Figures) **decimal.Decimal { return &f.ActiveClients }},
	{"loans_outstanding", Count, false, GroupPortfolio, func(f *Figures) **decimal.Decimal { return &f.LoansOutstanding }},
	{"total_assets", Decimal, false, GroupBalance, func(f *Figures) **decimal.Decimal { return &f.TotalAssets }},
	{"total_liabilities", Decimal, false, GroupBalance, func(f *Figures) **decimal.Decimal { return &f.TotalLiabilities }},
	{"equity", Decimal, true, GroupBalance, func(f *Figures) **decimal.Decimal { return &f.Equity }},
	{"financial_revenue", Decimal, false, GroupIncome, func(f *Figures) **decimal.Decimal { return &f.FinancialRevenue }},
	{"financial_expense", Decimal, false, GroupIncome, func(f *Figures) **decimal.Decimal { return &f.FinancialExpense }},
	{"operating_expense", Decimal, false, GroupIncome, func(f *Figures) **decimal.Decimal { return &f.OperatingExpense }},
	{"personnel_expense", Decimal, false, GroupIncome, func(f *Figures) **decimal.Decimal { return &f.PersonnelExpense }},
	{"portfolio_revenue", Decimal, false, GroupIncome, func(f *Figures) **decimal.Decimal { return &f.PortfolioRevenue }},
	{"net_income", Decimal, true, GroupIncome, func(f *Figures) **decimal.Decimal { return &f.NetIncome }},
	{"donations", Decimal, false, GroupIncome, func(f *Figures) **decimal.Decimal { return &f.Donations }},
	{"total_staff", Count, false, GroupOutreach, func(f *Figures) **decimal.Decimal { return &f.TotalStaff }},
	{"loan_officers", Count, false, GroupOutreach, func(f *Figures) **decimal.Decimal { return &f.LoanOfficers }},
	{"women_clients", Count, false, GroupOutreach, func(f *Figures) **decimal.Decimal { return &f.WomenClients }},
	{"rural_clients", Count, false, GroupOutreach, func(f *Figures) **decimal.Decimal { return &f.RuralClients }},
	{"branches", Count, false, GroupOutreach, func(f *Figures) **decimal.Decimal { return &f.Branches }},
	{"deposits", Decimal, false, GroupBalance, func(f *Figures) **decimal.Decimal { return &f.Deposits }},
	{"average_gross_loan_portfolio", Decimal, false, GroupAverages, func(f *Figures) **decimal.Decimal { return &f.AverageGLP }},
	{"average_assets", Decimal, false, GroupAverages, func(f *Figures) **decimal.Decimal { return &f.AverageAssets }},
	{"average_equity", Decimal, true, GroupAverages, func(f *Figures) **decimal.Decimal { return &f.AverageEquity }},
	{"average_active_clients", Decimal, false, GroupAverages, func(f *Figures) **decimal.Decimal { return &f.AverageActiveClients }},
}

// InputByName finds an input by its canonical name.
func InputByName(name string) (Input, bool) {
	for _, in := range Inputs {
		if in.Name == name {
			return in, true
		}
	}
	return Input{}, false
}

// Get returns the figure in f, or nil.
func (in Input) Get(f *Figures) *decimal.Decimal { return *in.Of(f) }

// Set stores v (nil clears it).
func (in Input) Set(f *Figures, v *decimal.Decimal) { *in.Of(f) = v }

// Empty reports whether no figure is set.
func (f *Figures) Empty() bool {
	for _, in := range Inputs {
		if in.Get(f) != nil {
			return false
		}
	}
	return true
}

// Equal reports whether two sets of figures hold the same values (1.50 equals 1.5).
func (f *Figures) Equal(g *Figures) bool {
	for _, in := range Inputs {
		a, b := in.Get(f), in.Get(g)
		if (a == nil) != (b == nil) || (a != nil && a.Cmp(*b) != 0) {
			return false
		}
	}
	return true
}
