package loan

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/govalues/decimal"

	"cartera/internal/platform/civil"
	"cartera/internal/platform/money"
)

// randomHistory draws a loan and a valid history for it: tranches, repayments on time,
// late, partial and ahead of schedule, sometimes a rescheduling and a write-off. Each
// event is kept only if the loan still replays with it, as the service would.
func randomHistory(rng *rand.Rand) (Terms, []Event) {
	signed := civil.Date(2018, 1, 1).AddDate(0, 0, rng.IntN(365*4))
	freq := []Frequency{Monthly, Quarterly, Semiannual, Annual}[rng.IntN(4)]
	first := civil.AddMonths(signed, freq.Months()*(1+rng.IntN(2)))
	terms := Terms{
		Currency:  money.MustCurrency([]string{"USD", "EUR", "JPY", "BOB"}[rng.IntN(4)]),
		Committed: decimal.MustNew(int64(10_000+rng.IntN(2_000_000)), 0),
		Rate:      decimal.MustNew(int64(rng.IntN(2000)), 4), DayCount: []DayCount{ACT360, ACT365, Thirty360}[rng.IntN(3)],
		SignedOn: signed, FirstDueOn: first, MaturityOn: civil.AddMonths(first, freq.Months()*rng.IntN(12)),
		Amortization: []Amortization{Bullet, EqualPrincipal, Annuity}[rng.IntN(3)], Frequency: freq, GracePeriods: rng.IntN(2),
	}
	if terms.Validate() != nil {
		terms.GracePeriods = 0 // grace over the only installment
	}
	var events []Event
	id := int64(0)
	try := func(e Event) bool {
		id++
		e.ID = id
		if _, err := Replay(terms, append(events, e), civil.Date(2100, 1, 1)); err != nil {
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
		if !amount.IsPos() || !try(Event{Kind: Disbursement, On: on, Amount: amount}) {
			break
		}
		left, _ = left.Sub(amount)
		on = on.AddDate(0, 0, 30+rng.IntN(120))
	}
	rescheduled, wroteOff := false, false
	for _, due := range DueDates(terms.FirstDueOn, terms.MaturityOn.AddDate(1, 0, 0), terms.Frequency) {
		day := due.AddDate(0, 0, rng.IntN(50)-15)
		owed, err := OwedOn(terms, events, day)
		if err != nil || !owed.Total().IsPos() {
			continue
		}
		switch r := rng.IntN(20); {
		case r < 2:
			continue // missed
		case r == 2 && !rescheduled:
			m := civil.AddMonths(day, 12+rng.IntN(24))
			rescheduled = try(Event{Kind: Reschedule, On: day, NewMaturityOn: &m})
			continue
		case r == 3 && !wroteOff && rng.IntN(3) == 0:
			st, err := Replay(terms, events, day)
			if err == nil && st.Outstanding.IsPos() {
				part, _ := st.Outstanding.Mul(decimal.MustNew(int64(1+rng.IntN(10)), 1))
				wroteOff = try(Event{Kind: WriteOff, On: day, Amount: part.Trunc(terms.Currency.Scale), Reason: "loss"})
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
			try(Event{Kind: Repayment, On: day, Amount: amount})
		}
	}
	return terms, events
}

// TestTimelineIsReplayAtEveryDate: the timeline's figures at a date are those of
// Replay at that date, on every step's date, the days around it, every event's and
// due date's, and random days, for a thousand random histories.
func TestTimelineIsReplayAtEveryDate(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for n := range 1000 {
		terms, events := randomHistory(rng)
		steps, err := Timeline(terms, events)
		if err != nil {
			t.Fatalf("history %d: %v", n, err)
		}
		if len(steps) == 0 || !steps[0].From.Equal(terms.SignedOn) {
			t.Fatalf("history %d: the first step should start at signing: %+v", n, steps)
		}
		dates := map[time.Time]bool{}
		add := func(d time.Time) {
			for k := -1; k <= 1; k++ {
				if x := d.AddDate(0, 0, k); !x.Before(terms.SignedOn) {
					dates[x] = true
				}
			}
		}
		for _, s := range steps {
			add(s.From)
			add(s.From.AddDate(0, 0, 31))
		}
		for _, e := range events {
			add(e.On)
		}
		st, err := Replay(terms, events, civil.Date(2040, 1, 1))
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range st.Installments {
			add(in.DueOn)
			add(in.DueOn.AddDate(0, 0, 31))
		}
		add(st.Terms.MaturityOn)
		for range 20 {
			add(terms.SignedOn.AddDate(0, 0, rng.IntN(365*8)))
		}
		sorted := make([]time.Time, 0, len(dates))
		for d := range dates {
			sorted = append(sorted, d)
		}
		sort.Slice(sorted, func(i, j int) bool { return sorted[i].Before(sorted[j]) })
		for _, d := range sorted {
			want := stepOf(t, terms, events, d)
			got := at(steps, d)
			if !got.same(want) {
				t.Fatalf("history %d (%+v, %d events) at %s:\n timeline %s\n   replay %s", n, terms, len(events), d.Format(civil.Layout), got, want)
			}
		}
		for i := 1; i < len(steps); i++ {
			if steps[i].same(steps[i-1]) || !steps[i].From.After(steps[i-1].From) {
				t.Fatalf("history %d: steps %d and %d are not distinct and in order: %s, %s", n, i-1, i, steps[i-1], steps[i])
			}
		}
	}
}

func stepOf(t *testing.T, terms Terms, events []Event, d time.Time) Step {
	t.Helper()
	st, err := Replay(terms, events, d)
	if err != nil {
		t.Fatal(err)
	}
	b := st.Balances()
	s := Step{From: d, Outstanding: b.Outstanding, Undisbursed: b.Undisbursed, Overdue: b.OverduePrincipal,
		Open: b.Outstanding.IsPos() || b.Undisbursed.IsPos()}
	if b.DaysPastDue > 30 {
		s.PAR30 = b.Outstanding
	}
	return s
}

// at is the step in force at d.
func at(steps []Step, d time.Time) Step {
	var cur Step
	for _, s := range steps {
		if s.From.After(d) {
			break
		}
		cur = s
	}
	return cur
}

func (s Step) String() string {
	return fmt.Sprintf("{from %s out %s undisbursed %s overdue %s par30 %s open %v}", s.From.Format(civil.Layout),
		s.Outstanding, s.Undisbursed, s.Overdue, s.PAR30, s.Open)
}
