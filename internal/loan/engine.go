package loan

import (
	"fmt"
	"sort"
	"time"

	"github.com/govalues/decimal"

	"cartera/internal/platform/apperr"
	"cartera/internal/platform/civil"
)

// EventKind is what happened to a loan.
type EventKind string

// The events of a loan's life.
const (
	Disbursement EventKind = "disbursement"
	Repayment    EventKind = "repayment"
	WriteOff     EventKind = "writeoff"
	Reschedule   EventKind = "reschedule"
)

// Event is one entry in a loan's history.
type Event struct {
	ID     int64
	Kind   EventKind
	On     time.Time
	Amount decimal.Decimal // zero for a reschedule
	Reason string          // write-offs
	// Reschedule: the new terms from On; nil keeps the current one.
	NewMaturityOn *time.Time
	NewFrequency  *Frequency
	NewRate       *decimal.Decimal
}

// Allocation is how a repayment or write-off was applied.
type Allocation struct {
	Interest  decimal.Decimal // to overdue and current interest
	Principal decimal.Decimal // to overdue and current principal, and prepaid
	Prepaid   decimal.Decimal // the part of Principal that was paid ahead of schedule
}

// Installment is one due date of the schedule and what was paid on it.
type Installment struct {
	Seq                 int
	DueOn               time.Time
	Principal           decimal.Decimal
	Interest            decimal.Decimal
	PaidPrincipal       decimal.Decimal
	PaidInterest        decimal.Decimal
	WrittenOffPrincipal decimal.Decimal
	WrittenOffInterest  decimal.Decimal
	Rescheduled         bool // replaced by a rescheduling; its unpaid amounts moved on
	closed              bool // its due date has passed in the replay: interest is final
	frozen              bool // its interest was paid early: it no longer changes
}

// live is the principal still bearing interest: scheduled, less what was written off.
func (in *Installment) live() decimal.Decimal {
	if in.WrittenOffPrincipal.IsZero() {
		return in.Principal
	}
	return sub(in.Principal, in.WrittenOffPrincipal)
}

// Unpaid principal and interest of the installment.
// (Most installments have nothing paid or written off: skip the arithmetic then.)
func (in *Installment) unpaidPrincipal() decimal.Decimal {
	if in.PaidPrincipal.IsZero() && in.WrittenOffPrincipal.IsZero() {
		return in.Principal
	}
	return sub(sub(in.Principal, in.PaidPrincipal), in.WrittenOffPrincipal)
}

func (in *Installment) unpaidInterest() decimal.Decimal {
	if in.PaidInterest.IsZero() && in.WrittenOffInterest.IsZero() {
		return in.Interest
	}
	return sub(sub(in.Interest, in.PaidInterest), in.WrittenOffInterest)
}

// State is a loan as of a date: its schedule and where every amount stands.
type State struct {
	AsOf         time.Time
	Terms        Terms // as rescheduled up to AsOf
	Installments []Installment
	Allocations  map[int64]Allocation // by event id: repayments and write-offs

	Disbursed, PrincipalRepaid, InterestPaid, WrittenOff, Outstanding decimal.Decimal
}

// ledger replays events in order. Interest is schedule-based: it accrues on the
// scheduled principal balance (what is still to fall due), day by day under the day
// count, period by period; late payments do not change it (no default interest).
type ledger struct {
	terms Terms
	// inst is the schedule; pointers into it are only held while nothing is appended.
	inst []Installment
	cur  int // first installment not yet closed
	// settled: every installment before it is closed and fully settled (or replaced), so
	// the search for what is overdue can start there.
	settled int
	// schedBal is the principal of the installments not yet closed: what interest accrues on.
	schedBal decimal.Decimal
	// accrued is the interest of the open period so far, up to accrualFrom, as
	// balance × rate × days: divide by the day count's basis for the amount.
	accrued     decimal.Decimal
	accrualFrom time.Time
	// carried is interest moved by a rescheduling into the first new installment.
	carried decimal.Decimal
	st      State
}

// Replay applies events (in date order, and in the order they were recorded within a
// day, i.e. by id, so that a new event lands after what a day already had and leaves
// it valid, whatever order they come in) to the terms and
// returns the loan as of asOf. An event that breaks a rule (a repayment above what is
// owed, a disbursement above the commitment...) is an *apperr.Error naming the field.
func Replay(terms Terms, events []Event, asOf time.Time) (*State, error) {
	l, err := run(terms, events, asOf)
	if err != nil {
		return nil, err
	}
	l.st.AsOf = asOf
	l.st.Terms = l.terms
	l.st.Installments = l.inst
	return &l.st, nil
}

// OwedOn is everything owed on a date after the events up to it: the most a
// repayment on that date may be, and how it would be allocated.
func OwedOn(terms Terms, events []Event, on time.Time) (Owed, error) {
	l, err := run(terms, events, on)
	if err != nil {
		return Owed{}, err
	}
	o, _, _ := l.owed(on)
	return o, nil
}

func run(terms Terms, events []Event, asOf time.Time) (l *ledger, err error) {
	defer recoverArithmetic(&err)
	l, sorted := start(terms, events)
	for _, e := range sorted {
		if e.On.After(asOf) {
			break
		}
		if err := l.apply(e); err != nil {
			return nil, err
		}
	}
	l.advance(asOf)
	l.project()
	return l, nil
}

// recoverArithmetic turns the arithmetic panics of a replay (an overflow of the
// decimal type) into its error.
func recoverArithmetic(err *error) {
	if p := recover(); p != nil {
		ae, ok := p.(arithmeticError)
		if !ok {
			panic(p)
		}
		*err = fmt.Errorf("loan arithmetic: %w", ae.err)
	}
}

// start sets up a replay: the events in the order they apply, and a ledger with the
// original schedule and nothing happened yet.
func start(terms Terms, events []Event) (*ledger, []Event) {
	sorted := append([]Event(nil), events...)
	sort.SliceStable(sorted, func(i, j int) bool {
		a, b := sorted[i], sorted[j]
		if !a.On.Equal(b.On) {
			return a.On.Before(b.On)
		}
		return a.ID < b.ID
	})
	// Trailing zeros (amounts come from NUMERIC(19,4)) would only lengthen every
	// product beyond the decimal type's fast 64-bit path.
	terms.Rate, terms.Committed = terms.Rate.Trim(0), terms.Committed.Trim(0)
	for i := range sorted {
		sorted[i].Amount = sorted[i].Amount.Trim(0)
	}
	l := &ledger{terms: terms, accrualFrom: terms.SignedOn}
	l.st.Allocations = map[int64]Allocation{}
	dues := DueDates(terms.FirstDueOn, terms.MaturityOn, terms.Frequency)
	l.inst = make([]Installment, len(dues), len(dues)+len(dues)/2)
	for i, d := range dues {
		l.inst[i] = Installment{Seq: i + 1, DueOn: d}
	}
	return l, sorted
}

func (l *ledger) apply(e Event) error {
	switch e.Kind {
	case Disbursement:
		return l.disburse(e)
	case Repayment:
		return l.repay(e)
	case WriteOff:
		return l.writeOff(e)
	case Reschedule:
		return l.reschedule(e)
	}
	return fmt.Errorf("unknown event kind %q", e.Kind)
}

func invalid(field, format string, args ...any) error {
	return apperr.Invalid(apperr.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// advance closes every installment due on or before t: its interest becomes final.
func (l *ledger) advance(t time.Time) {
	for l.cur < len(l.inst) && !l.inst[l.cur].DueOn.After(t) {
		in := &l.inst[l.cur]
		if !in.Rescheduled {
			if !in.frozen {
				in.Interest = notBelowPaid(in, l.interest(add(l.accrued, l.accrual(l.accrualFrom, in.DueOn)), l.carried))
			}
			l.carried = decimal.Zero
			l.schedBal = sub(l.schedBal, in.live())
			l.accrued = decimal.Zero
			l.accrualFrom = in.DueOn
		}
		in.closed = true
		l.cur++
	}
}

// accrueTo moves the open period's accrual to t, before the balance changes at t.
func (l *ledger) accrueTo(t time.Time) {
	if t.After(l.accrualFrom) {
		l.accrued = add(l.accrued, l.accrual(l.accrualFrom, t))
		l.accrualFrom = t
	}
}

// accrual is the accrual on the scheduled balance from one date to another, as
// balance × rate × days.
func (l *ledger) accrual(from, to time.Time) decimal.Decimal {
	return l.accrualOn(l.schedBal, from, to)
}

func (l *ledger) accrualOn(bal decimal.Decimal, from, to time.Time) decimal.Decimal {
	if !to.After(from) || bal.IsZero() {
		return decimal.Zero
	}
	return mul(mul(bal, l.terms.Rate), decimal.MustNew(days(l.terms.DayCount, from, to), 0))
}

// interest turns an accrual into an installment's interest: divided by the basis, plus
// interest carried in, rounded to the currency.
func (l *ledger) interest(accrual, carried decimal.Decimal) decimal.Decimal {
	b, _, _ := basis(l.terms.DayCount).Int64(0)
	i := add(divRound(accrual, b, l.terms.Currency.Scale), carried)
	if i.IsNeg() {
		return decimal.Zero // a credit beyond the period's interest (paid far ahead) is not refunded
	}
	return i
}

func (l *ledger) round(d decimal.Decimal) decimal.Decimal { return l.terms.Currency.Round(d) }

// project sets the interest of the installments not yet closed, as they would be if
// nothing else happened: the open period's accrual so far plus the rest of it, then
// each later period on the balance left after the installments before it.
func (l *ledger) project() { l.projectUpTo(len(l.inst)) }

// projectCurrent projects only the first open installment: all a repayment's
// allocation needs, and it keeps a replay linear in its events.
func (l *ledger) projectCurrent() { l.projectUpTo(l.firstOpen() + 1) }

func (l *ledger) projectUpTo(end int) {
	bal := l.schedBal
	from := l.accrualFrom
	first := l.firstOpen()
	for i := l.cur; i < end && i < len(l.inst); i++ {
		in := &l.inst[i]
		if in.Rescheduled {
			continue
		}
		if !in.frozen {
			if i == first {
				in.Interest = notBelowPaid(in, l.interest(add(l.accrued, l.accrualOn(bal, from, in.DueOn)), l.carried))
			} else {
				in.Interest = notBelowPaid(in, l.interest(l.accrualOn(bal, from, in.DueOn), decimal.Zero))
			}
		}
		bal = sub(bal, in.live())
		from = in.DueOn
	}
}

// notBelowPaid keeps interest already paid on an installment: a later drop in the
// balance (a write-off, a rescheduling) lowers what is still to pay, never refunds.
func notBelowPaid(in *Installment, interest decimal.Decimal) decimal.Decimal {
	if in.PaidInterest.IsZero() && in.WrittenOffInterest.IsZero() {
		return interest
	}
	paid := add(in.PaidInterest, in.WrittenOffInterest)
	if interest.Cmp(paid) < 0 {
		return paid
	}
	return interest
}

func (l *ledger) firstOpen() int {
	for i := l.cur; i < len(l.inst); i++ {
		if !l.inst[i].Rescheduled {
			return i
		}
	}
	return len(l.inst)
}

// open returns the installments due after t that a change of principal may re-derive.
func (l *ledger) open(t time.Time) []*Installment {
	var out []*Installment
	for i := l.cur; i < len(l.inst); i++ {
		if in := &l.inst[i]; !in.Rescheduled && in.DueOn.After(t) {
			out = append(out, in)
		}
	}
	return out
}

// spread sets the unpaid principal of installments to total, by the amortization:
// grace installments (the first GracePeriods of the loan) repay none; rounding goes to
// the last one, so the installments add up exactly to total.
func (l *ledger) spread(installments []*Installment, total decimal.Decimal, graceBefore int) {
	var amortizing []*Installment
	for _, in := range installments {
		in.Principal = in.PaidPrincipal // keep what is settled
		if !in.WrittenOffPrincipal.IsZero() {
			in.Principal = add(in.Principal, in.WrittenOffPrincipal)
		}
		if in.Seq > graceBefore {
			amortizing = append(amortizing, in)
		}
	}
	if len(amortizing) == 0 && len(installments) > 0 {
		amortizing = installments[len(installments)-1:]
	}
	n := len(amortizing)
	if n == 0 || total.IsZero() {
		return
	}
	shares := make([]decimal.Decimal, n)
	switch {
	case l.terms.Amortization == Bullet:
		shares[n-1] = total
	case l.terms.Amortization == Annuity && l.terms.Rate.IsPos():
		// Level installment A = P·r / (1 − (1+r)^−n) at the nominal periodic rate r,
		// rounded to the currency; each principal share is A less that rate's interest
		// on the balance (rounded), so every installment but the last totals A.
		months := decimal.MustNew(int64(l.terms.Frequency.Months()), 0)
		r := quo(mul(l.terms.Rate, months), d12)
		payment, err := annuityPayment(total, r, n)
		if err != nil {
			// (1+r)^n beyond the decimals' range: (1+r)^−n is below their precision,
			// and the level installment is the periodic interest alone.
			payment = mul(total, r)
		}
		payment = l.round(payment)
		bal := total
		for k := 0; k < n-1; k++ {
			interest := divRound(mul(mul(bal, l.terms.Rate), months), 12, l.terms.Currency.Scale)
			// Rounding a tiny balance over many installments could overshoot: never
			// more than what is left, so the last share is never negative.
			shares[k] = min(sub(payment, interest), bal)
			if shares[k].IsNeg() {
				shares[k] = decimal.Zero
			}
			bal = sub(bal, shares[k])
		}
		shares[n-1] = bal
	default: // equal principal, and annuity at 0 %
		each := l.round(quo(total, decimal.MustNew(int64(n), 0)))
		left := total
		for k := 0; k < n-1; k++ {
			shares[k] = min(each, left)
			left = sub(left, shares[k])
		}
		shares[n-1] = left
	}
	for k, in := range amortizing {
		in.Principal = add(in.Principal, shares[k])
	}
}

// resetSchedBal recomputes the scheduled balance after principal was re-derived.
func (l *ledger) resetSchedBal() {
	l.schedBal = decimal.Zero
	for i := l.cur; i < len(l.inst); i++ {
		if !l.inst[i].Rescheduled {
			l.schedBal = add(l.schedBal, l.inst[i].live())
		}
	}
}

func (l *ledger) unpaidPrincipalOf(ins []*Installment) decimal.Decimal {
	total := decimal.Zero
	for _, in := range ins {
		total = add(total, in.unpaidPrincipal())
	}
	return total
}

func (l *ledger) disburse(e Event) error {
	if e.On.Before(l.terms.SignedOn) {
		return invalid("date", "a disbursement cannot be before the loan was signed (%s)", fmtDate(l.terms.SignedOn))
	}
	if l.st.WrittenOff.IsPos() && l.st.Outstanding.IsZero() {
		return invalid("date", "the loan was written off in full; it takes no more disbursements")
	}
	if left := sub(l.terms.Committed, l.st.Disbursed); e.Amount.Cmp(left) > 0 {
		return invalid("amount", "%s is more than the commitment left to disburse (%s of %s)", e.Amount, left, l.terms.Committed)
	}
	l.advance(e.On)
	open := l.open(e.On)
	if len(open) == 0 {
		return invalid("date", "a disbursement must be before the last due date (%s)", fmtDate(l.inst[len(l.inst)-1].DueOn))
	}
	l.accrueTo(e.On)
	l.spread(open, add(l.unpaidPrincipalOf(open), e.Amount), l.terms.GracePeriods)
	l.resetSchedBal()
	l.st.Disbursed = add(l.st.Disbursed, e.Amount)
	l.st.Outstanding = add(l.st.Outstanding, e.Amount)
	return nil
}

// due splits the schedule at t: installments due before t (overdue if unpaid) and the
// current one, the first due on or after t.
func (l *ledger) due(t time.Time) (overdue []*Installment, current *Installment) {
	for l.settled < l.cur {
		in := &l.inst[l.settled]
		if !in.Rescheduled && (in.unpaidPrincipal().IsPos() || in.unpaidInterest().IsPos()) {
			break
		}
		l.settled++
	}
	for i := l.settled; i < len(l.inst); i++ {
		in := &l.inst[i]
		if in.Rescheduled {
			continue
		}
		if in.DueOn.Before(t) {
			overdue = append(overdue, in)
		} else {
			current = in
			break
		}
	}
	return overdue, current
}

// Owed is what a borrower owes at a date, and so the most a repayment may be.
type Owed struct {
	OverdueInterest, OverduePrincipal, CurrentInterest, CurrentPrincipal, FuturePrincipal decimal.Decimal
}

// Total is everything owed.
func (o Owed) Total() decimal.Decimal {
	return add(add(add(add(o.OverdueInterest, o.OverduePrincipal), o.CurrentInterest), o.CurrentPrincipal), o.FuturePrincipal)
}

func (l *ledger) owed(t time.Time) (Owed, []*Installment, *Installment) {
	l.projectCurrent()
	overdue, current := l.due(t)
	var o Owed
	for _, in := range overdue {
		o.OverdueInterest = add(o.OverdueInterest, in.unpaidInterest())
		o.OverduePrincipal = add(o.OverduePrincipal, in.unpaidPrincipal())
	}
	if current != nil {
		o.CurrentInterest = current.unpaidInterest()
		o.CurrentPrincipal = current.unpaidPrincipal()
		// Outstanding is the unpaid principal of all installments: what is not overdue
		// or current is to come.
		o.FuturePrincipal = sub(sub(l.st.Outstanding, o.OverduePrincipal), o.CurrentPrincipal)
	}
	return o, overdue, current
}

func (l *ledger) repay(e Event) error {
	if l.st.Disbursed.IsZero() {
		return invalid("date", "a repayment cannot come before the first disbursement")
	}
	l.advance(e.On)
	o, overdue, current := l.owed(e.On)
	if e.Amount.Cmp(o.Total()) > 0 {
		return invalid("amount", "%s is more than everything owed on %s (%s)", e.Amount, fmtDate(e.On), o.Total())
	}
	left := e.Amount
	var a Allocation
	pay := func(unpaid decimal.Decimal, paid *decimal.Decimal, to *decimal.Decimal) {
		x := min(left, unpaid)
		if x.IsPos() {
			*paid = add(*paid, x)
			*to = add(*to, x)
			left = sub(left, x)
		}
	}
	for _, in := range overdue {
		pay(in.unpaidInterest(), &in.PaidInterest, &a.Interest)
	}
	for _, in := range overdue {
		pay(in.unpaidPrincipal(), &in.PaidPrincipal, &a.Principal)
	}
	if current != nil {
		// Paid early, the current installment's interest may still grow (a tranche in
		// the period) but never shrink below what was paid (notBelowPaid).
		pay(current.unpaidInterest(), &current.PaidInterest, &a.Interest)
		pay(current.unpaidPrincipal(), &current.PaidPrincipal, &a.Principal)
	}
	if left.IsPos() {
		// A prepayment: it is recorded on the current installment, as principal paid
		// with it, and the later installments are lowered, the term kept. The balance
		// so drops at the current installment's due date, whose interest is paid.
		l.accrueTo(e.On)
		later := l.open(current.DueOn)
		current.Principal = add(current.Principal, left)
		current.PaidPrincipal = add(current.PaidPrincipal, left)
		l.spread(later, sub(l.unpaidPrincipalOf(later), left), l.terms.GracePeriods)
		l.resetSchedBal()
		a.Principal = add(a.Principal, left)
		a.Prepaid = left
		left = decimal.Zero
	}
	l.st.Allocations[e.ID] = a
	l.st.PrincipalRepaid = add(l.st.PrincipalRepaid, a.Principal)
	l.st.InterestPaid = add(l.st.InterestPaid, a.Interest)
	l.st.Outstanding = sub(l.st.Outstanding, a.Principal)
	return nil
}

func (l *ledger) writeOff(e Event) error {
	if e.Amount.Cmp(l.st.Outstanding) > 0 {
		return invalid("amount", "%s is more than the outstanding principal on %s (%s)", e.Amount, fmtDate(e.On), l.st.Outstanding)
	}
	l.advance(e.On)
	l.accrueTo(e.On)
	left := e.Amount
	// The principal already due goes first, oldest first: it is what is being given
	// up on. Then the installments still to come, re-derived on what is left.
	for i := range l.inst {
		in := &l.inst[i]
		if in.Rescheduled || !in.closed {
			continue
		}
		x := min(left, in.unpaidPrincipal())
		if x.IsPos() {
			in.WrittenOffPrincipal = add(in.WrittenOffPrincipal, x)
			left = sub(left, x)
		}
	}
	// Then the principal still to fall due, from the last installment backwards: the
	// borrower keeps the earlier installments as agreed, the tail is given up.
	open := l.open(e.On)
	for i := len(open) - 1; i >= 0 && left.IsPos(); i-- {
		x := min(left, open[i].unpaidPrincipal())
		open[i].WrittenOffPrincipal = add(open[i].WrittenOffPrincipal, x)
		left = sub(left, x)
	}
	l.resetSchedBal()
	l.st.Allocations[e.ID] = Allocation{Principal: e.Amount}
	l.st.WrittenOff = add(l.st.WrittenOff, e.Amount)
	l.st.Outstanding = sub(l.st.Outstanding, e.Amount)
	if l.st.Outstanding.IsZero() {
		// Nothing left to collect: the interest still unpaid goes with the principal.
		l.project()
		for i := range l.inst {
			if in := &l.inst[i]; !in.Rescheduled {
				in.WrittenOffInterest = add(in.WrittenOffInterest, in.unpaidInterest())
				in.frozen = true
			}
		}
	}
	return nil
}

// reschedule replaces the schedule from e.On: the unpaid principal, late or not, is
// spread over new installments on the new terms; unpaid interest (late, and accrued in
// the open period) moves into the first new installment. The replaced installments
// stay in the schedule, marked, as the history of what was agreed before.
func (l *ledger) reschedule(e Event) error {
	if l.st.Outstanding.IsZero() {
		return invalid("date", "only a loan with principal outstanding can be rescheduled")
	}
	next := l.terms
	if e.NewRate != nil {
		next.Rate = *e.NewRate
	}
	if e.NewFrequency != nil {
		next.Frequency = *e.NewFrequency
	}
	if e.NewMaturityOn != nil {
		next.MaturityOn = *e.NewMaturityOn
	}
	first := civil.AddMonths(e.On, next.Frequency.Months())
	if !next.MaturityOn.After(e.On) {
		return invalid("maturity_on", "the new maturity must be after the rescheduling date (%s)", fmtDate(e.On))
	}
	if first.After(next.MaturityOn) {
		first = next.MaturityOn
	}
	l.advance(e.On)
	l.accrueTo(e.On)
	carried := l.carried
	if fo := l.firstOpen(); fo < len(l.inst) && !l.inst[fo].frozen {
		// The open period's interest so far, less what was already paid toward it (that
		// stays on the replaced installment). Paid beyond what had accrued, the
		// difference is a credit against the new schedule's first interest.
		b, _, _ := basis(l.terms.DayCount).Int64(0)
		carried = add(carried, sub(divRound(l.accrued, b, 10), l.inst[fo].PaidInterest))
	}
	l.project()
	for i := range l.inst {
		in := &l.inst[i]
		settled := in.unpaidInterest().IsZero() && in.unpaidPrincipal().IsZero()
		if in.Rescheduled || (settled && (in.closed || in.frozen)) {
			continue
		}
		if in.closed {
			carried = add(carried, in.unpaidInterest())
		}
		// What was settled stays; what was not moves to the new installments (the open
		// period's interest went into carried with the accrual above).
		in.Principal = add(in.PaidPrincipal, in.WrittenOffPrincipal)
		in.Interest = add(in.PaidInterest, in.WrittenOffInterest)
		in.Rescheduled = true
		in.closed = true
	}
	l.terms = next
	l.cur = len(l.inst)
	seq := len(l.inst)
	for i, d := range DueDates(first, next.MaturityOn, next.Frequency) {
		l.inst = append(l.inst, Installment{Seq: seq + i + 1, DueOn: d})
	}
	var fresh []*Installment // taken after appending: appends may move the schedule
	for i := seq; i < len(l.inst); i++ {
		fresh = append(fresh, &l.inst[i])
	}
	l.spread(fresh, l.st.Outstanding, 0)
	l.resetSchedBal()
	l.accrued = decimal.Zero
	l.accrualFrom = e.On
	l.carried = l.round(carried)
	return nil
}

// annuityPayment is P·r·(1+r)^n / ((1+r)^n − 1), or an error when a step leaves the
// decimals' range (a high rate over many installments).
func annuityPayment(total, r decimal.Decimal, n int) (decimal.Decimal, error) {
	growth, err := decimal.One.Add(r)
	if err == nil {
		growth, err = growth.PowInt(n)
	}
	if err != nil {
		return decimal.Decimal{}, err
	}
	num, err := r.Mul(growth)
	if err == nil {
		num, err = total.Mul(num)
	}
	if err != nil {
		return decimal.Decimal{}, err
	}
	den, err := growth.Sub(decimal.One)
	if err != nil {
		return decimal.Decimal{}, err
	}
	return num.Quo(den)
}
