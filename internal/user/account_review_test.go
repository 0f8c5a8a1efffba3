package user

import (
	"context"
	"errors"
	"testing"
	"time"

	"cartera/internal/audit"
	"cartera/internal/platform/apperr"
)

// A device cookie is the server's own (a MAC keyed by the account's password hash):
// valid for its account only, and void once the password changes.
func TestDeviceCookie(t *testing.T) {
	ctx := context.Background()
	s, _ := newService(t)
	ana := mustCreate(t, s, "ana@example.org", Viewer)
	mustCreate(t, s, "bo@example.org", Viewer)
	token, err := s.DeviceToken(ctx, "Ana@example.org")
	if err != nil || token == "" {
		t.Fatalf("DeviceToken: %q %v", token, err)
	}
	for _, tc := range []struct {
		email, token string
		trusted      bool
	}{
		{"ana@example.org", token, true},
		{" ANA@example.org", token, true},
		{"bo@example.org", token, false},
		{"ana@example.org", token + "0", false},
		{"ana@example.org", "x." + token[len(token)-64:], false},
		{"ana@example.org", "garbage", false},
		{"nobody@example.org", token, false},
	} {
		got, err := s.trustedDevice(ctx, tc.email, tc.token)
		if err != nil || (got != "") != tc.trusted {
			t.Errorf("trustedDevice(%q, %q) = %q, %v; want trusted %v", tc.email, tc.token, got, err, tc.trusted)
		}
	}
	if err := s.ChangePassword(ctx, audit.System("ana"), ana.ID, 0, "correct horse battery", "a brand new passphrase"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.trustedDevice(ctx, "ana@example.org", token); got != "" {
		t.Error("a device cookie outlived the password it was keyed by")
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
