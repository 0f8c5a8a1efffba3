package db_test

import (
	"context"
	"io/fs"
	"testing"

	"github.com/pressly/goose/v3"

	"cartera/internal/platform/pgtest"
	sqlfs "cartera/sql"
)

// A covenant result records a ratio of 5e18 (the columns have no fixed precision since
// 00024); taking 00028 back must not narrow them and fail on such a row, as a first
// version of 00028, which widened them, did.
func TestMigrationsDownKeepAWideCovenantValue(t *testing.T) {
	ctx := context.Background()
	conn := pgtest.New(t)
	migrations, err := fs.Sub(sqlfs.Migrations, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, conn.DB, migrations, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO partners (name, country, legal_status) VALUES ('P', 'BO', 'ngo')`,
		`INSERT INTO covenants (partner_id, metric, operator, threshold, valid_from, frequency) VALUES (1, 'debt_to_equity', '<=', 5, '2024-01-01', 'each_report')`,
		`INSERT INTO covenant_results (covenant_id, period_end, status, value, threshold, found_at) VALUES (1, '2024-03-31', 'breached', 5000000000000000000, 5, now())`,
	} {
		if _, err := conn.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := p.DownTo(ctx, 27); err != nil {
		t.Errorf("Down of 00028 with a ratio of 5e18 stored: %v", err)
	}
}

// 00031 dates the breaches reopened before it by their audit log: the entry whose
// reopened count went up to the breach's, not a later update of the same opening; a
// breach with no such entry stays unknown (NULL).
func TestMigrationDatesReopenedBreaches(t *testing.T) {
	ctx := context.Background()
	conn := pgtest.New(t)
	migrations, err := fs.Sub(sqlfs.Migrations, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, conn.DB, migrations, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.DownTo(ctx, 30); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO partners (name, country, legal_status) VALUES ('P', 'BO', 'ngo')`,
		`INSERT INTO covenants (partner_id, metric, operator, threshold, valid_from, frequency) VALUES (1, 'par30_ratio', '<=', 0.05, '2024-01-01', 'each_report')`,
		`INSERT INTO covenant_breaches (covenant_id, period_end, value, threshold, found_at, cure_by, reopened) VALUES
			(1, '2024-03-31', 0.09, 0.05, '2024-05-01', '2024-06-01', 2), (1, '2024-09-30', 0.09, 0.05, '2024-11-01', '2024-12-01', 1)`,
		`INSERT INTO audit_log (at, actor, via, action, entity, entity_id, before, after) VALUES
			('2024-05-02T10:00:00Z', 'test', 'system', 'update', 'covenant_breach', '1', '{"reopened": 0}', '{"reopened": 1}'),
			('2024-05-03T10:00:00Z', 'test', 'system', 'update', 'covenant_breach', '1', '{"reopened": 1}', '{"reopened": 2}'),
			('2024-05-04T10:00:00Z', 'test', 'system', 'update', 'covenant_breach', '1', '{"reopened": 2}', '{"reopened": 2}')`,
	} {
		if _, err := conn.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := p.UpTo(ctx, 31); err != nil {
		t.Fatal(err)
	}
	var got []string
	if err := conn.Select(&got, `SELECT coalesce(to_char(reopened_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'), '-') FROM covenant_breaches ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != "2024-05-03 10:00" || got[1] != "-" {
		t.Errorf("reopened_at after 00031: %v; want the second reopening's time, and unknown", got)
	}
}
