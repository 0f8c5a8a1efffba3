package notify

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"cartera/internal/platform/civil"
	"cartera/internal/platform/db"
	"cartera/internal/platform/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func TestEmitWritesEachEventOnceWithADeliveryPerSubscribedWebhook(t *testing.T) {
	ctx := context.Background()
	conn := pgtest.New(t)
	now := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	s, err := NewService(ctx, conn, civil.FixedAt(now))
	if err != nil {
		t.Fatal(err)
	}
	var admin int64
	if err := conn.Get(&admin, `INSERT INTO users (email, name, role, password_hash) VALUES ('a@example.org', 'A', 'admin', 'x') RETURNING id`); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(`INSERT INTO webhooks (url, secret, events, created_by) VALUES
		('http://127.0.0.1:1/a', '0123456789abcdef', '{breach,cure}', $1),
		('http://127.0.0.1:1/b', '0123456789abcdef', '{cure}', $1)`, admin); err != nil {
		t.Fatal(err)
	}
	emit := func(events ...Event) int {
		var n int
		if err := db.InTx(ctx, conn, func(tx *sqlx.Tx) (err error) { n, err = s.Emit(ctx, tx, events...); return err }); err != nil {
			t.Fatal(err)
		}
		return n
	}
	first := emit(Event{Kind: Breach, Key: "breach:1:2026-06-30", Payload: map[string]string{"covenant": "1"}},
		Event{Kind: Cure, Key: "cure:1:2026-09-30", Payload: nil})
	again := emit(Event{Kind: Breach, Key: "breach:1:2026-06-30", Payload: map[string]string{"covenant": "1"}})
	if first != 2 || again != 0 {
		t.Fatalf("new events: %d then %d, want 2 then 0", first, again)
	}
	var deliveries int
	if err := conn.Get(&deliveries, `SELECT count(*) FROM webhook_deliveries`); err != nil {
		t.Fatal(err)
	}
	if deliveries != 3 { // the breach to a, the cure to a and b
		t.Fatalf("%d deliveries, want 3", deliveries)
	}
	var at time.Time
	if err := conn.Get(&at, `SELECT max(created_at) FROM notification_events`); err != nil || !at.Equal(now) {
		t.Fatalf("events stamped %v (%v), want the service's clock %v", at, err, now)
	}
}
