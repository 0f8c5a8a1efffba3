// Package loan is the pure loan engine: terms, the schedule they generate, and the
// disbursements, repayments, write-offs and reschedulings that move them. Everything is
// a pure function of the terms and the events (Replay, Timeline, ProjectedSchedule,
// XIRR), with no database: the ledger package stores the events and what the engine
// derives from them.
package loan

import (
	"fmt"
	"math"
	"math/bits"
	"strings"
	"time"

	"github.com/govalues/decimal"

	"cartera/internal/platform/apperr"
	"cartera/internal/platform/civil"
	"cartera/internal/platform/money"
)

// Amortization is how principal is repaid.
type Amortization string

// The amortization methods.
const (
	Bullet         Amortization = "bullet"          // all principal at maturity
	EqualPrincipal Amortization = "equal_principal" // the same principal each installment
	Annuity        Amortization = "annuity"         // the same principal + interest each installment
)

// Frequency is how often installments fall due.
type Frequency string

// The payment frequencies.
const (
	Monthly    Frequency = "monthly"
	Quarterly  Frequency = "quarterly"
	Semiannual Frequency = "semiannual"
	Annual     Frequency = "annual"
)

// Months is the number of months between two installments.
func (f Frequency) Months() int {
	switch f {
	case Monthly:
		return 1
	case Quarterly:
		return 3
	case Semiannual:
		return 6
	case Annual:
		return 12
	}
	return 0
}

// Terms are the conditions a schedule is generated from.
type Terms struct {
	Currency     money.Currency
	Committed    decimal.Decimal
	Rate         decimal.Decimal // annual, a fraction: 0.085 is 8.5 %
	DayCount     DayCount
	SignedOn     time.Time
	FirstDueOn   time.Time
	MaturityOn   time.Time
	Amortization Amortization
	Frequency    Frequency
	GracePeriods int // leading installments with interest only
	// Order is how a repayment is applied to what is due (interest_first when empty).
	Order AllocationOrder
	// DefaultMargin is the default rate's margin over the contract rate, a fraction:
	// accrued daily on overdue principal, due at once. Zero: the agreement has none.
	DefaultMargin decimal.Decimal
	// PrepaymentFee is a share of the principal prepaid, carved out of the cash
	// received. Zero: none.
	PrepaymentFee decimal.Decimal
	// CureAfter is the fund's cure of restructured loans: after this many consecutive
	// installments paid by their due dates a restructured loan is no longer counted
	// at risk for it. Zero: never cured (SEEP's default).
	CureAfter int
}

// AllocationOrder is the order a repayment settles what is due.
type AllocationOrder string

// The allocation orders.
const (
	// InterestFirst settles the interest of every overdue installment, then their
	// principal, then the current installment's interest and principal.
	InterestFirst AllocationOrder = "interest_first"
	// InstallmentByInstallment settles the oldest installment's interest, then its
	// principal, then the next installment's.
	InstallmentByInstallment AllocationOrder = "installment_by_installment"
)

// Valid reports whether o is an allocation order (empty is interest_first).
func (o AllocationOrder) Valid() bool {
	return o == "" || o == InterestFirst || o == InstallmentByInstallment
}

// OrDefault is o, or interest_first when empty.
func (o AllocationOrder) OrDefault() AllocationOrder {
	if o == "" {
		return InterestFirst
	}
	return o
}

// MaxRate is the highest annual rate accepted (a fraction), to catch "8.5" typed for 8.5 %.
var MaxRate = decimal.MustParse("1")

// maxAmount bounds amounts to what NUMERIC(19,4) stores.
var maxAmount = decimal.MustParse("999999999999999")

// Validate reports every rule the terms break, naming the API's fields.
func (t Terms) Validate() error {
	var bad apperr.Fields
	CheckAmount(&bad, "committed_amount", t.Committed, t.Currency)
	if t.Rate.IsNeg() || t.Rate.Cmp(MaxRate) >= 0 {
		bad.Add("interest_rate", "must be a fraction from 0 to below 1 (0.085 is 8.5 %%)")
	} else if t.Rate.MinScale() > 8 {
		bad.Add("interest_rate", "at most 8 decimals")
	}
	if !t.Order.Valid() {
		bad.Add("allocation_order", "must be interest_first or installment_by_installment")
	}
	checkShare(&bad, "default_margin", t.DefaultMargin)
	checkShare(&bad, "prepayment_fee", t.PrepaymentFee)
	if !t.DayCount.Valid() {
		bad.Add("day_count", "must be one of %s", dayCountList())
	}
	switch t.Amortization {
	case Bullet, EqualPrincipal, Annuity:
	default:
		bad.Add("amortization", "must be one of bullet, equal_principal, annuity")
	}
	if t.Frequency.Months() == 0 {
		bad.Add("frequency", "must be one of monthly, quarterly, semiannual, annual")
	}
	if !t.FirstDueOn.After(t.SignedOn) {
		bad.Add("first_due_on", "must be after signed_on")
	}
	if t.MaturityOn.Before(t.FirstDueOn) {
		bad.Add("maturity_on", "cannot be before first_due_on")
	}
	if !t.MaturityOn.After(t.SignedOn) {
		bad.Add("maturity_on", "must be after signed_on")
	}
	if t.GracePeriods < 0 {
		bad.Add("grace_periods", "cannot be negative")
	} else if t.Frequency.Months() > 0 && !t.MaturityOn.Before(t.FirstDueOn) {
		if n := len(DueDates(t.FirstDueOn, t.MaturityOn, t.Frequency)); t.GracePeriods >= n {
			bad.Add("grace_periods", "must leave at least one installment to repay principal (the loan has %d)", n)
		}
		if n := len(DueDates(t.FirstDueOn, t.MaturityOn, t.Frequency)); n > 1200 {
			bad.Add("maturity_on", "gives %d installments; at most 1,200", n)
		}
	}
	return bad.Err()
}

// checkShare adds to bad a share that is negative, above 1 or with more than 8 decimals.
func checkShare(bad *apperr.Fields, field string, d decimal.Decimal) {
	if d.IsNeg() || d.Cmp(decimal.One) > 0 {
		bad.Add(field, "must be a fraction from 0 to 1 (0.02 is 2 %%)")
	} else if d.MinScale() > 8 {
		bad.Add(field, "at most 8 decimals")
	}
}

// CheckAmount adds to bad what is wrong with an amount in currency c: it must be positive, with at most c's decimals.
func CheckAmount(bad *apperr.Fields, field string, d decimal.Decimal, c money.Currency) {
	switch {
	case !d.IsPos():
		bad.Add(field, "must be greater than zero")
	case d.Cmp(maxAmount) > 0:
		bad.Add(field, "is larger than %s", maxAmount)
	case c.Code != "" && c.CheckAmount(d) != nil:
		bad.Add(field, "%s allows %d decimals", c.Code, c.Scale)
	}
}

// DueDates are the installment dates: from first by frequency, anchored on first's
// day of the month, up to maturity, which is always the last one.
func DueDates(first, maturity time.Time, f Frequency) []time.Time {
	var dates []time.Time
	step := f.Months()
	if step == 0 {
		return nil
	}
	for k := 0; ; k++ {
		d := civil.AddMonths(first, k*step)
		if !d.Before(maturity) {
			break
		}
		dates = append(dates, d)
	}
	return append(dates, maturity)
}

// arithmeticError carries an overflow out of the engine's arithmetic to Replay.
type arithmeticError struct{ err error }

func must(d decimal.Decimal, err error) decimal.Decimal {
	if err != nil {
		panic(arithmeticError{err})
	}
	return d
}

func add(a, b decimal.Decimal) decimal.Decimal { return must(a.Add(b)) }
func sub(a, b decimal.Decimal) decimal.Decimal { return must(a.Sub(b)) }
func mul(a, b decimal.Decimal) decimal.Decimal { return must(a.Mul(b)) }
func quo(a, b decimal.Decimal) decimal.Decimal { return must(a.Quo(b)) }

// divRound is num / den rounded half to even at scale digits, exactly, by an integer
// quotient and remainder: a 19-digit division is the slow path of the decimal type,
// and every installment's interest is one.
func divRound(num decimal.Decimal, den int64, scale int) decimal.Decimal {
	if d, ok := divRoundFast(num, uint64(den), scale); ok {
		return d
	}
	shifted := mul(num, pow10(scale))
	d := decimal.MustNew(den, 0)
	q, r, err := shifted.QuoRem(d)
	if err != nil {
		panic(arithmeticError{err})
	}
	// Half to even: past half rounds away from zero, exactly half to the even neighbour.
	twice := mul(r.Abs(), decimal.Two)
	switch c := twice.Cmp(d); {
	case c > 0, c == 0 && !isEven(q):
		if num.IsNeg() {
			q = sub(q, decimal.One)
		} else {
			q = add(q, decimal.One)
		}
	}
	whole, _, ok := q.Int64(0)
	if !ok {
		panic(arithmeticError{fmt.Errorf("%s / %d overflows", num, den)})
	}
	return decimal.MustNew(whole, scale)
}

// divRoundFast is divRound in 128-bit integer arithmetic:
// coef·10^scale / (den·10^numScale), for the usual case where that fits.
func divRoundFast(num decimal.Decimal, den uint64, scale int) (decimal.Decimal, bool) {
	s := num.Scale()
	if s > 16 || scale > 18 {
		return decimal.Decimal{}, false
	}
	hiD, denom := bits.Mul64(den, uint64(pow10(s).Coef()))
	if hiD != 0 {
		return decimal.Decimal{}, false
	}
	hi, lo := bits.Mul64(num.Coef(), uint64(pow10(scale).Coef()))
	if hi >= denom {
		return decimal.Decimal{}, false // the quotient would not fit in 64 bits
	}
	q, r := bits.Div64(hi, lo, denom)
	if r > denom-r || (r == denom-r && q%2 == 1) {
		q++
	}
	if q > math.MaxInt64 {
		return decimal.Decimal{}, false
	}
	v := int64(q)
	if num.IsNeg() {
		v = -v
	}
	return decimal.MustNew(v, scale), true
}

func isEven(q decimal.Decimal) bool {
	whole, _, _ := q.Int64(0)
	return whole%2 == 0
}

var powers = func() []decimal.Decimal {
	p := make([]decimal.Decimal, 19)
	n := int64(1)
	for i := range p {
		p[i] = decimal.MustNew(n, 0)
		n *= 10
	}
	return p
}()

func pow10(n int) decimal.Decimal { return powers[n] }

func lesser(a, b decimal.Decimal) decimal.Decimal {
	if a.Cmp(b) <= 0 {
		return a
	}
	return b
}

func fmtDate(t time.Time) string { return t.Format(civil.Layout) }

// ParseAmortization reads an amortization name.
func ParseAmortization(s string) Amortization {
	return Amortization(strings.ToLower(strings.TrimSpace(s)))
}

// ParseFrequency reads a frequency name.
func ParseFrequency(s string) Frequency { return Frequency(strings.ToLower(strings.TrimSpace(s))) }
