package api

import (
	"encoding/json"
	"time"

	"cartera/internal/audit"
	"cartera/internal/fund"
	"cartera/internal/platform/civil"
	"cartera/internal/statements"
	"cartera/internal/user"
)

// The API's response types for users, tokens, funds, audit entries and statements:
// what the API promises (docs in openapi.go) is written here, not by the domain
// structs' tags, so a domain field added or renamed does not change the API.

type userJSON struct {
	ID     int64     `json:"id"`
	Email  string    `json:"email"`
	Name   string    `json:"name"`
	Role   user.Role `json:"role"`
	Active bool      `json:"active"`
	// MustChangePassword: the password is a one-time one an admin knows.
	MustChangePassword bool      `json:"must_change_password"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
}

func toUserJSON(u user.User) userJSON {
	return userJSON{ID: u.ID, Email: u.Email, Name: u.Name, Role: u.Role, Active: u.Active, MustChangePassword: u.MustChangePassword, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
}

// newUserJSON is a user just created or reset, with the one-time password Cartera
// generated: this answer is the only time it is shown.
type newUserJSON struct {
	userJSON
	OneTimePassword string `json:"one_time_password,omitempty"`
}

type tokenJSON struct {
	ID         int64      `json:"id"`
	UserID     int64      `json:"user_id"`
	UserEmail  string     `json:"user_email"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

func toTokenJSON(t user.Token) tokenJSON {
	return tokenJSON{ID: t.ID, UserID: t.UserID, UserEmail: t.UserEmail, Name: t.Name, Prefix: t.Prefix, CreatedAt: t.CreatedAt,
		LastUsedAt: t.LastUsedAt, RevokedAt: t.RevokedAt}
}

// newTokenJSON is a token just created, with its secret: the only time it is shown.
type newTokenJSON struct {
	tokenJSON
	Secret string `json:"token"`
}

type fundJSON struct {
	ID                           int64     `json:"id"`
	Name                         string    `json:"name"`
	BaseCurrency                 string    `json:"base_currency"`
	CreatedAt                    time.Time `json:"created_at"`
	AllocationOrder              string    `json:"allocation_order"`
	RestructuredCureInstallments *int      `json:"restructured_cure_installments"`
	BooksClosedThrough           *string   `json:"books_closed_through"`
}

func toFundJSON(f fund.Fund) fundJSON {
	return fundJSON{ID: f.ID, Name: f.Name, BaseCurrency: f.BaseCurrency, CreatedAt: f.CreatedAt,
		AllocationOrder: string(f.AllocationOrder), RestructuredCureInstallments: f.RestructuredCureInstallments,
		BooksClosedThrough: optDate(f.BooksClosedThrough)}
}

type auditEntryJSON struct {
	ID          int64        `json:"id"`
	At          time.Time    `json:"at"`
	ActorUserID *int64       `json:"actor_user_id"`
	Actor       string       `json:"actor"`
	Via         audit.Via    `json:"via"`
	Action      audit.Action `json:"action"`
	Entity      string       `json:"entity"`
	EntityID    string       `json:"entity_id"`
	Before      audit.JSON   `json:"before"`
	After       audit.JSON   `json:"after"`
}

func toAuditEntryJSON(e audit.Entry) auditEntryJSON {
	return auditEntryJSON{ID: e.ID, At: e.At, ActorUserID: e.ActorUserID, Actor: e.Actor, Via: e.Via, Action: e.Action,
		Entity: e.Entity, EntityID: e.EntityID, Before: e.Before, After: e.After}
}

// statementJSON is a partner's figures at a period end, flat: the period, then every
// canonical figure under its name (null when not reported; amounts as decimal strings,
// counts as numbers), then the timestamps.
type statementJSON struct{ r statements.Statement }

func (s statementJSON) MarshalJSON() ([]byte, error) {
	head, err := json.Marshal(struct {
		ID        int64  `json:"id"`
		PartnerID int64  `json:"partner_id"`
		PeriodEnd string `json:"period_end"`
		Months    int    `json:"months"`
		Currency  string `json:"currency"`
	}{s.r.ID, s.r.PartnerID, s.r.PeriodEnd.Format(civil.Layout), s.r.Months, s.r.Currency})
	if err != nil {
		return nil, err
	}
	figs, err := json.Marshal(statements.FiguresJSON(s.r.Figures))
	if err != nil {
		return nil, err
	}
	tail, err := json.Marshal(struct {
		CreatedAt time.Time `json:"created_at"`
		UpdatedAt time.Time `json:"updated_at"`
	}{s.r.CreatedAt, s.r.UpdatedAt})
	if err != nil {
		return nil, err
	}
	out := append(head[:len(head)-1], ',')
	out = append(out, figs[1:len(figs)-1]...)
	out = append(out, ',')
	return append(out, tail[1:]...), nil
}

// each maps a list of domain values to their response type.
func each[T, J any](in []T, to func(T) J) []J {
	out := make([]J, len(in))
	for i, v := range in {
		out[i] = to(v)
	}
	return out
}

func toStatementJSON(r statements.Statement) statementJSON { return statementJSON{r} }
