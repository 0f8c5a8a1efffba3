package seed

import (
	"cartera/internal/kpi"
	"cartera/internal/platform/civil"

	"github.com/govalues/decimal"
)

// values are a report's figures in the demo, amounts in US dollars.
type values map[string]string

func thousands(s string) string { return s + "000" } // the rating report is in US$ '000

// adraPeru is ADRA Peru's village banking programme from the MicroRate report's
// balance sheets and income statements (US$ '000), Dec-01 to Jun-03. Financial revenue
// is interest and fees plus investment income; loan officers are clients over the
// report's clients per officer (209, 170, 201, 247); donations are those the report
// took out of the results; branches the "siete puntos de servicio" of Jun-03.
func adraPeru() []kpi.Statement {
	type col struct {
		end    string
		months int
		f      values
	}
	cols := []col{
		{"2001-12-31", 12, values{"gross_loan_portfolio": "246", "par30": "3", "loan_loss_reserve": "0", "provision_expense": "9",
			"total_assets": "559", "total_liabilities": "204", "equity": "355", "financial_revenue": "123", "portfolio_revenue": "122",
			"financial_expense": "0", "operating_expense": "235", "personnel_expense": "223", "net_income": "-111", "donations": "137", "deposits": "0"}},
		{"2002-06-30", 6, values{"gross_loan_portfolio": "221", "par30": "2", "loan_loss_reserve": "0", "provision_expense": "0",
			"total_assets": "646", "total_liabilities": "304", "equity": "342", "financial_revenue": "92", "portfolio_revenue": "92",
			"financial_expense": "0", "operating_expense": "121", "personnel_expense": "92", "net_income": "-13", "deposits": "0"}},
		{"2002-12-31", 12, values{"gross_loan_portfolio": "457", "par30": "0", "loan_loss_reserve": "0", "provision_expense": "2",
			"total_assets": "693", "total_liabilities": "312", "equity": "381", "financial_revenue": "192", "portfolio_revenue": "192",
			"financial_expense": "0", "operating_expense": "345", "personnel_expense": "250", "net_income": "-136", "donations": "101", "deposits": "0"}},
		{"2003-06-30", 6, values{"gross_loan_portfolio": "612", "par30": "0", "loan_loss_reserve": "0", "provision_expense": "0",
			"total_assets": "1095", "total_liabilities": "663", "equity": "432", "financial_revenue": "157", "portfolio_revenue": "156",
			"financial_expense": "0", "operating_expense": "171", "personnel_expense": "110", "net_income": "-5", "donations": "57", "deposits": "0"}},
	}
	counts := []values{
		{"active_clients": "2919", "loans_outstanding": "2919", "total_staff": "18", "loan_officers": "14"},
		{"active_clients": "3733", "loans_outstanding": "3733", "total_staff": "26", "loan_officers": "22"},
		{"active_clients": "4619", "loans_outstanding": "4619", "total_staff": "31", "loan_officers": "23"},
		{"active_clients": "5688", "loans_outstanding": "5688", "total_staff": "31", "loan_officers": "23", "branches": "7"},
	}
	out := make([]kpi.Statement, len(cols))
	for i, c := range cols {
		f := values{}
		for k, v := range c.f {
			f[k] = thousands(v)
		}
		for k, v := range counts[i] {
			f[k] = v
		}
		out[i] = report(c.end, c.months, f)
	}
	return out
}

// impro is Impro from the Alterfin article: portfolio US$ 1 million (2010) and 3.1
// million (2014), clients 1,700 and 2,503, average loan 627 and 1,304 dollars. The
// average loan is per loan, so the loans outstanding are portfolio over it.
func impro() []kpi.Statement {
	return []kpi.Statement{
		report("2010-12-31", 12, values{"gross_loan_portfolio": "1000000", "active_clients": "1700", "loans_outstanding": "1595"}),
		report("2014-03-31", 3, values{"gross_loan_portfolio": "3100000", "active_clients": "2503", "loans_outstanding": "2377"}),
	}
}

// proMujer2001 is Pro Mujer Bolivia's operational data of July 2001: 24 focal centres
// (10 in El Alto, 6 in Cochabamba, 3 in Tarija, 5 in Sucre), 28,606 clients, a gross
// portfolio of US$ 3,505,310.
func proMujer2001() kpi.Statement {
	return report("2001-07-31", 12, values{"gross_loan_portfolio": "3505310", "active_clients": "28606", "branches": "24"})
}

// peerRow is one column of the rating report's Jun-03 comparison table (US$ '000
// for amounts; results annualized).
type peerRow struct {
	partner                                  string
	glp, glpGrowth, clients, clientGrowth    string
	loans, par30, writeOffs, coverage        string
	provision, oer, perOfficer, perStaff     string
	yield, personnel, debtEquity, equityAsst string
	roe, roa, interestExpense                string
	interestIncome, netIncome, assets        string
}

var peersJun03 = []peerRow{
	{"Pro Mujer Bolivia", "4682", "0.278", "34973", "0.068", "34973", "0.002", "0.002", "13.995", "0.008", "0.364", "538", "173",
		"0.422", "0.186", "0.6", "0.612", "0.046", "0.034", "0.017", "1762", "236", "8883"},
	{"WWB Bucaramanga", "8201", "0.463", "37651", "0.671", "37789", "0.008", "0.002", "1.008", "0.012", "0.241", "629", "296",
		"0.449", "0.114", "2.9", "0.249", "0.039", "0.011", "0.067", "3101", "106", "11222"},
	{"D-Miro", "2607", "1.578", "8415", "1.091", "8415", "0.009", "0", "1.885", "0.016", "0.322", "421", "157",
		"0.607", "0.186", "0.6", "0.581", "0.171", "0.119", "0.019", "1099", "284", "3146"},
	{"Compartamos", "48605", "0.603", "166580", "0.483", "166580", "0.01", "0", "5.128", "0.028", "0.391", "317", "182",
		"1.016", "0.262", "1.7", "0.341", "0.61", "0.21", "0.064", "40115", "11755", "71902"},
}

// peerReports rebuilds a peer's raw figures at Jun-03, and its portfolio and clients
// a year earlier, from the ratios and amounts the table publishes: the average
// portfolio is interest income over the portfolio yield, expenses are their ratio
// times it, and so on. The ratios computed from them reproduce the table.
func peerReports(p peerRow) []kpi.Statement {
	d := decimal.MustParse
	mul := func(a, b decimal.Decimal) decimal.Decimal { v, _ := a.Mul(b); return v }
	quo := func(a, b decimal.Decimal) decimal.Decimal { v, _ := a.Quo(b); return v }
	k := d("1000")
	glp, clients := mul(d(p.glp), k), d(p.clients)
	income, net, assets := mul(d(p.interestIncome), k), mul(d(p.netIncome), k), mul(d(p.assets), k)
	avgGLP := quo(income, d(p.yield))
	par30 := mul(glp, d(p.par30))
	equity := mul(assets, d(p.equityAsst))
	whole := func(v decimal.Decimal) string { return v.Round(0).String() }
	jun03 := values{
		"gross_loan_portfolio": whole(glp), "par30": whole(par30), "loan_loss_reserve": whole(mul(par30, d(p.coverage))),
		"write_offs": whole(mul(avgGLP, d(p.writeOffs))), "provision_expense": whole(mul(avgGLP, d(p.provision))),
		"operating_expense": whole(mul(avgGLP, d(p.oer))), "personnel_expense": whole(mul(avgGLP, d(p.personnel))),
		"financial_expense": whole(mul(avgGLP, d(p.interestExpense))),
		"portfolio_revenue": whole(income), "financial_revenue": whole(income), "net_income": whole(net),
		"total_assets": whole(assets), "equity": whole(equity), "total_liabilities": whole(mul(equity, d(p.debtEquity))),
		"deposits": "0", "active_clients": p.clients, "loans_outstanding": p.loans,
		"loan_officers": whole(quo(clients, d(p.perOfficer))), "total_staff": whole(quo(clients, d(p.perStaff))),
		"average_gross_loan_portfolio": whole(avgGLP),
		"average_equity":               whole(quo(net, d(p.roe))), "average_assets": whole(quo(net, d(p.roa))),
	}
	one := d("1")
	growth := func(v, g string) decimal.Decimal { s, _ := one.Add(d(g)); return quo(d(v), s) }
	jun02 := values{
		"gross_loan_portfolio": whole(mul(growth(p.glp, p.glpGrowth), k)),
		"active_clients":       whole(growth(p.clients, p.clientGrowth)),
	}
	return []kpi.Statement{report("2002-06-30", 12, jun02), report("2003-06-30", 12, jun03)}
}

func report(end string, months int, f values) kpi.Statement {
	t, err := civil.Parse(end)
	if err != nil {
		panic(err)
	}
	r := kpi.Statement{PeriodEnd: t, Months: months, Currency: "USD"}
	for name, v := range f {
		in, ok := kpi.InputByName(name)
		if !ok {
			panic("demo: unknown figure " + name)
		}
		x := decimal.MustParse(v)
		in.Set(&r.Figures, &x)
	}
	return r
}

// Statements returns the demo's reports by partner name.
func Statements() map[string][]kpi.Statement {
	out := map[string][]kpi.Statement{
		"ADRA Peru":         adraPeru(),
		"Impro":             impro(),
		"Pro Mujer Bolivia": {proMujer2001()},
	}
	for _, p := range peersJun03 {
		out[p.partner] = append(out[p.partner], peerReports(p)...)
	}
	return out
}
