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

	"cartera/internal/fx"
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
	// AccruedInterest is the interest earned since each loan's last due date and not
	// yet due (the month-end accrual); LateInterest the interest on overdue principal
	// due at once and unpaid. (The outstanding of restructured loans is
	// Totals.Restructured, as in exposure.)
	AccruedInterest, LateInterest decimal.Decimal
	Aging                         []Bucket // every bucket, current first
	Ladder                        []Month  // the next 12 calendar months, from the as-of date's
}

// agingBuckets are the arrears buckets, then "restructured": restructured loans are
// at risk (in PAR30) and shown apart, whatever their days past due.
var agingBuckets = append(append([]string{}, loan.AgingBuckets...), "restructured")

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
	positions := positionSums{asOf: asOf, first: first, byCurrency: map[string]*currencySums{}, partners: map[int64]bool{}}
	if err := s.loans.EachPositionAt(ctx, asOf, fundID, positions.add); err != nil {
		return Portfolio{}, err
	}
	need := map[string]bool{}
	for c := range positions.byCurrency {
		need[c] = true
	}
	rates, err := s.ratesFor(ctx, asOf, currency, need, nil)
	if err != nil {
		return Portfolio{}, err
	}
	total := currencySums{aging: make([]exactBucket, len(agingBuckets)), ladder: make([]exactMonth, 12)}
	if err := total.addAll(positions.byCurrency, rates, currency); err != nil {
		return Portfolio{}, fmt.Errorf("portfolio at %s: %w", asOf.Format(civil.Layout), err)
	}
	p := roundedPortfolio(asOf, first, currency, &total)
	p.Partners, p.Loans = len(positions.partners), positions.loans
	return p, nil
}

// positionSums are the figures of the positions visited so far, by currency, exact.
// (The dates are passed on from locals, not read back from here: escape analysis
// follows a struct as a whole, and a date returned from it would move its maps to
// the heap.)
type positionSums struct {
	asOf       time.Time
	first      time.Time // the first day of asOf's month, the ladder's first
	byCurrency map[string]*currencySums
	partners   map[int64]bool
	loans      int
}

// add sums a loan's position in the loan's currency.
func (ps *positionSums) add(pos ledger.Position) error {
	bal := pos.Balances
	if !bal.Outstanding.IsPos() && !bal.Undisbursed.IsPos() {
		return nil // repaid, written off, or a commitment lapsed: nothing out
	}
	c := ps.byCurrency[pos.Loan.Currency]
	if c == nil {
		c = &currencySums{aging: make([]exactBucket, len(agingBuckets)), ladder: make([]exactMonth, 12)}
		ps.byCurrency[pos.Loan.Currency] = c
	}
	ps.loans++
	ps.partners[pos.Loan.PartnerID] = true
	c.add(&c.outstanding, bal.Outstanding)
	c.add(&c.undisbursed, bal.Undisbursed)
	c.add(&c.overdue, bal.OverduePrincipal)
	c.add(&c.accrued, bal.AccruedInterest)
	c.add(&c.late, bal.LateInterest)
	if bal.Restructured {
		c.add(&c.restructured, bal.Outstanding)
	}
	if bal.AtRisk() {
		c.add(&c.par30, bal.Outstanding)
	}
	if bal.Outstanding.IsPos() {
		if err := c.addOutstanding(&pos, ps.asOf); err != nil {
			return err
		}
	}
	c.addLadder(pos.State.Installments, ps.asOf, ps.first)
	return nil
}

// roundedPortfolio is the summary of the totals, in currency, rounded to its minor
// unit; first is the first month of the ladder. It leaves the counts to the caller.
func roundedPortfolio(asOf, first time.Time, currency string, total *currencySums) Portfolio {
	cur := money.MustCurrency(currency)
	round := func(d decimal.Decimal) decimal.Decimal { return d.Round(cur.Scale).Pad(cur.Scale) }
	p := Portfolio{AsOf: asOf, Currency: currency}
	p.Outstanding, p.Undisbursed, p.Overdue = round(total.outstanding), round(total.undisbursed), round(total.overdue)
	p.AccruedInterest, p.LateInterest, p.Restructured = round(total.accrued), round(total.late), round(total.restructured)
	if total.outstanding.IsPos() {
		p.PAR30 = ratio(total.par30, total.outstanding)
		r, y := math.Round(total.rateSum/total.weight*1e6)/1e6, math.Round(total.yearsSum/total.weight*100)/100
		p.WeightedRate, p.WeightedMaturityYears = &r, &y
	}
	// The buckets are rounded together so that they add up to the outstanding.
	list := make([]*exact, len(total.aging))
	for k := range total.aging {
		list[k] = &exact{outstanding: total.aging[k].outstanding}
	}
	parts := roundTogether(list, cur.Scale, func(e *exact) decimal.Decimal { return e.outstanding })
	for k, name := range agingBuckets {
		p.Aging = append(p.Aging, Bucket{Name: name, Outstanding: parts.parts[k], Loans: total.aging[k].loans})
	}
	for i, m := range total.ladder {
		p.Ladder = append(p.Ladder, Month{Month: civil.AddMonths(first, i), Principal: round(m.principal), Interest: round(m.interest)})
	}
	return p
}

// addAll adds every currency's figures to t, converted into target, in a fixed order
// of currencies (float sums depend on their order). It returns the first error met.
func (t *currencySums) addAll(byCurrency map[string]*currencySums, rates *fx.Rates, target string) error {
	var err error
	for _, code := range slices.Sorted(maps.Keys(byCurrency)) {
		err = cmp.Or(err, t.addConverted(byCurrency[code], code, rates, target))
	}
	return err
}

// addConverted adds c, the figures in currency code, to t, converted into target. It
// returns the first error met, c's own first. (The error is not kept in t: escape
// analysis follows a struct as a whole, and an error stored in t would move its
// slices to the heap.)
func (t *currencySums) addConverted(c *currencySums, code string, rates *fx.Rates, target string) error {
	err := c.err
	into := func(to *decimal.Decimal, d decimal.Decimal) {
		v, e := rates.Convert(d, code, target)
		if e == nil {
			*to, e = to.Add(v)
		}
		err = cmp.Or(err, e)
	}
	into(&t.outstanding, c.outstanding)
	into(&t.undisbursed, c.undisbursed)
	into(&t.overdue, c.overdue)
	into(&t.par30, c.par30)
	into(&t.accrued, c.accrued)
	into(&t.late, c.late)
	into(&t.restructured, c.restructured)
	for k := range t.aging {
		into(&t.aging[k].outstanding, c.aging[k].outstanding)
		t.aging[k].loans += c.aging[k].loans
	}
	for m := range t.ladder {
		into(&t.ladder[m].principal, c.ladder[m].principal)
		into(&t.ladder[m].interest, c.ladder[m].interest)
	}
	f := 1.0
	if code != target {
		one, e := rates.Factor(code, target)
		err = cmp.Or(err, e)
		f = float(one)
	}
	t.rateSum, t.yearsSum, t.weight = t.rateSum+f*c.rateSum, t.yearsSum+f*c.yearsSum, t.weight+f*c.weight
	return err
}

// currencySums are the portfolio's figures in one currency, exact.
type currencySums struct {
	outstanding, undisbursed, overdue, par30 decimal.Decimal
	accrued, late, restructured              decimal.Decimal
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

// addOutstanding counts a loan with something outstanding in its arrears bucket and
// in the outstanding-weighted rate and time to maturity.
func (c *currencySums) addOutstanding(pos *ledger.Position, asOf time.Time) error {
	bal := &pos.Balances
	k := slices.Index(agingBuckets, bal.AgingBucket)
	if bal.Restructured {
		k = len(agingBuckets) - 1 // apart, whatever its days past due
	}
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
	return nil
}

// addLadder adds what the installments due from asOf on still ask, in the month
// they fall due, over the 12 months from first.
func (c *currencySums) addLadder(installments []loan.Installment, asOf, first time.Time) {
	for i := range installments {
		in := &installments[i]
		if in.Rescheduled || in.DueOn.Before(asOf) {
			continue
		}
		if m := monthsBetween(first, in.DueOn); m >= 0 && m < 12 {
			c.add(&c.ladder[m].principal, unpaid(in.Principal, in.PaidPrincipal, in.WrittenOffPrincipal))
			c.add(&c.ladder[m].interest, unpaid(in.Interest, in.PaidInterest, in.WrittenOffInterest))
		}
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
