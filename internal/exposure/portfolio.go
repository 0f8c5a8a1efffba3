package exposure

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/govalues/decimal"

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

// Portfolio summarizes the book at a date.
func (s *Service) Portfolio(ctx context.Context, asOf time.Time, currency string, fundID *int64) (Portfolio, error) {
	asOf = civil.Of(asOf)
	b, err := s.load(ctx, asOf, currency, fundID)
	if err != nil {
		return Portfolio{}, err
	}
	cur := money.MustCurrency(b.currency)
	p := Portfolio{AsOf: asOf, Currency: b.currency}
	aging := map[string]*exactBucket{}
	for _, name := range loan.AgingBuckets {
		aging[name] = &exactBucket{}
	}
	first := civil.Date(asOf.Year(), asOf.Month(), 1)
	ladder := make([]exactMonth, 12)
	var outstanding, undisbursed, overdue, par30 decimal.Decimal
	var rateSum, yearsSum, weight float64
	partners := map[int64]bool{}
	for _, l := range b.lines {
		bal := l.pos.Balances
		out, err := b.convert(bal.Outstanding, l.pos.Loan.Currency)
		if err != nil {
			return Portfolio{}, err
		}
		und, err := b.convert(bal.Undisbursed, l.pos.Loan.Currency)
		if err != nil {
			return Portfolio{}, err
		}
		over, err := b.convert(bal.OverduePrincipal, l.pos.Loan.Currency)
		if err != nil {
			return Portfolio{}, err
		}
		outstanding, _ = outstanding.Add(out)
		undisbursed, _ = undisbursed.Add(und)
		overdue, _ = overdue.Add(over)
		partners[l.pos.Loan.PartnerID] = true
		p.Loans++
		if bal.DaysPastDue > 30 {
			par30, _ = par30.Add(out)
		}
		if out.IsPos() {
			bk, ok := aging[bal.AgingBucket]
			if !ok {
				return Portfolio{}, fmt.Errorf("loan %d: unknown aging bucket %q", l.pos.Loan.ID, bal.AgingBucket)
			}
			bk.outstanding, _ = bk.outstanding.Add(out)
			bk.loans++
			w, _ := out.Float64()
			rate, _ := l.pos.State.Terms.Rate.Float64()
			years := float64(civil.Days(asOf, l.pos.State.Terms.MaturityOn)) / 365.25
			rateSum += w * rate
			yearsSum += w * math.Max(years, 0)
			weight += w
		}
		for i := range l.pos.State.Installments {
			in := &l.pos.State.Installments[i]
			if in.Rescheduled || in.DueOn.Before(asOf) {
				continue
			}
			m := monthsBetween(first, in.DueOn)
			if m < 0 || m >= 12 {
				continue
			}
			pr, err := b.convert(unpaid(in.Principal, in.PaidPrincipal, in.WrittenOffPrincipal), l.pos.Loan.Currency)
			if err != nil {
				return Portfolio{}, err
			}
			it, err := b.convert(unpaid(in.Interest, in.PaidInterest, in.WrittenOffInterest), l.pos.Loan.Currency)
			if err != nil {
				return Portfolio{}, err
			}
			ladder[m].principal, _ = ladder[m].principal.Add(pr)
			ladder[m].interest, _ = ladder[m].interest.Add(it)
		}
	}
	round := func(d decimal.Decimal) decimal.Decimal { return d.Round(cur.Scale).Pad(cur.Scale) }
	p.Outstanding, p.Undisbursed, p.Overdue, p.Partners = round(outstanding), round(undisbursed), round(overdue), len(partners)
	if outstanding.IsPos() {
		p.PAR30 = ratio(par30, outstanding)
		r, y := math.Round(rateSum/weight*1e6)/1e6, math.Round(yearsSum/weight*100)/100
		p.WeightedRate, p.WeightedMaturityYears = &r, &y
	}
	// The buckets are rounded together so that they add up to the outstanding.
	list := make([]*exact, len(loan.AgingBuckets))
	for i, name := range loan.AgingBuckets {
		list[i] = &exact{outstanding: aging[name].outstanding}
	}
	parts := roundTogether(list, cur.Scale, func(e *exact) decimal.Decimal { return e.outstanding })
	for i, name := range loan.AgingBuckets {
		p.Aging = append(p.Aging, Bucket{Name: name, Outstanding: parts.parts[i], Loans: aging[name].loans})
	}
	for i, m := range ladder {
		p.Ladder = append(p.Ladder, Month{Month: civil.AddMonths(first, i), Principal: round(m.principal), Interest: round(m.interest)})
	}
	return p, nil
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
