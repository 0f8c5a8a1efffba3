package db_test

import (
	"context"
	"io/fs"
	"testing"

	"github.com/pressly/goose/v3"

	"cartera/internal/platform/pgtest"
	sqlfs "cartera/sql"
)

// 00028 widens covenant_results.value so a ratio of 5e18 can be stored (its reason);
// its Down narrows the column back and fails on such a row: the migration cannot be
// taken back once a report with such a ratio was written.
func TestReview00028DownWithWideValue(t *testing.T) {
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
