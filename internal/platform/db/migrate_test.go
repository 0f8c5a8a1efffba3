package db_test

import (
	"context"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"
	"github.com/pressly/goose/v3"

	"cartera/internal/platform/pgtest"
	sqlfs "cartera/sql"
)

// catalog lists the names of the public schema's tables, constraints, indexes and
// sequences, sorted: what a rename migration must turn into each other.
func catalog(t *testing.T, conn *sqlx.DB) []string {
	t.Helper()
	var names []string
	err := conn.Select(&names, `
		SELECT c.relkind::text || ' ' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i', 'S')
		UNION ALL
		SELECT 'c ' || con.conname FROM pg_constraint con JOIN pg_namespace n ON n.oid = con.connamespace
		WHERE n.nspname = 'public'
		ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// TestMigrationsStepDownAndUp takes the newest migrations back one at a time to the
// table rename of issue 15, then up again: each Down undoes its Up, so the catalog
// returns to what it was, and below the rename every name is financial_reports_*.
// Loans stored meanwhile under the earlier day-count names take the new ones (00012).
func TestMigrationsStepDownAndUp(t *testing.T) {
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
	before := catalog(t, conn)
	if !slices.Contains(before, "r financial_statements") || !slices.Contains(before, "i financial_statements_partner_month_key") ||
		!slices.Contains(before, "c financial_statements_partner_id_fkey") || !slices.Contains(before, "S financial_statements_id_seq") {
		t.Fatalf("the renamed table's names are missing: %v", before)
	}
	if _, err := p.DownTo(ctx, 10); err != nil {
		t.Fatal(err)
	}
	for _, name := range catalog(t, conn) {
		if strings.Contains(name, "financial_statements") {
			t.Errorf("after Down: %s", name)
		}
	}
	// Loans stored under the earlier day-count names, before migration 00012.
	if _, err := conn.Exec(`INSERT INTO funds (name, base_currency) VALUES ('F', 'USD')`); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(`INSERT INTO partners (name, country, legal_status) VALUES ('P', 'BO', 'ngo')`); err != nil {
		t.Fatal(err)
	}
	for i, dc := range []string{"30/360", "ACT/365", "ACT/360"} {
		if _, err := conn.Exec(`INSERT INTO loans (fund_id, partner_id, reference, currency, committed_amount, interest_rate,
			day_count, signed_on, first_due_on, maturity_on, amortization, frequency)
			VALUES (1, 1, $1, 'USD', 1000, 0.1, $2, '2024-01-01', '2024-02-01', '2024-12-01', 'annuity', 'monthly')`, "L"+strconv.Itoa(i), dc); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatal(err)
	}
	if after := catalog(t, conn); !slices.Equal(before, after) {
		t.Errorf("Down then Up changed the catalog:\nbefore %v\nafter  %v", before, after)
	}
	var names []string
	if err := conn.Select(&names, `SELECT day_count FROM loans ORDER BY reference`); err != nil ||
		!slices.Equal(names, []string{"30/360 whole-month", "ACT/365F", "ACT/360"}) {
		t.Errorf("day counts after migration 00012: %v (%v)", names, err)
	}
	var rules string
	if err := conn.Get(&rules, `SELECT value FROM app_meta WHERE key = 'ledger_rules'`); err != nil || rules != "1" {
		t.Errorf("a book with loans is marked as derived under the first rules: %q (%v)", rules, err)
	}
}
