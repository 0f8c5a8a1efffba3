package loan

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/govalues/decimal"
	"github.com/jmoiron/sqlx"

	"cartera/internal/audit"
	"cartera/internal/fund"
	"cartera/internal/platform/civil"
	"cartera/internal/platform/pgtest"
)

// TestBookIsReplayAtEveryDate writes a random book through the service (two funds,
// partners in three countries, four currencies, events posted out of order so that
// back-dated writes rewrite history) and checks that the stored book summed at a date,
// by every cut and per fund, is what replaying every loan to that date gives, at each
// date on which any loan's figures change, the days around it, and random days.
func TestBookIsReplayAtEveryDate(t *testing.T) {
	ctx := context.Background()
	s, conn, log, funds := bookService(t, civil.Date(2045, 1, 1))
	_, err := conn.Exec(`INSERT INTO funds (name, base_currency) VALUES ('F1', 'USD'), ('F2', 'EUR');
		INSERT INTO partners (name, country, legal_status) VALUES ('A', 'BO', 'ngo'), ('B', 'BO', 'bank'),
		    ('C', 'PE', 'ngo'), ('D', 'KE', 'cooperative'), ('E', 'PE', 'nbfi')`)
	ok(t, err)
	actor := audit.System("test")
	rng := rand.New(rand.NewPCG(3, 5))
	type pending struct {
		loan int64
		e    Event
	}
	var held []pending
	changes := map[time.Time]bool{}
	for n := range 40 {
		terms, events := randomHistory(rng)
		fundID := int64(1 + rng.IntN(2))
		l, err := s.Create(ctx, actor, NewLoan{FundID: &fundID, PartnerID: int64(1 + rng.IntN(5)), Reference: fmt.Sprint("B", n), Terms: terms})
		ok(t, err)
		for _, e := range events {
			if rng.IntN(5) == 0 {
				held = append(held, pending{l.ID, e}) // posted later: a back-dated write
				continue
			}
			_, _ = s.Post(ctx, actor, l.ID, e) // an event invalid without a held one is left out
		}
		steps, err := Timeline(terms, events)
		ok(t, err)
		for _, st := range steps {
			changes[st.From] = true
		}
	}
	for _, p := range held {
		_, _ = s.Post(ctx, actor, p.loan, p.e)
	}
	var dates []time.Time
	for d := range changes {
		dates = append(dates, d.AddDate(0, 0, -1), d, d.AddDate(0, 0, 1))
	}
	sort.Slice(dates, func(i, j int) bool { return dates[i].Before(dates[j]) })
	// Every tenth of them, and random days: each is a full replay of the book.
	var sample []time.Time
	for i := 0; i < len(dates); i += 10 {
		sample = append(sample, dates[i])
	}
	for range 20 {
		sample = append(sample, civil.Date(2017, 6, 1).AddDate(0, 0, rng.IntN(365*20)))
	}
	cuts := []BookCut{CutCountry, CutLegalStatus, CutPartner, CutFund, CutCurrency}
	compared := 0
	for _, d := range sample {
		for _, fundID := range []*int64{nil, ptr(int64(2))} {
			want := replayedBook(t, s, d, fundID)
			for _, cut := range cuts {
				got, err := s.BookAt(ctx, d, fundID, cut)
				ok(t, err)
				if diff := compareBook(got, want[cut]); diff != "" {
					t.Fatalf("at %s (fund %v) by %s: %s", d.Format(civil.Layout), fundID, cut, diff)
				}
				compared += len(got.Sums)
			}
		}
	}
	if compared < 1000 {
		t.Errorf("only %d group sums compared", compared)
	}

	// A partner moves to another country: both countries' ranges are derived again
	// before the next read.
	_, err = conn.Exec(`UPDATE partners SET country = 'KE' WHERE id = 1`)
	ok(t, err)
	for _, d := range sample[:20] {
		for _, fundID := range []*int64{nil, ptr(int64(1))} {
			got, err := s.BookAt(ctx, d, fundID, CutCountry)
			ok(t, err)
			if diff := compareBook(got, replayedBook(t, s, d, fundID)[CutCountry]); diff != "" {
				t.Fatalf("after a move, at %s (fund %v): %s", d.Format(civil.Layout), fundID, diff)
			}
		}
	}

	// A rebuild (as after the migration) derives the same book from scratch.
	before, err := s.BookAt(ctx, civil.Date(2022, 3, 15), nil, CutPartner)
	ok(t, err)
	_, err = conn.Exec(`DELETE FROM loan_book; INSERT INTO loan_book_rebuild VALUES (true)`)
	ok(t, err)
	_, err = NewService(ctx, conn, log, funds)
	ok(t, err)
	after, err := s.BookAt(ctx, civil.Date(2022, 3, 15), nil, CutPartner)
	ok(t, err)
	if diff := compareBook(after, before); diff != "" || len(before.Sums) == 0 {
		t.Errorf("rebuilt book differs (%d sums before): %s", len(before.Sums), diff)
	}
}

// replayedBook sums PositionsAt (every loan replayed to d) as BookAt would, per cut.
func replayedBook(t *testing.T, s *Service, d time.Time, fundID *int64) map[BookCut]BookTotals {
	t.Helper()
	positions, err := s.PositionsAt(context.Background(), d, fundID)
	ok(t, err)
	attrs := map[int64][2]string{}
	rows, err := s.conn.Query(`SELECT id, country, legal_status FROM partners`)
	ok(t, err)
	for rows.Next() {
		var id int64
		var c, ls string
		ok(t, rows.Scan(&id, &c, &ls))
		attrs[id] = [2]string{c, ls}
	}
	ok(t, rows.Err())
	out := map[BookCut]BookTotals{}
	for _, cut := range []BookCut{CutCountry, CutLegalStatus, CutPartner, CutFund, CutCurrency} {
		sums := map[[2]string]*BookSum{}
		partners := map[string]map[int64]bool{}
		all := map[int64]bool{}
		for _, p := range positions {
			b := p.Balances
			if !b.Outstanding.IsPos() && !b.Undisbursed.IsPos() {
				continue
			}
			key := map[BookCut]string{CutCountry: attrs[p.Loan.PartnerID][0], CutLegalStatus: attrs[p.Loan.PartnerID][1],
				CutPartner: strconv.FormatInt(p.Loan.PartnerID, 10), CutFund: strconv.FormatInt(p.Loan.FundID, 10),
				CutCurrency: p.Loan.Currency}[cut]
			k := [2]string{key, p.Loan.Currency}
			if sums[k] == nil {
				sums[k] = &BookSum{Key: key, Currency: p.Loan.Currency}
			}
			g := sums[k]
			g.Outstanding, g.Undisbursed, g.Overdue = add(g.Outstanding, b.Outstanding), add(g.Undisbursed, b.Undisbursed), add(g.Overdue, b.OverduePrincipal)
			if b.DaysPastDue > 30 {
				g.PAR30 = add(g.PAR30, b.Outstanding)
			}
			g.Loans++
			if partners[key] == nil {
				partners[key] = map[int64]bool{}
			}
			partners[key][p.Loan.PartnerID], all[p.Loan.PartnerID] = true, true
		}
		bt := BookTotals{Partners: map[string]int{}, AllPartners: len(all)}
		for _, g := range sums {
			bt.Sums = append(bt.Sums, *g)
		}
		for k, ps := range partners {
			bt.Partners[k] = len(ps)
		}
		out[cut] = bt
	}
	return out
}

// compareBook describes how two books differ ("" when they do not).
func compareBook(got, want BookTotals) string {
	index := func(b BookTotals) map[[2]string]BookSum {
		m := map[[2]string]BookSum{}
		for _, s := range b.Sums {
			m[[2]string{s.Key, s.Currency}] = s
		}
		return m
	}
	g, w := index(got), index(want)
	if len(g) != len(w) {
		return fmt.Sprintf("%d groups, replay has %d: %+v vs %+v", len(g), len(w), got.Sums, want.Sums)
	}
	for k, ws := range w {
		gs, ok := g[k]
		if !ok {
			return fmt.Sprintf("group %v missing", k)
		}
		for _, c := range []struct {
			name string
			a, b decimal.Decimal
		}{{"outstanding", gs.Outstanding, ws.Outstanding}, {"undisbursed", gs.Undisbursed, ws.Undisbursed},
			{"overdue", gs.Overdue, ws.Overdue}, {"par30", gs.PAR30, ws.PAR30}} {
			if c.a.Cmp(c.b) != 0 {
				return fmt.Sprintf("group %v %s %s, replay %s", k, c.name, c.a, c.b)
			}
		}
		if gs.Loans != ws.Loans {
			return fmt.Sprintf("group %v: %d loans, replay %d", k, gs.Loans, ws.Loans)
		}
	}
	if got.AllPartners != want.AllPartners || fmt.Sprint(got.Partners) != fmt.Sprint(want.Partners) {
		return fmt.Sprintf("partners %v (all %d), replay %v (all %d)", got.Partners, got.AllPartners, want.Partners, want.AllPartners)
	}
	return ""
}

func ok(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func ptr[T any](v T) *T { return &v }

// bookService is a loan service on a fresh database whose today is today, far enough
// on that random histories are never in the future.
func bookService(t *testing.T, today time.Time) (*Service, *sqlx.DB, *audit.Log, *fund.Service) {
	t.Helper()
	ctx := context.Background()
	conn := pgtest.New(t)
	log, err := audit.NewLog(ctx, conn)
	ok(t, err)
	funds, err := fund.NewService(ctx, conn, log)
	ok(t, err)
	s, err := NewService(ctx, conn, log, funds)
	ok(t, err)
	s.today = func() time.Time { return today }
	return s, conn, log, funds
}

// TestAggregate sums two loans' steps by hand: ranges start where either changes,
// equal neighbours merge, and a gap where neither counts is left out.
func TestAggregate(t *testing.T) {
	day := func(n int) time.Time { return civil.Date(2024, 1, 1).AddDate(0, 0, n) }
	a := []Step{{From: day(0), Undisbursed: d("100"), Open: true}, {From: day(5), Outstanding: d("100"), Open: true},
		{From: day(40), Outstanding: d("100"), Overdue: d("50"), PAR30: d("100"), Open: true}, {From: day(60)}}
	b := []Step{{From: day(5), Outstanding: d("30"), Open: true}, {From: day(40), Outstanding: d("30"), Open: true}, {From: day(50)},
		{From: day(70), Outstanding: d("7"), Open: true}}
	got, err := Aggregate([][]Step{a, b})
	ok(t, err)
	want := []Range{
		{From: day(0), To: day(5), Undisbursed: d("100"), Loans: 1},
		{From: day(5), To: day(40), Outstanding: d("130"), Loans: 2},
		{From: day(40), To: day(50), Outstanding: d("130"), Overdue: d("50"), PAR30: d("100"), Loans: 2},
		{From: day(50), To: day(60), Outstanding: d("100"), Overdue: d("50"), PAR30: d("100"), Loans: 1},
		{From: day(70), Outstanding: d("7"), Loans: 1},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if !got[i].same(want[i]) {
			t.Errorf("range %d: %+v, want %+v", i, got[i], want[i])
		}
	}
}
