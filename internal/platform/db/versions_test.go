package db_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"cartera/internal/platform/db"
	"cartera/internal/platform/pgtest"
)

// TestVersionsMoveWithTheirTables: a write to a table read moves the version, one to
// another table does not, folding the log into the bases keeps it, and Answer keeps an answer until
// the version moves, but never one computed while a write committed.
func TestVersionsMoveWithTheirTables(t *testing.T) {
	ctx := context.Background()
	conn := pgtest.New(t)
	vs, err := db.NewVersions(ctx, conn, "funds", "partners")
	if err != nil {
		t.Fatal(err)
	}
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := conn.Exec(q, args...); err != nil {
			t.Fatal(err)
		}
	}
	read := func() int64 {
		t.Helper()
		v, err := vs.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	v0 := read()
	exec(`INSERT INTO funds (name, base_currency) VALUES ('F', 'USD')`)
	v1 := read()
	if v1 <= v0 {
		t.Fatalf("a fund written: version %d, before %d", v1, v0)
	}
	exec(`INSERT INTO fx_rates (currency, rate_date, rate) VALUES ('EUR', '2025-01-01', 0.9)`)
	if v := read(); v != v1 {
		t.Errorf("a rate (not read) moved the version from %d to %d", v1, v)
	}
	for i := range 5 {
		exec(`INSERT INTO partners (name, country, legal_status) VALUES ($1, 'BO', 'ngo')`, fmt.Sprint("P", i))
	}
	v2 := read()
	if v2 != v1+5 {
		t.Errorf("five partners written: version %d, want %d", v2, v1+5)
	}
	// Past 2,000 changes logged, a read folds them into the versions' bases.
	exec(`DO $$ BEGIN FOR i IN 1..2001 LOOP UPDATE fx_rates SET rate = rate; END LOOP; END $$`)
	if v := read(); v != v2 {
		t.Errorf("2,001 writes to rates (not read) moved the version from %d to %d", v2, v)
	}
	var logged int
	for wait := 0; wait < 100; wait++ { // the fold runs beside the read
		if err := conn.Get(&logged, `SELECT count(*) FROM data_changes`); err != nil {
			t.Fatal(err)
		}
		if logged == 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if logged != 0 {
		t.Fatalf("after the fold %d changes are logged", logged)
	}
	if v := read(); v != v2 {
		t.Errorf("the fold moved the version from %d to %d", v2, v)
	}

	kept := db.NewKept[string](10, func(string) int { return 1 })
	computed := 0
	answer := func(compute func() (string, error)) string {
		t.Helper()
		a, _, err := db.Answer(ctx, vs, kept, "k", func() (string, error) { computed++; return compute() })
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	plain := func() (string, error) { return fmt.Sprint("answer ", computed), nil }
	if a, b := answer(plain), answer(plain); a != "answer 1" || b != a || computed != 1 {
		t.Errorf("answers %q then %q, computed %d times; want the first kept", a, b, computed)
	}
	exec(`UPDATE partners SET name = name || '.'`)
	if a := answer(plain); a != "answer 2" {
		t.Errorf("after a write: %q, want it computed again", a)
	}
	writing := func() (string, error) {
		exec(`UPDATE funds SET name = name || '.'`)
		return "computed while a fund was written", nil
	}
	exec(`UPDATE partners SET name = name || '.'`)
	if a := answer(writing); a != "computed while a fund was written" {
		t.Errorf("got %q", a)
	}
	if a := answer(plain); a != "answer 4" {
		t.Errorf("the answer computed during a write was kept: then %q", a)
	}
	if _, _, err := db.Answer(ctx, vs, kept, "e", func() (string, error) { return "", errors.New("failed") }); err == nil || kept.Len() != 1 {
		t.Errorf("a failed computation: %v, %d kept", err, kept.Len())
	}
}
