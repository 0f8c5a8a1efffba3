package notify

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"

	"cartera/internal/platform/apperr"
	"cartera/internal/platform/civil"
	"cartera/internal/platform/db"
)

// Notification is an event as a user sees it in the list, with their read mark.
type Notification struct {
	ID          int64     `db:"id"`
	Kind        Kind      `db:"kind"`
	PartnerID   int64     `db:"partner_id"` // 0: no partner concerned
	PartnerName string    `db:"partner_name"`
	Payload     string    `db:"payload"` // JSON
	CreatedAt   time.Time `db:"created_at"`
	Read        bool      `db:"read"`
}

// InboxFilter picks notifications; zero values pick all. Before is the cursor: ids
// below it (the last id of the previous page).
type InboxFilter struct {
	Kind       Kind
	PartnerID  int64
	UnreadOnly bool
	Before     int64
	Limit      int
}

// MaxUnreadCount is the most the menu's badge counts ("99+" beyond).
const MaxUnreadCount = 100

// Inbox is the events as managers and admins read them, each with their own read
// marks. A read mark is the user's own bookkeeping, not a change to the book: it is
// not audited.
type Inbox struct {
	clock civil.Clock
	q     struct {
		List    *sqlx.Stmt `query:"list-notifications"`
		Read    *sqlx.Stmt `query:"mark-read"`
		ReadAll *sqlx.Stmt `query:"mark-all-read"`
		Unread  *sqlx.Stmt `query:"count-unread"`
	}
}

// NewInbox prepares the inbox's queries.
func NewInbox(ctx context.Context, conn *sqlx.DB, clock civil.Clock) (*Inbox, error) {
	in := &Inbox{clock: clock}
	if err := db.PrepareQueries(ctx, conn, "notify_inbox.sql", &in.q); err != nil {
		return nil, err
	}
	return in, nil
}

// List is the notifications newest first, read or not by userID.
func (in *Inbox) List(ctx context.Context, userID int64, f InboxFilter) ([]Notification, error) {
	if f.Kind != "" && !knownKind(f.Kind) {
		return nil, apperr.Invalid(apperr.FieldError{Field: "kind", Message: "unknown kind " + string(f.Kind)})
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	var out []Notification
	err := in.q.List.SelectContext(ctx, &out, userID, string(f.Kind), f.PartnerID, f.UnreadOnly, f.Before, f.Limit)
	return out, err
}

// MarkRead marks one event read by userID (again is fine).
func (in *Inbox) MarkRead(ctx context.Context, userID, eventID int64) error {
	var found bool
	if err := in.q.Read.GetContext(ctx, &found, userID, eventID, in.clock.Now()); err != nil {
		return err
	}
	if !found {
		return apperr.NotFound("notification %d not found", eventID)
	}
	return nil
}

// MarkAllRead marks every event read by userID and returns how many were unread.
func (in *Inbox) MarkAllRead(ctx context.Context, userID int64) (int, error) {
	var n int
	err := in.q.ReadAll.GetContext(ctx, &n, userID, in.clock.Now())
	return n, err
}

// Unread counts userID's unread events, up to MaxUnreadCount.
func (in *Inbox) Unread(ctx context.Context, userID int64) (int, error) {
	var n int
	err := in.q.Unread.GetContext(ctx, &n, userID, MaxUnreadCount)
	return n, err
}

func knownKind(k Kind) bool {
	for _, known := range Kinds {
		if k == known {
			return true
		}
	}
	return false
}
