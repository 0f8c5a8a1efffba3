// Package audit records who changed what, when, with the values before and after. Every
// write of every domain calls Record inside its own transaction, so a change and its
// audit entry are committed, or rolled back, together.
package audit

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"cartera/internal/platform/db"
)

// Via is the path a write came through.
type Via string

// The paths a write can come through.
const (
	ViaAPI    Via = "api"
	ViaUI     Via = "ui"
	ViaCLI    Via = "cli"
	ViaSystem Via = "system"
)

// Actor is who made a write: a user account, or a named operator or process.
type Actor struct {
	UserID *int64
	Name   string
	Via    Via
}

// System returns an actor for writes no user account made, e.g. the demo loader.
func System(name string) Actor { return Actor{Name: name, Via: ViaSystem} }

// Action is what a write did to its entity.
type Action string

// The actions recorded.
const (
	Create Action = "create"
	Update Action = "update"
	Delete Action = "delete"
	// SignIn, SignInFailed, SignInThrottled and SignOut are a browser's sign-ins: not
	// writes to an entity, but who came in, who tried and was refused, and who left.
	SignIn          Action = "sign_in"
	SignInFailed    Action = "sign_in_failed"
	SignInThrottled Action = "sign_in_throttled"
	SignOut         Action = "sign_out"
	// PasswordChange is a user choosing their password; PasswordReset an admin giving
	// them a one-time one.
	PasswordChange Action = "password_change"
	PasswordReset  Action = "password_reset"
)

// Entry is one recorded write.
type Entry struct {
	ID          int64     `db:"id" json:"id"`
	At          time.Time `db:"at" json:"at"`
	ActorUserID *int64    `db:"actor_user_id" json:"actor_user_id"`
	Actor       string    `db:"actor" json:"actor"`
	Via         Via       `db:"via" json:"via"`
	Action      Action    `db:"action" json:"action"`
	Entity      string    `db:"entity" json:"entity"`
	EntityID    string    `db:"entity_id" json:"entity_id"`
	Before      JSON      `db:"before" json:"before"`
	After       JSON      `db:"after" json:"after"`
}

// JSON is a nullable jsonb value, passed through as is.
type JSON []byte

// Scan copies the value, since the driver may reuse its buffer; NULL becomes nil.
func (j *JSON) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*j = nil
	case []byte:
		*j = append(JSON(nil), v...)
	case string:
		*j = JSON(v)
	default:
		return fmt.Errorf("audit: cannot scan %T as JSON", src)
	}
	return nil
}

// MarshalJSON writes the stored document, or null.
func (j JSON) MarshalJSON() ([]byte, error) {
	if len(j) == 0 {
		return []byte("null"), nil
	}
	return j, nil
}

// Log writes and reads the audit log.
type Log struct {
	q struct {
		Insert *sqlx.Stmt `query:"insert-entry"`
		Batch  *sqlx.Stmt `query:"insert-entries"`
		List   *sqlx.Stmt `query:"list-entries"`
	}
}

// NewLog prepares the audit queries.
func NewLog(ctx context.Context, conn *sqlx.DB) (*Log, error) {
	l := &Log{}
	if err := db.PrepareQueries(ctx, conn, "audit.sql", &l.q); err != nil {
		return nil, err
	}
	return l, nil
}

// Record writes one entry in tx. before is nil for a create, after nil for a delete;
// both are stored as JSON.
func (l *Log) Record(ctx context.Context, tx *sqlx.Tx, actor Actor, action Action, entity string, entityID any, before, after any) error {
	if actor.Name == "" || actor.Via == "" {
		return fmt.Errorf("audit: a write to %s %v without an actor", entity, entityID)
	}
	b, err := marshalOrNull(before)
	if err != nil {
		return err
	}
	a, err := marshalOrNull(after)
	if err != nil {
		return err
	}
	if _, err := tx.StmtxContext(ctx, l.q.Insert).ExecContext(ctx,
		actor.UserID, actor.Name, actor.Via, action, entity, fmt.Sprint(entityID), b, a); err != nil {
		return fmt.Errorf("audit %s %s %v: %w", action, entity, entityID, err)
	}
	return nil
}

// Change is one write of a batch, for RecordAll.
type Change struct {
	Action        Action
	Entity        string
	EntityID      any
	Before, After any
}

// RecordAll writes one entry per change in tx, in a single statement: a bulk write
// (an import of thousands of rows) audits each row without a round trip per row.
func (l *Log) RecordAll(ctx context.Context, tx *sqlx.Tx, actor Actor, changes []Change) error {
	if len(changes) == 0 {
		return nil
	}
	if actor.Name == "" || actor.Via == "" {
		return fmt.Errorf("audit: a batch of %d writes without an actor", len(changes))
	}
	actions, entities, ids := make([]string, len(changes)), make([]string, len(changes)), make([]string, len(changes))
	befores, afters := make(db.NullableText, len(changes)), make(db.NullableText, len(changes))
	for i, c := range changes {
		actions[i], entities[i], ids[i] = string(c.Action), c.Entity, fmt.Sprint(c.EntityID)
		for _, v := range []struct {
			value any
			dst   **string
		}{{c.Before, &befores[i]}, {c.After, &afters[i]}} {
			doc, err := marshalOrNull(v.value)
			if err != nil {
				return err
			}
			if doc.Valid {
				*v.dst = &doc.String
			}
		}
	}
	if _, err := tx.StmtxContext(ctx, l.q.Batch).ExecContext(ctx, actor.UserID, actor.Name, actor.Via,
		pq.StringArray(actions), pq.StringArray(entities), pq.StringArray(ids), befores, afters); err != nil {
		return fmt.Errorf("audit %d changes: %w", len(changes), err)
	}
	return nil
}

// Filter selects entries; zero fields select everything.
type Filter struct {
	UserID   *int64
	Entity   string
	EntityID string
	From, To *time.Time
	BeforeID *int64 // for paging: entries older than this one
	Limit    int
}

// List returns entries newest first.
func (l *Log) List(ctx context.Context, f Filter) ([]Entry, error) {
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	entries := []Entry{}
	err := l.q.List.SelectContext(ctx, &entries, f.UserID, f.Entity, f.EntityID, f.From, f.To, f.BeforeID, f.Limit)
	if err != nil {
		return nil, fmt.Errorf("list audit entries: %w", err)
	}
	return entries, nil
}

func marshalOrNull(v any) (sql.NullString, error) {
	if v == nil {
		return sql.NullString{}, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return sql.NullString{}, fmt.Errorf("audit: encode value: %w", err)
	}
	return sql.NullString{String: string(b), Valid: true}, nil
}
