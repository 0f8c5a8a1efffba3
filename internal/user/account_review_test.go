package user

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"cartera/internal/audit"
	"cartera/internal/platform/apperr"
)

// A device cookie is the server's own (a MAC keyed by the installation's secret): valid
// for its account only, for DeviceCookieAge, and still valid after a password change
// or reset, so the owner's browsers get in while a stranger keeps the account's delay
// running (second review).
func TestDeviceCookie(t *testing.T) {
	ctx := context.Background()
	s, conn := newService(t)
	ana := mustCreate(t, s, "ana@example.org", Viewer)
	now := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	token, err := s.DeviceToken("Ana@example.org", now)
	if err != nil || token == "" {
		t.Fatalf("DeviceToken: %q %v", token, err)
	}
	parts := strings.Split(token, ".")
	for _, tc := range []struct {
		name, email, token string
		at                 time.Time
		trusted            bool
	}{
		{"its account", "ana@example.org", token, now, true},
		{"its account, written otherwise", " ANA@example.org", token, now.Add(time.Hour), true},
		{"near the end of its age", "ana@example.org", token, now.Add(DeviceCookieAge - time.Minute), true},
		{"past its age", "ana@example.org", token, now.Add(DeviceCookieAge + time.Minute), false},
		{"another account", "bo@example.org", token, now, false},
		{"a changed MAC", "ana@example.org", token + "0", now, false},
		{"another nonce", "ana@example.org", "x." + parts[1] + "." + parts[2], now, false},
		{"a later issue date", "ana@example.org", parts[0] + "." + strconv.FormatInt(now.Add(DeviceCookieAge).Unix(), 36) + "." + parts[2], now, false},
		{"garbage", "ana@example.org", "garbage", now, false},
	} {
		if got := s.trustedDevice(tc.email, tc.token, tc.at); (got != "") != tc.trusted {
			t.Errorf("%s: trustedDevice = %q, want trusted %v", tc.name, got, tc.trusted)
		}
	}
	if err := s.ChangePassword(ctx, audit.System("ana"), ana.ID, 0, "correct horse battery", "a brand new passphrase"); err != nil {
		t.Fatal(err)
	}
	if s.trustedDevice("ana@example.org", token, now) == "" {
		t.Error("a password change voided the owner's device cookie")
	}
	// The key is the installation's: a second service on the same database (a restart)
	// honours the cookie; the key is made once.
	again, _ := NewService(ctx, conn, s.audit)
	if again.trustedDevice("ana@example.org", token, now) == "" {
		t.Error("a restart voided the device cookie")
	}
	if n := countRows(t, conn, `SELECT count(*) FROM server_secrets`); n != 1 {
		t.Errorf("%d secrets", n)
	}
}

// A sign-in whose password check read the hash before a change committed starts no
// session: the change ended every other session, and this one would have escaped it
// (found in review).
func TestSignInRacingAPasswordChange(t *testing.T) {
	ctx := context.Background()
	s, _ := newService(t)
	ana := mustCreate(t, s, "ana@example.org", Viewer)
	u, oldHash, err := s.checkPassword(ctx, "ana@example.org", "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ChangePassword(ctx, audit.System("ana"), ana.ID, 0, "correct horse battery", "a brand new passphrase"); err != nil {
		t.Fatal(err)
	}
	if secret, err := s.signedIn(ctx, u, oldHash, "192.0.2.1"); !apperr.IsKind(err, apperr.KindUnauthenticated) || secret != "" {
		t.Errorf("signed in on the old password after the change: %q %v", secret, err)
	}
	if n := countRows(t, s.conn, `SELECT count(*) FROM sessions WHERE user_id = $1`, ana.ID); n != 0 {
		t.Errorf("%d sessions", n)
	}
}

// Guesses of the current password where it is changed are throttled and audited: a
// stolen session or token is no unthrottled password oracle (found in review).
func TestChangePasswordThrottlesWrongCurrent(t *testing.T) {
	ctx := context.Background()
	s, conn := newService(t)
	ana := mustCreate(t, s, "ana@example.org", Viewer)
	me := audit.Actor{UserID: &ana.ID, Name: ana.Email, Via: audit.ViaUI}
	var refused *apperr.Error
	for i := range 10 {
		err := s.ChangePassword(ctx, me, ana.ID, 0, "guess number one", "a brand new passphrase")
		if apperr.IsKind(err, apperr.KindBusy) {
			errors.As(err, &refused)
			if i < freeFailures+1 {
				t.Fatalf("refused after %d guesses", i)
			}
			break
		}
		if !apperr.IsKind(err, apperr.KindInvalid) {
			t.Fatalf("guess %d: %v", i, err)
		}
	}
	if refused == nil || refused.RetryAfter <= 0 || refused.RetryAfter > time.Hour {
		t.Fatalf("ten wrong current passwords in a row were not refused: %v", refused)
	}
	if n := countRows(t, conn, `SELECT count(*) FROM audit_log WHERE action = 'sign_in_failed' AND after->>'during' = 'password change' AND entity_id = $1`, itoa(ana.ID)); n < freeFailures+1 {
		t.Errorf("%d wrong current passwords in the audit log", n)
	}
}

// A refused sign-in is audited once a minute per account and address, not per try.
func TestThrottledSignInsAuditedOnceAMinute(t *testing.T) {
	ctx := context.Background()
	s, conn := newService(t)
	mustCreate(t, s, "ana@example.org", Viewer)
	now := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	l := NewSignInLimiter(func() time.Time { return now })
	for range maxFailsPerPair {
		l.Failed("192.0.2.9", "ana@example.org")
	}
	for range 30 {
		var throttled *ThrottledError
		if _, _, err := s.SignIn(ctx, l, SignInAttempt{Email: "ana@example.org", Password: "guess", Address: "192.0.2.9"}); !errors.As(err, &throttled) {
			t.Fatalf("not throttled: %v", err)
		}
		now = now.Add(time.Second)
	}
	if n := countRows(t, conn, `SELECT count(*) FROM audit_log WHERE action = 'sign_in_throttled'`); n != 1 {
		t.Errorf("%d refusals in the audit log over 30 s, want 1", n)
	}
}

// A deactivation ends the user's sessions: reactivated, they sign in again rather
// than find their old sessions alive (found in review).
func TestDeactivationEndsSessions(t *testing.T) {
	ctx := context.Background()
	s, _ := newService(t)
	ana := mustCreate(t, s, "ana@example.org", Viewer)
	secrets := startSessions(t, s, ana.ID, 2)
	for _, active := range []bool{false, true} {
		if _, err := s.Update(ctx, audit.System("admin"), ana.ID, func(ch *Changes) error { ch.Active = active; return nil }); err != nil {
			t.Fatal(err)
		}
	}
	for _, secret := range secrets {
		if sessionLive(s, secret) {
			t.Error("a session outlived the deactivation")
		}
	}
}

// An email longer than any account's is refused before it becomes a limiter key.
func TestSignInRefusesOverlongEmails(t *testing.T) {
	s, _ := newService(t)
	l := NewSignInLimiter(time.Now)
	long := strings.Repeat("a", 1<<20) + "@example.org"
	if _, _, err := s.SignIn(context.Background(), l, SignInAttempt{Email: long, Password: "x", Address: "192.0.2.1"}); !apperr.IsKind(err, apperr.KindUnauthenticated) {
		t.Fatalf("err = %v", err)
	}
	if len(l.accounts)+len(l.pairs) != 0 {
		t.Error("an overlong email became a limiter key")
	}
}
