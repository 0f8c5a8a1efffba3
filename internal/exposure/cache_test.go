package exposure

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/govalues/decimal"

	"cartera/internal/book"
	"cartera/internal/fx"
	"cartera/internal/ledger"
	"cartera/internal/loan"
	"cartera/internal/partner"
	"cartera/internal/platform/civil"
)

// cacheQueries are the reports TestCachedReportsFollowEveryWrite keeps: every cut, at
// three dates, in the default currency and in EUR, of all funds and of the first.
func cacheQueries() []Query {
	var qs []Query
	fund := int64(1)
	for _, by := range Dimensions {
		for _, asOf := range []time.Time{civil.Date(2020, 6, 30), civil.Date(2021, 9, 15), civil.Date(2025, 12, 31)} {
			qs = append(qs, Query{By: by, AsOf: asOf}, Query{By: by, AsOf: asOf, Currency: "EUR"},
				Query{By: by, AsOf: asOf, FundID: &fund})
		}
	}
	return qs
}

// TestCachedReportsFollowEveryWrite keeps every report of a random book in the cache,
// then writes each kind of data a report reads (a loan's event, its reversal, a new
// loan, a partner's name, country and legal status, a rate, the limits, a fund) and
// checks after each that every report the service gives equals the one computed from
// the data, and that the write changed at least one of them (else the test could not
// tell a stale report).
func TestCachedReportsFollowEveryWrite(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	randomBook(t, e, rand.New(rand.NewPCG(7, 7)))
	qs := cacheQueries()
	check := func(step string) []Report {
		t.Helper()
		var out []Report
		for _, q := range qs {
			want, err := e.svc.compute(ctx, q, bookCut[q.By])
			must(t, err)
			got, err := e.svc.Exposure(ctx, q)
			must(t, err)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("after %s, %s at %s in %q (fund %v): the service gave\n%+v\nthe data gives\n%+v", step, q.By,
					civil.Format(q.AsOf), q.Currency, q.FundID, got, want)
			}
			out = append(out, got)
		}
		return out
	}
	before := check("the book's writes")
	// Asked again, every report comes from the cache.
	for _, q := range qs {
		if _, err := e.svc.cached(ctx, q, func() (Report, error) { return Report{}, fmt.Errorf("%s computed again", q.By) }); err != nil {
			t.Fatal(err)
		}
	}

	loans, err := e.loans.List(ctx, ledger.ListQuery{Filter: ledger.Filter{}})
	must(t, err)
	refs, err := e.partners.Refs(ctx, partner.Filter{})
	must(t, err)
	var repaid, posted int64
	writes := []struct {
		name  string
		write func() error
	}{
		{"a back-dated repayment", func() error {
			for _, l := range loans.Items { // the first loan that takes it
				p, err := e.loans.Post(ctx, e.actor, l.ID, loan.Event{Kind: loan.Repayment, On: civil.Date(2021, 9, 1),
					Amount: decimal.MustParse("1000")})
				if err == nil {
					repaid, posted = l.ID, p.Transaction.ID
					return nil
				}
			}
			return fmt.Errorf("no loan takes a repayment on 2021-09-01")
		}},
		{"its reversal", func() error {
			_, err := e.loans.Reverse(ctx, e.actor, repaid, posted, "typed twice", nil)
			return err
		}},
		{"a new loan, drawn", func() error { e.drawnBullet(t, refs[0].ID, "NEW-1", "250000"); return nil }},
		{"a partner's name", func() error {
			_, err := e.partners.Update(ctx, e.actor, refs[1].ID, func(f *partner.Fields) error { f.Name += " renamed"; return nil })
			return err
		}},
		{"a partner's country", func() error {
			_, err := e.partners.Update(ctx, e.actor, refs[2].ID, func(f *partner.Fields) error { f.Country = "EC"; return nil })
			return err
		}},
		{"a partner's legal status", func() error {
			_, err := e.partners.Update(ctx, e.actor, refs[3].ID, func(f *partner.Fields) error {
				f.LegalStatus = map[bool]partner.LegalStatus{true: partner.Cooperative, false: partner.NGO}[f.LegalStatus == partner.NGO]
				return nil
			})
			return err
		}},
		{"a rate", func() error {
			return e.fx.Put(ctx, e.actor, []fx.Rate{{Currency: "EUR", Date: civil.Date(2021, 9, 10), Rate: decimal.MustParse("0.5")}})
		}},
		{"the limits", func() error {
			_, err := e.svc.PutLimits(ctx, e.actor, []Limit{{Dimension: ByCountry, Key: "BO", MaxShare: ptr(decimal.MustParse("0.3"))}})
			return err
		}},
		{"a new fund", func() error { _, err := e.funds.Create(ctx, e.actor, "A Fund First By Name", "EUR"); return err }},
	}
	for _, w := range writes {
		must(t, w.write())
		after := check(w.name)
		if reflect.DeepEqual(before, after) {
			t.Errorf("%s changed no report: the test cannot tell whether the cache saw it", w.name)
		}
		before = after
	}
}

// TestReportComputedDuringAWriteIsNotKept: a report whose data changed while it was
// computed is given (as the data was read) but not kept.
func TestReportComputedDuringAWriteIsNotKept(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	randomBook(t, e, rand.New(rand.NewPCG(8, 8)))
	q := Query{By: ByCountry, AsOf: civil.Date(2021, 9, 15)}
	_, err := e.svc.cached(ctx, q, func() (Report, error) {
		r, err := e.svc.compute(ctx, q, book.CutCountry)
		if err == nil {
			err = e.fx.Put(ctx, e.actor, []fx.Rate{{Currency: "EUR", Date: civil.Date(2021, 9, 10), Rate: decimal.MustParse("0.5")}})
		}
		return r, err
	})
	must(t, err)
	if n := e.svc.kept.Len(); n != 0 {
		t.Fatalf("kept %d reports computed while a rate was written", n)
	}
	_, err = e.svc.Exposure(ctx, q)
	must(t, err)
	if n := e.svc.kept.Len(); n != 1 {
		t.Fatalf("kept %d reports, want the one computed after", n)
	}
}
