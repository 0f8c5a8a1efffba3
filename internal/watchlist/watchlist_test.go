package watchlist_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/govalues/decimal"
	"github.com/jmoiron/sqlx"

	"cartera/internal/app"
	"cartera/internal/audit"
	"cartera/internal/kpi"
	"cartera/internal/ledger"
	"cartera/internal/loan"
	"cartera/internal/notify"
	"cartera/internal/partner"
	"cartera/internal/platform/civil"
	"cartera/internal/platform/money"
	"cartera/internal/platform/pgtest"
	"cartera/internal/user"
	"cartera/internal/watchlist"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// world is the services on a test database with a clock the test moves.
type world struct {
	t     testing.TB
	ctx   context.Context
	conn  *sqlx.DB
	d     app.Services
	today time.Time
	actor audit.Actor
}

func newWorld(t *testing.T, today time.Time) *world { return newWorldB(t, today) }

func newWorldB(t testing.TB, today time.Time) *world {
	t.Helper()
	w := &world{t: t, ctx: context.Background(), conn: pgtest.New(t), today: today, actor: audit.System("test")}
	d, err := app.New(w.ctx, w.conn, func() time.Time { return w.today.Add(12 * time.Hour) })
	ok(t, err)
	w.d = d
	_, err = w.conn.Exec(`INSERT INTO funds (name, base_currency) VALUES ('F', 'USD')`)
	ok(t, err)
	return w
}

func ok(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func (w *world) partner(name, country string) int64 {
	w.t.Helper()
	p, err := w.d.Partners.Create(w.ctx, w.actor, partner.Fields{Name: name, Country: country, LegalStatus: partner.NGO})
	ok(w.t, err)
	return p.ID
}

func d(s string) decimal.Decimal { return decimal.MustParse(s) }

func date(s string) time.Time {
	t, err := civil.Parse(s)
	if err != nil {
		panic(err)
	}
	return t
}

// monthlyLoan lends 12,000 USD monthly from signed, disbursed in full that day.
func (w *world) monthlyLoan(partnerID int64, ref, signed string) int64 {
	w.t.Helper()
	on := date(signed)
	terms := loan.Terms{Currency: money.MustCurrency("USD"), Committed: d("12000"), Rate: d("0.12"), DayCount: loan.Thirty360WholeMonth,
		SignedOn: on, FirstDueOn: on.AddDate(0, 1, 0), MaturityOn: on.AddDate(0, 12, 0), Amortization: loan.EqualPrincipal, Frequency: loan.Monthly}
	l, err := w.d.Loans.Create(w.ctx, w.actor, ledger.NewLoan{PartnerID: partnerID, Reference: ref, Terms: terms})
	ok(w.t, err)
	w.post(l.ID, loan.Event{Kind: loan.Disbursement, On: on, Amount: d("12000")})
	return l.ID
}

func (w *world) post(loanID int64, e loan.Event) {
	w.t.Helper()
	_, err := w.d.Loans.Post(w.ctx, w.actor, loanID, e)
	ok(w.t, err)
}

// reasons is the watch list today as "partner reason since" lines, by partner id.
func (w *world) reasons(f watchlist.Filter) map[int64][]string {
	w.t.Helper()
	l, err := w.d.Watchlist.List(w.ctx, f)
	ok(w.t, err)
	out := map[int64][]string{}
	for _, e := range l.Entries {
		for _, it := range e.Reasons {
			out[e.PartnerID] = append(out[e.PartnerID], fmt.Sprintf("%s %s", it.Reason, civil.Format(it.Since)))
		}
	}
	return out
}

func (w *world) want(id int64, want ...string) {
	w.t.Helper()
	got := w.reasons(watchlist.Filter{})[id]
	if fmt.Sprint(got) != fmt.Sprint(want) {
		w.t.Errorf("on %s partner %d's reasons = %v, want %v", civil.Format(w.today), id, got, want)
	}
}

// TestPastDue30: a loan enters the list the day it passes 30 days past due (since the
// oldest unpaid installment's due date + 31 days) and leaves it when repaid.
func TestPastDue30(t *testing.T) {
	w := newWorld(t, date("2024-03-02"))
	p := w.partner("Late", "BO")
	l := w.monthlyLoan(p, "L1", "2024-01-01") // first due 2024-02-01, nothing paid
	w.want(p)                                 // 30 days past due: not yet
	w.today = date("2024-03-03")
	w.want(p, "past_due_30 2024-03-03")
	w.today = date("2024-03-20")
	w.want(p, "past_due_30 2024-03-03")
	_, owed, err := w.d.Loans.Owed(w.ctx, l, w.today)
	ok(t, err)
	w.post(l, loan.Event{Kind: loan.Repayment, On: w.today, Amount: owed.Due()})
	w.want(p)
}

// TestRestructured: a rescheduling that moves overdue amounts puts the loan on the
// list since its date, while it is open; written off, it leaves.
func TestRestructured(t *testing.T) {
	w := newWorld(t, date("2024-05-01"))
	p := w.partner("Rescheduled", "PE")
	l := w.monthlyLoan(p, "R1", "2024-01-01")
	w.post(l, loan.Event{Kind: loan.Reschedule, On: date("2024-04-15"), NewMaturityOn: ptr(date("2025-04-15"))})
	w.want(p, "restructured 2024-04-15")
	if got := w.reasons(watchlist.Filter{Reason: watchlist.PastDue30})[p]; got != nil {
		t.Errorf("filtered by past_due_30: %v", got)
	}
	det, err := w.d.Loans.Get(w.ctx, l, w.today)
	ok(t, err)
	w.post(l, loan.Event{Kind: loan.WriteOff, On: w.today, Amount: det.State.Outstanding, Reason: "gone"})
	w.want(p)
}

func ptr[T any](v T) *T { return &v }

// TestOverdueReport: a quarterly obligation's period is overdue from the day after its
// due date until its figures arrive; the partner page's reporting reads the same.
func TestOverdueReport(t *testing.T) {
	w := newWorld(t, date("2024-05-15"))
	p := w.partner("Silent", "BO")
	_, err := w.d.Partners.Update(w.ctx, w.actor, p, func(f *partner.Fields) error {
		f.ReportingFrequency, f.ReportingFrom = ptr("quarterly"), ptr(date("2024-01-01"))
		return nil
	})
	ok(t, err)
	w.want(p) // Q1 due 2024-05-15 (45 days): not overdue on the day
	w.today = date("2024-05-16")
	w.want(p, "overdue_report 2024-05-15")
	w.today = date("2024-08-20") // Q2 due 2024-08-14 as well: since the oldest
	w.want(p, "overdue_report 2024-05-15")
	r, has, err := w.d.Watchlist.Reporting(w.ctx, p)
	ok(t, err)
	if !has || len(r.Late) != 2 || r.Obligation.Days() != 45 || civil.Format(r.Late[1].DueOn) != "2024-08-14" {
		t.Errorf("reporting = %+v, %v", r, has)
	}
	w.statement(p, "2024-03-31", "100", "1000")
	w.want(p, "overdue_report 2024-08-14")
	w.statement(p, "2024-06-30", "100", "1000")
	w.want(p)
}

func (w *world) statement(partnerID int64, end, par30, glp string) {
	w.t.Helper()
	s := kpi.Statement{PeriodEnd: date(end), Months: 3, Currency: "USD"}
	s.PAR30, s.GrossLoanPortfolio = ptr(d(par30)), ptr(d(glp))
	_, _, err := w.d.Statements.Put(w.ctx, w.actor, partnerID, s)
	ok(w.t, err)
}

// TestOpenBreach: an open breach is listed since the day found, uncured past its cure
// date; an approved waiver hides it until it expires; closed or withdrawn, it is gone.
func TestOpenBreach(t *testing.T) {
	w := newWorld(t, date("2024-06-01"))
	p := w.partner("Breacher", "BO")
	var ids [2]int64
	for i, email := range []string{"a@example.org", "b@example.org"} {
		u, err := w.d.Users.Create(w.ctx, w.actor, user.NewUser{Email: email, Role: user.Admin, Password: "correct horse battery"})
		ok(t, err)
		ids[i] = u.ID
	}
	var breach int64
	ok(t, w.conn.Get(&breach, `WITH c AS (
		INSERT INTO covenants (partner_id, metric, operator, threshold, valid_from, frequency, cure_days)
		VALUES ($1, 'par30_ratio', '<=', 0.05, '2024-01-01', 'each_report', 30) RETURNING id)
		INSERT INTO covenant_breaches (covenant_id, period_end, value, threshold, found_at, cure_by)
		SELECT id, '2024-03-31', 0.08, 0.05, '2024-04-20 10:00+00', '2024-05-20' FROM c RETURNING id`, p))
	w.want(p, "open_breach 2024-04-20")
	l, err := w.d.Watchlist.List(w.ctx, watchlist.Filter{Reason: watchlist.OpenBreach})
	ok(t, err)
	if it := l.Entries[0].Reasons[0]; !it.Uncured || it.BreachID != breach || it.Metric != "par30_ratio" || it.Value.String() != "0.08" { // NUMERIC without a scale since 00028: as written
		t.Errorf("breach item = %+v", it)
	}
	_, err = w.conn.Exec(`INSERT INTO covenant_waivers (breach_id, reason, expires_on, requested_by, decision, decided_by, decided_at)
		VALUES ($1, 'agreed', '2024-07-01', $2, 'approved', $3, now())`, breach, ids[0], ids[1])
	ok(t, err)
	w.want(p)
	w.today = date("2024-07-01") // the waiver's last day
	w.want(p)
	w.today = date("2024-07-02") // expired: open again
	w.want(p, "open_breach 2024-04-20")
	_, err = w.conn.Exec(`UPDATE covenant_breaches SET closed_by_period = '2024-06-30', closed_at = now() WHERE id = $1`, breach)
	ok(t, err)
	w.want(p)
	_, err = w.conn.Exec(`UPDATE covenant_breaches SET closed_by_period = NULL, closed_at = NULL, withdrawn_at = now() WHERE id = $1`, breach)
	ok(t, err)
	w.want(p)
}

// TestDeterioration: PAR30 up two periods in a row, since the latest period; self-
// sufficiency under 100 % in the latest period, since the first of the run.
func TestDeterioration(t *testing.T) {
	w := newWorld(t, date("2025-01-01"))
	p := w.partner("Worse", "BO")
	put := func(end, par30, glp, revenue, costs string) {
		t.Helper()
		s := kpi.Statement{PeriodEnd: date(end), Months: 3, Currency: "USD"}
		s.PAR30, s.GrossLoanPortfolio = ptr(d(par30)), ptr(d(glp))
		s.FinancialRevenue, s.FinancialExpense, s.ProvisionExpense, s.OperatingExpense = ptr(d(revenue)), ptr(d("0")), ptr(d("0")), ptr(d(costs))
		_, _, err := w.d.Statements.Put(w.ctx, w.actor, p, s)
		ok(t, err)
	}
	put("2023-12-31", "30", "1000", "90", "100")  // under
	put("2024-03-31", "20", "1000", "110", "100") // over: ends that run
	put("2024-06-30", "20", "1000", "99", "100")  // under: the run starts
	w.want(p, "deterioration 2024-06-30")
	put("2024-09-30", "40", "1000", "100", "101")
	w.want(p, "deterioration 2024-06-30") // PAR30 2 %, 2 %, 4 %: not strictly up
	put("2024-12-31", "55", "1100", "80", "100")
	w.want(p, "deterioration 2024-06-30", "deterioration 2024-12-31") // 2 %, 4 %, 5 %
	put("2024-12-31", "55", "1100", "100", "100")                     // OSS exactly 100 %: not under
	w.want(p, "deterioration 2024-12-31")
}

// TestDeteriorationAgreesWithKPI: the SQL that compares PAR30 ratios and operational
// self-sufficiency without dividing finds what the ratio engine's ratios say, over
// random figures: missing ones, zero portfolios and costs, provisions released.
func TestDeteriorationAgreesWithKPI(t *testing.T) {
	w := newWorld(t, date("2026-01-01"))
	rng := rand.New(rand.NewPCG(18, 5))
	amount := func(lo, hi int) *decimal.Decimal {
		if rng.IntN(12) == 0 {
			return nil // not reported
		}
		v := decimal.MustNew(int64(lo+rng.IntN(hi-lo+1)), 0)
		return &v
	}
	want := map[int64][]string{}
	for n := range 120 {
		p := w.partner(fmt.Sprint("P", n), "BO")
		var stmts []kpi.Statement
		for k := range 1 + rng.IntN(6) {
			s := kpi.Statement{PeriodEnd: civil.AddMonths(date("2024-01-01"), 3*(k+1)).AddDate(0, 0, -1), Months: 3, Currency: "USD"}
			s.GrossLoanPortfolio = amount(0, 40)
			if s.GrossLoanPortfolio != nil {
				s.PAR30 = amount(0, int(s.GrossLoanPortfolio.Coef()))
			}
			s.FinancialRevenue, s.FinancialExpense, s.ProvisionExpense, s.OperatingExpense = amount(0, 30), amount(0, 10), amount(-15, 10), amount(0, 15)
			_, err := w.conn.Exec(`INSERT INTO financial_statements (partner_id, period_end, months, currency, gross_loan_portfolio, par30,
				financial_revenue, financial_expense, provision_expense, operating_expense) VALUES ($1, $2, 3, 'USD', $3, $4, $5, $6, $7, $8)`,
				p, s.PeriodEnd, text(s.GrossLoanPortfolio), text(s.PAR30), text(s.FinancialRevenue), text(s.FinancialExpense),
				text(s.ProvisionExpense), text(s.OperatingExpense))
			ok(t, err)
			stmts = append(stmts, s)
		}
		want[p] = kpiDeterioration(kpi.Compute(stmts))
	}
	got := w.reasons(watchlist.Filter{Reason: watchlist.Deterioration})
	flagged := 0
	for p, reasons := range want {
		if fmt.Sprint(got[p]) != fmt.Sprint(reasons) {
			t.Errorf("partner %d: SQL says %v, the ratio engine %v", p, got[p], reasons)
		}
		flagged += len(reasons)
	}
	if flagged < 20 {
		t.Errorf("only %d deteriorations among the random partners: the test proves little", flagged)
	}
}

func text(v *decimal.Decimal) any {
	if v == nil {
		return nil
	}
	return v.String()
}

// kpiDeterioration is the rule read from the ratio engine's values, in the watch
// list's order for one partner (self-sufficiency's run starts no later than the latest).
func kpiDeterioration(ps []kpi.Period) []string {
	var out []string
	under := func(p kpi.Period) bool {
		v := p.Ratios[kpi.OperationalSelfSuffic].Value
		return v != nil && *v < 1
	}
	n := len(ps)
	if n > 0 && under(ps[n-1]) {
		first := n - 1
		for first > 0 && under(ps[first-1]) {
			first--
		}
		out = append(out, "deterioration "+civil.Format(ps[first].PeriodEnd))
	}
	if n >= 3 {
		r := func(i int) *float64 { return ps[i].Ratios[kpi.PAR30Ratio].Value }
		a, b, c := r(n-3), r(n-2), r(n-1)
		if a != nil && b != nil && c != nil && *a < *b && *b < *c {
			out = append(out, "deterioration "+civil.Format(ps[n-1].PeriodEnd))
		}
	}
	if len(out) == 2 && out[1] < out[0] {
		out[0], out[1] = out[1], out[0]
	}
	return out
}

// TestSweep: the daily sweep writes an event per overdue period and per loan past due
// 30 days, each once however often it runs, and new ones as time passes.
func TestSweep(t *testing.T) {
	w := newWorld(t, date("2024-05-20"))
	if !slices.Contains(w.d.Sweepers, notify.Sweeper(w.d.Watchlist)) {
		t.Error("the watch list's sweep is not among app.Services.Sweepers")
	}
	p := w.partner("Both", "BO")
	_, err := w.d.Partners.Update(w.ctx, w.actor, p, func(f *partner.Fields) error {
		f.ReportingFrequency, f.ReportingFrom, f.ReportingDueDays = ptr("quarterly"), ptr(date("2023-10-01")), ptr(30)
		return nil
	})
	ok(t, err)
	l := w.monthlyLoan(p, "S1", "2024-03-01") // first due 2024-04-01: past due 30 days from 2024-05-02
	events := func() []string {
		t.Helper()
		var keys []string
		ok(t, w.conn.Select(&keys, `SELECT kind || ' ' || idem_key || ' ' || coalesce(partner_id, 0) FROM notification_events ORDER BY idem_key`))
		return keys
	}
	for range 2 {
		ok(t, w.d.Watchlist.Sweep(w.ctx, w.today))
	}
	want := []string{
		fmt.Sprintf("loan_past_due_30 loan_past_due_30:%d:2024-05-02 %d", l, p),
		fmt.Sprintf("report_overdue report_overdue:%d:2023-12-31 %d", p, p),
		fmt.Sprintf("report_overdue report_overdue:%d:2024-03-31 %d", p, p),
	}
	if got := events(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("events after two sweeps:\n%v\nwant\n%v", got, want)
	}
	var payload string
	ok(t, w.conn.Get(&payload, `SELECT payload::text FROM notification_events WHERE kind = 'report_overdue' ORDER BY idem_key LIMIT 1`))
	// ids are JSON numbers, as in the covenant events (they were strings once).
	if wantPayload := fmt.Sprintf(`{"due_on": "2024-01-30", "partner": "Both", "partner_id": %d, "period_end": "2023-12-31"}`, p); payload != wantPayload {
		t.Errorf("payload = %s, want %s", payload, wantPayload)
	}
	w.today = date("2024-07-31") // Q2 due 2024-07-30
	ok(t, w.d.Watchlist.Sweep(w.ctx, w.today))
	if got := events(); len(got) != 4 || got[3] != fmt.Sprintf("report_overdue report_overdue:%d:2024-06-30 %d", p, p) {
		t.Errorf("events a quarter later: %v", got)
	}
}

// TestOverdueFastPathIsOverdue: the list's overdue periods (read from the count of
// statements and the latest for a partner without gaps) are covenant.Obligation.Overdue
// over the partner's whole history, as the partner page reads them, over random
// obligations (any frequency, a start mid-month, default or own due days) and random
// statements (gaps, days other than the month's last, months between period ends).
func TestOverdueFastPathIsOverdue(t *testing.T) {
	w := newWorld(t, date("2026-02-10"))
	rng := rand.New(rand.NewPCG(4, 45))
	freqs := []string{"quarterly", "semiannual", "annual"}
	late := 0
	var ids []int64
	for n := range 150 {
		p := w.partner(fmt.Sprint("O", n), "BO")
		ids = append(ids, p)
		from := date("2022-01-01").AddDate(0, 0, rng.IntN(900))
		_, err := w.d.Partners.Update(w.ctx, w.actor, p, func(f *partner.Fields) error {
			f.ReportingFrequency, f.ReportingFrom = ptr(freqs[rng.IntN(3)]), &from
			if rng.IntN(3) == 0 {
				f.ReportingDueDays = ptr(1 + rng.IntN(200))
			}
			return nil
		})
		ok(t, err)
		// Half the partners report without gaps (the list's fast path), up to a month
		// somewhere in the last two years; the others miss some months.
		gapAt, skip, stop := rng.IntN(60), 4, 48
		if n%2 == 0 {
			gapAt, skip, stop = -1, 1<<30, 24+rng.IntN(25)
		}
		for m := range stop {
			end := civil.AddMonths(date("2022-01-01"), m+1).AddDate(0, 0, -1-rng.IntN(3)*rng.IntN(2)*7)
			if m == gapAt || rng.IntN(skip) == 0 || end.After(w.today) {
				continue
			}
			_, err := w.conn.Exec(`INSERT INTO financial_statements (partner_id, period_end, months, currency) VALUES ($1, $2, 3, 'USD')`, p, end)
			ok(t, err)
		}
	}
	l, err := w.d.Watchlist.List(w.ctx, watchlist.Filter{Reason: watchlist.OverdueReport})
	ok(t, err)
	listed := map[int64]string{}
	for _, e := range l.Entries {
		listed[e.PartnerID] = fmt.Sprint(e.Reasons[0].Late)
	}
	for _, p := range ids {
		r, has, err := w.d.Watchlist.Reporting(w.ctx, p)
		ok(t, err)
		want := ""
		if has && len(r.Late) > 0 {
			want = fmt.Sprint(r.Late)
			late++
		}
		if listed[p] != want {
			t.Errorf("partner %d: listed %s, Overdue says %s", p, listed[p], want)
		}
	}
	if late < 30 || late == len(ids) {
		t.Errorf("%d of %d partners late: the test proves little", late, len(ids))
	}
}
