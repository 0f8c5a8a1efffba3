// Package demo loads the demonstration data drawn from the seed documents: a fund, the
// partners DOMAIN.md names with their facts, and an admin account. It goes through the
// domain services, so the demo is validated and audited like any other write.
package demo

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"

	"github.com/jmoiron/sqlx"

	"cartera/internal/app"
	"cartera/internal/audit"
	"cartera/internal/demo/seed"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/db"
	"cartera/internal/user"
)

// AdminEmail is the demo administrator's login.
const AdminEmail = "admin@cartera.example"

// The demo is loaded in parts, each marked done once, so an installation that loaded
// an earlier part gets the later ones on its next start.
const (
	loadedKey        = "demo_loaded"
	ledgerLoadedKey  = "demo_ledger_loaded"
	figuresLoadedKey = "demo_figures_loaded"
)

// Result says what Load did.
type Result struct {
	// AlreadyLoaded is true when an earlier Load finished; nothing was written.
	AlreadyLoaded bool
	Partners      int
	Loans         int
	Reports       int
	// Skipped says which demo reports were not loaded, and why (an installation whose
	// demo partners were changed before this part of the demo arrived).
	Skipped []string
	// Covenants is how many covenants were written (each tested at once).
	Covenants int
	// AdminPassword is set when this Load created the admin account; it is random.
	// The database keeps only its hash; `cartera serve` on the embedded cluster also
	// keeps it in the data directory (demo-admin.txt, mode 0600) to show it again.
	AdminPassword string
}

// Load writes the demo data unless it was loaded before. Each piece is created only if
// missing, so a Load interrupted half-way can simply be run again.
func Load(ctx context.Context, s app.Services) (Result, error) {
	m, err := openMarkers(ctx, s)
	if err != nil {
		return Result{}, err
	}
	defer m.close()
	actor := audit.System("demo loader")
	var res Result
	// The parts in order, each marked when done: an installation that had the demo
	// before a part existed (the covenants came with issue 18) gets it on its next start.
	parts := []struct {
		key  string
		load func() error
	}{
		{loadedKey, func() error { return loadBase(ctx, s, actor, &res) }},
		{ledgerLoadedKey, func() (err error) { res.Loans, err = loadLedger(ctx, s, actor, s.Clock.Today()); return err }},
		// Put replaces a period's report, so a load interrupted here can run again.
		{figuresLoadedKey, func() (err error) { res.Reports, res.Skipped, err = loadStatements(ctx, s, actor); return err }},
		// After the figures and loans they test.
		{covenantsLoadedKey, func() (err error) { res.Covenants, err = loadCovenants(ctx, s, actor); return err }},
	}
	loadedAny := false
	for _, p := range parts {
		done, err := m.done(ctx, p.key)
		if err != nil {
			return res, err
		}
		if done {
			continue
		}
		loadedAny = true
		if err := p.load(); err != nil {
			return res, err
		}
		if err := m.set(ctx, p.key); err != nil {
			return res, err
		}
	}
	if !loadedAny {
		return Result{AlreadyLoaded: true}, nil
	}
	return res, nil
}

const demoFundName = "Demo Impact Fund"

// markers say which parts of the demo (and which synthetic books) are loaded.
type markers struct {
	q struct {
		Get *sqlx.Stmt `query:"get-meta"`
		Set *sqlx.Stmt `query:"set-meta"`
	}
}

func openMarkers(ctx context.Context, s app.Services) (*markers, error) {
	m := &markers{}
	if err := db.PrepareQueries(ctx, s.Conn, "demo.sql", &m.q); err != nil {
		return nil, err
	}
	return m, nil
}

func (m *markers) close() {
	m.q.Get.Close()
	m.q.Set.Close()
}

// done reports whether the part named key was loaded.
func (m *markers) done(ctx context.Context, key string) (bool, error) {
	var v string
	switch err := m.q.Get.GetContext(ctx, &v, key); {
	case err == nil:
		return true, nil
	case db.IsNoRows(err):
		return false, nil
	default:
		return false, fmt.Errorf("read demo marker %s: %w", key, err)
	}
}

// set marks the part named key loaded.
func (m *markers) set(ctx context.Context, key string) error {
	if _, err := m.q.Set.ExecContext(ctx, key, "true"); err != nil {
		return fmt.Errorf("mark %s loaded: %w", key, err)
	}
	return nil
}

// loadBase writes the fund, the partners and the admin account.
func loadBase(ctx context.Context, s app.Services, actor audit.Actor, res *Result) error {
	funds, err := s.Funds.List(ctx)
	if err != nil {
		return err
	}
	if len(funds) == 0 {
		if _, err := s.Funds.Create(ctx, actor, demoFundName, "USD"); err != nil {
			return fmt.Errorf("demo fund: %w", err)
		}
	}
	for _, p := range seed.Partners() {
		_, err := s.Partners.Create(ctx, actor, p)
		if apperr.IsKind(err, apperr.KindConflict) {
			continue // loaded by an earlier, interrupted run
		}
		if err != nil {
			return fmt.Errorf("demo partner %s: %w", p.Name, err)
		}
		res.Partners++
	}
	if _, err := s.Users.ByEmail(ctx, AdminEmail); apperr.IsKind(err, apperr.KindNotFound) {
		password, err := randomPassword()
		if err != nil {
			return err
		}
		if _, err := s.Users.Create(ctx, actor, user.NewUser{Email: AdminEmail, Name: "Demo administrator", Role: user.Admin, Password: password}); err != nil {
			return fmt.Errorf("demo admin: %w", err)
		}
		res.AdminPassword = password
	} else if err != nil {
		return err
	}
	return nil
}

func randomPassword() (string, error) {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate password: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
