package user

import (
	"testing"
	"time"
)

func TestLoginLimiter(t *testing.T) {
	now := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	l := NewSignInLimiter(func() time.Time { return now })

	// Per account: the fifth failure locks the account, from any address.
	for i := range maxFailsPerAccount {
		if w := l.Blocked("10.0.0.1", "ana@example.org"); w != 0 {
			t.Fatalf("blocked after %d failures", i)
		}
		l.Failed("10.0.0.1", "ana@example.org")
		now = now.Add(time.Minute)
	}
	if w := l.Blocked("10.0.0.9", "ANA@example.org"); w <= 0 || w > LoginWindow {
		t.Fatalf("account not locked after %d failures (wait %v)", maxFailsPerAccount, w)
	}
	// It opens again once the oldest failure of the last five ages out.
	now = now.Add(LoginWindow - 4*time.Minute)
	if w := l.Blocked("10.0.0.9", "ana@example.org"); w != 0 {
		t.Fatalf("still locked once the window passed: %v", w)
	}

	// Per address: many accounts guessed from one address lock the address.
	for i := range maxFailsPerIP {
		l.Failed("10.0.0.2", "user"+string(rune('a'+i))+"@example.org")
	}
	if w := l.Blocked("10.0.0.2", "someone-new@example.org"); w <= 0 {
		t.Fatal("an address with 20 failures is not blocked")
	}
	if w := l.Blocked("10.0.0.3", "someone-new@example.org"); w != 0 {
		t.Fatal("another address is blocked")
	}

	// A success forgets the account's failures, not the address's.
	l.Failed("10.0.0.4", "bo@example.org")
	l.Succeeded("bo@example.org")
	if n := len(l.failures["account:bo@example.org"]); n != 0 {
		t.Fatalf("failures kept after a success: %d", n)
	}
	if n := len(l.failures["ip:10.0.0.4"]); n != 1 {
		t.Fatalf("the address's failures = %d, want 1", n)
	}

	// Old keys are dropped when the map is full.
	now = now.Add(2 * LoginWindow)
	l.forgetOldLocked(now)
	if len(l.failures) != 0 {
		t.Fatalf("%d keys kept after every failure aged out", len(l.failures))
	}
}
