package reports

import (
	"time"

	"github.com/govalues/decimal"

	"cartera/internal/demo/seed"
	"cartera/internal/kpi"
	"cartera/internal/partner"
)

// The fixtures are the demo's partners and figures (from the seed documents), turned
// into view models by hand the way internal/publish does from the database.

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func demoPartner(name string) Partner {
	for _, f := range seed.Partners() {
		if f.Name != name {
			continue
		}
		p := Partner{Name: f.Name, Country: f.Country, Region: f.Region, LegalStatus: string(f.LegalStatus),
			Description: f.Description, Strengths: f.Strengths, Risks: f.Risks}
		if f.Methodology != nil {
			p.Methodology = string(*f.Methodology)
		}
		if f.Founded != nil {
			p.Founded = *f.Founded
		}
		if f.PartnerSince != nil {
			p.PartnerSince = *f.PartnerSince
		}
		return p
	}
	panic("no demo partner " + name)
}

// keyRatios are the profile's peer ratios, as internal/publish chooses them.
var keyRatios = []kpi.Name{kpi.PAR30Ratio, kpi.OperatingExpenseRatio, kpi.PortfolioYield, kpi.ROE, kpi.ClientsPerStaff}

// adraProfile is ADRA Peru's profile at 30 June 2003 among the demo's Jun-03 peers.
func adraProfile(lang Lang) Profile {
	figures := seed.Statements()
	periods := kpi.Compute(figures["ADRA Peru"])
	latest := periods[len(periods)-1]
	group := &PeerGroup{PeriodEnd: latest.PeriodEnd, WorldRegion: "419"}
	members := map[string]kpi.Period{}
	for name, reports := range figures {
		if p, ok := kpi.PeriodAt(reports, latest.PeriodEnd); ok {
			members[name] = p
		}
	}
	group.Members = len(members)
	for _, n := range keyRatios {
		var values []float64
		for _, p := range members {
			if v := p.Ratios[n].Value; v != nil {
				values = append(values, *v)
			}
		}
		s := kpi.Summarize(values)
		pr := PeerRatio{Name: n, Direction: kpi.DirectionOf(n), Summary: s, Value: latest.Ratios[n].Value}
		if pr.Value != nil {
			pr.Position = kpi.PositionOf(*pr.Value, values, s, pr.Direction)
		}
		group.Ratios = append(group.Ratios, pr)
	}
	next := date(2003, 12, 31)
	return Profile{
		Lang: lang, Fund: "Cartera Demo Fund", Partner: demoPartner("ADRA Peru"), AsOf: date(2003, 6, 30),
		Periods: periods, Peers: group,
		Loans: []Loan{{Reference: "ADRA-PEN-01", Currency: "PEN", Status: "active", SignedOn: date(2002, 12, 1),
			Committed: decimal.MustParse("1100000"), Disbursed: decimal.MustParse("1100000"), Outstanding: decimal.MustParse("962500"),
			NextDueOn: &next, NextDueAmount: decimal.MustParse("190850.42"), DaysPastDue: 0}},
	}
}

// improFactSheet is the seed article's box and table: 2010 and 2014.
func improFactSheet(lang Lang) FactSheet {
	reports := seed.Statements()["Impro"]
	snap := func(r kpi.Statement, credit string) *Snapshot {
		avg, _ := r.GrossLoanPortfolio.Quo(*r.LoansOutstanding)
		return &Snapshot{Year: r.PeriodEnd.Year(), PeriodEnd: r.PeriodEnd, Portfolio: r.GrossLoanPortfolio,
			Clients: r.ActiveClients, AverageLoan: &avg, FundCredit: decimal.MustParse(credit)}
	}
	then, now := snap(reports[0], "75000"), snap(reports[len(reports)-1], "400000")
	var portfolio []YearAmount
	for _, r := range reports {
		portfolio = append(portfolio, YearAmount{Year: r.PeriodEnd.Year(), Amount: *r.GrossLoanPortfolio})
	}
	return FactSheet{
		Lang: lang, Fund: "Cartera Demo Fund", Partner: demoPartner("Impro"), AsOf: date(2014, 6, 30), Currency: "USD",
		LatestCredit: &YearAmount{Year: 2014, Amount: decimal.MustParse("400000")},
		Then:         then, Now: now, Portfolio: portfolio,
	}
}

// bare is a partner the fund has only just recorded: no figures, no loans, no texts.
func bare(lang Lang) (Profile, FactSheet) {
	p := Partner{Name: "Nueva Esperanza", Country: "GT", LegalStatus: string(partner.Cooperative)}
	return Profile{Lang: lang, Fund: "Cartera Demo Fund", Partner: p, AsOf: date(2026, 11, 22)},
		FactSheet{Lang: lang, Fund: "Cartera Demo Fund", Partner: p, AsOf: date(2026, 11, 22), Currency: "USD"}
}
