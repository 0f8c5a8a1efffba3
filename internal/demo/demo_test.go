package demo

import (
	"context"
	"os"
	"strings"
	"testing"

	"cartera/internal/app"
	"cartera/internal/demo/seed"
	"cartera/internal/ledger"
	"cartera/internal/loan"
	"cartera/internal/platform/civil"
	"cartera/internal/platform/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func TestLoadOnceWithEveryKindOfLoan(t *testing.T) {
	ctx := context.Background()
	conn := pgtest.New(t)
	s, err := app.New(ctx, conn, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Load(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	if res.AlreadyLoaded || res.Partners != 6 || res.Loans != 8 || res.AdminPassword == "" {
		t.Fatalf("first load: %+v", res)
	}
	if _, err := s.Users.CheckPassword(ctx, AdminEmail, res.AdminPassword); err != nil {
		t.Errorf("the printed admin password does not work: %v", err)
	}
	again, err := Load(ctx, s)
	if err != nil || !again.AlreadyLoaded {
		t.Fatalf("second load: %+v %v", again, err)
	}

	today := civil.Today()
	loans, err := s.Loans.List(ctx, ledger.ListQuery{}) // every loan: no limit
	if err != nil {
		t.Fatal(err)
	}
	byRef := map[string]ledger.Detail{}
	for _, l := range loans.Items {
		d, err := s.Loans.Get(ctx, l.ID, today)
		if err != nil {
			t.Fatal(err)
		}
		byRef[l.Reference] = d
	}
	want := map[string]loan.Status{
		"IMP-2010-01": loan.Repaid, "IMP-2013-02": loan.Repaid, "IMP-2014-03": loan.Repaid, "IMP-2014-04": loan.Repaid,
		"DMI-2019-01": loan.WrittenOff, "PMB-BOB-01": loan.Active, "ADRA-PEN-01": loan.Active, "CMP-2026-01": loan.Pipeline,
	}
	for ref, status := range want {
		d, ok := byRef[ref]
		if !ok {
			t.Errorf("no demo loan %s", ref)
			continue
		}
		if d.Balances.Status != status {
			t.Errorf("%s: status %s, want %s", ref, d.Balances.Status, status)
		}
	}
	// The seed article: 75,000 (2010), 150,000 (2013), 200,000 + 200,000 (2014), the last
	// for the dairy producers programme in two tranches.
	if d := byRef["IMP-2014-04"]; !d.Balances.Disbursed.Equal(d.Loan.Committed) || len(d.Transactions) < 3 {
		t.Errorf("dairy loan: %+v", d.Balances)
	}
	if b := byRef["PMB-BOB-01"].Balances; b.DaysPastDue != 0 || !b.Outstanding.IsPos() {
		t.Errorf("Pro Mujer's loan should be current with principal outstanding: %+v", b)
	}
	if b := byRef["ADRA-PEN-01"].Balances; b.DaysPastDue <= 30 || !b.OverduePrincipal.IsPos() {
		t.Errorf("ADRA Peru's loan should be late: dpd %d, overdue %s", b.DaysPastDue, b.OverduePrincipal)
	}
	// FX history covers the local-currency loans up to today.
	for _, c := range []string{"BOB", "PEN", "EUR"} {
		if _, err := s.FX.RateOn(ctx, c, today); err != nil {
			t.Errorf("%s: %v", c, err)
		}
	}

	// The figures: every report of the seeds, through the service.
	wantReports := 0
	for _, reports := range seed.Statements() {
		wantReports += len(reports)
	}
	if res.Reports != wantReports || len(res.Skipped) != 0 {
		t.Errorf("%d reports loaded (skipped %v), want %d", res.Reports, res.Skipped, wantReports)
	}
	var stored int
	if err := conn.Get(&stored, "SELECT count(*) FROM financial_statements"); err != nil || stored != wantReports {
		t.Errorf("%d reports stored (%v), want %d", stored, err, wantReports)
	}

	// An installation that had the earlier parts of the demo and renamed a demo partner
	// since gets the figures of the others, and is told; it still starts.
	if _, err := conn.Exec(`DELETE FROM financial_statements; DELETE FROM app_meta WHERE key = 'demo_figures_loaded';
		UPDATE partners SET name = 'D-Miro Ecuador' WHERE name = 'D-Miro'`); err != nil {
		t.Fatal(err)
	}
	upgrade, err := Load(ctx, s)
	if err != nil {
		t.Fatalf("upgrade with a renamed partner: %v", err)
	}
	if upgrade.Reports != wantReports-2 || len(upgrade.Skipped) != 1 || !strings.Contains(upgrade.Skipped[0], "D-Miro") {
		t.Errorf("upgrade: %d reports, skipped %v", upgrade.Reports, upgrade.Skipped)
	}
}
