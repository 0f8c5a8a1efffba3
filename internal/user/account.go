package user

import (
	"context"
	"fmt"
	"maps"
	"math"
	"strconv"
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
	// Device is the browser's device cookie (DeviceCookie), if it sent one.
	Device string
}

// maxEmailBytes is the longest email an account may have (RFC 5321's path limit).
const maxEmailBytes = 254

// ThrottledError is a sign-in the limiter refused before checking the password.
type ThrottledError struct{ Throttle }

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("too many failed sign-ins (%s): wait %v", e.Rule, e.Wait)
}

// SignIn checks the attempt against the limiter, then the password, and records it
// in the audit log whatever the outcome (refusals at most once a minute per account
// and address, with the count of those not recorded). On success it starts a session
// and returns the user and the secret for the cookie. A wrong email or password is an
// Unauthenticated error; a refusal a *ThrottledError.
func (s *Service) SignIn(ctx context.Context, l *SignInLimiter, a SignInAttempt) (User, string, error) {
	if len(a.Email) > maxEmailBytes {
		// No account has such an email: refused before it becomes a limiter key.
		return User{}, "", apperr.Unauthenticated("wrong email or password")
	}
	device := s.trustedDevice(a.Email, a.Device, l.now())
	if t := l.Begin(a.Address, a.Email, device); t.Wait > 0 {
		if t.Report {
			seconds := int(math.Ceil(t.Wait.Seconds()))
			extra := map[string]any{"rule": t.Rule, "retry_after_seconds": seconds, "refusals_not_recorded": t.Suppressed}
			if err := s.recordAttempt(ctx, audit.SignInThrottled, a, extra); err != nil {
				return User{}, "", err
			}
		}
		return User{}, "", &ThrottledError{t}
	}
	u, hash, err := s.checkPassword(ctx, a.Email, a.Password)
	if apperr.IsKind(err, apperr.KindUnauthenticated) {
		// Begin counted the attempt as a failure already.
		if rerr := s.recordAttempt(ctx, audit.SignInFailed, a, map[string]any{"known_device": device != ""}); rerr != nil {
			return User{}, "", rerr
		}
		return User{}, "", err
	}
	if err != nil {
		return User{}, "", err
	}
	l.Settle(a.Address, a.Email, device)
	secret, err := s.signedIn(ctx, u, hash, a.Address)
	return u, secret, err
}

// signedIn starts the session of a sign-in whose password matched hash, with its audit
// entry. Under a share lock of the user's row the hash is read again: a password
// changed (or reset) between the check and now, which ends every other session,
// must not leave this one started on the old password.
func (s *Service) signedIn(ctx context.Context, u User, hash, address string) (string, error) {
	var secret string
	err := db.InTx(ctx, s.conn, func(tx *sqlx.Tx) error {
		var current string
		if err := tx.GetContext(ctx, &current, `SELECT password_hash FROM users WHERE id = $1 AND active FOR SHARE`, u.ID); err != nil {
			if db.IsNoRows(err) {
				return apperr.Unauthenticated("wrong email or password")
			}
			return fmt.Errorf("sign in: %w", err)
		}
		if current != hash {
			return apperr.Unauthenticated("wrong email or password")
		}
		var id int64
		var err error
		if secret, id, err = s.startSession(ctx, tx, u.ID); err != nil {
			return err
		}
		who := audit.Actor{UserID: &u.ID, Name: u.Email, Via: audit.ViaUI}
		return s.audit.Record(ctx, tx, who, audit.SignIn, "user", u.ID, nil,
			map[string]any{"address": address, "session": id, "must_change_password": u.MustChangePassword})
	})
	return secret, err
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
// error on current_password, a weak new one on new_password. Wrong current passwords
// are throttled as sign-ins are (per user: five in 15 minutes, then a 429) and each
// is in the audit log as a failed sign-in during a password change.
func (s *Service) ChangePassword(ctx context.Context, actor audit.Actor, userID, keepSession int64, current, next string) error {
	_, err := s.throttledChange(ctx, actor, userID, passwordChange{keepSession: keepSession, current: current, next: next})
	return err
}

// ChangePasswordNewSession is ChangePassword that ends every session of the user and
// starts a new one in the same transaction, returning its secret: the browser that
// changed the password goes on with a new cookie, and a copy of its old one (stolen,
// perhaps: a reason to change a password) stops working. Made in the transaction, the
// new session cannot outlive a reset or deactivation that commits just after.
func (s *Service) ChangePasswordNewSession(ctx context.Context, actor audit.Actor, userID int64, current, next string) (string, error) {
	return s.throttledChange(ctx, actor, userID, passwordChange{current: current, next: next, newSession: true})
}

type passwordChange struct {
	keepSession   int64
	current, next string
	newSession    bool
}

func (s *Service) throttledChange(ctx context.Context, actor audit.Actor, userID int64, ch passwordChange) (string, error) {
	key := "user " + strconv.FormatInt(userID, 10)
	if t := s.checks.Begin(key, key, ""); t.Wait > 0 {
		return "", apperr.Busy(fmt.Sprintf("too many wrong current passwords: wait %d seconds, then try again", int(math.Ceil(t.Wait.Seconds()))), t.Wait)
	}
	secret, err := s.changePassword(ctx, actor, userID, ch)
	e, ok := apperr.As(err)
	switch {
	case ok && len(e.Fields) == 1 && e.Fields[0].Field == "current_password":
		if rerr := db.InTx(ctx, s.conn, func(tx *sqlx.Tx) error {
			return s.audit.Record(ctx, tx, actor, audit.SignInFailed, "user", userID, nil, map[string]any{"during": "password change"})
		}); rerr != nil {
			return "", rerr
		}
	case err == nil || (ok && e.Kind == apperr.KindInvalid):
		s.checks.Settle(key, key, "") // the current password was right
	}
	// Any other failure leaves the attempt counted: the throttle fails closed.
	return secret, err
}

func (s *Service) changePassword(ctx context.Context, actor audit.Actor, userID int64, ch passwordChange) (string, error) {
	var secret string
	err := db.InTx(ctx, s.conn, func(tx *sqlx.Tx) error {
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
		if bcrypt.CompareHashAndPassword([]byte(row.Hash), []byte(ch.current)) != nil {
			return apperr.Invalid(apperr.FieldError{Field: "current_password", Message: "is not your current password"})
		}
		problem := passwordProblem(ch.next, row.Email)
		if problem == "" && ch.next == ch.current {
			problem = "must differ from your current password"
		}
		if problem != "" {
			return apperr.Invalid(apperr.FieldError{Field: "new_password", Message: problem})
		}
		ended, err := s.setPassword(ctx, tx, userID, ch.next, false, ch.keepSession)
		if err != nil {
			return err
		}
		if ch.newSession {
			if secret, _, err = s.startSession(ctx, tx, userID); err != nil {
				return err
			}
		}
		return s.audit.Record(ctx, tx, actor, audit.PasswordChange, "user", userID, nil,
			map[string]any{"must_change_password": false, "other_sessions_ended": ended})
	})
	return secret, err
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
