package loan

import (
	"time"

	"github.com/govalues/decimal"
)

// Step is a loan's exposure figures from a date until the next step's date; the last
// step holds from its date on.
type Step struct {
	From        time.Time
	Outstanding decimal.Decimal // principal disbursed, not repaid or written off
	Undisbursed decimal.Decimal // commitment still drawable
	Overdue     decimal.Decimal // principal fallen due and unpaid
	PAR30       decimal.Decimal // Outstanding when at risk (over 30 days past due, or restructured), else zero
	// Restructured is Outstanding once a rescheduling moved overdue amounts
	// (Balances.Restructured), else zero: part of PAR30, shown apart.
	Restructured decimal.Decimal
	Open         bool // something out or still drawable: the loan counts
}

// same reports whether two steps hold the same figures.
func (a Step) same(b Step) bool {
	return a.Open == b.Open && a.Outstanding.Cmp(b.Outstanding) == 0 && a.Undisbursed.Cmp(b.Undisbursed) == 0 &&
		a.Overdue.Cmp(b.Overdue) == 0 && a.PAR30.Cmp(b.PAR30) == 0 && a.Restructured.Cmp(b.Restructured) == 0
}

// Timeline is the loan's exposure figures as functions of the as-of date: at any date
// on or after signing they are those of the last step on or before it, exactly what
// Replay at that date gives (before signing the loan does not exist). Between two
// events the figures change only on the day after a due date (principal becomes
// overdue), on the 31st day past the oldest unpaid due date (PAR30) and at maturity
// (what was not drawn lapses), so one pass over the events finds every step: the cost
// of one replay, not one per date.
func Timeline(terms Terms, events []Event) (steps []Step, err error) {
	defer recoverArithmetic(&err)
	l, sorted := start(terms, events)
	t, i := terms.SignedOn, 0
	for {
		for i < len(sorted) && !sorted[i].On.After(t) {
			if err := l.apply(sorted[i]); err != nil {
				return nil, err
			}
			i++
		}
		var nextEvent time.Time // zero: no more events
		if i < len(sorted) {
			nextEvent = sorted[i].On
		}
		for p := t; ; {
			step, oldest := l.stepAt(p)
			if n := len(steps); n == 0 || !steps[n-1].same(step) {
				steps = append(steps, step)
			}
			q, ok := l.nextChange(p, oldest)
			if !ok || (!nextEvent.IsZero() && !q.Before(nextEvent)) {
				break
			}
			p = q
		}
		if nextEvent.IsZero() {
			return steps, nil
		}
		t = nextEvent
	}
}

// stepAt is the loan's figures at p, with no event between the last applied and p;
// oldest is the due date of the oldest unpaid installment (zero when none is late).
func (l *ledger) stepAt(p time.Time) (step Step, oldest time.Time) {
	l.advance(p)
	if l.st.Outstanding.IsZero() {
		// Whether the loan is settled then turns on interest still to fall due.
		l.project()
	}
	st := State{AsOf: p, Terms: l.terms, Installments: l.inst, Disbursed: l.st.Disbursed,
		PrincipalRepaid: l.st.PrincipalRepaid, InterestPaid: l.st.InterestPaid, WrittenOff: l.st.WrittenOff,
		Outstanding: l.st.Outstanding, RestructuredOn: l.st.RestructuredOn, CuredOn: l.st.CuredOn}
	b := st.Balances()
	step = Step{From: p, Outstanding: b.Outstanding, Undisbursed: b.Undisbursed, Overdue: b.OverduePrincipal,
		Open: b.Outstanding.IsPos() || b.Undisbursed.IsPos()}
	if b.AtRisk() {
		step.PAR30 = b.Outstanding
	}
	if b.Restructured {
		step.Restructured = b.Outstanding
	}
	if b.DaysPastDue > 0 {
		oldest = p.AddDate(0, 0, -b.DaysPastDue)
	}
	return step, oldest
}

// nextChange is the first date after p on which the figures may change without an
// event: the day after the next due date, maturity, or the day the oldest unpaid
// installment passes 30 days.
func (l *ledger) nextChange(p, oldest time.Time) (time.Time, bool) {
	var next time.Time
	consider := func(d time.Time) {
		if d.After(p) && (next.IsZero() || d.Before(next)) {
			next = d
		}
	}
	for i := l.cur; i < len(l.inst); i++ {
		if in := &l.inst[i]; !in.Rescheduled {
			consider(in.DueOn.AddDate(0, 0, 1))
			break
		}
	}
	// advance(p) closed every installment due on or before p: one due on p itself is
	// overdue from the next day.
	for i := l.cur - 1; i >= 0 && !l.inst[i].DueOn.Before(p); i-- {
		if !l.inst[i].Rescheduled {
			consider(l.inst[i].DueOn.AddDate(0, 0, 1))
		}
	}
	consider(l.terms.MaturityOn)
	if !oldest.IsZero() {
		consider(oldest.AddDate(0, 0, 31))
	}
	return next, !next.IsZero()
}
