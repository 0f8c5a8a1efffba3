package user

import (
	"strings"
	"sync"
	"time"
)

// SignInLimiter slows password guessing: after too many failures in the window, per
// address and per account, sign-in is refused until the oldest failure ages out.
// It is in memory: one Cartera process serves one installation.
type SignInLimiter struct {
	mu       sync.Mutex
	now      func() time.Time
	failures map[string][]time.Time
	swept    time.Time // the last sweep of a full map, at most one a minute
}

// A sign-in is refused after maxFailsPerIP failures from an address, or
// maxFailsPerAccount to an account, within LoginWindow.
const (
	LoginWindow        = 15 * time.Minute
	maxFailsPerIP      = 20
	maxFailsPerAccount = 5
)

// NewSignInLimiter reads the time from now.
func NewSignInLimiter(now func() time.Time) *SignInLimiter {
	return &SignInLimiter{now: now, failures: map[string][]time.Time{}}
}

// Blocked returns how long sign-in stays refused for this address or account.
func (l *SignInLimiter) Blocked(ip, email string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	wait := l.waitLocked("ip:"+ip, maxFailsPerIP)
	if w := l.waitLocked("account:"+strings.ToLower(email), maxFailsPerAccount); w > wait {
		wait = w
	}
	return wait
}

func (l *SignInLimiter) waitLocked(key string, max int) time.Duration {
	now := l.now()
	recent := l.failures[key][:0]
	for _, t := range l.failures[key] {
		if now.Sub(t) < LoginWindow {
			recent = append(recent, t)
		}
	}
	if len(recent) == 0 {
		delete(l.failures, key)
		return 0
	}
	l.failures[key] = recent
	if len(recent) < max {
		return 0
	}
	return LoginWindow - now.Sub(recent[len(recent)-max])
}

// Failed counts a failed sign-in from the address to the account.
func (l *SignInLimiter) Failed(ip, email string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.failures) >= maxTrackedKeys && now.Sub(l.swept) > time.Minute {
		l.forgetOldLocked(now)
		l.swept = now
	}
	for key, max := range map[string]int{"ip:" + ip: maxFailsPerIP, "account:" + strings.ToLower(email): maxFailsPerAccount} {
		times := append(l.failures[key], now)
		if len(times) > max { // only the last max count: memory per key stays bounded
			times = times[len(times)-max:]
		}
		l.failures[key] = times
	}
}

// maxTrackedKeys bounds the limiter's memory against guesses at random accounts.
const maxTrackedKeys = 100_000

// forgetOldLocked drops the keys whose failures have all aged out.
func (l *SignInLimiter) forgetOldLocked(now time.Time) {
	for key, times := range l.failures {
		if len(times) == 0 || now.Sub(times[len(times)-1]) >= LoginWindow {
			delete(l.failures, key)
		}
	}
}

// Succeeded forgets an account's failures; the address's stay counted.
func (l *SignInLimiter) Succeeded(email string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.failures, "account:"+strings.ToLower(email))
}
