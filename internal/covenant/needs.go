package covenant

import (
	"strings"

	"cartera/internal/kpi"
)

// need is a figure a ratio is computed from. An averaged stock is satisfied by the
// reported average as well (the ratio engine prefers it).
type need struct {
	figure  string
	average string // the reported average that can stand in for figure, or ""
}

var (
	glp       = need{"gross_loan_portfolio", ""}
	avgGLP    = need{"gross_loan_portfolio", "average_gross_loan_portfolio"}
	clients   = need{"active_clients", ""}
	avgClient = need{"active_clients", "average_active_clients"}
)

func fig(name string) need { return need{name, ""} }

// ratioNeeds are the figures of its own period each ratio is computed from, as the
// ratio engine defines it (SEEP / MIX); a test checks each against kpi.Compute, so
// the list and the engine cannot drift apart.
var ratioNeeds = map[kpi.Name][]need{
	kpi.GLPGrowth: {glp}, kpi.ClientGrowth: {clients}, kpi.AverageLoanBalance: {glp, clients},
	kpi.PAR30Ratio: {fig("par30"), glp}, kpi.WriteOffRatio: {fig("write_offs"), avgGLP},
	kpi.RiskCoverage: {fig("loan_loss_reserve"), fig("par30")}, kpi.ProvisionExpenseRatio: {fig("provision_expense"), avgGLP},
	kpi.OperatingExpenseRatio: {fig("operating_expense"), avgGLP}, kpi.PersonnelExpenseRatio: {fig("personnel_expense"), avgGLP},
	kpi.PortfolioYield: {fig("portfolio_revenue"), avgGLP}, kpi.CostPerClient: {fig("operating_expense"), avgClient},
	kpi.ClientsPerLoanOfficer: {clients, fig("loan_officers")}, kpi.ClientsPerStaff: {clients, fig("total_staff")},
	kpi.LoanOfficersShare: {fig("loan_officers"), fig("total_staff")},
	kpi.ROE:               {fig("net_income"), need{"equity", "average_equity"}},
	kpi.ROA:               {fig("net_income"), need{"total_assets", "average_assets"}},
	kpi.DebtToEquity:      {fig("total_liabilities"), fig("equity")}, kpi.EquityToAssets: {fig("equity"), fig("total_assets")},
	kpi.OperationalSelfSuffic: {fig("financial_revenue"), fig("financial_expense"), fig("provision_expense"), fig("operating_expense")},
	kpi.WomenShare:            {fig("women_clients"), clients},
}

// growthRatios compare a stock with its value twelve months earlier.
var growthRatios = map[kpi.Name]string{kpi.GLPGrowth: "gross_loan_portfolio", kpi.ClientGrowth: "active_clients"}

// whyNoRatio says why a ratio has no value in a period: the figures it needs that
// are not reported, by name; else the report twelve months earlier a growth needs;
// else a denominator of zero.
func whyNoRatio(n kpi.Name, f kpi.Figures) string {
	var absent []string
	for _, nd := range ratioNeeds[n] {
		if reported(f, nd.figure) || (nd.average != "" && reported(f, nd.average)) {
			continue
		}
		absent = append(absent, nd.figure)
	}
	switch {
	case len(absent) == 1:
		return string(n) + " cannot be computed: " + absent[0] + " is not reported"
	case len(absent) > 1:
		return string(n) + " cannot be computed: " + strings.Join(absent, ", ") + " are not reported"
	case growthRatios[n] != "":
		// Either no report twelve months earlier, or one with a zero stock: the
		// figures of this period alone cannot tell which, and the message covers both.
		return string(n) + " cannot be computed: no report twelve months earlier gives a non-zero " + growthRatios[n]
	}
	return string(n) + " cannot be computed: its denominator is zero"
}

func reported(f kpi.Figures, name string) bool {
	in, ok := kpi.InputByName(name)
	return ok && in.Get(&f) != nil
}
