package user

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"cartera/internal/audit"
	"cartera/internal/platform/apperr"
)

// lastAudit returns the newest audit entry's action, entity id, actor user id and after.
func lastAudit(t *testing.T, conn *sqlx.DB) (action, entityID string, actorID *int64, after map[string]any) {
	t.Helper()
	var raw []byte
	if err := conn.QueryRow(`SELECT action, entity_id, actor_user_id, after FROM audit_log ORDER BY id DESC LIMIT 1`).Scan(&action, &entityID, &actorID, &raw); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &after); err != nil {
		t.Fatalf("after %s: %v", raw, err)
	}
	return action, entityID, actorID, after
}

func startSessions(t *testing.T, s *Service, userID int64, n int) []string {
	t.Helper()
	var secrets []string
	for range n {
		secret, err := s.StartSession(context.Background(), userID)
		if err != nil {
			t.Fatal(err)
		}
		secrets = append(secrets, secret)
	}
	return secrets
}

func sessionLive(s *Service, secret string) bool {
	_, err := s.SessionBySecret(context.Background(), secret)
	return err == nil
}

func TestChangePassword(t *testing.T) {
	ctx := context.Background()
	s, conn := newService(t)
	ana := mustCreate(t, s, "ana@example.org", Viewer)
	secrets := startSessions(t, s, ana.ID, 3)
	this, err := s.SessionBySecret(ctx, secrets[0])
	if err != nil {
		t.Fatal(err)
	}
	me := audit.Actor{UserID: &ana.ID, Name: ana.Email, Via: audit.ViaUI}

	bad := []struct {
		name, current, next, field string
	}{
		{"wrong current password", "not my password", "a brand new passphrase", "current_password"},
		{"too short", "correct horse battery", "short-pass", "new_password"},
		{"common", "correct horse battery", "qwerty123456", "new_password"},
		{"the email", "correct horse battery", "ANA@example.org", "new_password"},
		{"the same again", "correct horse battery", "correct horse battery", "new_password"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			err := s.ChangePassword(ctx, me, ana.ID, this.ID, tt.current, tt.next)
			wantFields(t, err, apperr.KindInvalid, tt.field)
			if !sessionLive(s, secrets[1]) {
				t.Error("a refused change ended a session")
			}
		})
	}
	before := auditCount(t, conn)
	if err := s.ChangePassword(ctx, me, ana.ID, this.ID, "correct horse battery", "a brand new passphrase"); err != nil {
		t.Fatalf("ChangePassword: %v", err)
	}
	if _, err := s.CheckPassword(ctx, "ana@example.org", "a brand new passphrase"); err != nil {
		t.Errorf("the new password does not sign in: %v", err)
	}
	if _, err := s.CheckPassword(ctx, "ana@example.org", "correct horse battery"); err == nil {
		t.Error("the old password still signs in")
	}
	// The other sessions end; this one goes on.
	if !sessionLive(s, secrets[0]) || sessionLive(s, secrets[1]) || sessionLive(s, secrets[2]) {
		t.Errorf("sessions live after the change: this %v, others %v %v", sessionLive(s, secrets[0]), sessionLive(s, secrets[1]), sessionLive(s, secrets[2]))
	}
	if n := auditCount(t, conn) - before; n != 1 {
		t.Fatalf("%d audit entries, want 1", n)
	}
	action, id, actorID, after := lastAudit(t, conn)
	if action != "password_change" || id != itoa(ana.ID) || actorID == nil || *actorID != ana.ID || after["other_sessions_ended"] != float64(2) {
		t.Errorf("audit: %s %s %v %v", action, id, actorID, after)
	}
}

func TestResetPasswordIsOneTime(t *testing.T) {
	ctx := context.Background()
	s, conn := newService(t)
	ana := mustCreate(t, s, "ana@example.org", Viewer)
	secrets := startSessions(t, s, ana.ID, 2)
	admin := audit.System("admin@example.org")

	u, otp, err := s.ResetPassword(ctx, admin, ana.ID)
	if err != nil {
		t.Fatalf("ResetPassword: %v", err)
	}
	if !u.MustChangePassword || len(otp) < MinPasswordLength || passwordProblem(otp, ana.Email) != "" {
		t.Errorf("reset gave %+v with password %q", u, otp)
	}
	for _, secret := range secrets {
		if sessionLive(s, secret) {
			t.Error("a session outlived the reset")
		}
	}
	if _, err := s.CheckPassword(ctx, "ana@example.org", "correct horse battery"); err == nil {
		t.Error("the old password still signs in")
	}
	signedIn, err := s.CheckPassword(ctx, "ana@example.org", otp)
	if err != nil || !signedIn.MustChangePassword {
		t.Fatalf("the one-time password: %+v, %v", signedIn, err)
	}
	// A session with a one-time password says so, until the user chooses their own.
	secret := startSessions(t, s, ana.ID, 1)[0]
	if sess, err := s.SessionBySecret(ctx, secret); err != nil || !sess.MustChangePassword {
		t.Fatalf("session: %+v, %v", sess, err)
	}
	action, _, _, after := lastAudit(t, conn)
	if action != "password_reset" || after["must_change_password"] != true || after["sessions_ended"] != float64(2) {
		t.Errorf("audit: %s %v", action, after)
	}
	sess, _ := s.SessionBySecret(ctx, secret)
	if err := s.ChangePassword(ctx, audit.System("ana"), ana.ID, sess.ID, otp, "my very own passphrase"); err != nil {
		t.Fatal(err)
	}
	if sess, err := s.SessionBySecret(ctx, secret); err != nil || sess.MustChangePassword {
		t.Errorf("after the change: %+v, %v", sess, err)
	}
	if _, _, err := s.ResetPassword(ctx, admin, 999999); !apperr.IsKind(err, apperr.KindNotFound) {
		t.Errorf("reset of no user: %v", err)
	}
}

func TestCreateOneTime(t *testing.T) {
	ctx := context.Background()
	s, conn := newService(t)
	invited, err := s.Create(ctx, system, NewUser{Email: "inv@example.org", Role: Viewer, Password: "lima-cusco-puno", OneTime: true})
	if err != nil || !invited.MustChangePassword {
		t.Fatalf("invited: %+v, %v", invited, err)
	}
	// The audit entry of the creation records that the password is one-time.
	var after []byte
	if err := conn.Get(&after, `SELECT after FROM audit_log WHERE entity_id = $1`, itoa(invited.ID)); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(after, &doc); err != nil || doc["must_change_password"] != true {
		t.Errorf("audit after = %s", after)
	}
	own, err := s.Create(ctx, system, NewUser{Email: "own@example.org", Role: Viewer, Password: "lima-cusco-puno"})
	if err != nil || own.MustChangePassword {
		t.Fatalf("own password: %+v, %v", own, err)
	}
}

func TestSessionLimits(t *testing.T) {
	s, conn := newService(t)
	ana := mustCreate(t, s, "ana@example.org", Viewer)
	if s.sessionIdle != 30*time.Minute || s.sessionMax != 12*time.Hour {
		t.Errorf("defaults %v, %v; want 30m, 12h (OWASP ASVS level 2)", s.sessionIdle, s.sessionMax)
	}
	age := func(secret, created, seen string) {
		t.Helper()
		if _, err := conn.Exec(`UPDATE sessions SET created_at = now() - $2::interval, last_seen_at = now() - $3::interval
			WHERE token_hash = sha256(convert_to($1, 'UTF8'))`, secret, created, seen); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name, created, seen string
		live                bool
	}{
		{"fresh", "0 seconds", "0 seconds", true},
		{"idle 29 minutes", "1 hour", "29 minutes", true},
		{"idle 31 minutes", "1 hour", "31 minutes", false},
		{"11 hours old and busy", "11 hours", "1 minute", true},
		{"13 hours old and busy", "13 hours", "1 minute", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			secret := startSessions(t, s, ana.ID, 1)[0]
			age(secret, tt.created, tt.seen)
			if got := sessionLive(s, secret); got != tt.live {
				t.Errorf("live = %v, want %v", got, tt.live)
			}
		})
	}
	// Limits configured shorter apply to sessions already started.
	secret := startSessions(t, s, ana.ID, 1)[0]
	age(secret, "20 minutes", "6 minutes")
	if err := s.SetSessionLimits(5*time.Minute, time.Hour); err != nil {
		t.Fatal(err)
	}
	if sessionLive(s, secret) {
		t.Error("a session idle 6 minutes outlived a 5-minute limit")
	}
	secret = startSessions(t, s, ana.ID, 1)[0]
	age(secret, "20 minutes", "1 minute")
	if err := s.SetSessionLimits(5*time.Minute, 15*time.Minute); err != nil {
		t.Fatal(err)
	}
	if sessionLive(s, secret) {
		t.Error("a session 20 minutes old outlived a 15-minute maximum")
	}
	for _, bad := range [][2]time.Duration{{0, time.Hour}, {time.Hour, 0}, {2 * time.Hour, time.Hour}} {
		if err := s.SetSessionLimits(bad[0], bad[1]); err == nil {
			t.Errorf("SetSessionLimits(%v, %v) accepted", bad[0], bad[1])
		}
	}
}

func TestSignInAudited(t *testing.T) {
	ctx := context.Background()
	s, conn := newService(t)
	ana := mustCreate(t, s, "ana@example.org", Viewer)
	l := NewSignInLimiter(time.Now)

	// A wrong password for a known account: about that account, by nobody signed in.
	_, _, err := s.SignIn(ctx, l, SignInAttempt{Email: "Ana@example.org", Password: "guess", Address: "192.0.2.1"})
	if !apperr.IsKind(err, apperr.KindUnauthenticated) {
		t.Fatalf("wrong password: %v", err)
	}
	action, id, actorID, after := lastAudit(t, conn)
	if action != "sign_in_failed" || id != itoa(ana.ID) || actorID != nil || after["address"] != "192.0.2.1" || after["email"] != "Ana@example.org" {
		t.Errorf("failure: %s %s %v %v", action, id, actorID, after)
	}
	// An unknown email: about the email tried.
	if _, _, err := s.SignIn(ctx, l, SignInAttempt{Email: "Nobody@example.org", Password: "guess", Address: "192.0.2.1"}); err == nil {
		t.Fatal("unknown email signed in")
	}
	if action, id, actorID, _ := lastAudit(t, conn); action != "sign_in_failed" || id != "nobody@example.org" || actorID != nil {
		t.Errorf("unknown email: %s %s %v", action, id, actorID)
	}
	// A success: by the user, with the session.
	u, secret, err := s.SignIn(ctx, l, SignInAttempt{Email: "ana@example.org", Password: "correct horse battery", Address: "192.0.2.1"})
	if err != nil || u.ID != ana.ID || !sessionLive(s, secret) {
		t.Fatalf("sign in: %+v, %v", u, err)
	}
	if action, id, actorID, after := lastAudit(t, conn); action != "sign_in" || id != itoa(ana.ID) || actorID == nil || *actorID != ana.ID || after["session"] == nil {
		t.Errorf("sign-in: %s %s %v %v", action, id, actorID, after)
	}
	// Sign-out.
	if err := s.EndSession(ctx, secret); err != nil {
		t.Fatal(err)
	}
	if action, id, actorID, _ := lastAudit(t, conn); action != "sign_out" || id != itoa(ana.ID) || actorID == nil || *actorID != ana.ID {
		t.Errorf("sign-out: %s %s %v", action, id, actorID)
	}
	n := auditCount(t, conn)
	if err := s.EndSession(ctx, secret); err != nil || auditCount(t, conn) != n {
		t.Errorf("ending a session twice: %v, %d new entries", err, auditCount(t, conn)-n)
	}
	// Throttled: refused before the password is checked, and recorded.
	for range maxFailsPerPair {
		l.Failed("192.0.2.9", "ana@example.org")
	}
	_, _, err = s.SignIn(ctx, l, SignInAttempt{Email: "ana@example.org", Password: "correct horse battery", Address: "192.0.2.9"})
	var throttled *ThrottledError
	if !errors.As(err, &throttled) || throttled.Wait <= 0 {
		t.Fatalf("throttled: %v", err)
	}
	if action, id, _, after := lastAudit(t, conn); action != "sign_in_throttled" || id != itoa(ana.ID) || after["rule"] == nil || after["retry_after_seconds"] == nil {
		t.Errorf("throttled: %s %s %v", action, id, after)
	}
}
