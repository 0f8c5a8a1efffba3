package exposure

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"time"

	"github.com/govalues/decimal"

	"cartera/internal/ledger"
	"cartera/internal/loan"
	"cartera/internal/platform/civil"
	"cartera/internal/platform/money"
)

// Portfolio is the fund's own book at a date in one currency.
type Portfolio struct {
	AsOf     time.Time
	Currency string
	Totals
	// WeightedRate is the interest rate in force, weighted by outstanding (a fraction);
	// nil with nothing outstanding.
	WeightedRate *float64
	// WeightedMaturityYears is the time to maturity in years, weighted by outstanding.
	WeightedMaturityYears *float64
	PAR30                 *float64
	Aging                 []Bucket // every bucket, current first
	Ladder                []Month  // the next 12 calendar months, from the as-of date's
}

// Bucket is the outstanding of the loans in one arrears bucket.
type Bucket struct {
	Name        string
	Outstanding decimal.Decimal
	Loans       int
}

// Month is what the schedules ask to be paid in a calendar month, unpaid so far.
type Month struct {
	Month     time.Time // its first day
	Principal decimal.Decimal
	Interest  decimal.Decimal
}

// Portfolio summarizes the book at a date. Every loan is replayed to the date (its
// rate, maturity, arrears and schedule are the loan's own) and summed in its own
// currency as it comes; each currency's sums are converted once, at the end.
func (s *Service) Portfolio(ctx context.Context, asOf time.Time, currency string, fundID *int64) (Portfolio, error) {
	asOf = civil.Of(asOf)
	currency, _, err := s.target(ctx, currency, fundID)
	if err != nil {
		return Portfolio{}, err
	}
	first := civil.Date(asOf.Year(), asOf.Month(), 1)
	sums := map[string]*currencySums{}
	partners := map[int64]bool{}
	loans := 0
	err = s.loans.EachPositionAt(ctx, asOf, fundID, func(pos ledger.Position) error {
		bal := pos.Balances
		if !bal.Outstanding.IsPos() && !bal.Undisbursed.IsPos() {
			return nil // repaid, written off, or a commitment lapsed: nothing out
		}
		c := sums[pos.Loan.Currency]
		if c == nil {
			c = &currencySums{aging: make([]exactBucket, len(loan.AgingBuckets)), ladder: make([]exactMonth, 12)}
			sums[pos.Loan.Currency] = c
		}
		loans++
		partners[pos.Loan.PartnerID] = true
		c.add(&c.outstanding, bal.Outstanding)
		c.add(&c.undisbursed, bal.Undisbursed)
		c.add(&c.overdue, bal.OverduePrincipal)
		if bal.DaysPastDue > 30 {
			c.add(&c.par30, bal.Outstanding)
		}
		if bal.Outstanding.IsPos() {
			k := slices.Index(loan.AgingBuckets, bal.AgingBucket)
			if k < 0 {
				return fmt.Errorf("loan %d: unknown aging bucket %q", pos.Loan.ID, bal.AgingBucket)
			}
			c.add(&c.aging[k].outstanding, bal.Outstanding)
			c.aging[k].loans++
			w, rate := float(bal.Outstanding), float(pos.State.Terms.Rate)
			years := float64(civil.Days(asOf, pos.State.Terms.MaturityOn)) / 365.25
			c.rateSum += w * rate
			c.yearsSum += w * math.Max(years, 0)
			c.weight += w
		}
		for i := range pos.State.Installments {
			in := &pos.State.Installments[i]
			if in.Rescheduled || in.DueOn.Before(asOf) {
				continue
			}
			if m := monthsBetween(first, in.DueOn); m >= 0 && m < 12 {
				c.add(&c.ladder[m].principal, unpaid(in.Principal, in.PaidPrincipal, in.WrittenOffPrincipal))
				c.add(&c.ladder[m].interest, unpaid(in.Interest, in.PaidInterest, in.WrittenOffInterest))
			}
		}
		return nil
	})
	if err != nil {
		return Portfolio{}, err
	}
	need := map[string]bool{}
	for c := range sums {
		need[c] = true
	}
	rates, err := s.ratesFor(ctx, asOf, currency, need, nil)
	if err != nil {
		return Portfolio{}, err
	}

	// Into the target currency, in a fixed order of currencies (float sums depend on
	// their order).
	codes := slices.Sorted(maps.Keys(sums))
	var outstanding, undisbursed, overdue, par30 decimal.Decimal
	aging := make([]exactBucket, len(loan.AgingBuckets))
	ladder := make([]exactMonth, 12)
	var rateSum, yearsSum, weight float64
	var convErr error
	into := func(to *decimal.Decimal, d decimal.Decimal, from string) {
		v, err := rates.Convert(d, from, currency)
		if err == nil {
			*to, err = to.Add(v)
		}
		convErr = cmp.Or(convErr, err)
	}
	for _, code := range codes {
		c := sums[code]
		convErr = cmp.Or(convErr, c.err)
		into(&outstanding, c.outstanding, code)
		into(&undisbursed, c.undisbursed, code)
		into(&overdue, c.overdue, code)
		into(&par30, c.par30, code)
		for k := range aging {
			into(&aging[k].outstanding, c.aging[k].outstanding, code)
			aging[k].loans += c.aging[k].loans
		}
		for m := range ladder {
			into(&ladder[m].principal, c.ladder[m].principal, code)
			into(&ladder[m].interest, c.ladder[m].interest, code)
		}
		f := 1.0
		if code != currency {
			one, err := rates.Factor(code, currency)
			convErr = cmp.Or(convErr, err)
			f = float(one)
		}
		rateSum, yearsSum, weight = rateSum+f*c.rateSum, yearsSum+f*c.yearsSum, weight+f*c.weight
	}
	if convErr != nil {
		return Portfolio{}, fmt.Errorf("portfolio at %s: %w", asOf.Format(civil.Layout), convErr)
	}

	cur := money.MustCurrency(currency)
	round := func(d decimal.Decimal) decimal.Decimal { return d.Round(cur.Scale).Pad(cur.Scale) }
	p := Portfolio{AsOf: asOf, Currency: currency}
	p.Outstanding, p.Undisbursed, p.Overdue, p.Partners, p.Loans = round(outstanding), round(undisbursed), round(overdue), len(partners), loans
	if outstanding.IsPos() {
		p.PAR30 = ratio(par30, outstanding)
		r, y := math.Round(rateSum/weight*1e6)/1e6, math.Round(yearsSum/weight*100)/100
		p.WeightedRate, p.WeightedMaturityYears = &r, &y
	}
	// The buckets are rounded together so that they add up to the outstanding.
	list := make([]*exact, len(aging))
	for k := range aging {
		list[k] = &exact{outstanding: aging[k].outstanding}
	}
	parts := roundTogether(list, cur.Scale, func(e *exact) decimal.Decimal { return e.outstanding })
	for k, name := range loan.AgingBuckets {
		p.Aging = append(p.Aging, Bucket{Name: name, Outstanding: parts.parts[k], Loans: aging[k].loans})
	}
	for i, m := range ladder {
		p.Ladder = append(p.Ladder, Month{Month: civil.AddMonths(first, i), Principal: round(m.principal), Interest: round(m.interest)})
	}
	return p, nil
}

// currencySums are the portfolio's figures in one currency, exact.
type currencySums struct {
	outstanding, undisbursed, overdue, par30 decimal.Decimal
	aging                                    []exactBucket // by loan.AgingBuckets
	ladder                                   []exactMonth  // the next 12 months
	rateSum, yearsSum, weight                float64       // outstanding-weighted
	err                                      error
}

// add adds d to *to, keeping the first error (a sum beyond the decimal type's 19
// integer digits).
func (c *currencySums) add(to *decimal.Decimal, d decimal.Decimal) {
	var err error
	if *to, err = to.Add(d); err != nil && c.err == nil {
		c.err = err
	}
}

type exactBucket struct {
	outstanding decimal.Decimal
	loans       int
}

type exactMonth struct{ principal, interest decimal.Decimal }

func monthsBetween(first, t time.Time) int {
	return (t.Year()-first.Year())*12 + int(t.Month()) - int(first.Month())
}

func unpaid(due, paid, writtenOff decimal.Decimal) decimal.Decimal {
	d, _ := due.Sub(paid)
	d, _ = d.Sub(writtenOff)
	if d.IsNeg() {
		return decimal.Zero
	}
	return d
}
