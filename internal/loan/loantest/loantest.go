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
	terms := randomTerms(rng)
	if rng.IntN(8) == 0 {
		return terms, nil // signed, never drawn
	}
	h := &randomHistory{rng: rng, terms: terms}
	h.disburse()
	for _, due := range loan.DueDates(terms.FirstDueOn, terms.MaturityOn.AddDate(1, 0, 0), terms.Frequency) {
		h.settle(due)
	}
	return terms, h.events
}

// randomTerms draws a loan's terms, valid.
func randomTerms(rng *rand.Rand) loan.Terms {
	signed := civil.Date(2018, 1, 1).AddDate(0, 0, rng.IntN(365*4))
	freq := []loan.Frequency{loan.Monthly, loan.Quarterly, loan.Semiannual, loan.Annual}[rng.IntN(4)]
	first := civil.AddMonths(signed, freq.Months()*(1+rng.IntN(2)))
	terms := loan.Terms{
		Currency:  money.MustCurrency([]string{"USD", "EUR", "JPY", "BOB"}[rng.IntN(4)]),
		Committed: decimal.MustNew(int64(10_000+rng.IntN(2_000_000)), 0),
		Rate:      decimal.MustNew(int64(rng.IntN(2000)), 4), DayCount: loan.DayCounts[rng.IntN(len(loan.DayCounts))],
		SignedOn: signed, FirstDueOn: first, MaturityOn: civil.AddMonths(first, freq.Months()*rng.IntN(12)),
		Amortization: []loan.Amortization{loan.Bullet, loan.EqualPrincipal, loan.Annuity}[rng.IntN(3)], Frequency: freq, GracePeriods: rng.IntN(2),
	}
	if terms.Validate() != nil {
		terms.GracePeriods = 0 // grace over the only installment
	}
	// The agreement's options, each on some loans.
	terms.Order = []loan.AllocationOrder{loan.InterestFirst, loan.InstallmentByInstallment, ""}[rng.IntN(3)]
	if rng.IntN(4) == 0 {
		terms.DefaultMargin = decimal.MustNew(int64(rng.IntN(1000)), 4)
	}
	if rng.IntN(4) == 0 {
		terms.PrepaymentFee = decimal.MustNew(int64(rng.IntN(500)), 4)
	}
	if rng.IntN(3) == 0 {
		terms.CureAfter = 1 + rng.IntN(4) // the fund cures restructured loans
	}
	return terms
}

// randomHistory is a history being drawn: the events kept so far and what has
// happened once already.
type randomHistory struct {
	rng                   *rand.Rand
	terms                 loan.Terms
	events                []loan.Event
	id                    int64
	rescheduled, wroteOff bool
}

// try keeps e, with the next id, if the loan still replays with it and no repayment
// comes beyond what is owed (the engine would credit it; the ledger refuses it).
func (h *randomHistory) try(e loan.Event) bool {
	h.id++
	e.ID = h.id
	st, err := loan.Replay(h.terms, append(h.events, e), civil.Date(2100, 1, 1))
	if err != nil || st.Overpaid.IsPos() {
		return false
	}
	h.events = append(h.events, e)
	return true
}

// disburse draws up to three tranches from shortly after signing.
func (h *randomHistory) disburse() {
	rng, terms := h.rng, h.terms
	on := terms.SignedOn.AddDate(0, 0, rng.IntN(20))
	left := terms.Committed
	for tranche := 0; left.IsPos() && tranche < 3; tranche++ {
		amount := left
		if rng.IntN(2) == 0 {
			amount, _ = left.Mul(decimal.MustNew(int64(3+rng.IntN(5)), 1))
			amount = amount.Trunc(terms.Currency.Scale)
		}
		if !amount.IsPos() || !h.try(loan.Event{Kind: loan.Disbursement, On: on, Amount: amount}) {
			break
		}
		left, _ = left.Sub(amount)
		on = on.AddDate(0, 0, 30+rng.IntN(120))
	}
}

// settle draws what the borrower does around a due date, if anything is owed then:
// misses it, is rescheduled or written off (once each), or repays.
func (h *randomHistory) settle(due time.Time) {
	rng, terms := h.rng, h.terms
	day := due.AddDate(0, 0, rng.IntN(50)-15)
	owed, err := loan.OwedOn(terms, h.events, day)
	if err != nil || !owed.Total().IsPos() {
		return
	}
	switch r := rng.IntN(20); {
	case r < 2:
		return // missed
	case r == 2 && !h.rescheduled:
		m := civil.AddMonths(day, 12+rng.IntN(24))
		h.rescheduled = h.try(loan.Event{Kind: loan.Reschedule, On: day, NewMaturityOn: &m})
		return
	case r == 3 && !h.wroteOff && rng.IntN(3) == 0:
		st, err := loan.Replay(terms, h.events, day)
		if err == nil && st.Outstanding.IsPos() {
			part, _ := st.Outstanding.Mul(decimal.MustNew(int64(1+rng.IntN(10)), 1))
			h.wroteOff = h.try(loan.Event{Kind: loan.WriteOff, On: day, Amount: part.Trunc(terms.Currency.Scale), Reason: "loss"})
		}
		return
	}
	h.repay(day, owed)
}

// repay draws a repayment on day of what is owed then: all of it, part of it, or with
// some principal ahead of schedule.
func (h *randomHistory) repay(day time.Time, owed loan.Owed) {
	rng := h.rng
	due := owed.Due()
	amount := due
	switch rng.IntN(4) {
	case 0: // part of it
		amount, _ = due.Mul(decimal.MustNew(int64(2+rng.IntN(7)), 1))
	case 1: // and some ahead of schedule
		extra, _ := owed.FuturePrincipal.Mul(decimal.MustNew(int64(rng.IntN(4)), 1))
		amount, _ = due.Add(extra)
	}
	if amount = amount.Trunc(h.terms.Currency.Scale); amount.IsPos() {
		h.try(loan.Event{Kind: loan.Repayment, On: day, Amount: amount})
	}
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
