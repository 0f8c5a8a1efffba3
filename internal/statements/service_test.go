package statements

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/govalues/decimal"
	"github.com/jmoiron/sqlx"

	"cartera/internal/audit"
	"cartera/internal/fx"
	"cartera/internal/kpi"
	"cartera/internal/partner"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/civil"
	"cartera/internal/platform/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

var tester = audit.System("test")

// fixture is the service on a database of its own, "today" fixed at 2024-11-22.
type fixture struct {
	t        testing.TB
	ctx      context.Context
	conn     *sqlx.DB
	s        *Service
	partners *partner.Service
	fx       *fx.Service
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	conn := pgtest.New(t)
	log, err := audit.NewLog(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	partners, err := partner.NewService(ctx, conn, log, nil)
	if err != nil {
		t.Fatal(err)
	}
	rates, err := fx.NewService(ctx, conn, log, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewService(ctx, conn, log, partners, rates, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.clock = civil.FixedAt(civil.Date(2024, 11, 22))
	return &fixture{t: t, ctx: ctx, conn: conn, s: s, partners: partners, fx: rates}
}

func (f *fixture) partner(name, country string, status partner.LegalStatus) int64 {
	f.t.Helper()
	p, err := f.partners.Create(f.ctx, tester, partner.Fields{Name: name, Country: country, LegalStatus: status})
	if err != nil {
		f.t.Fatal(err)
	}
	return p.ID
}

func (f *fixture) count(query string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.conn.GetContext(f.ctx, &n, query, args...); err != nil {
		f.t.Fatal(err)
	}
	return n
}

// rep builds a report from name=value pairs: "2024-06-30", 6, "USD", "gross_loan_portfolio", "1000", ...
func rep(end string, months int, currency string, pairs ...string) kpi.Statement {
	t, err := civil.Parse(end)
	if err != nil {
		panic(err)
	}
	r := kpi.Statement{PeriodEnd: t, Months: months, Currency: currency}
	for i := 0; i < len(pairs); i += 2 {
		in, ok := kpi.InputByName(pairs[i])
		if !ok {
			panic("no figure " + pairs[i])
		}
		v := decimal.MustParse(pairs[i+1])
		in.Set(&r.Figures, &v)
	}
	return r
}

func fieldsNamed(err error) []string {
	e, ok := apperr.As(err)
	if !ok {
		return nil
	}
	var names []string
	for _, f := range e.Fields {
		names = append(names, f.Field)
	}
	return names
}

func TestPutCreatesReplacesAndAudits(t *testing.T) {
	f := newFixture(t)
	id := f.partner("Impro", "BO", partner.NGO)

	r := rep("2014-03-31", 3, "usd", "gross_loan_portfolio", "3100000", "active_clients", "2503")
	got, outcome, err := f.s.Put(f.ctx, tester, id, r)
	if err != nil || outcome != Created {
		t.Fatalf("first put: %v %v", outcome, err)
	}
	if got.ID == 0 || got.Currency != "USD" || got.PartnerID != id {
		t.Errorf("stored %+v", got)
	}
	again, outcome, err := f.s.Put(f.ctx, tester, id, rep("2014-03-31", 3, "USD", "gross_loan_portfolio", "3100000.00", "active_clients", "2503"))
	if err != nil || outcome != Unchanged || again.ID != got.ID {
		t.Fatalf("same figures again: %v %v (id %d, first %d)", outcome, err, again.ID, got.ID)
	}
	// A PUT replaces the whole report: a figure left out is no longer reported.
	_, outcome, err = f.s.Put(f.ctx, tester, id, rep("2014-03-31", 3, "USD", "gross_loan_portfolio", "3200000"))
	if err != nil || outcome != Replaced {
		t.Fatalf("replace: %v %v", outcome, err)
	}
	stored, err := f.s.Get(f.ctx, id, civil.Date(2014, 3, 31))
	if err != nil {
		t.Fatal(err)
	}
	if stored.GrossLoanPortfolio.String() != "3200000.00" || stored.ActiveClients != nil {
		t.Errorf("after replace: glp %v, clients %v", stored.GrossLoanPortfolio, stored.ActiveClients)
	}
	// Created and replaced are audited with the values before and after; unchanged is not.
	var entries []struct {
		Action string  `db:"action"`
		Before *string `db:"before"`
		After  *string `db:"after"`
	}
	if err := f.conn.Select(&entries, `SELECT action, before::text, after::text FROM audit_log WHERE entity = 'financial_report' ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 || entries[0].Action != "create" || entries[1].Action != "update" {
		t.Fatalf("audit entries %+v, want create then update", entries)
	}
	if !strings.Contains(*entries[1].Before, `"active_clients": 2503`) || !strings.Contains(*entries[1].After, `"gross_loan_portfolio": "3200000.00"`) ||
		!strings.Contains(*entries[1].After, `"active_clients": null`) {
		t.Errorf("update entry before %s after %s", *entries[1].Before, *entries[1].After)
	}

	if err := f.s.Delete(f.ctx, tester, id, civil.Date(2014, 3, 31)); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Get(f.ctx, id, civil.Date(2014, 3, 31)); !apperr.IsKind(err, apperr.KindNotFound) {
		t.Errorf("get after delete: %v", err)
	}
	if err := f.s.Delete(f.ctx, tester, id, civil.Date(2014, 3, 31)); !apperr.IsKind(err, apperr.KindNotFound) {
		t.Errorf("second delete: %v", err)
	}
	if n := f.count(`SELECT count(*) FROM audit_log WHERE entity = 'financial_report' AND action = 'delete' AND after IS NULL`); n != 1 {
		t.Errorf("%d delete entries, want 1", n)
	}
}

func TestOneReportPerMonth(t *testing.T) {
	f := newFixture(t)
	id := f.partner("ADRA Peru", "PE", partner.NGO)
	if _, _, err := f.s.Put(f.ctx, tester, id, rep("2003-06-30", 6, "USD", "gross_loan_portfolio", "612000")); err != nil {
		t.Fatal(err)
	}
	_, _, err := f.s.Put(f.ctx, tester, id, rep("2003-06-29", 6, "USD", "gross_loan_portfolio", "600000"))
	if !apperr.IsKind(err, apperr.KindConflict) || !strings.Contains(err.Error(), "2003-06-30") {
		t.Fatalf("another day of the same month: %v, want a conflict naming the stored period end", err)
	}
	if n := f.count(`SELECT count(*) FROM financial_statements`); n != 1 {
		t.Errorf("%d reports stored, want 1", n)
	}
	if _, _, err := f.s.Put(f.ctx, tester, 999, rep("2003-06-30", 6, "USD", "gross_loan_portfolio", "1")); !apperr.IsKind(err, apperr.KindNotFound) {
		t.Errorf("unknown partner: %v", err)
	}
}

// TestBadInputWritesNothing: each bad report is refused naming the field at fault,
// and nothing is stored or audited.
func TestBadInputWritesNothing(t *testing.T) {
	f := newFixture(t)
	id := f.partner("Impro", "BO", partner.NGO)
	tests := []struct {
		name   string
		report kpi.Statement
		fields []string
	}{
		{"negative count", rep("2024-06-30", 6, "USD", "active_clients", "-5"), []string{"active_clients"}},
		{"negative staff", rep("2024-06-30", 6, "USD", "total_staff", "-1", "loan_officers", "2"), []string{"total_staff", "loan_officers"}},
		{"fractional count", rep("2024-06-30", 6, "USD", "branches", "2.5"), []string{"branches"}},
		{"negative portfolio", rep("2024-06-30", 6, "USD", "gross_loan_portfolio", "-1"), []string{"gross_loan_portfolio"}},
		{"par30 above the portfolio", rep("2024-06-30", 6, "USD", "gross_loan_portfolio", "1000", "par30", "1000.01"), []string{"par30"}},
		{"women above clients", rep("2024-06-30", 6, "USD", "active_clients", "100", "women_clients", "101"), []string{"women_clients"}},
		{"rural above clients", rep("2024-06-30", 6, "USD", "active_clients", "100", "rural_clients", "150"), []string{"rural_clients"}},
		{"officers above staff", rep("2024-06-30", 6, "USD", "total_staff", "10", "loan_officers", "11"), []string{"loan_officers"}},
		{"personnel above operating expense", rep("2024-06-30", 6, "USD", "operating_expense", "10", "personnel_expense", "11"), []string{"personnel_expense"}},
		{"months not 3, 6 or 12", rep("2024-06-30", 7, "USD", "gross_loan_portfolio", "1"), []string{"months"}},
		{"future period end", rep("2024-11-30", 6, "USD", "gross_loan_portfolio", "1"), []string{"period_end"}},
		{"a period end before 1950", rep("0203-06-30", 6, "USD", "gross_loan_portfolio", "1"), []string{"period_end"}},
		{"non-ISO currency", rep("2024-06-30", 6, "XYZ", "gross_loan_portfolio", "1"), []string{"currency"}},
		{"no currency", rep("2024-06-30", 6, "", "gross_loan_portfolio", "1"), []string{"currency"}},
		{"three decimals", rep("2024-06-30", 6, "USD", "equity", "1.005"), []string{"equity"}},
		{"too large", rep("2024-06-30", 6, "USD", "total_assets", "100000000000000000"), []string{"total_assets"}},
		{"no figure at all", rep("2024-06-30", 6, "USD"), []string{"figures"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := f.s.Put(f.ctx, tester, id, tt.report)
			if !apperr.IsKind(err, apperr.KindInvalid) {
				t.Fatalf("err = %v, want a validation error", err)
			}
			if got := strings.Join(fieldsNamed(err), ","); got != strings.Join(tt.fields, ",") {
				t.Errorf("fields %s, want %s (%v)", got, strings.Join(tt.fields, ","), err)
			}
		})
	}
	if n := f.count(`SELECT count(*) FROM financial_statements`) + f.count(`SELECT count(*) FROM audit_log WHERE entity = 'financial_report'`); n != 0 {
		t.Errorf("%d rows written by refused reports", n)
	}
	// Negative values are fine where they are real: a loss, a release of provisions.
	if _, _, err := f.s.Put(f.ctx, tester, id, rep("2024-06-30", 6, "USD", "net_income", "-31984", "provision_expense", "-9390", "equity", "-5")); err != nil {
		t.Errorf("a loss and a provision release: %v", err)
	}
}

// TestSchemaIsTheLastLineOfDefence: the database refuses what the service would, even
// when the service is bypassed.
func TestSchemaIsTheLastLineOfDefence(t *testing.T) {
	f := newFixture(t)
	id := f.partner("Impro", "BO", partner.NGO)
	for _, stmt := range []string{
		`INSERT INTO financial_statements (partner_id, period_end, months, currency, par30, gross_loan_portfolio) VALUES ($1, '2024-06-30', 6, 'USD', 2, 1)`,
		`INSERT INTO financial_statements (partner_id, period_end, months, currency, active_clients) VALUES ($1, '2024-06-30', 6, 'USD', -1)`,
		`INSERT INTO financial_statements (partner_id, period_end, months, currency) VALUES ($1, '2024-06-30', 7, 'USD')`,
		`INSERT INTO financial_statements (partner_id, period_end, months, currency, women_clients, active_clients) VALUES ($1, '2024-06-30', 6, 'USD', 5, 4)`,
		`INSERT INTO financial_statements (partner_id, period_end, months, currency) VALUES ($1 + 1000, '2024-06-30', 6, 'USD')`,
	} {
		if _, err := f.conn.Exec(stmt, id); err == nil {
			t.Errorf("the schema accepted: %s", stmt)
		}
	}
	if _, err := f.conn.Exec(`INSERT INTO financial_statements (partner_id, period_end, months, currency) VALUES ($1, '2024-06-30', 6, 'USD')`, id); err != nil {
		t.Fatal(err)
	}
	if _, err := f.conn.Exec(`INSERT INTO financial_statements (partner_id, period_end, months, currency) VALUES ($1, '2024-06-01', 6, 'USD')`, id); err == nil {
		t.Error("the schema accepted two reports in one month")
	}
}

func TestSeriesComputesRatiosOldestFirst(t *testing.T) {
	f := newFixture(t)
	id := f.partner("ADRA Peru", "PE", partner.NGO)
	// US$ '000 from the rating report: Jun-03 OER = 171 × 2 / avg(221, 612) = 82.1 %.
	for _, r := range []kpi.Statement{
		rep("2003-06-30", 6, "USD", "gross_loan_portfolio", "612", "operating_expense", "171"),
		rep("2002-06-30", 6, "USD", "gross_loan_portfolio", "221"),
	} {
		if _, _, err := f.s.Put(f.ctx, tester, id, r); err != nil {
			t.Fatal(err)
		}
	}
	periods, err := f.s.Series(f.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(periods) != 2 || periods[0].PeriodEnd.Year() != 2002 {
		t.Fatalf("periods %+v", periods)
	}
	oer := periods[1].Ratios[kpi.OperatingExpenseRatio]
	if oer.Value == nil || *oer.Value < 0.8211 || *oer.Value > 0.8212 || oer.Basis != kpi.TwelveMonths {
		t.Errorf("OER Jun-03 = %v (%s), want 0.8211 on the 12-month average", oer.Value, oer.Basis)
	}
	if _, err := f.s.Series(f.ctx, 999); !apperr.IsKind(err, apperr.KindNotFound) {
		t.Errorf("series of an unknown partner: %v", err)
	}
}
