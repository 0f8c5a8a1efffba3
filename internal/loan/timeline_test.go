package loan_test

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"cartera/internal/loan"
	"cartera/internal/loan/loantest"
	"cartera/internal/platform/civil"
)

// TestTimelineIsReplayAtEveryDate: the timeline's figures at a date are those of
// Replay at that date, on every step's date, the days around it, every event's and
// due date's, and random days, for a thousand random histories.
func TestTimelineIsReplayAtEveryDate(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	restructured := 0 // histories with a restructured step: the figure is exercised
	for n := range 1000 {
		terms, events := loantest.RandomHistory(rng)
		steps, err := loan.Timeline(terms, events)
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
		for i, s := range steps {
			add(s.From)
			add(s.From.AddDate(0, 0, 31))
			if s.Restructured.IsPos() && (i == 0 || !steps[i-1].Restructured.IsPos()) {
				restructured++
			}
		}
		for _, e := range events {
			add(e.On)
		}
		st, err := loan.Replay(terms, events, civil.Date(2040, 1, 1))
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
			if !sameStep(got, want) {
				t.Fatalf("history %d (%+v, %d events) at %s:\n timeline %s\n   replay %s", n, terms, len(events), d.Format(civil.Layout), stepString(got), stepString(want))
			}
		}
		for i := 1; i < len(steps); i++ {
			if sameStep(steps[i], steps[i-1]) || !steps[i].From.After(steps[i-1].From) {
				t.Fatalf("history %d: steps %d and %d are not distinct and in order: %s, %s", n, i-1, i, stepString(steps[i-1]), stepString(steps[i]))
			}
		}
	}
	if restructured == 0 {
		t.Error("no history was restructured: the Restructured figure was not compared")
	}
}

func stepOf(t *testing.T, terms loan.Terms, events []loan.Event, d time.Time) loan.Step {
	t.Helper()
	st, err := loan.Replay(terms, events, d)
	if err != nil {
		t.Fatal(err)
	}
	b := st.Balances()
	s := loan.Step{From: d, Outstanding: b.Outstanding, Undisbursed: b.Undisbursed, Overdue: b.OverduePrincipal,
		Open: b.Outstanding.IsPos() || b.Undisbursed.IsPos()}
	// At risk (issue 16): over 30 days past due, or restructured (it was days past due alone).
	if b.AtRisk() {
		s.PAR30 = b.Outstanding
	}
	// Restructured (issue 16, item 5): the outstanding once restructured, inside PAR30.
	if b.Restructured {
		s.Restructured = b.Outstanding
	}
	return s
}

// at is the step in force at d.
func at(steps []loan.Step, d time.Time) loan.Step {
	var cur loan.Step
	for _, s := range steps {
		if s.From.After(d) {
			break
		}
		cur = s
	}
	return cur
}

// sameStep compares two steps' figures (not their dates), as Step.same does.
func sameStep(a, b loan.Step) bool {
	return a.Open == b.Open && a.Outstanding.Cmp(b.Outstanding) == 0 &&
		a.Undisbursed.Cmp(b.Undisbursed) == 0 && a.Overdue.Cmp(b.Overdue) == 0 && a.PAR30.Cmp(b.PAR30) == 0 &&
		a.Restructured.Cmp(b.Restructured) == 0
}

func stepString(s loan.Step) string {
	return fmt.Sprintf("{from %s out %s undisbursed %s overdue %s par30 %s restructured %s open %v}", s.From.Format(civil.Layout),
		s.Outstanding, s.Undisbursed, s.Overdue, s.PAR30, s.Restructured, s.Open)
}
