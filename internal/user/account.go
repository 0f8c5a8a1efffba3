package user

import (
	"context"
	"fmt"
	"maps"
	"math"
	"strings"

	"github.com/jmoiron/sqlx"
	"golang.org/x/crypto/bcrypt"

	"cartera/internal/audit"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/db"
)

// SignInAttempt is an email and password typed on the sign-in form, and the address
// they came from (as the limiter counts it).
type SignInAttempt struct {
	Email, Password, Address string
}

// ThrottledError is a sign-in the limiter refused before checking the password.
type ThrottledError struct{ Throttle }

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("too many failed sign-ins (%s): wait %v", e.Rule, e.Wait)
}

// SignIn checks the attempt against the limiter, then the password, and records it
// in the audit log whatever the outcome. On success it starts a session and returns
// the user and the secret for the cookie. A wrong email or password is an
// Unauthenticated error; a refusal a *ThrottledError.
func (s *Service) SignIn(ctx context.Context, l *SignInLimiter, a SignInAttempt) (User, string, error) {
	if t := l.Blocked(a.Address, a.Email); t.Wait > 0 {
		seconds := int(math.Ceil(t.Wait.Seconds()))
		if err := s.recordAttempt(ctx, audit.SignInThrottled, a, map[string]any{"rule": t.Rule, "retry_after_seconds": seconds}); err != nil {
			return User{}, "", err
		}
		return User{}, "", &ThrottledError{t}
	}
	u, err := s.CheckPassword(ctx, a.Email, a.Password)
	if apperr.IsKind(err, apperr.KindUnauthenticated) {
		l.Failed(a.Address, a.Email)
		if rerr := s.recordAttempt(ctx, audit.SignInFailed, a, nil); rerr != nil {
			return User{}, "", rerr
		}
		return User{}, "", err
	}
	if err != nil {
		return User{}, "", err
	}
	l.Succeeded(a.Address, a.Email)
	var secret string
	err = db.InTx(ctx, s.conn, func(tx *sqlx.Tx) error {
		var id int64
		if secret, id, err = s.startSession(ctx, tx, u.ID); err != nil {
			return err
		}
		who := audit.Actor{UserID: &u.ID, Name: u.Email, Via: audit.ViaUI}
		return s.audit.Record(ctx, tx, who, audit.SignIn, "user", u.ID, nil,
			map[string]any{"address": a.Address, "session": id, "must_change_password": u.MustChangePassword})
	})
	return u, secret, err
}

// recordAttempt writes a failed or refused sign-in to the audit log. Nobody is
// signed in, so the actor has no user id and is named by the email tried; the entry
// is about the account with that email, or about the email itself when none has it.
func (s *Service) recordAttempt(ctx context.Context, action audit.Action, a SignInAttempt, extra map[string]any) error {
	email := strings.TrimSpace(a.Email)
	if r := []rune(email); len(r) > 254 {
		email = string(r[:254])
	}
	if email == "" {
		email = "(no email)"
	}
	var entityID any = strings.ToLower(email)
	if u, err := s.ByEmail(ctx, email); err == nil {
		entityID = u.ID
	} else if !apperr.IsKind(err, apperr.KindNotFound) {
		return err
	}
	after := map[string]any{"email": email, "address": a.Address}
	maps.Copy(after, extra)
	return db.InTx(ctx, s.conn, func(tx *sqlx.Tx) error {
		return s.audit.Record(ctx, tx, audit.Actor{Name: email, Via: audit.ViaUI}, action, "user", entityID, nil, after)
	})
}

// ChangePassword sets the user's password to next, given their current one. It ends
// the user's other sessions (every one but keepSession; 0 keeps none) and clears a
// one-time password's must-change mark. A wrong current password is a validation
// error on current_password, a weak new one on new_password.
func (s *Service) ChangePassword(ctx context.Context, actor audit.Actor, userID, keepSession int64, current, next string) error {
	return db.InTx(ctx, s.conn, func(tx *sqlx.Tx) error {
		var row struct {
			Email string `db:"email"`
			Hash  string `db:"password_hash"`
		}
		if err := tx.StmtxContext(ctx, s.q.HashForUpd).GetContext(ctx, &row, userID); err != nil {
			if db.IsNoRows(err) {
				return apperr.NotFound("user %d does not exist", userID)
			}
			return fmt.Errorf("load user %d: %w", userID, err)
		}
		if bcrypt.CompareHashAndPassword([]byte(row.Hash), []byte(current)) != nil {
			return apperr.Invalid(apperr.FieldError{Field: "current_password", Message: "is not your current password"})
		}
		problem := passwordProblem(next, row.Email)
		if problem == "" && next == current {
			problem = "must differ from your current password"
		}
		if problem != "" {
			return apperr.Invalid(apperr.FieldError{Field: "new_password", Message: problem})
		}
		ended, err := s.setPassword(ctx, tx, userID, next, false, keepSession)
		if err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, actor, audit.PasswordChange, "user", userID, nil,
			map[string]any{"must_change_password": false, "other_sessions_ended": ended})
	})
}

// ResetPassword gives the user a new one-time password, returned to show once to the
// admin who asked: every session of the user ends, and the next sign-in must choose
// a new password. The user's API tokens are not sessions and keep working.
func (s *Service) ResetPassword(ctx context.Context, actor audit.Actor, userID int64) (User, string, error) {
	password, err := NewOneTimePassword()
	if err != nil {
		return User{}, "", err
	}
	var after User
	err = db.InTx(ctx, s.conn, func(tx *sqlx.Tx) error {
		var before User
		if err := tx.StmtxContext(ctx, s.q.ForUpdate).GetContext(ctx, &before, userID); err != nil {
			if db.IsNoRows(err) {
				return apperr.NotFound("user %d does not exist", userID)
			}
			return fmt.Errorf("load user %d: %w", userID, err)
		}
		ended, err := s.setPassword(ctx, tx, userID, password, true, 0)
		if err != nil {
			return err
		}
		after = before
		after.MustChangePassword = true
		return s.audit.Record(ctx, tx, actor, audit.PasswordReset, "user", userID,
			map[string]any{"must_change_password": before.MustChangePassword},
			map[string]any{"must_change_password": true, "sessions_ended": ended})
	})
	return after, password, err
}

// setPassword stores the hash of password in tx and ends the user's sessions but
// keepSession, returning how many ended.
func (s *Service) setPassword(ctx context.Context, tx *sqlx.Tx, userID int64, password string, oneTime bool, keepSession int64) (int64, error) {
	hash, err := bcrypt.GenerateFromPassword([]byte(password), s.bcryptCost)
	if err != nil {
		return 0, fmt.Errorf("hash password: %w", err)
	}
	if _, err := tx.StmtxContext(ctx, s.q.SetPassword).ExecContext(ctx, userID, string(hash), oneTime); err != nil {
		return 0, fmt.Errorf("set password of user %d: %w", userID, err)
	}
	res, err := tx.StmtxContext(ctx, s.q.DeleteOthers).ExecContext(ctx, userID, keepSession)
	if err != nil {
		return 0, fmt.Errorf("end sessions of user %d: %w", userID, err)
	}
	return res.RowsAffected()
}
