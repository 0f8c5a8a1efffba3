package ledger

import (
	"fmt"
	"time"

	"github.com/govalues/decimal"

	"cartera/internal/loan"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/civil"
	"cartera/internal/platform/money"
)

// newOverpayment refuses a write whose replay st credits a repayment with more beyond
// everything owed than the stored history held: the engine credits an excess (a payoff
// recorded under earlier rules may leave one), but a new write must fit within what is
// owed. txs are the stored transactions; added is the new event (its id, and its
// amount and date for a repayment not yet stored; zero when none).
func newOverpayment(l loan.Loan, txs []loan.Transaction, st *loan.State, added loan.Event) error {
	scale := money.MustCurrency(l.Currency).Scale
	if a := st.Allocations[added.ID]; added.Kind == loan.Repayment && a.Overpaid.IsPos() && !storedIn(txs, added.ID) {
		return overpaid(added.Amount, added.On, a, scale, "")
	}
	for _, t := range txs {
		if !t.Live() || t.Kind != loan.Repayment {
			continue
		}
		a := st.Allocations[t.ID]
		if a.Overpaid.Cmp(t.Overpaid) <= 0 {
			continue
		}
		if t.ID == added.ID {
			return overpaid(t.Amount, t.Date, a, scale, "")
		}
		return overpaid(t.Amount, t.Date, a, scale, "with it, the repayment of ")
	}
	return nil
}

func storedIn(txs []loan.Transaction, id int64) bool { return findTransaction(txs, id) != nil }

func overpaid(amount decimal.Decimal, on time.Time, a loan.Allocation, scale int, prefix string) error {
	// What the repayment could settle: everything but its excess (late interest and a
	// prepayment fee included).
	owed := money.MustSub(amount, a.Overpaid).Rescale(scale)
	return apperr.Invalid(apperr.FieldError{Field: "amount", Message: fmt.Sprintf("%s%s is more than everything owed on %s (%s)",
		prefix, amount.Rescale(scale), civil.Format(on), owed)})
}
