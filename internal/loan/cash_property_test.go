package loan_test

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/govalues/decimal"

	"cartera/internal/loan"
	"cartera/internal/loan/loantest"
)

// TestSameCashSameBalances: the same cash on the same day gives the same balances and
// schedule however it is split into repayments (interest follows the cash, rules 3),
// for random loans and histories (tranches, late, partial and early payments,
// reschedulings, write-offs, default margins and prepayment fees), a random day after
// the history, and cash from a part of what is due to everything owed.
func TestSameCashSameBalances(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 3))
	checked := 0
	for n := range 2000 {
		terms, events := loantest.RandomHistory(rng)
		if len(events) == 0 {
			continue
		}
		// A day inside the history or after it, and the events up to it.
		first, last := events[0].On, events[len(events)-1].On
		day := first.AddDate(0, 0, rng.IntN(int(last.Sub(first).Hours()/24)+90))
		cut := 0
		for cut < len(events) && !events[cut].On.After(day) {
			cut++
		}
		events = events[:cut]
		owed, err := loan.OwedOn(terms, events, day)
		if err != nil || !owed.Total().IsPos() {
			continue
		}
		cash := pickCash(rng, owed, terms.Currency.Scale)
		if !cash.IsPos() {
			continue
		}
		parts := split(rng, cash, terms.Currency.Scale, 2+rng.IntN(3))
		whole := replayWith(t, terms, events, day, []decimal.Decimal{cash})
		pieces := replayWith(t, terms, events, day, parts)
		if !sameState(whole, pieces) {
			t.Fatalf("loan %d (%+v), %s on %s: one payment gives %+v\n%d payments (%v) give %+v",
				n, terms, cash, day.Format("2006-01-02"), whole.Balances(), len(parts), parts, pieces.Balances())
		}
		checked++
	}
	t.Logf("%d histories checked", checked)
	if checked < 500 {
		t.Fatalf("only %d histories checked", checked)
	}
}

// pickCash is everything owed, what is due, or a part of everything owed.
func pickCash(rng *rand.Rand, owed loan.Owed, scale int) decimal.Decimal {
	switch rng.IntN(3) {
	case 0:
		return owed.Total()
	case 1:
		return owed.Due()
	}
	part, _ := owed.Total().Mul(decimal.MustNew(int64(1+rng.IntN(99)), 2))
	return part.Trunc(scale)
}

// split cuts cash into n positive parts in the currency's units (fewer if too small).
func split(rng *rand.Rand, cash decimal.Decimal, scale, n int) []decimal.Decimal {
	var parts []decimal.Decimal
	left := cash
	for i := 0; i < n-1; i++ {
		p, _ := left.Mul(decimal.MustNew(int64(1+rng.IntN(90)), 2))
		if p = p.Trunc(scale); !p.IsPos() || p.Cmp(left) >= 0 {
			break
		}
		parts = append(parts, p)
		left, _ = left.Sub(p)
	}
	return append(parts, left)
}

func replayWith(t *testing.T, terms loan.Terms, events []loan.Event, on time.Time, cash []decimal.Decimal) *loan.State {
	t.Helper()
	all := append([]loan.Event(nil), events...)
	for i, c := range cash {
		all = append(all, loan.Event{ID: int64(1000 + i), Kind: loan.Repayment, On: on, Amount: c})
	}
	st, err := loan.Replay(terms, all, on.AddDate(0, 0, 45))
	if err != nil {
		t.Fatalf("replay: %v", err)
	}
	return st
}

// sameState compares the balances and every installment, allocations aside (they
// differ by payment, by construction).
func sameState(a, b *loan.State) bool {
	if canonical(a.Balances()) != canonical(b.Balances()) || len(a.Installments) != len(b.Installments) {
		return false
	}
	for i := range a.Installments {
		x, y := a.Installments[i], b.Installments[i]
		if !x.Principal.Equal(y.Principal) || !x.Interest.Equal(y.Interest) || !x.PaidPrincipal.Equal(y.PaidPrincipal) ||
			!x.PaidInterest.Equal(y.PaidInterest) || x.Rescheduled != y.Rescheduled {
			return false
		}
	}
	return a.Outstanding.Equal(b.Outstanding) && a.InterestPaid.Equal(b.InterestPaid) && a.FeesPaid.Equal(b.FeesPaid) &&
		a.LateInterestPaid.Equal(b.LateInterestPaid) && a.Overpaid.Equal(b.Overpaid)
}

// canonical prints a struct with its decimals trimmed (1,000 and 1,000.00 are equal).
func canonical(v any) string {
	rv := reflect.ValueOf(v)
	var out strings.Builder
	for i := range rv.NumField() {
		f := rv.Field(i).Interface()
		if d, ok := f.(decimal.Decimal); ok {
			f = d.Trim(0).String()
		}
		fmt.Fprintf(&out, "%s=%v ", rv.Type().Field(i).Name, f)
	}
	return out.String()
}
