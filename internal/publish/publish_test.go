package publish_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/govalues/decimal"
	"github.com/jmoiron/sqlx"

	"cartera/internal/app"
	"cartera/internal/audit"
	"cartera/internal/demo"
	"cartera/internal/kpi"
	"cartera/internal/ledger"
	"cartera/internal/loan"
	"cartera/internal/partner"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/civil"
	"cartera/internal/platform/money"
	"cartera/internal/platform/pgtest"
	"cartera/internal/publish"
	"cartera/internal/statements"
	"cartera/reports"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

type env struct {
	svc      *publish.Service
	services app.Services
	actor    audit.Actor
}

func newEnv(t testing.TB, conn *sqlx.DB) *env {
	t.Helper()
	ctx := context.Background()
	services, err := app.New(ctx, conn, nil)
	must(t, err)
	return &env{svc: services.Publish, services: services, actor: audit.System("test")}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func (e *env) demo(t testing.TB) map[string]int64 {
	t.Helper()
	ctx := context.Background()
	_, err := demo.Load(ctx, e.services)
	must(t, err)
	ps, err := e.services.Partners.List(ctx, partner.Filter{})
	must(t, err)
	ids := map[string]int64{}
	for _, p := range ps {
		ids[p.Name] = p.ID
	}
	return ids
}

func TestProfileOfTakesTheLatestFourPeriodsAndTheLoansAsOfItsDate(t *testing.T) {
	e := newEnv(t, pgtest.New(t))
	ids := e.demo(t)
	ctx := context.Background()

	// ADRA Peru at the end of 2002: three periods, none after the date.
	p, err := e.svc.ProfileOf(ctx, ids["ADRA Peru"], reports.English, civil.Date(2002, 12, 31))
	must(t, err)
	if len(p.Periods) != 3 || !p.Periods[2].PeriodEnd.Equal(civil.Date(2002, 12, 31)) {
		t.Errorf("periods as of 2002-12-31: %d, last %v", len(p.Periods), p.Periods[len(p.Periods)-1].PeriodEnd)
	}
	// Its peers are Latin America's reports of December 2002: ADRA alone, so no group.
	if p.Peers == nil || p.Peers.WorldRegion != "419" || p.Peers.Members != 1 {
		t.Errorf("peers of Dec 2002: %+v", p.Peers)
	}
	if len(p.Loans) != 0 || p.Fund != "Demo Impact Fund" {
		t.Errorf("loans %d, fund %q", len(p.Loans), p.Fund)
	}

	// At June 2003 the group is the five partners of the comparison table.
	p, err = e.svc.ProfileOf(ctx, ids["ADRA Peru"], reports.English, civil.Date(2003, 6, 30))
	must(t, err)
	if len(p.Periods) != 4 || p.Peers.Members != 5 || len(p.Peers.Ratios) != len(publish.KeyRatios) {
		t.Fatalf("June 2003: %d periods, peers %+v", len(p.Periods), p.Peers)
	}
	for _, r := range p.Peers.Ratios {
		if r.Name == kpi.OperatingExpenseRatio && (r.Position.Rank != 5 || r.Summary.N != 5) {
			t.Errorf("ADRA's OER should be the worst of five: %+v", r)
		}
	}

	// Pro Mujer today: its BOB loan, current, with a next due date.
	p, err = e.svc.ProfileOf(ctx, ids["Pro Mujer Bolivia"], reports.Spanish, civil.Today())
	must(t, err)
	if len(p.Loans) != 1 || p.Loans[0].Reference != "PMB-BOB-01" || p.Loans[0].NextDueOn == nil || p.Loans[0].DaysPastDue != 0 ||
		p.Loans[0].Outstanding.IsZero() {
		t.Errorf("Pro Mujer's loans: %+v", p.Loans)
	}
	// ADRA's PEN loan is late today.
	p, err = e.svc.ProfileOf(ctx, ids["ADRA Peru"], reports.English, civil.Today())
	must(t, err)
	if len(p.Loans) != 1 || p.Loans[0].DaysPastDue == 0 {
		t.Errorf("ADRA's loan should be past due: %+v", p.Loans)
	}

	if _, err := e.svc.ProfileOf(ctx, 99999, reports.English, civil.Today()); !apperr.IsKind(err, apperr.KindNotFound) {
		t.Errorf("unknown partner: %v", err)
	}
}

func TestFactSheetOfComparesTwoYearsInOneCurrency(t *testing.T) {
	e := newEnv(t, pgtest.New(t))
	ids := e.demo(t)
	ctx := context.Background()

	f, err := e.svc.FactSheetOf(ctx, ids["Impro"], reports.French, publish.Years{})
	must(t, err)
	want := func(name string, got *decimal.Decimal, s string) {
		t.Helper()
		if got == nil || got.Cmp(decimal.MustParse(s)) != 0 {
			t.Errorf("%s = %v, want %s", name, got, s)
		}
	}
	if f.Then.Year != 2010 || f.Now.Year != 2014 || f.Currency != "USD" {
		t.Fatalf("years %d-%d in %s", f.Then.Year, f.Now.Year, f.Currency)
	}
	want("portfolio 2010", f.Then.Portfolio, "1000000")
	want("portfolio 2014", f.Now.Portfolio, "3100000")
	want("clients 2014", f.Now.Clients, "2503")
	if avg := f.Now.AverageLoan.Round(0); avg.Cmp(decimal.MustParse("1304")) != 0 {
		t.Errorf("average loan 2014 = %v, want 1304", f.Now.AverageLoan)
	}
	credit2010, credit2014 := f.Then.FundCredit, f.Now.FundCredit
	want("credit 2010", &credit2010, "75000")
	want("credit 2014 (April and May)", &credit2014, "400000")
	if f.LatestCredit == nil || f.LatestCredit.Year != 2014 || f.LatestCredit.Amount.Cmp(decimal.MustParse("400000")) != 0 {
		t.Errorf("latest credit = %+v", f.LatestCredit)
	}
	if len(f.Portfolio) != 2 {
		t.Errorf("chart years: %+v", f.Portfolio)
	}

	// A partner reporting in bolivianos, then in dollars: the earlier year is converted
	// at its period end's rate, and a BOB loan at its signing date's rate.
	id := ids["Pro Mujer Bolivia"]
	bob := decimal.MustParse("6960000")
	_, _, err = e.services.Statements.Put(ctx, e.actor, id, kpi.Statement{PeriodEnd: civil.Date(2015, 12, 31), Months: 12, Currency: "BOB",
		Figures: kpi.Figures{GrossLoanPortfolio: &bob}})
	must(t, err)
	usd := decimal.MustParse("2500000")
	_, _, err = e.services.Statements.Put(ctx, e.actor, id, kpi.Statement{PeriodEnd: civil.Date(2016, 12, 31), Months: 12, Currency: "USD",
		Figures: kpi.Figures{GrossLoanPortfolio: &usd}})
	must(t, err)
	f, err = e.svc.FactSheetOf(ctx, id, reports.English, publish.Years{From: 2015, To: 2016})
	must(t, err)
	rate, err := e.services.FX.RateOn(ctx, "BOB", civil.Date(2015, 12, 31))
	must(t, err)
	wantUSD, _ := bob.Quo(rate)
	if f.Currency != "USD" || f.Then.Portfolio.Cmp(wantUSD) != 0 {
		t.Errorf("2015 portfolio in USD = %v, want %v (BOB at %v)", f.Then.Portfolio, wantUSD, rate)
	}
	if f.Then.AverageLoan != nil {
		t.Errorf("no loans outstanding reported, so no average loan: %v", f.Then.AverageLoan)
	}
}

func TestSlug(t *testing.T) {
	cases := map[string]string{
		"Pro Mujer Bolivia":             "pro-mujer-bolivia",
		"Crédito Ñandutí S.A.":          "credito-nanduti-s-a",
		"  ¡Fundación   Éxito!  ":       "fundacion-exito",
		"日本":                            "partner-7",
		strings.Repeat("abcdefghij", 9): strings.Repeat("abcdefghij", 6),
	}
	for in, want := range cases {
		if got := publish.Slug(in, 7); got != want {
			t.Errorf("Slug(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWriteZipNamesEachSheetOnce(t *testing.T) {
	e := newEnv(t, pgtest.New(t))
	ctx := context.Background()
	// Two names that make the same file name.
	for _, name := range []string{"Fondo Éxito", "Fondo Exito"} {
		_, err := e.services.Partners.Create(ctx, e.actor, partner.Fields{Name: name, Country: "PE", LegalStatus: partner.NGO})
		must(t, err)
	}
	var buf bytes.Buffer
	var progress []string
	must(t, e.svc.WriteZip(ctx, &buf, publish.Batch{Lang: reports.Spanish}, civil.Date(2026, 1, 1), func(done, total int) {
		progress = append(progress, fmt.Sprintf("%d/%d", done, total))
	}))
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	must(t, err)
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	if strings.Join(names, " ") != "fondo-exito-factsheet-es.pdf fondo-exito-factsheet-es-2.pdf" {
		t.Errorf("entries: %v", names)
	}
	if strings.Join(progress, " ") != "1/2 2/2" {
		t.Errorf("progress: %v", progress)
	}
}

// TestFactSheetsStopsAtTheFirstError: a failing sink ends the batch with its error,
// without leaving the workers or the feeder behind.
func TestFactSheetsStopsAtTheFirstError(t *testing.T) {
	e := newEnv(t, pgtest.New(t))
	ctx := context.Background()
	for i := range 40 {
		_, err := e.services.Partners.Create(ctx, e.actor, partner.Fields{Name: fmt.Sprintf("P%02d", i), Country: "KE", LegalStatus: partner.NGO})
		must(t, err)
	}
	full := errors.New("disk full")
	emitted := 0
	done := make(chan error, 1)
	go func() {
		done <- e.svc.FactSheets(ctx, publish.Batch{Lang: reports.English}, func(publish.Document) error {
			emitted++
			if emitted == 2 {
				return full
			}
			return nil
		}, nil)
	}()
	select {
	case err := <-done:
		if !errors.Is(err, full) || emitted != 2 {
			t.Errorf("err = %v after %d documents; want the sink's error after 2", err, emitted)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("FactSheets did not return after its sink failed")
	}
}

// BenchmarkFactSheetsZip500 is the target: 500 fact sheets in a zip in under 5 s
// using both cores, from the database (each partner with four years of figures and a
// loan), as GET /api/v1/factsheets.zip builds it.
func BenchmarkFactSheetsZip500(b *testing.B) {
	if os.Getenv("GOGC") == "" {
		old := debug.SetGCPercent(400) // as cartera serve runs (cmd/cartera's serveGCPercent)
		b.Cleanup(func() { debug.SetGCPercent(old) })
	}
	e := newEnv(b, pgtest.New(b))
	ctx := context.Background()
	_, err := e.services.Funds.Create(ctx, e.actor, "Bench Fund", "USD")
	must(b, err)
	var csv strings.Builder
	csv.WriteString("partner,country,period_end,months,currency,gross_loan_portfolio,active_clients,loans_outstanding\n")
	for i := range 500 {
		for y := 2020; y <= 2023; y++ {
			fmt.Fprintf(&csv, "Partner %03d,%s,%d-12-31,12,USD,%d,%d,%d\n", i, []string{"BO", "PE", "KE", "KH"}[i%4], y,
				1_000_000+i*1000+y*10, 1700+i+y, 1600+i+y)
		}
	}
	table, err := statements.ReadTable([]byte(csv.String()))
	must(b, err)
	_, err = e.services.Statements.Import(ctx, e.actor, table, statements.ImportOptions{CreatePartners: true})
	must(b, err)
	refs, err := e.services.Partners.Refs(ctx, partner.Filter{})
	must(b, err)
	for _, r := range refs {
		_, err := e.services.Loans.Create(ctx, e.actor, ledger.NewLoan{PartnerID: r.ID, Reference: fmt.Sprintf("L-%d", r.ID), Terms: loan.Terms{
			Currency: money.MustCurrency("USD"), Committed: decimal.MustParse("250000"), Rate: decimal.MustParse("0.08"), DayCount: loan.ACT360,
			SignedOn: civil.Date(2022, 3, 1), FirstDueOn: civil.Date(2022, 9, 1), MaturityOn: civil.Date(2025, 3, 1),
			Amortization: loan.EqualPrincipal, Frequency: loan.Semiannual}})
		must(b, err)
	}
	b.ResetTimer()
	for b.Loop() {
		var buf bytes.Buffer
		must(b, e.svc.WriteZip(ctx, &buf, publish.Batch{Lang: reports.French}, civil.Date(2026, 1, 1), nil))
		b.ReportMetric(float64(buf.Len())/1e6, "MB")
	}
}
