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
