package statements

import (
	"reflect"
	"testing"

	"github.com/govalues/decimal"

	"cartera/internal/fx"
	"cartera/internal/partner"
	"cartera/internal/platform/civil"
)

// TestKeptPeerGroupsFollowEveryWrite: with peer tables asked (every partner placed in
// the whole group, a country's group, a group it is not in, in another currency), each
// kind of write a table reads (a statement, a partner's country and legal status, a
// rate, a new partner) gives tables equal to those a service that keeps nothing
// computes, and changes at least one of them.
func TestKeptPeerGroupsFollowEveryWrite(t *testing.T) {
	f := newFixture(t)
	d := decimal.MustParse
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.fx.Put(f.ctx, tester, []fx.Rate{{Currency: "BOB", Date: civil.Date(2003, 6, 30), Rate: d("6.96")},
		{Currency: "EUR", Date: civil.Date(2003, 6, 30), Rate: d("0.9")}}))
	ids := map[string]int64{}
	for i, x := range []struct{ name, country, currency string }{{"A", "BO", "BOB"}, {"B", "BO", "USD"}, {"C", "PE", "USD"}, {"D", "KE", "USD"}} {
		ids[x.name] = f.partner(x.name, x.country, partner.NGO)
		for _, end := range []string{"2002-06-30", "2003-06-30"} {
			_, _, err := f.s.Put(f.ctx, tester, ids[x.name], rep(end, 12, x.currency, "gross_loan_portfolio", fmtInt(100000*(i+1)),
				"par30", fmtInt(1000*(i+2)), "active_clients", fmtInt(100*(i+1)), "operating_expense", fmtInt(9000+i), "total_assets", "500000"))
			must(err)
		}
	}
	june := civil.Date(2003, 6, 30)
	var queries []PeerQuery
	for _, id := range ids {
		queries = append(queries, PeerQuery{PeriodEnd: june, PartnerID: &id}, PeerQuery{PeriodEnd: june, PartnerID: &id, Currency: "EUR"},
			PeerQuery{PeriodEnd: june, PartnerID: &id, Filter: partner.Filter{Country: "BO"}})
	}
	queries = append(queries, PeerQuery{PeriodEnd: june, Filter: partner.Filter{LegalStatus: partner.NGO}})
	tables := func(s *Service) []PeerTable {
		t.Helper()
		var out []PeerTable
		for _, q := range queries {
			table, err := s.Peers(f.ctx, q)
			must(err)
			out = append(out, table)
		}
		return out
	}
	fresh := func() *Service {
		s, err := NewService(f.ctx, f.conn, f.s.audit, f.partners, f.fx, nil)
		must(err)
		return s
	}
	before := tables(f.s)
	update := func(id int64, change func(*partner.Fields)) {
		_, err := f.partners.Update(f.ctx, tester, id, func(p *partner.Fields) error { change(p); return nil })
		must(err)
	}
	writes := []struct {
		name  string
		write func()
	}{
		{"a statement", func() {
			_, _, err := f.s.Put(f.ctx, tester, ids["C"], rep("2003-06-30", 12, "USD", "gross_loan_portfolio", "300000", "par30", "90000"))
			must(err)
		}},
		{"a partner's country", func() { update(ids["C"], func(p *partner.Fields) { p.Country = "BO" }) }},
		{"a partner's legal status", func() { update(ids["D"], func(p *partner.Fields) { p.LegalStatus = partner.Bank }) }},
		{"a rate", func() {
			must(f.fx.Put(f.ctx, tester, []fx.Rate{{Currency: "BOB", Date: civil.Date(2003, 6, 30), Rate: d("7")}}))
		}},
		{"a new partner", func() {
			_, _, err := f.s.Put(f.ctx, tester, f.partner("E", "BO", partner.NGO), rep("2003-06-30", 12, "USD", "gross_loan_portfolio", "1000",
				"par30", "500"))
			must(err)
		}},
	}
	for _, w := range writes {
		w.write()
		after := tables(f.s)
		if want := tables(fresh()); !reflect.DeepEqual(after, want) {
			t.Fatalf("after %s the tables differ from those computed:\n%+v\n%+v", w.name, after, want)
		}
		if reflect.DeepEqual(before, after) {
			t.Errorf("%s changed no table: the test cannot tell whether the keep saw it", w.name)
		}
		before = after
	}
}

func fmtInt(n int) string { return decimal.MustNew(int64(n), 0).String() }
