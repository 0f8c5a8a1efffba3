// Package user holds the people who use Cartera, their roles, passwords and API tokens.
package user

import (
	"context"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"golang.org/x/crypto/bcrypt"

	"cartera/internal/audit"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/db"
)

// Role decides what a user may do. Each role may do everything the one below it may.
type Role string

// The roles, from least to most allowed.
const (
	// Viewer reads everything.
	Viewer Role = "viewer"
	// Manager also writes partners, loans and figures.
	Manager Role = "manager"
	// Admin also manages users, tokens and limits.
	Admin Role = "admin"
)

var roleRank = map[Role]int{Viewer: 1, Manager: 2, Admin: 3}

// ParseRole checks a role name.
func ParseRole(s string) (Role, error) {
	r := Role(strings.ToLower(strings.TrimSpace(s)))
	if roleRank[r] == 0 {
		return "", apperr.Invalid(apperr.FieldError{Field: "role", Message: "must be one of admin, manager, viewer"})
	}
	return r, nil
}

// Allows reports whether this role may do what needs role required. An unknown role,
// on either side, allows nothing.
func (r Role) Allows(required Role) bool {
	return roleRank[r] >= roleRank[required] && roleRank[r] > 0 && roleRank[required] > 0
}

// User is an account. The password hash never leaves this package.
type User struct {
	ID     int64  `db:"id" json:"id"`
	Email  string `db:"email" json:"email"`
	Name   string `db:"name" json:"name"`
	Role   Role   `db:"role" json:"role"`
	Active bool   `db:"active" json:"active"`
	// MustChangePassword is set while the password is a one-time one that an admin
	// knows (an invitation's or a reset's): the next sign-in reaches only the account page.
	MustChangePassword bool      `db:"must_change_password" json:"must_change_password"`
	CreatedAt          time.Time `db:"created_at" json:"created_at"`
	UpdatedAt          time.Time `db:"updated_at" json:"updated_at"`
}

// NewUser is what it takes to create an account.
type NewUser struct {
	Email    string
	Name     string
	Role     Role
	Password string
	// OneTime marks a password someone other than the account's holder chose or saw
	// (an admin's invitation): it must be changed at the first sign-in.
	OneTime bool
}

// Service manages users and tokens.
type Service struct {
	conn  *sqlx.DB
	audit *audit.Log
	// bcryptCost is the bcrypt work factor: the library default, about 50 ms a hash here.
	bcryptCost int
	tokens     authCache // verified tokens, while WatchAuthChanges listens
	// sessionIdle and sessionMax end a browser session: after that long without a
	// request, and that long after sign-in whatever happens (SetSessionLimits).
	sessionIdle, sessionMax time.Duration
	// checks limits guesses of the current password where a password is changed: a
	// stolen session or token must not make it an unthrottled password oracle.
	checks *SignInLimiter
	// deviceKey keys the device cookies (device.go).
	deviceKey []byte
	q         struct {
		InsertUser   *sqlx.Stmt `query:"insert-user"`
		ByEmail      *sqlx.Stmt `query:"get-user-by-email"`
		ForUpdate    *sqlx.Stmt `query:"get-user-for-update"`
		PasswordHash *sqlx.Stmt `query:"get-password-hash"`
		HashForUpd   *sqlx.Stmt `query:"get-password-hash-for-update"`
		SetPassword  *sqlx.Stmt `query:"set-password"`
		DeleteOthers *sqlx.Stmt `query:"delete-other-sessions"`
		UpdateUser   *sqlx.Stmt `query:"update-user"`
		ListUsers    *sqlx.Stmt `query:"list-users"`
		CountUsers   *sqlx.Stmt `query:"count-users"`
		InsertToken  *sqlx.Stmt `query:"insert-token"`
		ListTokens   *sqlx.Stmt `query:"list-tokens"`
		TokenForUpd  *sqlx.Stmt `query:"get-token-for-update"`
		RevokeToken  *sqlx.Stmt `query:"revoke-token"`
		Authenticate *sqlx.Stmt `query:"authenticate-token"`
		TouchToken   *sqlx.Stmt `query:"touch-token"`
		InsertSess   *sqlx.Stmt `query:"insert-session"`
		GetSess      *sqlx.Stmt `query:"get-session"`
		TouchSess    *sqlx.Stmt `query:"touch-session"`
		SetFlash     *sqlx.Stmt `query:"set-flash"`
		DeleteSess   *sqlx.Stmt `query:"delete-session"`
		ExpireSess   *sqlx.Stmt `query:"delete-expired-sessions"`
	}
}

var constraints = map[string]db.Constraint{
	"users_email_key":          {Field: "email", Message: "a user with this email already exists"},
	"users_email_check":        {Field: "email", Message: "must be an email address"},
	"users_role_check":         {Field: "role", Message: "must be one of admin, manager, viewer"},
	"api_tokens_user_name_key": {Field: "name", Message: "this user already has a live token of this name"},
	"api_tokens_name_check":    {Field: "name", Message: "must be 1 to 100 characters"},
}

// NewService prepares the user queries.
func NewService(ctx context.Context, conn *sqlx.DB, log *audit.Log) (*Service, error) {
	s := &Service{conn: conn, audit: log, bcryptCost: bcrypt.DefaultCost, sessionIdle: DefaultSessionIdle, sessionMax: DefaultSessionMax,
		checks: NewSignInLimiter(time.Now)}
	if err := db.PrepareQueries(ctx, conn, "user.sql", &s.q); err != nil {
		return nil, err
	}
	var err error
	if s.deviceKey, err = loadDeviceKey(ctx, conn); err != nil {
		return nil, err
	}
	return s, nil
}

// Create adds an account.
func (s *Service) Create(ctx context.Context, actor audit.Actor, in NewUser) (User, error) {
	var bad apperr.Fields
	email := strings.TrimSpace(in.Email)
	if addr, err := mail.ParseAddress(email); err != nil || addr.Address != email || len(email) > 254 {
		bad.Add("email", "must be an email address such as name@example.org")
	}
	if roleRank[in.Role] == 0 {
		bad.Add("role", "must be one of admin, manager, viewer")
	}
	if problem := passwordProblem(in.Password, email); problem != "" {
		bad.Add("password", "%s", problem)
	}
	if len([]rune(in.Name)) > 200 {
		bad.Add("name", "must be at most 200 characters")
	}
	if err := bad.Err(); err != nil {
		return User{}, err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(in.Password), s.bcryptCost)
	if err != nil {
		return User{}, fmt.Errorf("hash password: %w", err)
	}
	var u User
	err = db.InTx(ctx, s.conn, func(tx *sqlx.Tx) error {
		if err := tx.StmtxContext(ctx, s.q.InsertUser).GetContext(ctx, &u, email, strings.TrimSpace(in.Name), in.Role, string(hash), in.OneTime); err != nil {
			return db.TranslateError(err, constraints)
		}
		return s.audit.Record(ctx, tx, actor, audit.Create, "user", u.ID, nil, u)
	})
	return u, err
}

// Changes are the parts of an account an admin may change.
type Changes struct {
	Name   string
	Role   Role
	Active bool
}

// Update applies change to the user's name, role and active flag, under a row lock.
func (s *Service) Update(ctx context.Context, actor audit.Actor, id int64, change func(*Changes) error) (User, error) {
	var after User
	err := db.InTx(ctx, s.conn, func(tx *sqlx.Tx) error {
		var before User
		if err := tx.StmtxContext(ctx, s.q.ForUpdate).GetContext(ctx, &before, id); err != nil {
			if db.IsNoRows(err) {
				return apperr.NotFound("user %d does not exist", id)
			}
			return fmt.Errorf("load user %d: %w", id, err)
		}
		ch := Changes{Name: before.Name, Role: before.Role, Active: before.Active}
		if err := change(&ch); err != nil {
			return err
		}
		ch.Role = Role(strings.ToLower(strings.TrimSpace(string(ch.Role))))
		if roleRank[ch.Role] == 0 {
			return apperr.Invalid(apperr.FieldError{Field: "role", Message: "must be one of admin, manager, viewer"})
		}
		if len([]rune(ch.Name)) > 200 {
			return apperr.Invalid(apperr.FieldError{Field: "name", Message: "must be at most 200 characters"})
		}
		if strings.TrimSpace(ch.Name) == before.Name && ch.Role == before.Role && ch.Active == before.Active {
			after = before // nothing changes: no write, no audit entry
			return nil
		}
		if err := tx.StmtxContext(ctx, s.q.UpdateUser).GetContext(ctx, &after, id, strings.TrimSpace(ch.Name), ch.Role, ch.Active); err != nil {
			return db.TranslateError(err, constraints)
		}
		if err := notifyAuthChange(ctx, tx); err != nil { // a new role, or a deactivation
			return err
		}
		if before.Active && !after.Active {
			// A deactivation ends the user's sessions: reactivated later, they must sign
			// in again rather than find their old sessions alive.
			if _, err := tx.StmtxContext(ctx, s.q.DeleteOthers).ExecContext(ctx, id, 0); err != nil {
				return fmt.Errorf("end the sessions of user %d: %w", id, err)
			}
		}
		return s.audit.Record(ctx, tx, actor, audit.Update, "user", id, before, after)
	})
	return after, err
}

// ByEmail finds an account by email, whatever its letter case.
func (s *Service) ByEmail(ctx context.Context, email string) (User, error) {
	var u User
	if err := s.q.ByEmail.GetContext(ctx, &u, strings.TrimSpace(email)); err != nil {
		if db.IsNoRows(err) {
			return User{}, apperr.NotFound("no user with email %s", email)
		}
		return User{}, fmt.Errorf("find user %s: %w", email, err)
	}
	return u, nil
}

// List returns every account, by email.
func (s *Service) List(ctx context.Context) ([]User, error) {
	users := []User{}
	if err := s.q.ListUsers.SelectContext(ctx, &users); err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return users, nil
}

// Count returns the number of accounts.
func (s *Service) Count(ctx context.Context) (int, error) {
	var n int
	if err := s.q.CountUsers.GetContext(ctx, &n); err != nil {
		return 0, fmt.Errorf("count users: %w", err)
	}
	return n, nil
}

// CheckPassword returns the active user with this email and password. The error does
// not say which of the two was wrong.
func (s *Service) CheckPassword(ctx context.Context, email, password string) (User, error) {
	u, _, err := s.checkPassword(ctx, email, password)
	return u, err
}

// checkPassword is CheckPassword that also returns the hash the password matched.
func (s *Service) checkPassword(ctx context.Context, email, password string) (User, string, error) {
	var row struct {
		ID     int64  `db:"id"`
		Hash   string `db:"password_hash"`
		Active bool   `db:"active"`
	}
	wrong := apperr.Unauthenticated("wrong email or password")
	err := s.q.PasswordHash.GetContext(ctx, &row, strings.TrimSpace(email))
	if db.IsNoRows(err) {
		// Spend the same time as a real check, so timing does not reveal which emails exist.
		_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
		return User{}, "", wrong
	}
	if err != nil {
		return User{}, "", fmt.Errorf("check password: %w", err)
	}
	if bcrypt.CompareHashAndPassword([]byte(row.Hash), []byte(password)) != nil || !row.Active {
		return User{}, "", wrong
	}
	u, err := s.ByEmail(ctx, email)
	return u, row.Hash, err
}

var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("not a real password"), bcrypt.DefaultCost)
