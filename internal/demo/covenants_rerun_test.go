package demo

import (
	"context"
	"testing"

	"cartera/internal/app"
	"cartera/internal/platform/pgtest"
)

// An installation that had the demo before its covenants part, whose admin changed
// the demo admin's email since: the covenants part writes the covenants once, skips
// the waiver it cannot ask for, and is marked done (it used to fail on the waiver,
// stay unmarked, stop the service's start, and write every covenant again each time).
func TestTheCovenantsPartRunsAgainWithoutDuplicates(t *testing.T) {
	ctx := context.Background()
	conn := pgtest.New(t)
	s, err := app.New(ctx, conn, nil)
	if err != nil {
		t.Fatal(err)
	}
	// the demo as it was before the covenants part
	if _, err := conn.Exec(`INSERT INTO app_meta (key, value) VALUES ($1, 'true')`, covenantsLoadedKey); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(ctx, s); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(`UPDATE users SET email = 'me@fund.example' WHERE email = $1`, AdminEmail); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(`DELETE FROM app_meta WHERE key = $1`, covenantsLoadedKey); err != nil {
		t.Fatal(err)
	}
	_, err1 := Load(ctx, s)
	_, err2 := Load(ctx, s)
	if err1 != nil || err2 != nil {
		t.Errorf("the covenants part refused to load: %v / %v", err1, err2)
	}
	var n int
	if err := conn.Get(&n, `SELECT count(*) FROM covenants`); err != nil {
		t.Fatal(err)
	}
	if n != len(demoCovenants) {
		t.Errorf("after two starts: %d covenants, want %d (errors: %v / %v)", n, len(demoCovenants), err1, err2)
	}
}

// A covenants part interrupted after writing (its marker missing) runs again without
// writing a covenant or a waiver twice.
func TestAnInterruptedCovenantsPartResumes(t *testing.T) {
	ctx := context.Background()
	conn := pgtest.New(t)
	s, err := app.New(ctx, conn, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Load(ctx, s); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(`DELETE FROM app_meta WHERE key = $1`, covenantsLoadedKey); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(ctx, s); err != nil {
		t.Fatal(err)
	}
	var covs, waivers int
	if err := conn.Get(&covs, `SELECT count(*) FROM covenants`); err != nil {
		t.Fatal(err)
	}
	if err := conn.Get(&waivers, `SELECT count(*) FROM covenant_waivers`); err != nil {
		t.Fatal(err)
	}
	if covs != len(demoCovenants) || waivers != 1 {
		t.Errorf("after the part ran again: %d covenants, %d waivers; want %d and 1", covs, waivers, len(demoCovenants))
	}
}
