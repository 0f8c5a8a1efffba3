// Package loantest holds loan fixtures for tests and benchmarks of every package:
// random valid histories and a busy loan.
package loantest

import (
	"cartera/internal/loan"
	"cartera/internal/platform/civil"
	"cartera/internal/platform/money"
	"math/rand/v2"
	"time"

	"github.com/govalues/decimal"
)

// RandomHistory draws a loan and a valid history for it: tranches, repayments on time,
// late, partial and ahead of schedule, sometimes a rescheduling and a write-off. Each
// event is kept only if the loan still replays with it, as the service would.
func RandomHistory(rng *rand.Rand) (loan.Terms, []loan.Event) {
	signed := civil.Date(2018, 1, 1).AddDate(0, 0, rng.IntN(365*4))
	freq := []loan.Frequency{loan.Monthly, loan.Quarterly, loan.Semiannual, loan.Annual}[rng.IntN(4)]
	first := civil.AddMonths(signed, freq.Months()*(1+rng.IntN(2)))
	terms := loan.Terms{
		Currency:  money.MustCurrency([]string{"USD", "EUR", "JPY", "BOB"}[rng.IntN(4)]),
		Committed: decimal.MustNew(int64(10_000+rng.IntN(2_000_000)), 0),
		Rate:      decimal.MustNew(int64(rng.IntN(2000)), 4), DayCount: []loan.DayCount{loan.ACT360, loan.ACT365, loan.Thirty360}[rng.IntN(3)],
		SignedOn: signed, FirstDueOn: first, MaturityOn: civil.AddMonths(first, freq.Months()*rng.IntN(12)),
		Amortization: []loan.Amortization{loan.Bullet, loan.EqualPrincipal, loan.Annuity}[rng.IntN(3)], Frequency: freq, GracePeriods: rng.IntN(2),
	}
	if terms.Validate() != nil {
		terms.GracePeriods = 0 // grace over the only installment
	}
	var events []loan.Event
	id := int64(0)
	try := func(e loan.Event) bool {
		id++
		e.ID = id
		if _, err := loan.Replay(terms, append(events, e), civil.Date(2100, 1, 1)); err != nil {
			return false
		}
		events = append(events, e)
		return true
	}
	if rng.IntN(8) == 0 {
		return terms, nil // signed, never drawn
	}
	on := signed.AddDate(0, 0, rng.IntN(20))
	left := terms.Committed
	for tranche := 0; left.IsPos() && tranche < 3; tranche++ {
		amount := left
		if rng.IntN(2) == 0 {
			amount, _ = left.Mul(decimal.MustNew(int64(3+rng.IntN(5)), 1))
			amount = amount.Trunc(terms.Currency.Scale)
		}
		if !amount.IsPos() || !try(loan.Event{Kind: loan.Disbursement, On: on, Amount: amount}) {
			break
		}
		left, _ = left.Sub(amount)
		on = on.AddDate(0, 0, 30+rng.IntN(120))
	}
	rescheduled, wroteOff := false, false
	for _, due := range loan.DueDates(terms.FirstDueOn, terms.MaturityOn.AddDate(1, 0, 0), terms.Frequency) {
		day := due.AddDate(0, 0, rng.IntN(50)-15)
		owed, err := loan.OwedOn(terms, events, day)
		if err != nil || !owed.Total().IsPos() {
			continue
		}
		switch r := rng.IntN(20); {
		case r < 2:
			continue // missed
		case r == 2 && !rescheduled:
			m := civil.AddMonths(day, 12+rng.IntN(24))
			rescheduled = try(loan.Event{Kind: loan.Reschedule, On: day, NewMaturityOn: &m})
			continue
		case r == 3 && !wroteOff && rng.IntN(3) == 0:
			st, err := loan.Replay(terms, events, day)
			if err == nil && st.Outstanding.IsPos() {
				part, _ := st.Outstanding.Mul(decimal.MustNew(int64(1+rng.IntN(10)), 1))
				wroteOff = try(loan.Event{Kind: loan.WriteOff, On: day, Amount: part.Trunc(terms.Currency.Scale), Reason: "loss"})
			}
			continue
		}
		due := owed.OverdueInterest
		for _, x := range []decimal.Decimal{owed.OverduePrincipal, owed.CurrentInterest, owed.CurrentPrincipal} {
			due, _ = due.Add(x)
		}
		amount := due
		switch rng.IntN(4) {
		case 0: // part of it
			amount, _ = due.Mul(decimal.MustNew(int64(2+rng.IntN(7)), 1))
		case 1: // and some ahead of schedule
			extra, _ := owed.FuturePrincipal.Mul(decimal.MustNew(int64(rng.IntN(4)), 1))
			amount, _ = due.Add(extra)
		}
		if amount = amount.Trunc(terms.Currency.Scale); amount.IsPos() {
			try(loan.Event{Kind: loan.Repayment, On: day, Amount: amount})
		}
	}
	return terms, events
}

// D parses a decimal known to be valid.
func D(s string) decimal.Decimal { return decimal.MustParse(s) }

// Date parses a YYYY-MM-DD date known to be valid.
func Date(s string) time.Time {
	t, err := civil.Parse(s)
	if err != nil {
		panic(err)
	}
	return t
}

// USD are terms in US dollars, from strings.
func USD(amount, rate string, dc loan.DayCount, signed, first, maturity string, am loan.Amortization, f loan.Frequency) loan.Terms {
	return loan.Terms{
		Currency: money.MustCurrency("USD"), Committed: D(amount), Rate: D(rate), DayCount: dc,
		SignedOn: Date(signed), FirstDueOn: Date(first), MaturityOn: Date(maturity), Amortization: am, Frequency: f,
	}
}

// Disburse is a disbursement event.
func Disburse(id int64, on, amount string) loan.Event {
	return loan.Event{ID: id, Kind: loan.Disbursement, On: Date(on), Amount: D(amount)}
}

// Repay is a repayment event.
func Repay(id int64, on, amount string) loan.Event {
	return loan.Event{ID: id, Kind: loan.Repayment, On: Date(on), Amount: D(amount)}
}
