package loan

import (
	"fmt"
	"time"

	"github.com/govalues/decimal"
)

// Simulation drives one loan's history event by event, for synthetic books: what is
// owed on a date, then the event, in one pass (a replay per event would be quadratic).
type Simulation struct {
	l      *ledger
	events []Event
}

// Simulate starts a loan with nothing happened yet.
func Simulate(terms Terms) *Simulation {
	l, _ := start(terms, nil)
	return &Simulation{l: l}
}

// Owed is what is owed on a date after the events so far; the date must not be before
// the last event's.
func (s *Simulation) Owed(on time.Time) (o Owed, err error) {
	defer recoverArithmetic(&err)
	if n := len(s.events); n > 0 && on.Before(s.events[n-1].On) {
		return Owed{}, fmt.Errorf("simulation: %s is before the last event (%s)", fmtDate(on), fmtDate(s.events[n-1].On))
	}
	s.l.advance(on)
	// What is owed depends on the interest accrued to the date; the accrual is put back
	// after, so that the next event accrues from the last one as a replay does (a day
	// count whose spans do not add up would otherwise count the cut).
	accrued, from, late, lateFrom, lateTotal := s.l.accrued, s.l.accrualFrom, s.l.lateAccrued, s.l.lateFrom, s.l.st.LateInterest
	s.l.accrueTo(on)
	s.l.accrueLate(on)
	o, _, _ = s.l.owed(on, true)
	s.l.accrued, s.l.accrualFrom, s.l.lateAccrued, s.l.lateFrom, s.l.st.LateInterest = accrued, from, late, lateFrom, lateTotal
	return o, nil
}

// Outstanding is the principal out after the events so far.
func (s *Simulation) Outstanding() decimal.Decimal { return s.l.st.Outstanding }

// Post applies an event dated on or after the last one. One that breaks a rule is an
// error and is not applied (the ledger has only moved to its date, as any later event
// would move it).
func (s *Simulation) Post(e Event) (err error) {
	defer recoverArithmetic(&err)
	if n := len(s.events); n > 0 && e.On.Before(s.events[n-1].On) {
		return fmt.Errorf("simulation: %s is before the last event (%s)", fmtDate(e.On), fmtDate(s.events[n-1].On))
	}
	e.ID = int64(len(s.events) + 1)
	e.Amount = e.Amount.Trim(0)
	if e.Kind == Repayment && s.l.st.Disbursed.IsPos() {
		// As the ledger refuses a new repayment beyond everything owed (the engine
		// would credit the excess), so does a simulated one.
		s.l.advance(e.On)
		s.l.accrueTo(e.On)
		s.l.accrueLate(e.On)
		if o, _, _ := s.l.owed(e.On, false); e.Amount.Cmp(o.Total()) > 0 {
			return invalid("amount", "%s is more than everything owed on %s (%s)", e.Amount, fmtDate(e.On), o.Total())
		}
	}
	if err := s.l.apply(e); err != nil {
		return err
	}
	s.events = append(s.events, e)
	return nil
}

// DueDates are the due dates of the schedule in force (a rescheduling replaces the
// dates after it).
func (s *Simulation) DueDates() []time.Time {
	var out []time.Time
	for _, in := range s.l.inst {
		if !in.Rescheduled {
			out = append(out, in.DueOn)
		}
	}
	return out
}

// Events are the events posted, in order.
func (s *Simulation) Events() []Event { return s.events }
