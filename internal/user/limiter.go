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
//     slows a guesser who rotates addresses.
//   - per address, across accounts: maxFailsPerAddress failures within LoginWindow
//     refuse the address (a guesser trying many accounts).
//
// A browser where the account signed in before (a device cookie, OWASP's "device
// cookies") is counted apart: only its own failures, per account and device, can
// refuse it. A stranger who keeps the account's delay running, or shares the owner's
// address, so never keeps the owner out.
//
// Begin checks and counts an attempt in one step, as a failure until Settle says
// otherwise: a burst of parallel guesses cannot all pass the check before the first
// is counted (the password check takes a bcrypt's time). It is in memory: one
// Cartera process serves one installation.
type SignInLimiter struct {
	mu        sync.Mutex
	now       func() time.Time
	pairs     map[string][]time.Time // account + "\x00" + address (or device): the last failures
	addresses map[string][]time.Time
	accounts  map[string]streak
	reported  map[string]reported // refusals and the audit log, per pair
	swept     time.Time           // the last sweep of full maps, at most one a minute
}

// reported is when a pair's refusal was last written to the audit log, and how many
// were not since.
type reported struct {
	last       time.Time
	suppressed int
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
	// reportEvery is how often refusals of one pair reach the audit log: each costs
	// no password check, so a client could otherwise write rows as fast as it sends.
	reportEvery = time.Minute
)

// Throttle is a refusal: how long to wait, and which count refused.
type Throttle struct {
	Wait time.Duration
	// Rule is "address", "account and address", "account and device" or "account delay".
	Rule string
	// Report is true for the first refusal of the pair in reportEvery: the one to audit.
	// Suppressed counts the refusals since the last one reported.
	Report     bool
	Suppressed int
}

// who is an attempt's keys. The strings are copies: a request's strings may live in
// buffers the server reuses for the next request, and a map key must not change.
type who struct {
	account, address, pair string
	trusted                bool
}

func attempt(address, email, device string) who {
	w := who{account: accountKey(email), address: strings.Clone(address)}
	if device != "" {
		w.trusted, w.pair = true, w.account+"\x00device "+strings.Clone(device)
	} else {
		w.pair = w.account + "\x00" + w.address
	}
	return w
}

// NewSignInLimiter reads the time from now.
func NewSignInLimiter(now func() time.Time) *SignInLimiter {
	return &SignInLimiter{now: now, pairs: map[string][]time.Time{}, addresses: map[string][]time.Time{}, accounts: map[string]streak{},
		reported: map[string]reported{}}
}

func accountKey(email string) string { return strings.Clone(strings.ToLower(strings.TrimSpace(email))) }

// Blocked returns the refusal with the longest wait for a sign-in to the account from
// the address; a zero Wait when the attempt may go ahead. It counts nothing.
func (l *SignInLimiter) Blocked(address, email string) Throttle {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.blockedLocked(attempt(address, email, ""), l.now())
}

// Begin is Blocked and, when the attempt may go ahead, Failed in one step: the
// attempt counts as a failure until Settle (with the same keys) says otherwise.
// device is the id of a device cookie the account signed in with before ("" for
// none). A refusal's Report says whether it is the one in a while to audit.
func (l *SignInLimiter) Begin(address, email, device string) Throttle {
	l.mu.Lock()
	defer l.mu.Unlock()
	now, w := l.now(), attempt(address, email, device)
	if t := l.blockedLocked(w, now); t.Wait > 0 {
		t.Report, t.Suppressed = l.reportLocked(reportKey(w, t.Rule), now)
		return t
	}
	l.failLocked(w, now)
	return Throttle{}
}

func (l *SignInLimiter) blockedLocked(w who, now time.Time) Throttle {
	checks := []Throttle{{Wait: windowWait(l.pairs, w.pair, maxFailsPerPair, now), Rule: "account and device"}}
	if !w.trusted {
		checks = []Throttle{
			{Wait: windowWait(l.addresses, w.address, maxFailsPerAddress, now), Rule: "address"},
			{Wait: windowWait(l.pairs, w.pair, maxFailsPerPair, now), Rule: "account and address"},
			{Wait: l.accountWaitLocked(w.account, now), Rule: "account delay"},
		}
	}
	var t Throttle
	for _, c := range checks {
		if c.Wait > t.Wait {
			t = c
		}
	}
	return t
}

// reportKey is what a refusal is audited once a minute per: the key of the rule that
// refused. (Per pair, a client refused by its address's limit wrote a row for every
// new email it sent: second review.)
func reportKey(w who, rule string) string {
	switch rule {
	case "address":
		return "address\x00" + w.address
	case "account delay":
		return "account\x00" + w.account
	}
	return w.pair
}

// maxReported bounds the refusals remembered for the audit log's sake; beyond it,
// refusals of new keys go unrecorded until old ones age out.
const maxReported = 10_000

// reportLocked says whether a refusal under key is to be audited (none in the last
// reportEvery) and how many were not since the last that was.
func (l *SignInLimiter) reportLocked(key string, now time.Time) (bool, int) {
	r, ok := l.reported[key]
	if ok && now.Sub(r.last) < reportEvery {
		r.suppressed++
		l.reported[key] = r
		return false, 0
	}
	if !ok && len(l.reported) >= maxReported {
		for k, old := range l.reported {
			if now.Sub(old.last) >= reportEvery {
				delete(l.reported, k)
			}
		}
		if len(l.reported) >= maxReported {
			return false, 0
		}
	}
	l.reported[key] = reported{last: now}
	return true, r.suppressed
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
	l.failLocked(attempt(address, email, ""), l.now())
}

func (l *SignInLimiter) failLocked(w who, now time.Time) {
	if len(l.pairs)+len(l.addresses)+len(l.accounts)+len(l.reported) >= maxTrackedKeys && now.Sub(l.swept) > time.Minute {
		l.forgetOldLocked(now)
		l.swept = now
	}
	l.pairs[w.pair] = appendLast(l.pairs[w.pair], now, maxFailsPerPair)
	if w.trusted {
		return // a known device's failures are its own: they slow no one else
	}
	l.addresses[w.address] = appendLast(l.addresses[w.address], now, maxFailsPerAddress)
	s := l.accounts[w.account]
	if now.Sub(s.last) >= LoginWindow {
		s.failures = 0 // a streak with a long pause in it is over
	}
	l.accounts[w.account] = streak{failures: s.failures + 1, last: now}
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
	for key, r := range l.reported {
		if now.Sub(r.last) >= LoginWindow {
			delete(l.reported, key)
		}
	}
}

// Succeeded forgets the account's streak and the pair's failures; the address's
// stay counted, since it may be guessing other accounts too.
func (l *SignInLimiter) Succeeded(address, email string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	w := attempt(address, email, "")
	delete(l.accounts, w.account)
	delete(l.pairs, w.pair)
}

// Settle says that an attempt Begin counted as a failure succeeded: the account's
// streak and the pair's failures are forgotten, and the address's count loses that
// attempt (a success is no failure of the address; its other failures stay).
func (l *SignInLimiter) Settle(address, email, device string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	w := attempt(address, email, device)
	delete(l.accounts, w.account)
	delete(l.pairs, w.pair)
	if times := l.addresses[w.address]; !w.trusted && len(times) > 0 {
		l.addresses[w.address] = times[:len(times)-1]
	}
}
