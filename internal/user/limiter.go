package user

import (
	"strings"
	"sync"
	"time"
)

// SignInLimiter slows password guessing without letting a stranger lock an account's
// owner out. It keeps three counts:
//
//   - per account and address together: maxFailsPerPair failures within LoginWindow
//     refuse that pair until the oldest of them ages out. A guesser at one address is
//     stopped; the owner, at another, is not.
//   - per account, from any address: after freeFailures consecutive failures each
//     attempt waits a delay that doubles from firstDelay up to MaxAccountDelay. This
//     slows a guesser who rotates addresses, and costs the owner at most that delay.
//   - per address, across accounts: maxFailsPerAddress failures within LoginWindow
//     refuse the address (a guesser trying many accounts).
//
// It is in memory: one Cartera process serves one installation.
type SignInLimiter struct {
	mu        sync.Mutex
	now       func() time.Time
	pairs     map[string][]time.Time // account + "\x00" + address: the last failures
	addresses map[string][]time.Time
	accounts  map[string]streak
	swept     time.Time // the last sweep of full maps, at most one a minute
}

// streak is an account's consecutive failures, from any address, and the last one.
type streak struct {
	failures int
	last     time.Time
}

// The limits. A streak is forgotten after LoginWindow without a failure.
const (
	LoginWindow        = 15 * time.Minute
	maxFailsPerPair    = 5
	maxFailsPerAddress = 50
	freeFailures       = 2
	firstDelay         = time.Second
	MaxAccountDelay    = 30 * time.Second
)

// Throttle is a refusal: how long to wait, and which count refused.
type Throttle struct {
	Wait time.Duration
	// Rule is "address", "account and address" or "account delay".
	Rule string
}

// NewSignInLimiter reads the time from now.
func NewSignInLimiter(now func() time.Time) *SignInLimiter {
	return &SignInLimiter{now: now, pairs: map[string][]time.Time{}, addresses: map[string][]time.Time{}, accounts: map[string]streak{}}
}

func accountKey(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// Blocked returns the refusal with the longest wait for a sign-in to the account from
// the address; a zero Wait when the attempt may go ahead.
func (l *SignInLimiter) Blocked(address, email string) Throttle {
	l.mu.Lock()
	defer l.mu.Unlock()
	now, account := l.now(), accountKey(email)
	var t Throttle
	for _, c := range []Throttle{
		{windowWait(l.addresses, address, maxFailsPerAddress, now), "address"},
		{windowWait(l.pairs, account+"\x00"+address, maxFailsPerPair, now), "account and address"},
		{l.accountWaitLocked(account, now), "account delay"},
	} {
		if c.Wait > t.Wait {
			t = c
		}
	}
	return t
}

// windowWait is how long the key stays refused: until the oldest of its last max
// failures leaves the window. It drops the failures that have.
func windowWait(m map[string][]time.Time, key string, max int, now time.Time) time.Duration {
	recent := m[key][:0]
	for _, t := range m[key] {
		if now.Sub(t) < LoginWindow {
			recent = append(recent, t)
		}
	}
	if len(recent) == 0 {
		delete(m, key)
		return 0
	}
	m[key] = recent
	if len(recent) < max {
		return 0
	}
	return LoginWindow - now.Sub(recent[len(recent)-max])
}

// accountWaitLocked is what is left of the account's delay after its last failure.
func (l *SignInLimiter) accountWaitLocked(account string, now time.Time) time.Duration {
	s, ok := l.accounts[account]
	if !ok {
		return 0
	}
	if now.Sub(s.last) >= LoginWindow {
		delete(l.accounts, account)
		return 0
	}
	if wait := s.last.Add(accountDelay(s.failures)).Sub(now); wait > 0 {
		return wait
	}
	return 0
}

// accountDelay is the wait after n consecutive failures: none for the first
// freeFailures (a typo or two), then firstDelay, doubling, at most MaxAccountDelay.
func accountDelay(n int) time.Duration {
	if n <= freeFailures {
		return 0
	}
	d := firstDelay
	for i := freeFailures + 1; i < n && d < MaxAccountDelay; i++ {
		d *= 2
	}
	return min(d, MaxAccountDelay)
}

// Failed counts a failed sign-in from the address to the account.
func (l *SignInLimiter) Failed(address, email string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now, account := l.now(), accountKey(email)
	if len(l.pairs)+len(l.addresses)+len(l.accounts) >= maxTrackedKeys && now.Sub(l.swept) > time.Minute {
		l.forgetOldLocked(now)
		l.swept = now
	}
	l.pairs[account+"\x00"+address] = appendLast(l.pairs[account+"\x00"+address], now, maxFailsPerPair)
	l.addresses[address] = appendLast(l.addresses[address], now, maxFailsPerAddress)
	s := l.accounts[account]
	if now.Sub(s.last) >= LoginWindow {
		s.failures = 0 // a streak with a long pause in it is over
	}
	l.accounts[account] = streak{failures: s.failures + 1, last: now}
}

// appendLast adds t and keeps only the last max times: memory per key stays bounded.
func appendLast(times []time.Time, t time.Time, max int) []time.Time {
	times = append(times, t)
	if len(times) > max {
		times = times[len(times)-max:]
	}
	return times
}

// maxTrackedKeys bounds the limiter's memory against guesses at random accounts.
const maxTrackedKeys = 100_000

// forgetOldLocked drops the keys whose failures have all aged out.
func (l *SignInLimiter) forgetOldLocked(now time.Time) {
	for _, m := range []map[string][]time.Time{l.pairs, l.addresses} {
		for key, times := range m {
			if len(times) == 0 || now.Sub(times[len(times)-1]) >= LoginWindow {
				delete(m, key)
			}
		}
	}
	for key, s := range l.accounts {
		if now.Sub(s.last) >= LoginWindow {
			delete(l.accounts, key)
		}
	}
}

// Succeeded forgets the account's streak and the pair's failures; the address's
// stay counted, since it may be guessing other accounts too.
func (l *SignInLimiter) Succeeded(address, email string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	account := accountKey(email)
	delete(l.accounts, account)
	delete(l.pairs, account+"\x00"+address)
}
