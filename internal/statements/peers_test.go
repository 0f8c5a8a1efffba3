package statements

import (
	"math"
	"strings"
	"testing"

	"github.com/govalues/decimal"

	"cartera/internal/fx"
	"cartera/internal/kpi"
	"cartera/internal/partner"
	"cartera/internal/platform/civil"
)

func ratioOf(t *testing.T, table PeerTable, n kpi.Name) PeerRatio {
	t.Helper()
	for _, r := range table.Ratios {
		if r.Name == n {
			return r
		}
	}
	t.Fatalf("no %s in the table", n)
	return PeerRatio{}
}

func close(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestPeers(t *testing.T) {
	f := newFixture(t)
	type p struct {
		name, country string
		status        partner.LegalStatus
		end           string
		par30         string // over a portfolio of 1000: PAR30 ratio = par30 / 1000
	}
	ids := map[string]int64{}
	for _, x := range []p{
		{"A", "BO", partner.NGO, "2003-06-30", "10"},
		{"B", "BO", partner.Bank, "2003-06-30", "20"},
		{"C", "PE", partner.NGO, "2003-06-30", "40"},
		{"D", "MX", partner.NBFI, "2003-06-30", "80"},
		{"E", "KE", partner.NGO, "2003-06-01", "160"}, // another day of June: same period
	} {
		ids[x.name] = f.partner(x.name, x.country, x.status)
		if _, _, err := f.s.Put(f.ctx, tester, ids[x.name], rep(x.end, 12, "USD", "gross_loan_portfolio", "1000", "par30", x.par30)); err != nil {
			t.Fatal(err)
		}
	}
	// A report of May is not a June peer.
	if _, _, err := f.s.Put(f.ctx, tester, f.partner("F", "BO", partner.NGO), rep("2003-05-31", 12, "USD", "gross_loan_portfolio", "1000", "par30", "999")); err != nil {
		t.Fatal(err)
	}
	june := civil.Date(2003, 6, 15)
	all, err := f.s.Peers(f.ctx, PeerQuery{PeriodEnd: june})
	if err != nil {
		t.Fatal(err)
	}
	// PAR30 0.01, 0.02, 0.04, 0.08, 0.16: QUARTILE.INC gives the 2nd, 3rd and 4th values.
	par := ratioOf(t, all, kpi.PAR30Ratio)
	if par.N != 5 || !close(par.Min, 0.01) || !close(par.Q1, 0.02) || !close(par.Median, 0.04) ||
		!close(par.Q3, 0.08) || !close(par.Max, 0.16) || !close(par.Mean, 0.062) || par.Direction != kpi.LowerIsGood {
		t.Errorf("PAR30 over all peers: %+v", par)
	}
	if len(all.Members) != 5 || all.Members[4].PeriodEnd != civil.Date(2003, 6, 1) {
		t.Errorf("members %+v", all.Members)
	}
	if n := ratioOf(t, all, kpi.ROE).N; n != 0 {
		t.Errorf("ROE has %d values with no income reported", n)
	}

	latam, err := partner.ParseWorldRegion("Latin America")
	if err != nil {
		t.Fatal(err)
	}
	filters := []struct {
		name   string
		filter partner.Filter
		n      int
	}{
		{"country", partner.Filter{Country: "BO"}, 2},
		{"legal status", partner.Filter{LegalStatus: partner.NGO}, 3},
		{"world region", partner.Filter{WorldRegion: &latam}, 4},
		{"methodology none has", partner.Filter{Methodology: partner.VillageBanking}, 0},
	}
	for _, tt := range filters {
		t.Run(tt.name, func(t *testing.T) {
			table, err := f.s.Peers(f.ctx, PeerQuery{PeriodEnd: june, Filter: tt.filter})
			if err != nil {
				t.Fatal(err)
			}
			if got := ratioOf(t, table, kpi.PAR30Ratio).N; got != tt.n || len(table.Members) != tt.n {
				t.Errorf("n = %d, %d members; want %d", got, len(table.Members), tt.n)
			}
		})
	}

	// C in the whole group: two peers have less at risk, so third; at the median, so the
	// second-best quarter (lower is better).
	c := ids["C"]
	table, err := f.s.Peers(f.ctx, PeerQuery{PeriodEnd: june, PartnerID: &c})
	if err != nil {
		t.Fatal(err)
	}
	par = ratioOf(t, table, kpi.PAR30Ratio)
	if !table.PartnerInGroup || par.Value == nil || !close(*par.Value, 0.04) || par.Position.Rank != 3 || par.Position.Quartile != 2 || par.N != 5 {
		t.Errorf("C among all: in group %v, %+v", table.PartnerInGroup, par)
	}
	// E placed among the Bolivian peers it is not one of: worse than both.
	e := ids["E"]
	table, err = f.s.Peers(f.ctx, PeerQuery{PeriodEnd: june, PartnerID: &e, Filter: partner.Filter{Country: "BO"}})
	if err != nil {
		t.Fatal(err)
	}
	par = ratioOf(t, table, kpi.PAR30Ratio)
	if table.PartnerInGroup || par.N != 2 || par.Position.Rank != 3 || par.Position.Quartile != 4 || table.PartnerPeriodEnd == nil {
		t.Errorf("E among BO: in group %v, %+v", table.PartnerInGroup, par)
	}
	// A month without reports: an empty group, not an error.
	empty, err := f.s.Peers(f.ctx, PeerQuery{PeriodEnd: civil.Date(2010, 1, 31), PartnerID: &e})
	if err != nil || len(empty.Members) != 0 || ratioOf(t, empty, kpi.PAR30Ratio).N != 0 || empty.PartnerPeriodEnd != nil {
		t.Errorf("empty month: %+v %v", empty, err)
	}
	missing := int64(9999)
	if _, err := f.s.Peers(f.ctx, PeerQuery{PeriodEnd: june, PartnerID: &missing}); err == nil {
		t.Error("an unknown partner was placed among peers")
	}
}

// TestPeersInOneCurrency: money per client is compared in one currency, stocks at the
// period-end rate and flows at the period's average rate; a partner whose currency
// has no rate is left out of those two ratios, and says why.
func TestPeersInOneCurrency(t *testing.T) {
	f := newFixture(t)
	d := decimal.MustParse
	if err := f.fx.Put(f.ctx, tester, []fx.Rate{
		{Currency: "BOB", Date: civil.Date(2002, 6, 30), Rate: d("5.00")}, // the period start: not within it
		{Currency: "BOB", Date: civil.Date(2002, 9, 30), Rate: d("6.00")},
		{Currency: "BOB", Date: civil.Date(2002, 12, 31), Rate: d("7.00")},
		{Currency: "BOB", Date: civil.Date(2003, 3, 31), Rate: d("8.00")},
		{Currency: "BOB", Date: civil.Date(2003, 6, 30), Rate: d("6.96")},
	}); err != nil {
		t.Fatal(err)
	}
	bob := f.partner("Bolivian MFI", "BO", partner.NGO)
	usd := f.partner("Dollar MFI", "EC", partner.NGO)
	pen := f.partner("Peruvian MFI", "PE", partner.NGO)
	for _, r := range []struct {
		id     int64
		report []string
		cur    string
	}{
		// 6,960,000 BOB over 1,000 clients = 6,960 BOB = 1,000 USD at 6.96;
		// 696,000 BOB of expense over 1,000 clients = 696 BOB = 99.5708... USD at the
		// year's average rate, (6 + 7 + 8 + 6.96) / 4 = 6.99.
		{bob, []string{"gross_loan_portfolio", "6960000", "active_clients", "1000", "operating_expense", "696000", "average_active_clients", "1000"}, "BOB"},
		{usd, []string{"gross_loan_portfolio", "500000", "active_clients", "1000", "operating_expense", "50000", "average_active_clients", "1000"}, "USD"},
		{pen, []string{"gross_loan_portfolio", "700000", "active_clients", "1000", "operating_expense", "70000", "par30", "7000"}, "PEN"},
	} {
		if _, _, err := f.s.Put(f.ctx, tester, r.id, rep("2003-06-30", 12, r.cur, r.report...)); err != nil {
			t.Fatal(err)
		}
	}
	table, err := f.s.Peers(f.ctx, PeerQuery{PeriodEnd: civil.Date(2003, 6, 30), PartnerID: &bob})
	if err != nil {
		t.Fatal(err)
	}
	balance, cost := ratioOf(t, table, kpi.AverageLoanBalance), ratioOf(t, table, kpi.CostPerClient)
	if balance.Value == nil || math.Abs(*balance.Value-1000) > 1e-6 {
		t.Errorf("Bolivian average loan balance in USD = %v, want 1000", balance.Value)
	}
	if cost.Value == nil || math.Abs(*cost.Value-696/6.99) > 1e-6 {
		t.Errorf("Bolivian cost per client in USD = %v, want %v", cost.Value, 696/6.99)
	}
	// The PEN partner has no rate: out of the money ratios (n = 2), still in the rest.
	if balance.N != 2 || !close(balance.Max, 1000) || !close(balance.Min, 500) {
		t.Errorf("average loan balance over the peers: %+v", balance)
	}
	if n := ratioOf(t, table, kpi.OperatingExpenseRatio).N; n != 3 {
		t.Errorf("operating expense ratio over %d peers, want all 3", n)
	}
	if len(table.Excluded) != 1 || table.Excluded[0].PartnerID != pen || !strings.Contains(table.Excluded[0].Reason, "PEN") ||
		!strings.Contains(table.Excluded[0].Reason, "2003-06-30") {
		t.Errorf("excluded %+v, want the PEN partner with the currency and date", table.Excluded)
	}
}
