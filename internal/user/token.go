package user

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"cartera/internal/audit"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/db"
)

// tokenPrefix marks Cartera tokens, so a leaked one is recognisable (e.g. by secret scanners).
const tokenPrefix = "cart_"

// Token describes an API token; the secret itself is returned once, by CreateToken.
type Token struct {
	ID         int64      `db:"id" json:"id"`
	UserID     int64      `db:"user_id" json:"user_id"`
	UserEmail  string     `db:"user_email" json:"user_email"`
	Name       string     `db:"name" json:"name"`
	Prefix     string     `db:"prefix" json:"prefix"`
	CreatedAt  time.Time  `db:"created_at" json:"created_at"`
	LastUsedAt *time.Time `db:"last_used_at" json:"last_used_at"`
	RevokedAt  *time.Time `db:"revoked_at" json:"revoked_at"`
}

// Principal is who a request acts as.
type Principal struct {
	UserID    int64  `db:"user_id"`
	Email     string `db:"email"`
	Role      Role   `db:"role"`
	TokenID   int64  `db:"token_id"`
	TokenName string `db:"token_name"`
}

// Actor is the principal as the audit log records it.
func (p Principal) Actor(via audit.Via) audit.Actor {
	id := p.UserID
	return audit.Actor{UserID: &id, Name: p.Email, Via: via}
}

// CreateToken issues a new token for the user with this email and returns its
// description and the secret, which is not stored and cannot be shown again.
func (s *Service) CreateToken(ctx context.Context, actor audit.Actor, email, name string) (Token, string, error) {
	name = strings.TrimSpace(name)
	if name == "" || len([]rune(name)) > 100 {
		return Token{}, "", apperr.Invalid(apperr.FieldError{Field: "name", Message: "must be 1 to 100 characters"})
	}
	owner, err := s.ByEmail(ctx, email)
	if err != nil {
		if apperr.IsKind(err, apperr.KindNotFound) {
			return Token{}, "", apperr.Invalid(apperr.FieldError{Field: "email", Message: "no user has this email"})
		}
		return Token{}, "", err
	}
	if !owner.Active {
		return Token{}, "", apperr.Invalid(apperr.FieldError{Field: "email", Message: "this user is deactivated"})
	}
	secret, err := newSecret()
	if err != nil {
		return Token{}, "", err
	}
	hash := sha256.Sum256([]byte(secret))
	var t Token
	err = db.InTx(ctx, s.conn, func(tx *sqlx.Tx) error {
		if err := tx.StmtxContext(ctx, s.q.InsertToken).GetContext(ctx, &t, owner.ID, name, hash[:], secret[:len(tokenPrefix)+6]); err != nil {
			return db.TranslateError(err, constraints)
		}
		t.UserEmail = owner.Email
		return s.audit.Record(ctx, tx, actor, audit.Create, "api_token", t.ID, nil, t)
	})
	if err != nil {
		return Token{}, "", err
	}
	return t, secret, nil
}

// RevokeToken makes a token unusable from now on. Revoking a revoked token is a conflict.
func (s *Service) RevokeToken(ctx context.Context, actor audit.Actor, id int64) (Token, error) {
	var after Token
	err := db.InTx(ctx, s.conn, func(tx *sqlx.Tx) error {
		var before Token
		if err := tx.StmtxContext(ctx, s.q.TokenForUpd).GetContext(ctx, &before, id); err != nil {
			if db.IsNoRows(err) {
				return apperr.NotFound("API token %d does not exist", id)
			}
			return fmt.Errorf("load token %d: %w", id, err)
		}
		if before.RevokedAt != nil {
			return apperr.Conflict("", fmt.Sprintf("API token %d was already revoked", id))
		}
		after = before
		if err := tx.StmtxContext(ctx, s.q.RevokeToken).GetContext(ctx, &after.RevokedAt, id); err != nil {
			return fmt.Errorf("revoke token %d: %w", id, err)
		}
		if err := notifyAuthChange(ctx, tx); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, actor, audit.Update, "api_token", id, before, after)
	})
	return after, err
}

// ListTokens lists every token, or one user's when userID is not nil.
func (s *Service) ListTokens(ctx context.Context, userID *int64) ([]Token, error) {
	tokens := []Token{}
	if err := s.q.ListTokens.SelectContext(ctx, &tokens, userID); err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	return tokens, nil
}

// Authenticate returns the principal of a live token of an active user, and notes
// when the token was last used.
func (s *Service) Authenticate(ctx context.Context, secret string) (Principal, error) {
	if !strings.HasPrefix(secret, tokenPrefix) {
		return Principal{}, apperr.Unauthenticated("the API token is not valid")
	}
	hash := hashOf(secret)
	now := time.Now()
	cached, gen, ok := s.tokens.get(hash, now)
	if ok {
		if now.Sub(cached.touched) > time.Minute {
			if _, err := s.q.TouchToken.ExecContext(ctx, cached.principal.TokenID); err != nil {
				return Principal{}, fmt.Errorf("note token use: %w", err)
			}
			cached.touched = now
			s.tokens.put(hash, cached, gen)
		}
		return cached.principal, nil
	}
	var row struct {
		Principal
		LastUsedAt *time.Time `db:"last_used_at"`
	}
	if err := s.q.Authenticate.GetContext(ctx, &row, hash[:]); err != nil {
		if db.IsNoRows(err) {
			return Principal{}, apperr.Unauthenticated("the API token is not valid, revoked, or its user is deactivated")
		}
		return Principal{}, fmt.Errorf("authenticate token: %w", err)
	}
	touched := now
	if row.LastUsedAt == nil || now.Sub(*row.LastUsedAt) > time.Minute {
		if _, err := s.q.TouchToken.ExecContext(ctx, row.TokenID); err != nil {
			return Principal{}, fmt.Errorf("note token use: %w", err)
		}
	} else {
		touched = *row.LastUsedAt
	}
	s.tokens.put(hash, cachedAuth{principal: row.Principal, verified: now, touched: touched}, gen)
	return row.Principal, nil
}

func newSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate token: %w", err)
	}
	return tokenPrefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)), nil
}
