package loantest

import (
	"github.com/govalues/decimal"

	"cartera/internal/loan"
	"cartera/internal/platform/civil"
	"cartera/internal/platform/money"
)

// BusyLoan is a benchmark fixture: a 10-year monthly loan of 1,000,000 USD with 20
// weekly tranches, then 480 weekly repayments of weekly: 500 transactions. 2,750 a week
// keeps it about current; 900 a week leaves it ever later.
func BusyLoan(weekly string) (loan.Terms, []loan.Event) {
	terms := loan.Terms{
		Currency: money.MustCurrency("USD"), Committed: decimal.MustParse("1000000"), Rate: decimal.MustParse("0.085"),
		DayCount: loan.ACT360, SignedOn: civil.Date(2014, 1, 10), FirstDueOn: civil.Date(2014, 2, 10),
		MaturityOn: civil.Date(2024, 1, 10), Amortization: loan.EqualPrincipal, Frequency: loan.Monthly,
	}
	var events []loan.Event
	id := int64(1)
	for i := 0; i < 20; i++ {
		events = append(events, loan.Event{ID: id, Kind: loan.Disbursement, On: terms.SignedOn.AddDate(0, 0, i), Amount: decimal.MustParse("50000")})
		id++
	}
	first := civil.Date(2014, 2, 10)
	for i := 0; i < 480; i++ {
		events = append(events, loan.Event{ID: id, Kind: loan.Repayment, On: first.AddDate(0, 0, i*7), Amount: decimal.MustParse(weekly)})
		id++
	}
	return terms, events
}
