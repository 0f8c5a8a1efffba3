package book

import (
	"cartera/internal/loan"
	"cartera/internal/loan/loantest"
	"cartera/internal/platform/civil"
	"testing"
	"time"
)

// TestAggregate sums two loans' steps by hand: ranges start where either changes
// (restructured alone included), equal neighbours merge, and a gap where neither
// counts is left out.
func TestAggregate(t *testing.T) {
	day := func(n int) time.Time { return civil.Date(2024, 1, 1).AddDate(0, 0, n) }
	a := []loan.Step{{From: day(0), Undisbursed: loantest.D("100"), Open: true}, {From: day(5), Outstanding: loantest.D("100"), Open: true},
		{From: day(40), Outstanding: loantest.D("100"), Overdue: loantest.D("50"), PAR30: loantest.D("100"), Open: true},
		// Only Restructured changes: a range starts all the same.
		{From: day(55), Outstanding: loantest.D("100"), Overdue: loantest.D("50"), PAR30: loantest.D("100"), Restructured: loantest.D("100"), Open: true},
		{From: day(60)}}
	b := []loan.Step{{From: day(5), Outstanding: loantest.D("30"), Open: true}, {From: day(40), Outstanding: loantest.D("30"), Open: true}, {From: day(50)},
		{From: day(70), Outstanding: loantest.D("7"), Open: true}}
	got, err := Aggregate([][]loan.Step{a, b})
	if err != nil {
		t.Fatal(err)
	}
	want := []Range{
		{From: day(0), To: day(5), Undisbursed: loantest.D("100"), Loans: 1},
		{From: day(5), To: day(40), Outstanding: loantest.D("130"), Loans: 2},
		{From: day(40), To: day(50), Outstanding: loantest.D("130"), Overdue: loantest.D("50"), PAR30: loantest.D("100"), Loans: 2},
		{From: day(50), To: day(55), Outstanding: loantest.D("100"), Overdue: loantest.D("50"), PAR30: loantest.D("100"), Loans: 1},
		{From: day(55), To: day(60), Outstanding: loantest.D("100"), Overdue: loantest.D("50"), PAR30: loantest.D("100"),
			Restructured: loantest.D("100"), Loans: 1},
		{From: day(70), Outstanding: loantest.D("7"), Loans: 1},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if !got[i].same(want[i]) {
			t.Errorf("range %d: %+v, want %+v", i, got[i], want[i])
		}
	}
}
