package user

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"time"

	"cartera/internal/platform/apperr"
	"cartera/internal/platform/db"
)

// How long a browser session lives: it ends after SessionIdle without a request, and
// SessionLifetime after sign-in whatever happens. A working day, and a working week.
const (
	SessionIdle     = 12 * time.Hour
	SessionLifetime = 7 * 24 * time.Hour
)

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
}

// Principal is the session's user as the rest of the service sees a caller.
func (s Session) Principal() Principal {
	return Principal{UserID: s.UserID, Email: s.Email, Role: s.Role}
}

// StartSession signs in the active user with this id and returns the secret for the
// cookie. Each sign-in gets a new secret (the caller ends the old session, if any), so
// a session id planted before sign-in is worth nothing after it.
func (s *Service) StartSession(ctx context.Context, userID int64) (string, error) {
	secret, err := randomToken()
	if err != nil {
		return "", err
	}
	csrf, err := randomToken()
	if err != nil {
		return "", err
	}
	hash := sha256.Sum256([]byte(secret))
	var id int64
	if err := s.q.InsertSess.GetContext(ctx, &id, hash[:], userID, csrf, interval(SessionLifetime)); err != nil {
		return "", fmt.Errorf("start session for user %d: %w", userID, err)
	}
	// Housekeeping rides on sign-ins: they are rare, and the index makes it cheap.
	if _, err := s.q.ExpireSess.ExecContext(ctx, interval(SessionIdle)); err != nil {
		return "", fmt.Errorf("delete expired sessions: %w", err)
	}
	return secret, nil
}

// SessionBySecret returns the live session whose cookie holds secret, notes the
// request, and consumes its flash message.
func (s *Service) SessionBySecret(ctx context.Context, secret string) (Session, error) {
	if secret == "" || len(secret) > 100 {
		return Session{}, apperr.Unauthenticated("please sign in")
	}
	hash := sha256.Sum256([]byte(secret))
	var sess Session
	if err := s.q.GetSess.GetContext(ctx, &sess, hash[:], interval(SessionIdle)); err != nil {
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

// EndSession signs the session with this secret out; an unknown secret is not an error.
func (s *Service) EndSession(ctx context.Context, secret string) error {
	hash := sha256.Sum256([]byte(secret))
	if _, err := s.q.DeleteSess.ExecContext(ctx, hash[:]); err != nil {
		return fmt.Errorf("end session: %w", err)
	}
	return nil
}

func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate session token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func interval(d time.Duration) string { return fmt.Sprintf("%d seconds", int64(d/time.Second)) }
