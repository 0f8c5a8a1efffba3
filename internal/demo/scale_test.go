package demo

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/govalues/decimal"

	"cartera/internal/app"
	"cartera/internal/book"
	"cartera/internal/ledger"
	"cartera/internal/partner"
	"cartera/internal/platform/civil"
	"cartera/internal/platform/pgtest"
)

// TestSmallScaleBook loads the small synthetic book beside the demo (5,000 loans
// through the bulk path) and checks it: its size and mix, and the stored book by
// country and by partner against replaying every loan, at dates across its ten years.
func TestSmallScaleBook(t *testing.T) {
	ctx := context.Background()
	conn := pgtest.New(t)
	s, err := app.New(ctx, conn, nil)
	must(t, err)
	_, err = Load(ctx, s)
	must(t, err)
	res, err := LoadScale(ctx, s, Small, nil)
	must(t, err)
	if res.Partners != 200 || res.Loans != 5000 || res.Reports != 4000 || res.Transactions < 150_000 || res.Rates < 100_000 {
		t.Errorf("small book: %+v", res)
	}
	// The covenant set on every partner and one on a tenth of the loans, evaluated on
	// every period as the book loaded.
	if res.Covenants < 200*len(scaleCovenantSet)+450 || res.Covenants > 200*len(scaleCovenantSet)+500 {
		t.Errorf("%d covenants, want the set on 200 partners and one on a tenth of 5,000 loans", res.Covenants)
	}
	var tested, untested int
	must(t, conn.Get(&tested, `SELECT count(DISTINCT covenant_id) FROM covenant_results`))
	must(t, conn.Get(&untested, `SELECT count(*) FROM covenants c WHERE NOT EXISTS (SELECT 1 FROM covenant_results r WHERE r.covenant_id = c.id)`))
	if tested < res.Covenants-untested || untested > 0 {
		t.Errorf("%d covenants tested, %d never: each should have results", tested, untested)
	}
	again, err := LoadScale(ctx, s, Small, nil)
	if err != nil || !again.AlreadyLoaded {
		t.Errorf("a second load: %+v %v", again, err)
	}
	var kinds []struct {
		Status string `db:"status"`
		N      int    `db:"n"`
	}
	must(t, conn.Select(&kinds, `SELECT status, count(*) AS n FROM loans GROUP BY status ORDER BY status`))
	mix := map[string]int{}
	for _, k := range kinds {
		mix[k.Status] = k.N
	}
	var currencies, countries, resched int
	must(t, conn.Get(&currencies, `SELECT count(DISTINCT currency) FROM loans`))
	must(t, conn.Get(&countries, `SELECT count(DISTINCT country) FROM partners`))
	must(t, conn.Get(&resched, `SELECT count(*) FROM loan_reschedules`))
	if mix["written_off"] < 50 || mix["repaid"] < 500 || mix["active"] < 500 || currencies != 30 || countries < 60 || resched < 50 {
		t.Errorf("statuses %v, %d currencies, %d countries, %d reschedulings", mix, currencies, countries, resched)
	}
	// The stored book is what replaying every loan gives, by country and by partner.
	countryOf := map[int64]string{}
	refs, err := s.Partners.Refs(ctx, partner.Filter{})
	must(t, err)
	for _, r := range refs {
		countryOf[r.ID] = r.Country
	}
	late := 0
	for _, d := range []time.Time{civil.Date(2017, 3, 31), civil.Date(2020, 6, 15), civil.Date(2023, 11, 2), Horizon} {
		var positions []ledger.Position
		must(t, s.Loans.EachPositionAt(ctx, d, nil, func(p ledger.Position) error { positions = append(positions, p); return nil }))
		for _, cut := range []book.Cut{book.CutCountry, book.CutPartner} {
			want := map[string]string{}
			sums := map[string][5]decimal.Decimal{}
			for _, p := range positions {
				b := p.Balances
				if !b.Outstanding.IsPos() && !b.Undisbursed.IsPos() {
					continue
				}
				key := countryOf[p.Loan.PartnerID]
				if cut == book.CutPartner {
					key = strconv.FormatInt(p.Loan.PartnerID, 10)
				}
				k := key + "/" + p.Loan.Currency
				v := sums[k]
				par := decimal.Zero
				if b.AtRisk() { // over 30 days past due, or restructured (issue 16; was days alone)
					par = b.Outstanding
					late++
				}
				for i, x := range []decimal.Decimal{b.Outstanding, b.Undisbursed, b.OverduePrincipal, par, decimal.One} {
					v[i], _ = v[i].Add(x)
				}
				sums[k] = v
			}
			for k, v := range sums {
				want[k] = fmt.Sprint(v[0].Trim(0), v[1].Trim(0), v[2].Trim(0), v[3].Trim(0), v[4])
			}
			got, err := s.Book.At(ctx, d, nil, cut)
			must(t, err)
			if len(got.Sums) != len(want) {
				t.Fatalf("at %s by %s: %d groups, replay has %d", d.Format(civil.Layout), cut, len(got.Sums), len(want))
			}
			for _, g := range got.Sums {
				k := g.Key + "/" + g.Currency
				if s := fmt.Sprint(g.Outstanding.Trim(0), g.Undisbursed.Trim(0), g.Overdue.Trim(0), g.PAR30.Trim(0), g.Loans); s != want[k] {
					t.Fatalf("at %s by %s, %s: %s, replay %s", d.Format(civil.Layout), cut, k, s, want[k])
				}
			}
		}
	}
	if late == 0 {
		t.Error("no loan more than 30 days late at any date: the book lacks arrears")
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
