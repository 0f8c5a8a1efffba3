package exposure

import (
	"context"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/govalues/decimal"
	"github.com/jmoiron/sqlx"

	"cartera/internal/audit"
	"cartera/internal/book"
	"cartera/internal/fund"
	"cartera/internal/fx"
	"cartera/internal/ledger"
	"cartera/internal/loan"
	"cartera/internal/partner"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/civil"
	"cartera/internal/platform/money"
	"cartera/internal/platform/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

type env struct {
	conn     *sqlx.DB
	svc      *Service
	loans    *ledger.Service
	partners *partner.Service
	funds    *fund.Service
	fx       *fx.Service
	actor    audit.Actor
}

func newEnv(t testing.TB) *env {
	t.Helper()
	ctx := context.Background()
	conn := pgtest.New(t)
	log, err := audit.NewLog(ctx, conn)
	must(t, err)
	partners, err := partner.NewService(ctx, conn, log, nil)
	must(t, err)
	funds, err := fund.NewService(ctx, conn, log, nil)
	must(t, err)
	bk, err := book.NewStore(ctx, conn)
	must(t, err)
	loans, err := ledger.NewService(ctx, conn, log, funds, bk, nil)
	must(t, err)
	rates, err := fx.NewService(ctx, conn, log, nil)
	must(t, err)
	svc, err := NewService(ctx, conn, log, loans, bk, partners, funds, rates)
	must(t, err)
	return &env{conn: conn, svc: svc, loans: loans, partners: partners, funds: funds, fx: rates, actor: audit.System("test")}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

var currencies = []string{"USD", "BOB", "PEN", "EUR", "KES"}

// randomBook writes partners in five countries, monthly FX rates from 2019 (a random
// walk), and loans in five currencies with tranches, repayments of random sizes, some
// reschedulings of overdue loans (restructured) and some write-offs, through the loan
// service like any other write.
func randomBook(t *testing.T, e *env, rng *rand.Rand) {
	ctx := context.Background()
	_, err := e.funds.Create(ctx, e.actor, "Property Fund", "USD")
	must(t, err)
	var rates []fx.Rate
	level := map[string]float64{"BOB": 6.9, "PEN": 3.4, "EUR": 0.9, "KES": 105}
	for m := civil.Date(2019, 1, 1); m.Before(civil.Date(2026, 1, 1)); m = civil.AddMonths(m, 1) {
		for _, c := range currencies[1:] {
			level[c] *= 1 + (rng.Float64()-0.5)/25
			rates = append(rates, fx.Rate{Currency: c, Date: m, Rate: decimal.MustParse(fmt.Sprintf("%.6f", level[c]))})
		}
	}
	must(t, e.fx.Put(ctx, e.actor, rates))
	countries := []string{"BO", "PE", "KE", "FR", "KH"}
	statuses := []partner.LegalStatus{partner.NGO, partner.Cooperative, partner.NBFI, partner.Bank}
	var partnerIDs []int64
	for i := range 8 {
		p, err := e.partners.Create(ctx, e.actor, partner.Fields{Name: fmt.Sprintf("MFI %d", i), Country: countries[i%len(countries)],
			LegalStatus: statuses[i%len(statuses)]})
		must(t, err)
		partnerIDs = append(partnerIDs, p.ID)
	}
	for i := range 30 {
		cur := currencies[rng.IntN(len(currencies))]
		signed := civil.Date(2019, 1, 1).AddDate(0, 0, rng.IntN(365*3))
		committed := decimal.MustNew(int64(10_000+rng.IntN(990_000)), 0)
		terms := loan.Terms{Currency: money.MustCurrency(cur), Committed: committed, Rate: decimal.MustParse("0.09"),
			DayCount: loan.ACT360, SignedOn: signed, FirstDueOn: civil.AddMonths(signed, 6), MaturityOn: civil.AddMonths(signed, 24+6*rng.IntN(5)),
			Amortization: []loan.Amortization{loan.EqualPrincipal, loan.Annuity, loan.Bullet}[rng.IntN(3)],
			Frequency:    []loan.Frequency{loan.Quarterly, loan.Semiannual}[rng.IntN(2)]}
		l, err := e.loans.Create(ctx, e.actor, ledger.NewLoan{PartnerID: partnerIDs[rng.IntN(len(partnerIDs))], Reference: fmt.Sprintf("P-%d", i), Terms: terms})
		must(t, err)
		post := func(ev loan.Event) bool {
			_, err := e.loans.Post(ctx, e.actor, l.ID, ev)
			return err == nil
		}
		if rng.IntN(6) == 0 {
			continue // a pipeline loan: signed, never drawn
		}
		first, _ := committed.Mul(decimal.MustParse([]string{"1", "0.6", "0.5"}[rng.IntN(3)]))
		day := signed.AddDate(0, 0, 5+rng.IntN(20))
		post(loan.Event{Kind: loan.Disbursement, On: day, Amount: first})
		last := day // the latest event posted
		if rest, _ := committed.Sub(first); rest.IsPos() && rng.IntN(2) == 0 {
			if post(loan.Event{Kind: loan.Disbursement, On: day.AddDate(0, 2, 0), Amount: rest}) {
				last = day.AddDate(0, 2, 0)
			}
		}
		for k := range rng.IntN(8) {
			on := civil.AddMonths(signed, 6*(k+1)).AddDate(0, 0, rng.IntN(40)-10)
			amount := decimal.MustNew(int64(1_000+rng.IntN(200_000)), 0)
			if !post(loan.Event{Kind: loan.Repayment, On: on, Amount: amount}) {
				break // more than is owed: stop there
			}
			last = on
		}
		if i%4 == 1 { // chosen without the generator, so the other loans stay as they were
			restructure(t, e, l.ID, last, civil.AddMonths(signed, 30))
		}
		if rng.IntN(5) == 0 {
			on := civil.AddMonths(signed, 30)
			if d, err := e.loans.Get(ctx, l.ID, on); err == nil && d.Balances.Outstanding.IsPos() {
				post(loan.Event{Kind: loan.WriteOff, On: on, Amount: d.Balances.Outstanding, Reason: "partner in liquidation"})
			}
		}
	}
}

// restructure reschedules a loan on the first 20th of a month after its latest event
// and before until on which principal is overdue (a restructuring), if there is one.
func restructure(t *testing.T, e *env, id int64, latest, until time.Time) {
	t.Helper()
	ctx := context.Background()
	for on := civil.Date(latest.Year(), latest.Month(), 20); on.Before(until); on = civil.AddMonths(on, 1) {
		if !on.After(latest) {
			continue
		}
		d, err := e.loans.Get(ctx, id, on)
		must(t, err)
		if d.Balances.OverduePrincipal.IsPos() {
			maturity := civil.AddMonths(on, 24)
			_, err := e.loans.Post(ctx, e.actor, id, loan.Event{Kind: loan.Reschedule, On: on, NewMaturityOn: &maturity, Reason: "arrears spread"})
			must(t, err)
			return
		}
	}
}

// oracle is the exposure summed in SQL straight from the transactions (their principal
// parts) and the rates table, with PostgreSQL's numeric arithmetic: independent of the
// replay and of the Go conversion and rounding.
func oracle(t *testing.T, e *env, by Dimension, asOf time.Time, currency string) map[string]decimal.Decimal {
	key := map[Dimension]string{ByCountry: "p.country", ByPartner: "p.id::text", ByCurrency: "l.currency",
		ByLegalStatus: "p.legal_status", ByFund: "l.fund_id::text"}[by]
	rows, err := e.conn.Query(`
		WITH pos AS (
		    SELECT l.id, coalesce(sum(CASE WHEN t.kind = 'disbursement' THEN t.principal ELSE -t.principal END), 0) AS outstanding
		    FROM loans l LEFT JOIN loan_transactions t ON t.loan_id = l.id AND t.value_date <= $1
		    WHERE l.signed_on <= $1 GROUP BY l.id),
		rate AS (
		    SELECT DISTINCT ON (currency) currency, rate FROM fx_rates WHERE rate_date <= $1 ORDER BY currency, rate_date DESC),
		target AS (SELECT coalesce((SELECT rate FROM rate WHERE currency = $2), 1) AS r)
		SELECT `+key+`, sum(pos.outstanding / coalesce(rate.rate, 1) * target.r)::text
		FROM pos JOIN loans l ON l.id = pos.id JOIN partners p ON p.id = l.partner_id
		LEFT JOIN rate ON rate.currency = l.currency CROSS JOIN target
		GROUP BY 1`, asOf, currency)
	must(t, err)
	defer rows.Close()
	out := map[string]decimal.Decimal{}
	for rows.Next() {
		var k, v string
		must(t, rows.Scan(&k, &v))
		if i := strings.Index(v, "."); i >= 0 && len(v)-i > 19 {
			v = v[:i+19] // past the decimal type's precision; far below a cent
		}
		d, err := decimal.Parse(v)
		must(t, err)
		out[strings.TrimSpace(k)] = d
	}
	must(t, rows.Err())
	return out
}

func TestExposureMatchesAnIndependentSumOfTheTransactions(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			e := newEnv(t)
			rng := rand.New(rand.NewPCG(seed, 42))
			randomBook(t, e, rng)
			ctx := context.Background()
			// Dates: month starts (on an FX rate), mid-months (between two), before the
			// first loan, after the write-offs, and random days.
			dates := []time.Time{civil.Date(2018, 12, 31), civil.Date(2019, 3, 15), civil.Date(2020, 1, 1), civil.Date(2021, 6, 16),
				civil.Date(2022, 12, 31), civil.Date(2025, 11, 30)}
			for range 4 {
				dates = append(dates, civil.Date(2019, 1, 1).AddDate(0, 0, rng.IntN(365*6)))
			}
			restructured := 0 // dates with restructured loans
			for _, d := range dates {
				for _, by := range []Dimension{ByCountry, ByPartner, ByCurrency, ByLegalStatus, ByFund} {
					cur := currencies[rng.IntN(len(currencies))]
					r, err := e.svc.Exposure(ctx, Query{By: by, AsOf: d, Currency: cur})
					must(t, err)
					checkAgainstOracle(t, r, oracle(t, e, by, d, cur))
					// Restructured is rounded as the outstanding is: the groups add up.
					sum := decimal.Zero
					for _, g := range r.Groups {
						sum, _ = sum.Add(g.Restructured)
					}
					if sum.Cmp(r.Total.Restructured) != 0 {
						t.Errorf("by %s at %s: restructured adds up to %s, total %s", by, d.Format(civil.Layout), sum, r.Total.Restructured)
					}
				}
				// The portfolio replays every loan; the exposure reads the stored book:
				// their totals agree to the cent.
				cur := currencies[rng.IntN(len(currencies))]
				pf, err := e.svc.Portfolio(ctx, d, cur, nil)
				must(t, err)
				r, err := e.svc.Exposure(ctx, Query{By: ByFund, AsOf: d, Currency: cur})
				must(t, err)
				cent := decimal.MustNew(1, money.MustCurrency(cur).Scale)
				for _, a := range [][2]decimal.Decimal{{pf.Outstanding, r.Total.Outstanding}, {pf.Undisbursed, r.Total.Undisbursed}, {pf.Overdue, r.Total.Overdue},
					{pf.Restructured, r.Total.Restructured}} {
					if diff, _ := a[0].Sub(a[1]); diff.Abs().Cmp(cent) > 0 {
						t.Errorf("%s at %s: the portfolio says %s, the exposure %s", cur, d.Format(civil.Layout), a[0], a[1])
					}
				}
				if r.Total.Restructured.IsPos() {
					restructured++
				}
				if pf.Loans != r.Total.Loans || pf.Partners != r.Total.Partners {
					t.Errorf("at %s: the portfolio has %d loans of %d partners, the exposure %d of %d", d.Format(civil.Layout), pf.Loans, pf.Partners, r.Total.Loans, r.Total.Partners)
				}
			}
			if restructured == 0 {
				t.Error("no restructured loan at any date: the figure is compared with nothing")
			}
			// A partner with loans moves to another country: the country book is
			// derived again before the next exposure by country is read.
			var moved int64
			must(t, e.conn.Get(&moved, `SELECT partner_id FROM loans GROUP BY partner_id ORDER BY count(*) DESC, partner_id LIMIT 1`))
			p, err := e.partners.Update(ctx, e.actor, moved, func(f *partner.Fields) error {
				f.Country = map[bool]string{true: "KE", false: "BO"}[f.Country != "KE"]
				return nil
			})
			must(t, err)
			seen := 0 // dates at which the moved partner has something out in its new country
			for _, d := range dates {
				r, err := e.svc.Exposure(ctx, Query{By: ByCountry, AsOf: d, Currency: "USD"})
				must(t, err)
				want := oracle(t, e, ByCountry, d, "USD")
				checkAgainstOracle(t, r, want)
				if want[p.Country].IsPos() {
					seen++
				}
			}
			if seen == 0 {
				t.Errorf("partner %d moved to %s has nothing out there at any date: the move tests nothing", moved, p.Country)
			}
		})
	}
}

func checkAgainstOracle(t *testing.T, r Report, want map[string]decimal.Decimal) {
	t.Helper()
	cent := decimal.MustNew(1, money.MustCurrency(r.Currency).Scale)
	got := map[string]decimal.Decimal{}
	sum := decimal.Zero
	for _, g := range r.Groups {
		got[g.Key] = g.Outstanding
		sum, _ = sum.Add(g.Outstanding)
	}
	if sum.Cmp(r.Total.Outstanding) != 0 {
		t.Errorf("%s by %s at %s: groups add up to %s, total %s", r.Currency, r.By, r.AsOf.Format(civil.Layout), sum, r.Total.Outstanding)
	}
	exactTotal := decimal.Zero
	for k, w := range want {
		exactTotal, _ = exactTotal.Add(w)
		diff, _ := got[k].Sub(w)
		if diff.Abs().Cmp(cent) > 0 {
			t.Errorf("%s by %s at %s, %s: %s, the transactions say %s", r.Currency, r.By, r.AsOf.Format(civil.Layout), k, got[k], w)
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok && g.IsPos() {
			t.Errorf("%s by %s at %s: group %s (%s) has no loans in the oracle", r.Currency, r.By, r.AsOf.Format(civil.Layout), k, g)
		}
	}
	if diff, _ := r.Total.Outstanding.Sub(exactTotal); diff.Abs().Cmp(cent) > 0 {
		t.Errorf("total %s, the transactions say %s", r.Total.Outstanding, exactTotal)
	}
}

// TestOverdueAndPAR30ByHand: a loan of 120,000 in twelve monthly installments of 10,000,
// never repaid. Forty days after its first due date two installments are overdue and it
// is past 30 days; a current loan beside it keeps PAR30 to its share.
func TestOverdueAndPAR30ByHand(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	_, err := e.funds.Create(ctx, e.actor, "Hand Fund", "USD")
	must(t, err)
	late, err := e.partners.Create(ctx, e.actor, partner.Fields{Name: "Late MFI", Country: "PE", LegalStatus: partner.NGO})
	must(t, err)
	current, err := e.partners.Create(ctx, e.actor, partner.Fields{Name: "Current MFI", Country: "PE", LegalStatus: partner.NGO})
	must(t, err)
	mk := func(p int64, ref string, amount string) int64 {
		l, err := e.loans.Create(ctx, e.actor, ledger.NewLoan{PartnerID: p, Reference: ref, Terms: loan.Terms{
			Currency: money.MustCurrency("USD"), Committed: decimal.MustParse(amount), Rate: decimal.MustParse("0.12"), DayCount: loan.Thirty360WholeMonth,
			SignedOn: civil.Date(2024, 1, 1), FirstDueOn: civil.Date(2024, 2, 1), MaturityOn: civil.Date(2025, 1, 1),
			Amortization: loan.EqualPrincipal, Frequency: loan.Monthly}})
		must(t, err)
		_, err = e.loans.Post(ctx, e.actor, l.ID, loan.Event{Kind: loan.Disbursement, On: civil.Date(2024, 1, 1), Amount: decimal.MustParse(amount)})
		must(t, err)
		return l.ID
	}
	mk(late.ID, "LATE", "120000")
	cur := mk(current.ID, "CURRENT", "360000")
	for _, due := range []time.Time{civil.Date(2024, 2, 1), civil.Date(2024, 3, 1)} {
		o, err := e.loans.Get(ctx, cur, due)
		must(t, err)
		_, err = e.loans.Post(ctx, e.actor, cur, loan.Event{Kind: loan.Repayment, On: due, Amount: *ptr(o.Balances.NextDueAmount)})
		must(t, err)
	}
	r, err := e.svc.Exposure(ctx, Query{By: ByPartner, AsOf: civil.Date(2024, 3, 12)})
	must(t, err)
	byName := map[string]Group{}
	for _, g := range r.Groups {
		byName[g.Label] = g
	}
	lateG, curG := byName["Late MFI"], byName["Current MFI"]
	if lateG.Overdue.String() != "20000.00" || lateG.PAR30 == nil || *lateG.PAR30 != 1 || lateG.Outstanding.String() != "120000.00" {
		t.Errorf("late loan: outstanding %s overdue %s par30 %v", lateG.Outstanding, lateG.Overdue, lateG.PAR30)
	}
	if curG.Overdue.String() != "0.00" || curG.PAR30 == nil || *curG.PAR30 != 0 || curG.Outstanding.String() != "300000.00" {
		t.Errorf("current loan: outstanding %s overdue %s par30 %v", curG.Outstanding, curG.Overdue, curG.PAR30)
	}
	if r.Groups[0].Label != "Current MFI" || r.Total.Outstanding.String() != "420000.00" || r.Total.Overdue.String() != "20000.00" {
		t.Errorf("groups %v, total %+v", r.Groups, r.Total)
	}
	// The month-end accrual on 12 March: 11 days (whole-month 30/360) of March on each
	// loan's principal outstanding, 120,000 (late: nothing repaid) and 300,000, at 1 % a
	// month: 440 + 1,100.
	pm, err := e.svc.Portfolio(ctx, civil.Date(2024, 3, 12), "", nil)
	must(t, err)
	if pm.AccruedInterest.String() != "1540.00" || !pm.LateInterest.IsZero() || !pm.Restructured.IsZero() {
		t.Errorf("portfolio on 12 March: accrued %s, late %s, restructured %s", pm.AccruedInterest, pm.LateInterest, pm.Restructured)
	}
	// By country, both are Peru: PAR30 is the late loan's share of the outstanding.
	r, err = e.svc.Exposure(ctx, Query{By: ByCountry, AsOf: civil.Date(2024, 3, 12)})
	must(t, err)
	if len(r.Groups) != 1 || r.Groups[0].PAR30 == nil || *r.Groups[0].PAR30 != 0.285714 {
		t.Errorf("Peru's PAR30 should be 120,000 / 420,000: %+v", r.Groups)
	}
	// In a currency with no rate at the date, by any cut: a problem naming it, no report.
	for _, by := range []Dimension{ByCountry, ByRegion, ByPartner} {
		_, err := e.svc.Exposure(ctx, Query{By: by, AsOf: civil.Date(2024, 3, 12), Currency: "EUR"})
		if ae, ok := apperr.As(err); !ok || len(ae.Fields) == 0 || ae.Fields[0].Field != "as_of" || !strings.Contains(ae.Fields[0].Message, "no EUR rate on or before 2024-03-12") {
			t.Errorf("by %s in EUR without a rate: %v", by, err)
		}
	}
	// The portfolio a year on: the late loan in the oldest bucket, the buckets adding up.
	pf, err := e.svc.Portfolio(ctx, civil.Date(2024, 12, 20), "", nil)
	must(t, err)
	sum := decimal.Zero
	var oldest Bucket
	for _, b := range pf.Aging {
		sum, _ = sum.Add(b.Outstanding)
		if b.Name == "180+" {
			oldest = b
		}
	}
	// (the "current" loan paid only its first two installments: both are long late by then)
	if oldest.Loans != 2 || oldest.Outstanding.String() != "420000.00" || sum.Cmp(pf.Outstanding) != 0 || len(pf.Ladder) != 12 {
		t.Errorf("portfolio: aging %+v adds up to %s of %s, ladder %d months", pf.Aging, sum, pf.Outstanding, len(pf.Ladder))
	}
	// Before the disbursement nothing is out; a day before signing, the loans do not exist.
	r, err = e.svc.Exposure(ctx, Query{By: ByCountry, AsOf: civil.Date(2023, 12, 31)})
	must(t, err)
	if len(r.Groups) != 0 || !r.Total.Outstanding.IsZero() {
		t.Errorf("before the loans: %+v", r)
	}
}

func ptr[T any](v T) *T { return &v }

// TestRestructuredByHand: a loan of 120,000 in twelve monthly installments from
// 1 February 2024, never repaid, is rescheduled on 20 February with its first
// installment 19 days late: restructured from that date, not before. Its whole
// outstanding shows under restructured (and in PAR30, days past due notwithstanding);
// a current loan beside it shows none.
func TestRestructuredByHand(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	_, err := e.funds.Create(ctx, e.actor, "Hand Fund", "USD")
	must(t, err)
	must(t, e.fx.Put(ctx, e.actor, []fx.Rate{{Currency: "EUR", Date: civil.Date(2024, 1, 1), Rate: decimal.MustParse("0.923456")}}))
	resched, err := e.partners.Create(ctx, e.actor, partner.Fields{Name: "Rescheduled MFI", Country: "PE", LegalStatus: partner.NGO})
	must(t, err)
	current, err := e.partners.Create(ctx, e.actor, partner.Fields{Name: "Current MFI", Country: "BO", LegalStatus: partner.NGO})
	must(t, err)
	mk := func(p int64, ref string, amount string) int64 {
		l, err := e.loans.Create(ctx, e.actor, ledger.NewLoan{PartnerID: p, Reference: ref, Terms: loan.Terms{
			Currency: money.MustCurrency("USD"), Committed: decimal.MustParse(amount), Rate: decimal.MustParse("0.12"), DayCount: loan.Thirty360WholeMonth,
			SignedOn: civil.Date(2024, 1, 1), FirstDueOn: civil.Date(2024, 2, 1), MaturityOn: civil.Date(2025, 1, 1),
			Amortization: loan.EqualPrincipal, Frequency: loan.Monthly}})
		must(t, err)
		_, err = e.loans.Post(ctx, e.actor, l.ID, loan.Event{Kind: loan.Disbursement, On: civil.Date(2024, 1, 1), Amount: decimal.MustParse(amount)})
		must(t, err)
		return l.ID
	}
	late := mk(resched.ID, "RESCHED", "120000")
	cur := mk(current.ID, "CURRENT", "360000")
	for _, due := range []time.Time{civil.Date(2024, 2, 1), civil.Date(2024, 3, 1)} {
		o, err := e.loans.Get(ctx, cur, due)
		must(t, err)
		_, err = e.loans.Post(ctx, e.actor, cur, loan.Event{Kind: loan.Repayment, On: due, Amount: o.Balances.NextDueAmount})
		must(t, err)
	}
	_, err = e.loans.Post(ctx, e.actor, late, loan.Event{Kind: loan.Reschedule, On: civil.Date(2024, 2, 20),
		NewMaturityOn: ptr(civil.Date(2026, 2, 1)), Reason: "arrears spread over two more years"})
	must(t, err)

	tests := []struct {
		name                  string
		asOf                  time.Time
		restructured, overdue string  // the rescheduled partner's, in USD
		par30                 float64 // its
	}{
		{"the day before: overdue, under 30 days, not restructured", civil.Date(2024, 2, 19), "0.00", "10000.00", 0},
		{"on the rescheduling date: restructured, at risk", civil.Date(2024, 2, 20), "120000.00", "0.00", 1},
		{"three weeks on, nothing due yet: still restructured", civil.Date(2024, 3, 12), "120000.00", "0.00", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := e.svc.Exposure(ctx, Query{By: ByPartner, AsOf: tt.asOf})
			must(t, err)
			byName := map[string]Group{}
			for _, g := range r.Groups {
				byName[g.Label] = g
			}
			rg, cg := byName["Rescheduled MFI"], byName["Current MFI"]
			if rg.Restructured.String() != tt.restructured || rg.Overdue.String() != tt.overdue || rg.PAR30 == nil || *rg.PAR30 != tt.par30 ||
				rg.Outstanding.String() != "120000.00" {
				t.Errorf("rescheduled loan: outstanding %s, overdue %s, restructured %s, par30 %v", rg.Outstanding, rg.Overdue, rg.Restructured, rg.PAR30)
			}
			if cg.Restructured.String() != "0.00" || r.Total.Restructured.String() != tt.restructured {
				t.Errorf("current loan's restructured %s, total %s", cg.Restructured, r.Total.Restructured)
			}
			// By country the figure comes from the country book, summed in SQL.
			r, err = e.svc.Exposure(ctx, Query{By: ByCountry, AsOf: tt.asOf})
			must(t, err)
			for _, g := range r.Groups {
				if want := map[string]string{"PE": tt.restructured, "BO": "0.00"}[g.Key]; g.Restructured.String() != want {
					t.Errorf("%s: restructured %s, want %s", g.Key, g.Restructured, want)
				}
			}
			// The portfolio replays every loan: the same figure.
			pf, err := e.svc.Portfolio(ctx, tt.asOf, "", nil)
			must(t, err)
			if pf.Restructured.String() != tt.restructured {
				t.Errorf("portfolio's restructured %s, want %s", pf.Restructured, tt.restructured)
			}
		})
	}

	// In euros, converted and rounded as the outstanding is: Peru's whole outstanding.
	r, err := e.svc.Exposure(ctx, Query{By: ByCountry, AsOf: civil.Date(2024, 2, 20), Currency: "EUR"})
	must(t, err)
	for _, g := range r.Groups {
		want := map[string]string{"PE": g.Outstanding.String(), "BO": "0.00"}[g.Key]
		if g.Restructured.String() != want || (g.Key == "PE" && !g.Restructured.IsPos()) {
			t.Errorf("%s in EUR: outstanding %s, restructured %s", g.Key, g.Outstanding, g.Restructured)
		}
	}
	// The CSV lists it beside par30, in the group's row and the total's.
	var buf strings.Builder
	must(t, WriteCSV(&buf, r))
	rows, err := csv.NewReader(strings.NewReader(buf.String())).ReadAll()
	must(t, err)
	col := slices.Index(rows[0], "restructured")
	if col != slices.Index(rows[0], "par30")+1 || len(rows) != 4 {
		t.Fatalf("CSV: %v", rows)
	}
	want := map[string]string{"total": r.Total.Restructured.String()}
	for _, g := range r.Groups {
		want[g.Key] = g.Restructured.String()
	}
	for _, row := range rows[1:] {
		if want := want[row[0]]; row[col] != want || (row[0] != "BO" && row[col] == "0.00") {
			t.Errorf("CSV row %v: restructured %q, want %q", row, row[col], want)
		}
	}
}

func TestRoundTogetherAddsUp(t *testing.T) {
	tests := []struct {
		name  string
		parts []string
		scale int
		want  []string // the largest remainders take the odd units; of equals, the first key, then the first
		total string
	}{
		{"largest remainders", []string{"0.333333", "0.333333", "0.333334", "10.005", "2.0049", "7.6612"}, 2,
			[]string{"0.33", "0.33", "0.33", "10.01", "2.01", "7.66"}, "20.67"},
		{"thirds", []string{"0.333333", "0.333333", "0.333334"}, 2, []string{"0.33", "0.33", "0.34"}, "1.00"},
		{"equal remainders, first first", []string{"0.125", "0.125", "0.125", "0.125"}, 2,
			[]string{"0.13", "0.13", "0.12", "0.12"}, "0.50"},
		{"remainders at 19 places", []string{"0.4999999999999999998", "0.4999999999999999999", "0.0000000000000000003"}, 0,
			[]string{"0", "1", "0"}, "1"},
		{"nothing to hand out", []string{"1.10", "2.20"}, 2, []string{"1.10", "2.20"}, "3.30"},
		// Keyed groups (below: keys "d", "c", "b", "a" in that order) with equal
		// remainders: the keys that sort first take the odd cents, whatever the order.
		{"keyed equal remainders", []string{"0.125", "0.125", "0.125", "0.125"}, 2,
			[]string{"0.12", "0.12", "0.13", "0.13"}, "0.50"},
		{"yen", []string{"100.4", "200.4", "300.2"}, 0, []string{"101", "200", "300"}, "601"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			list := make([]*exact, len(tt.parts))
			for i, p := range tt.parts {
				list[i] = &exact{outstanding: decimal.MustParse(p)}
				if strings.HasPrefix(tt.name, "keyed") {
					list[i].key = string(rune('d' - i))
				}
			}
			r := roundTogether(list, tt.scale, func(e *exact) decimal.Decimal { return e.outstanding })
			sum := decimal.Zero
			for i, p := range r.parts {
				sum, _ = sum.Add(p)
				if p.String() != tt.want[i] {
					t.Errorf("part %s rounded to %s, want %s", tt.parts[i], p, tt.want[i])
				}
			}
			if sum.Cmp(r.total) != 0 || r.total.String() != tt.total {
				t.Errorf("parts %v add up to %s, total %s (want %s)", r.parts, sum, r.total, tt.total)
			}
		})
	}
}

// drawnBullet records a USD bullet loan signed on 1 January 2025 and draws it whole
// the next day.
func (e *env) drawnBullet(t *testing.T, partnerID int64, ref, amount string) {
	t.Helper()
	ctx := context.Background()
	l, err := e.loans.Create(ctx, e.actor, ledger.NewLoan{PartnerID: partnerID, Reference: ref, Terms: loan.Terms{
		Currency: money.MustCurrency("USD"), Committed: decimal.MustParse(amount), Rate: decimal.MustParse("0.1"), DayCount: loan.ACT360,
		SignedOn: civil.Date(2025, 1, 1), FirstDueOn: civil.Date(2025, 7, 1), MaturityOn: civil.Date(2027, 1, 1),
		Amortization: loan.Bullet, Frequency: loan.Semiannual}})
	must(t, err)
	_, err = e.loans.Post(ctx, e.actor, l.ID, loan.Event{Kind: loan.Disbursement, On: civil.Date(2025, 1, 2), Amount: decimal.MustParse(amount)})
	must(t, err)
}

func TestLimitsAreCheckedAndApplied(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	_, err := e.funds.Create(ctx, e.actor, "Limit Fund", "USD")
	must(t, err)
	p, err := e.partners.Create(ctx, e.actor, partner.Fields{Name: "Only MFI", Country: "BO", LegalStatus: partner.NGO})
	must(t, err)
	d := decimal.MustParse
	bad := []struct {
		limit Limit
		field string
	}{
		{Limit{Dimension: "planet", Key: "x", MaxShare: ptr(d("0.5"))}, "limits[0].dimension"},
		{Limit{Dimension: ByCountry, Key: "XX", MaxShare: ptr(d("0.5"))}, "limits[0].key"},
		{Limit{Dimension: ByCountry, Key: "BO", MaxShare: ptr(d("0"))}, "limits[0].max_share"},
		{Limit{Dimension: ByCountry, Key: "BO", MaxShare: ptr(d("1.5"))}, "limits[0].max_share"},
		{Limit{Dimension: ByCountry, Key: "BO", MaxAmount: ptr(d("-1"))}, "limits[0].max_amount"},
		{Limit{Dimension: ByCountry, Key: "BO"}, "limits[0].max_share"},
		{Limit{Dimension: ByPartner, Key: "99999", MaxShare: ptr(d("0.5"))}, "limits[0].key"},
		{Limit{Dimension: ByCurrency, Key: "BOB", MaxAmount: ptr(d("1")), Currency: ptr("XYZ")}, "limits[0].currency"},
	}
	for _, c := range bad {
		_, err := e.svc.PutLimits(ctx, e.actor, []Limit{c.limit})
		ae, ok := apperr.As(err)
		if !ok || len(ae.Fields) == 0 || ae.Fields[0].Field != c.field {
			t.Errorf("%+v: %v; want a problem with %s", c.limit, err, c.field)
		}
	}
	if _, err := e.svc.PutLimits(ctx, e.actor, []Limit{{Dimension: ByCountry, Key: "bo", MaxShare: ptr(d("0.5"))},
		{Dimension: ByCountry, Key: "BO", MaxShare: ptr(d("0.4"))}}); err == nil {
		t.Error("two limits for BO were accepted")
	}
	stored, err := e.svc.PutLimits(ctx, e.actor, []Limit{{Dimension: ByCountry, Key: "bo", MaxShare: ptr(d("0.5")), MaxAmount: ptr(d("80000"))},
		{Dimension: ByRegion, Key: "Latin America", MaxAmount: ptr(d("1000000"))}})
	must(t, err)
	if len(stored) != 2 || stored[0].Key != "BO" || stored[1].Key != "419" || *stored[0].Currency != "USD" {
		t.Fatalf("stored %+v", stored)
	}
	e.drawnBullet(t, p.ID, "L1", "100000")
	r, err := e.svc.Exposure(ctx, Query{By: ByCountry, AsOf: civil.Date(2025, 2, 1)})
	must(t, err)
	g := r.Groups[0]
	// Bolivia is the whole book (100,000). At a 50 % share it must shed y with
	// 100,000 − y ≤ 0.5 (100,000 − y): 100,000; the 80,000 amount asks 20,000. The
	// tighter binds.
	if g.Limit == nil || g.Headroom == nil || g.Headroom.String() != "-100000.00" || !g.Breach {
		t.Errorf("Bolivia: limit %+v headroom %v breach %v", g.Limit, g.Headroom, g.Breach)
	}
	r, err = e.svc.Exposure(ctx, Query{By: ByRegion, AsOf: civil.Date(2025, 2, 1)})
	must(t, err)
	if g := r.Groups[0]; g.Key != "419" || g.Headroom == nil || g.Headroom.String() != "900000.00" || g.Breach {
		t.Errorf("Latin America: %+v", g)
	}
	// Peru with 300,000 of a 400,000 book under an 80 % cap may add 100,000: then it is
	// 400,000 of 500,000, 80 %.
	pe, err := e.partners.Create(ctx, e.actor, partner.Fields{Name: "Peru MFI", Country: "PE", LegalStatus: partner.NGO})
	must(t, err)
	e.drawnBullet(t, pe.ID, "L2", "300000")
	_, err = e.svc.PutLimits(ctx, e.actor, []Limit{{Dimension: ByCountry, Key: "PE", MaxShare: ptr(d("0.8"))}})
	must(t, err)
	r, err = e.svc.Exposure(ctx, Query{By: ByCountry, AsOf: civil.Date(2025, 2, 1)})
	must(t, err)
	if g := r.Groups[0]; g.Key != "PE" || g.Headroom == nil || g.Headroom.String() != "100000.00" || g.Breach {
		t.Errorf("Peru under 80 %%: %+v", g)
	}
}
