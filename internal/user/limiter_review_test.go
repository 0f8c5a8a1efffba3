package user

import (
	"strconv"
	"testing"
	"time"
	"unsafe"
)

// The limiter's keys must not share memory with the strings it is given: a web
// framework hands over strings that live in request buffers it reuses, and a map key
// that later changes is lost (found in review: the account delay vanished after the
// next request).
func TestLimiterKeysAreCopies(t *testing.T) {
	now := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	l := NewSignInLimiter(func() time.Time { return now })
	buf := []byte("ana@example.org")
	reused := unsafe.String(&buf[0], len(buf)) // as fasthttp's zero-copy strings are
	for i := range freeFailures + 3 {
		l.Failed("10.0.0."+strconv.Itoa(i), reused)
	}
	copy(buf, "bob@example.org") // the buffer serves the next request
	if w := l.Blocked("10.9.9.9", "ana@example.org"); w.Wait == 0 || w.Rule != "account delay" {
		t.Errorf("ana's delay after the buffer was reused: %v %q", w.Wait, w.Rule)
	}
}

// A stranger who fails as soon as each delay ends, from many addresses, keeps the
// account's delay running for good; a browser the owner signed in on before (a device
// cookie) is never kept out by it, only by its own failures (found in review: the
// owner got through 0 times in 341 tries over three hours).
func TestLimiterKnownDeviceIsNotStarved(t *testing.T) {
	now := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	l := NewSignInLimiter(func() time.Time { return now })
	addr := 0
	for end := now.Add(3 * time.Hour); now.Before(end); now = now.Add(time.Second) {
		if th := l.Begin("2001:db8:"+strconv.Itoa(addr%64)+"::/64", "ana@example.org", ""); th.Wait == 0 {
			addr++ // failed: Begin counted it
		}
		if now.Second() == 30 {
			if th := l.Begin("203.0.113.9", "ana@example.org", "device-1"); th.Wait != 0 {
				t.Fatalf("the owner's known browser refused at %v: %v (%s)", now, th.Wait, th.Rule)
			}
			l.Settle("203.0.113.9", "ana@example.org", "device-1")
		}
	}
	if addr < 100 {
		t.Errorf("the stranger failed only %d times: the scenario did not keep the delay running", addr)
	}
	// The device's own failures lock it (per account and device).
	for range maxFailsPerPair {
		if th := l.Begin("203.0.113.9", "ana@example.org", "device-2"); th.Wait != 0 {
			t.Fatalf("refused before its own failures: %v", th)
		}
	}
	if th := l.Begin("203.0.113.9", "ana@example.org", "device-2"); th.Wait == 0 || th.Rule != "account and device" {
		t.Errorf("after %d failures the device goes on: %+v", maxFailsPerPair, th)
	}
}

// Begin counts before the password is checked: a burst of parallel guesses cannot
// all pass before the first is counted (found in review: 200 guesses in one burst,
// against a pair limit of 5).
func TestLimiterBeginCountsAtOnce(t *testing.T) {
	now := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	l := NewSignInLimiter(func() time.Time { return now })
	admitted := 0
	for range 200 {
		if l.Begin("198.51.100.7", "ana@example.org", "").Wait == 0 {
			admitted++
		}
	}
	if admitted != freeFailures+1 {
		t.Errorf("%d of a burst of 200 admitted, want %d (the free failures, then the delay)", admitted, freeFailures+1)
	}
	// Successes are no failures of their address: many people signing in behind one
	// office address never reach its limit.
	for i := range 2 * maxFailsPerAddress {
		email := "user" + strconv.Itoa(i) + "@example.org"
		if th := l.Begin("192.0.2.50", email, ""); th.Wait != 0 {
			t.Fatalf("sign-in %d from the office refused: %+v", i, th)
		}
		l.Settle("192.0.2.50", email, "")
	}
}

// Refusals reach the audit log once a minute per account and address, with the
// count of those that did not: each costs no password check, so a client could
// otherwise write rows as fast as it sends.
func TestLimiterReportsRefusalsOnceAMinute(t *testing.T) {
	now := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	l := NewSignInLimiter(func() time.Time { return now })
	for range maxFailsPerPair {
		l.Failed("198.51.100.7", "ana@example.org")
	}
	reports, suppressed := 0, 0
	for range 120 { // two minutes, a refusal a second
		if th := l.Begin("198.51.100.7", "ana@example.org", ""); th.Wait == 0 {
			t.Fatal("admitted while locked")
		} else if th.Report {
			reports++
			suppressed += th.Suppressed
		}
		now = now.Add(time.Second)
	}
	if reports != 2 || suppressed != 59 {
		t.Errorf("%d refusals reported (%d counted as not), want 2 (and 59)", reports, suppressed)
	}
}

// Refusals by an address's limit are audited once a minute per address, whatever
// email each one tries (second review: a new email per request wrote a row each and
// grew the limiter's memory).
func TestLimiterReportsPerRefusingRule(t *testing.T) {
	now := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	l := NewSignInLimiter(func() time.Time { return now })
	for i := range maxFailsPerAddress {
		l.Failed("198.51.100.7", "user"+strconv.Itoa(i)+"@example.org")
	}
	reports := 0
	for i := range 1000 {
		th := l.Begin("198.51.100.7", "new"+strconv.Itoa(i)+"@example.org", "")
		if th.Wait == 0 || th.Rule != "address" {
			t.Fatalf("attempt %d: %+v", i, th)
		}
		if th.Report {
			reports++
		}
	}
	if reports != 1 || len(l.reported) != 1 {
		t.Errorf("%d reports, %d remembered, for 1000 refusals of one address in a minute", reports, len(l.reported))
	}
}
