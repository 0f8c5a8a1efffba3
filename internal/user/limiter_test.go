package user

import (
	"strconv"
	"testing"
	"time"
)

// The limiter's rules replace "five failures from anywhere lock the account for 15
// minutes", which let a stranger lock the owner out (issue 17, item 3).

func TestLimiterLocksThePairNotTheOwner(t *testing.T) {
	now := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	l := NewSignInLimiter(func() time.Time { return now })

	// A stranger at address A fails as often as the limiter lets them, for an hour.
	strangerFailures := 0
	for end := now.Add(time.Hour); now.Before(end); now = now.Add(time.Second) {
		if l.Blocked("198.51.100.7", "ana@example.org").Wait == 0 {
			l.Failed("198.51.100.7", "ANA@example.org")
			strangerFailures++
		}
		// The owner, at address B, is never kept waiting longer than the capped delay.
		if w := l.Blocked("203.0.113.9", "ana@example.org"); w.Wait > MaxAccountDelay {
			t.Fatalf("the owner at another address waits %v (%s) after %d failures elsewhere", w.Wait, w.Rule, strangerFailures)
		}
	}
	// The pair (account, A) was locked after maxFailsPerPair within the window: in an
	// hour, at most four windows' worth.
	if strangerFailures > 4*maxFailsPerPair {
		t.Errorf("the stranger failed %d times in an hour", strangerFailures)
	}
	// In the next window the stranger's pair locks again after at most five more.
	for i := 0; i < maxFailsPerPair && l.Blocked("198.51.100.7", "ana@example.org").Wait == 0; i++ {
		l.Failed("198.51.100.7", "ana@example.org")
		now = now.Add(MaxAccountDelay)
	}
	if w := l.Blocked("198.51.100.7", "ana@example.org"); w.Wait <= 0 || w.Rule != "account and address" {
		t.Errorf("the stranger's pair is not locked: %+v", w)
	}
	// Once the account's delay has passed, the owner signs in from B, which clears the
	// account's streak; the stranger's pair stays locked.
	now = now.Add(MaxAccountDelay)
	if w := l.Blocked("203.0.113.9", "ana@example.org"); w.Wait != 0 {
		t.Fatalf("the owner still waits %v (%s)", w.Wait, w.Rule)
	}
	l.Succeeded("203.0.113.9", "ana@example.org")
	if w := l.Blocked("198.51.100.7", "ana@example.org"); w.Wait <= 0 || w.Rule != "account and address" {
		t.Errorf("the owner's sign-in unlocked the stranger's pair: %+v", w)
	}
}

func TestLimiterPairLock(t *testing.T) {
	now := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	l := NewSignInLimiter(func() time.Time { return now })
	// Failures a minute apart: the account's delay (at most 30 s) has passed each time.
	for i := range maxFailsPerPair {
		if w := l.Blocked("10.0.0.1", "bo@example.org"); w.Wait != 0 {
			t.Fatalf("refused after %d failures: %+v", i, w)
		}
		l.Failed("10.0.0.1", "bo@example.org")
		now = now.Add(time.Minute)
	}
	w := l.Blocked("10.0.0.1", "BO@example.org")
	if w.Rule != "account and address" || w.Wait <= 0 || w.Wait > LoginWindow {
		t.Fatalf("pair not locked after %d failures: %+v", maxFailsPerPair, w)
	}
	// It opens once the oldest of the five ages out.
	now = now.Add(LoginWindow - 5*time.Minute)
	if w := l.Blocked("10.0.0.1", "bo@example.org"); w.Wait != 0 {
		t.Fatalf("still locked once the window passed: %+v", w)
	}
}

func TestLimiterAccountDelayGrowsToTheCap(t *testing.T) {
	now := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	l := NewSignInLimiter(func() time.Time { return now })
	want := []time.Duration{0, 0, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 30 * time.Second, 30 * time.Second}
	for i, d := range want {
		// Each failure from a new address: only the account's delay applies.
		l.Failed("10.1.0."+strconv.Itoa(i), "cy@example.org")
		w := l.Blocked("10.9.9.9", "cy@example.org")
		if w.Wait != d || (d > 0 && w.Rule != "account delay") {
			t.Errorf("after %d failures: wait %+v, want %v", i+1, w, d)
		}
		now = now.Add(d)
	}
	// A success ends the streak.
	l.Failed("10.2.0.1", "cy@example.org")
	l.Succeeded("10.2.0.2", "cy@example.org")
	if w := l.Blocked("10.2.0.1", "cy@example.org"); w.Wait != 0 {
		t.Errorf("a success kept the delay: %+v", w)
	}
	// A streak with a pause of a window in it starts again.
	for range 5 {
		l.Failed("10.3.0.1", "di@example.org")
	}
	now = now.Add(LoginWindow)
	l.Failed("10.3.0.2", "di@example.org")
	if w := l.Blocked("10.3.0.3", "di@example.org"); w.Wait != 0 {
		t.Errorf("an old streak still counts: %+v", w)
	}
}

func TestLimiterAddressLimit(t *testing.T) {
	now := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	l := NewSignInLimiter(func() time.Time { return now })
	for i := range maxFailsPerAddress {
		l.Failed("10.0.0.2", "user"+strconv.Itoa(i)+"@example.org")
	}
	if w := l.Blocked("10.0.0.2", "someone-new@example.org"); w.Wait <= 0 || w.Rule != "address" {
		t.Fatalf("an address with %d failures is not refused: %+v", maxFailsPerAddress, w)
	}
	if w := l.Blocked("10.0.0.3", "someone-new@example.org"); w.Wait != 0 {
		t.Fatal("another address is refused")
	}
	// A success does not clear the address's count: it may be guessing other accounts.
	l.Succeeded("10.0.0.2", "user0@example.org")
	if w := l.Blocked("10.0.0.2", "someone-new@example.org"); w.Wait <= 0 {
		t.Fatal("a success cleared the address's failures")
	}
}

func TestLimiterForgetsOldEntries(t *testing.T) {
	now := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	l := NewSignInLimiter(func() time.Time { return now })
	for i := range 100 {
		l.Failed("10.0.0."+strconv.Itoa(i), "user"+strconv.Itoa(i)+"@example.org")
	}
	now = now.Add(LoginWindow)
	l.forgetOldLocked(now)
	if n := len(l.pairs) + len(l.addresses) + len(l.accounts); n != 0 {
		t.Fatalf("%d keys kept after every failure aged out", n)
	}
	// Each key keeps at most its limit's count of failures.
	for range 3 * maxFailsPerAddress {
		l.Failed("10.0.0.1", "ed@example.org")
	}
	if n, m := len(l.pairs["ed@example.org\x0010.0.0.1"]), len(l.addresses["10.0.0.1"]); n != maxFailsPerPair || m != maxFailsPerAddress {
		t.Errorf("kept %d and %d failures, want %d and %d", n, m, maxFailsPerPair, maxFailsPerAddress)
	}
}
