package ledger

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/govalues/decimal"

	"cartera/internal/audit"
	"cartera/internal/loan"
	"cartera/internal/loan/loantest"
	"cartera/internal/platform/civil"
)

// TestEachPositionAtIsEachLoanReplayed: the streamed, parallel replay of the book gives
// every loan signed by the date, in loan order, each as the loan's own page (Get, one
// loan read and replayed) has it; it stops at the visitor's first error and at a
// cancelled context, leaving no goroutine behind.
func TestEachPositionAtIsEachLoanReplayed(t *testing.T) {
	ctx := context.Background()
	s, conn, _, _ := bookService(t, civil.Date(2045, 1, 1))
	_, err := conn.Exec(`INSERT INTO funds (name, base_currency) VALUES ('F1', 'USD'), ('F2', 'EUR');
		INSERT INTO partners (name, country, legal_status) VALUES ('A', 'BO', 'ngo'), ('B', 'PE', 'bank')`)
	ok(t, err)
	actor := audit.System("test")
	rng := rand.New(rand.NewPCG(11, 7))
	for n := range 30 {
		terms, events := loantest.RandomHistory(rng)
		fundID := int64(1 + rng.IntN(2))
		l, err := s.Create(ctx, actor, NewLoan{FundID: &fundID, PartnerID: int64(1 + rng.IntN(2)), Reference: fmt.Sprint("P", n), Terms: terms})
		ok(t, err)
		for _, e := range events {
			_, _ = s.Post(ctx, actor, l.ID, e) // an event the history refuses is left out
		}
	}
	var signed []time.Time
	ok(t, conn.Select(&signed, `SELECT signed_on FROM loans ORDER BY id`))

	for _, asOf := range []time.Time{civil.Date(2017, 12, 31), civil.Date(2019, 6, 30), civil.Date(2021, 2, 14), civil.Date(2024, 12, 31)} {
		for _, fundID := range []*int64{nil, ptr(int64(2))} {
			var seen []int64
			err := s.EachPositionAt(ctx, asOf, fundID, func(p Position) error {
				if n := len(seen); n > 0 && p.Loan.ID <= seen[n-1] {
					return fmt.Errorf("loan %d after loan %d", p.Loan.ID, seen[n-1])
				}
				seen = append(seen, p.Loan.ID)
				if fundID != nil && p.Loan.FundID != *fundID {
					return fmt.Errorf("loan %d of fund %d in fund %d's book", p.Loan.ID, p.Loan.FundID, *fundID)
				}
				d, err := s.Get(ctx, p.Loan.ID, asOf)
				if err != nil {
					return err
				}
				if !sameBalances(p.Balances, d.Balances) {
					return fmt.Errorf("loan %d at %s: streamed %+v, its page %+v", p.Loan.ID, asOf.Format(civil.Layout), p.Balances, d.Balances)
				}
				return nil
			})
			ok(t, err)
			want := 0
			for i, on := range signed {
				if !civil.Of(on).After(asOf) && (fundID == nil || loanFund(t, s, int64(i+1)) == *fundID) {
					want++
				}
			}
			if len(seen) != want {
				t.Errorf("at %s (fund %v): %d loans, %d signed by then", asOf.Format(civil.Layout), fundID, len(seen), want)
			}
		}
	}

	// The first error stops the walk, and is the one returned.
	before := runtime.NumGoroutine()
	stop := errors.New("enough")
	visited := 0
	err = s.EachPositionAt(ctx, civil.Date(2024, 12, 31), nil, func(Position) error {
		if visited++; visited == 3 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || visited != 3 {
		t.Errorf("stopping at the third loan: %v after %d loans", err, visited)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.EachPositionAt(cancelled, civil.Date(2024, 12, 31), nil, func(Position) error { return nil }); err == nil {
		t.Error("a cancelled context should end the walk with an error")
	}
	for deadline := time.Now().Add(5 * time.Second); runtime.NumGoroutine() > before && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after the walks stopped, %d before", n, before)
	}
}

func loanFund(t *testing.T, s *Service, id int64) int64 {
	t.Helper()
	d, err := s.Get(context.Background(), id, civil.Date(2045, 1, 1))
	ok(t, err)
	return d.Loan.FundID
}

// sameBalances compares by value: the page may come from the stored state, whose
// amounts carry the column's four decimals.
func sameBalances(a, b loan.Balances) bool {
	amounts := func(x loan.Balances) []decimal.Decimal {
		return []decimal.Decimal{x.Committed, x.Disbursed, x.Undisbursed, x.PrincipalRepaid, x.InterestPaid, x.WrittenOff,
			x.Outstanding, x.OverduePrincipal, x.OverdueInterest, x.NextDueAmount}
	}
	for i, v := range amounts(a) {
		if v.Cmp(amounts(b)[i]) != 0 {
			return false
		}
	}
	sameDate := (a.NextDueOn == nil) == (b.NextDueOn == nil) && (a.NextDueOn == nil || a.NextDueOn.Equal(*b.NextDueOn))
	return sameDate && a.DaysPastDue == b.DaysPastDue && a.AgingBucket == b.AgingBucket && a.Status == b.Status
}
