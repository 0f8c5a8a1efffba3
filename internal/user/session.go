package user

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"cartera/internal/audit"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/db"
)

// How long a browser session lives unless the server is configured otherwise: it
// ends after DefaultSessionIdle without a request, and DefaultSessionMax after sign-in
// whatever happens (OWASP ASVS level 2: 30 minutes idle, 12 hours in all).
const (
	DefaultSessionIdle = 30 * time.Minute
	DefaultSessionMax  = 12 * time.Hour
)

// SetSessionLimits sets how long a session may go without a request (idle) and how
// long after sign-in it ends whatever happens (max). Both must be positive, idle no
// longer than max.
func (s *Service) SetSessionLimits(idle, max time.Duration) error {
	if idle <= 0 || max <= 0 || idle > max {
		return fmt.Errorf("session limits: idle %v and maximum %v must be positive, idle no longer than the maximum", idle, max)
	}
	s.sessionIdle, s.sessionMax = idle, max
	return nil
}

// SessionMax is how long after sign-in a session ends, for the cookie's lifetime.
func (s *Service) SessionMax() time.Duration { return s.sessionMax }

// Session is a signed-in browser: who it is, and the token its forms must carry.
type Session struct {
	ID        int64  `db:"id"`
	CSRFToken string `db:"csrf_token"`
	// Flash is the message left for this request by the one before; it is shown once.
	Flash      string    `db:"flash"`
	LastSeenAt time.Time `db:"last_seen_at"`
	UserID     int64     `db:"user_id"`
	Email      string    `db:"email"`
	Name       string    `db:"name"`
	Role       Role      `db:"role"`
	// MustChangePassword: the user signed in with a one-time password, and this
	// session reaches only the account page until they choose their own.
	MustChangePassword bool `db:"must_change_password"`
}

// Principal is the session's user as the rest of the service sees a caller.
func (s Session) Principal() Principal {
	return Principal{UserID: s.UserID, Email: s.Email, Role: s.Role}
}

// StartSession signs in the active user with this id and returns the secret for the
// cookie, without an audit entry: for tools (the page benchmark). People sign in
// through SignIn.
func (s *Service) StartSession(ctx context.Context, userID int64) (string, error) {
	var secret string
	err := db.InTx(ctx, s.conn, func(tx *sqlx.Tx) (err error) {
		secret, _, err = s.startSession(ctx, tx, userID)
		return err
	})
	return secret, err
}

// startSession starts a session in tx and returns the secret for the cookie and the
// session's id. Each sign-in gets a new secret (the caller ends the old session, if
// any), so a session id planted before sign-in is worth nothing after it.
func (s *Service) startSession(ctx context.Context, tx *sqlx.Tx, userID int64) (string, int64, error) {
	secret, err := randomToken()
	if err != nil {
		return "", 0, err
	}
	csrf, err := randomToken()
	if err != nil {
		return "", 0, err
	}
	hash := sha256.Sum256([]byte(secret))
	var id int64
	if err := tx.StmtxContext(ctx, s.q.InsertSess).GetContext(ctx, &id, hash[:], userID, csrf, interval(s.sessionMax)); err != nil {
		return "", 0, fmt.Errorf("start session for user %d: %w", userID, err)
	}
	// Housekeeping rides on sign-ins: they are rare, and the index makes it cheap.
	if _, err := tx.StmtxContext(ctx, s.q.ExpireSess).ExecContext(ctx, interval(s.sessionIdle), interval(s.sessionMax)); err != nil {
		return "", 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	return secret, id, nil
}

// SessionBySecret returns the live session whose cookie holds secret, notes the
// request, and consumes its flash message.
func (s *Service) SessionBySecret(ctx context.Context, secret string) (Session, error) {
	if secret == "" || len(secret) > 100 {
		return Session{}, apperr.Unauthenticated("please sign in")
	}
	hash := sha256.Sum256([]byte(secret))
	var sess Session
	if err := s.q.GetSess.GetContext(ctx, &sess, hash[:], interval(s.sessionIdle), interval(s.sessionMax)); err != nil {
		if db.IsNoRows(err) {
			return Session{}, apperr.Unauthenticated("your session has ended; please sign in again")
		}
		return Session{}, fmt.Errorf("find session: %w", err)
	}
	if sess.Flash != "" || time.Since(sess.LastSeenAt) > time.Minute {
		if _, err := s.q.TouchSess.ExecContext(ctx, sess.ID); err != nil {
			return Session{}, fmt.Errorf("note session use: %w", err)
		}
	}
	return sess, nil
}

// SetFlash leaves a message for the session's next page.
func (s *Service) SetFlash(ctx context.Context, sessionID int64, message string) error {
	if _, err := s.q.SetFlash.ExecContext(ctx, sessionID, message); err != nil {
		return fmt.Errorf("set flash message: %w", err)
	}
	return nil
}

// EndSession signs the session with this secret out; an unknown secret is not an
// error. A session that was live is recorded in the audit log as a sign-out.
func (s *Service) EndSession(ctx context.Context, secret string) error {
	hash := sha256.Sum256([]byte(secret))
	return db.InTx(ctx, s.conn, func(tx *sqlx.Tx) error {
		var gone struct {
			UserID int64  `db:"id"`
			Email  string `db:"email"`
		}
		err := tx.StmtxContext(ctx, s.q.DeleteSess).GetContext(ctx, &gone, hash[:])
		if db.IsNoRows(err) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("end session: %w", err)
		}
		who := audit.Actor{UserID: &gone.UserID, Name: gone.Email, Via: audit.ViaUI}
		return s.audit.Record(ctx, tx, who, audit.SignOut, "user", gone.UserID, nil, map[string]any{"session": "ended"})
	})
}

func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate session token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func interval(d time.Duration) string { return fmt.Sprintf("%d seconds", int64(d/time.Second)) }
