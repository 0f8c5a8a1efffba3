package compliance_test

// Regression tests of the defects the review of issue 18 found (each failed before
// its fix).

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govalues/decimal"

	"cartera/internal/app"
	"cartera/internal/audit"
	"cartera/internal/compliance"
	"cartera/internal/fx"
	"cartera/internal/kpi"
	"cartera/internal/partner"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/civil"
	"cartera/internal/platform/pgtest"
	"cartera/internal/watchlist"
)

func parCovenant(t *testing.T, ctx context.Context, d app.Services, p int64, cureDays int) compliance.Covenant {
	t.Helper()
	c, err := d.Compliance.Create(ctx, tester, p, 0, compliance.Input{Metric: text("par30_ratio"), Operator: text("<="),
		Threshold: text("5 %"), From: text("2024-01-01"), Frequency: text("each_report"), CureDays: &cureDays})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A breach cured, reopened by a correction of the curing period, then cured again by
// a second correction of that same period: the second cure must be notified too
// (its breach event was: breach:<id>:<end>:1). The cure key ends with the reopening
// count (cure:<id>:<period>:<n>); without it both cures had one key and the outbox
// dropped the second.
func TestCureOfEachReopeningIsNotified(t *testing.T) {
	ctx, d := setup(t, civil.Date(2025, 3, 1))
	p := newPartner(t, d, "Cure twice")
	parCovenant(t, ctx, d, p, 30)
	q1, q2 := civil.Date(2024, 3, 31), civil.Date(2024, 6, 30)
	putPAR(t, ctx, d, p, q1, 80000) // 8 %: breach
	putPAR(t, ctx, d, p, q2, 20000) // 2 %: cured
	putPAR(t, ctx, d, p, q2, 90000) // corrected: 9 %, reopened
	putPAR(t, ctx, d, p, q2, 10000) // corrected again: 1 %, cured again
	var n struct {
		Breach int `db:"breach"`
		Cure   int `db:"cure"`
	}
	if err := d.Conn.Get(&n, `SELECT count(*) FILTER (WHERE kind = 'breach') AS breach, count(*) FILTER (WHERE kind = 'cure') AS cure
		FROM notification_events`); err != nil {
		t.Fatal(err)
	}
	bs, err := d.Compliance.Breaches(ctx, compliance.BreachFilter{PartnerID: p})
	if err != nil {
		t.Fatal(err)
	}
	if len(bs) != 1 || bs[0].Status != "closed" {
		t.Fatalf("breaches: %+v", bs)
	}
	if n.Breach != 2 || n.Cure != 2 {
		t.Errorf("events: %d breach, %d cure; want 2 and 2 (the second cure of the reopened breach is lost: same idempotency key)", n.Breach, n.Cure)
	}
}

// DELETE of a covenant ends it and closes its open breach (withdrawn): else it stayed
// open forever (nothing evaluates the covenant to cure it), the partner on the watch
// list for a covenant that no longer exists, and the sweep announced it uncured.
func TestEndingCovenantClosesItsBreaches(t *testing.T) {
	now := civil.Date(2024, 5, 1)
	clock := func() time.Time { return now }
	ctx := context.Background()
	d, err := app.New(ctx, pgtest.New(t), clock)
	if err != nil {
		t.Fatal(err)
	}
	p := newPartner(t, d, "Ended")
	c := parCovenant(t, ctx, d, p, 10)
	putPAR(t, ctx, d, p, civil.Date(2024, 3, 31), 80000)
	if err := d.Compliance.End(ctx, tester, c.ID); err != nil {
		t.Fatal(err)
	}
	now = civil.Date(2024, 7, 1) // well past the cure deadline
	if err := d.Compliance.Sweep(ctx, civil.Of(now)); err != nil {
		t.Fatal(err)
	}
	open, err := d.Compliance.Breaches(ctx, compliance.BreachFilter{PartnerID: p, Status: "open"})
	if err != nil {
		t.Fatal(err)
	}
	var uncured int
	if err := d.Conn.Get(&uncured, `SELECT count(*) FROM notification_events WHERE kind = 'uncured'`); err != nil {
		t.Fatal(err)
	}
	wl, err := d.Watchlist.List(ctx, watchlist.Filter{Reason: watchlist.OpenBreach})
	if err != nil {
		t.Fatal(err)
	}
	if len(open) != 0 || uncured != 0 || len(wl.Entries) != 0 {
		t.Errorf("after the covenant ended: %d open breaches, %d uncured events, %d partners watched for an open breach; want none",
			len(open), uncured, len(wl.Entries))
	}
}

// Two PATCHes of one covenant at once: the second reads the covenant before the
// first commits and wrote every column back, undoing the first; Update now locks the
// row first. Reproduced with a transaction standing for the first PATCH.
func TestConcurrentPatchesBothApply(t *testing.T) {
	ctx, d := setup(t, civil.Date(2025, 3, 1))
	p := newPartner(t, d, "Patches")
	c := parCovenant(t, ctx, d, p, 0)
	tx, err := d.Conn.Beginx()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(`UPDATE covenants SET cure_days = 30 WHERE id = $1`, c.ID); err != nil { // the first PATCH, not committed yet
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	var perr error
	go func() {
		defer wg.Done()
		_, perr = d.Compliance.Update(ctx, tester, c.ID, compliance.Input{Threshold: text("4 %")}) // the second PATCH
	}()
	time.Sleep(700 * time.Millisecond) // the second PATCH has read the row and waits on its UPDATE
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if perr != nil {
		t.Fatal(perr)
	}
	got, err := d.Compliance.Get(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.CureDays != 30 || got.Threshold.String() != "0.04" {
		t.Errorf("after both PATCHes: cure_days %d threshold %s; want 30 and 0.04 (the first PATCH was lost)", got.CureDays, got.Threshold)
	}
}

// A threshold of 19 digits passes ParseThreshold (money.MaxDigits) but not the
// column NUMERIC(28,10) (18 integer digits): a 422 naming threshold, not a 500.
func TestThresholdTooLargeIs422(t *testing.T) {
	ctx, d := setup(t, civil.Date(2025, 3, 1))
	p := newPartner(t, d, "Huge")
	_, err := d.Compliance.Create(ctx, tester, p, 0, compliance.Input{Metric: text("equity"), Operator: text(">="),
		Threshold: text("9999999999999999999"), Currency: text("USD"), From: text("2024-01-01"), Frequency: text("each_report")})
	e, ok := apperr.As(err)
	if !ok || e.Kind != apperr.KindInvalid || len(e.Fields) == 0 || e.Fields[0].Field != "threshold" {
		t.Errorf("a 19-digit threshold: %v; want 422 naming threshold", err)
	}
}

// A covenant on debt to equity, and a report whose ratio is 5e18 (valid figures):
// the ratio fits the decimal type but did not fit covenant_results.value
// NUMERIC(28,10), so the report could not be written (500); 00028 widens the columns.
func TestHugeRatioDoesNotBlockReportWrite(t *testing.T) {
	ctx, d := setup(t, civil.Date(2025, 3, 1))
	p := newPartner(t, d, "Leveraged")
	if _, err := d.Compliance.Create(ctx, tester, p, 0, compliance.Input{Metric: text("debt_to_equity"), Operator: text("<="),
		Threshold: text("10"), From: text("2024-01-01"), Frequency: text("each_report")}); err != nil {
		t.Fatal(err)
	}
	dec := func(s string) *decimal.Decimal { x := decimal.MustParse(s); return &x }
	r := kpi.Statement{PeriodEnd: civil.Date(2024, 3, 31), Months: 3, Currency: "USD"}
	r.TotalLiabilities, r.Equity, r.TotalAssets = dec("50000000000000000"), dec("0.01"), dec("50000000000000000.01")
	if _, _, err := d.Statements.Put(ctx, tester, p, r); err != nil {
		t.Errorf("the report is refused because of its covenant: %v", err)
	}
}

// A Money covenant in EUR on a partner reporting in USD, evaluated before the
// EUR rate of the period end is stored: not testable, naming the missing rate. The
// rate arrives, and the daily sweep runs: it evaluates again the results lacking a
// rate, so the result is now tested (before, it said the rate was missing until the
// partner's figures were written again).
func TestSweepUsesRateStoredSince(t *testing.T) {
	ctx, d := setup(t, civil.Date(2025, 3, 1))
	p := newPartner(t, d, "Rates")
	if _, err := d.Compliance.Create(ctx, tester, p, 0, compliance.Input{Metric: text("equity"), Operator: text(">="),
		Threshold: text("1000"), Currency: text("EUR"), From: text("2024-01-01"), Frequency: text("each_report")}); err != nil {
		t.Fatal(err)
	}
	dec := func(s string) *decimal.Decimal { x := decimal.MustParse(s); return &x }
	r := kpi.Statement{PeriodEnd: civil.Date(2024, 3, 31), Months: 3, Currency: "USD"}
	r.Equity = dec("500")
	if _, _, err := d.Statements.Put(ctx, tester, p, r); err != nil {
		t.Fatal(err)
	}
	if err := d.FX.Put(ctx, tester, []fx.Rate{{Currency: "EUR", Date: civil.Date(2024, 3, 31), Rate: decimal.MustParse("0.9")}}); err != nil {
		t.Fatal(err)
	}
	if err := d.Compliance.Sweep(ctx, civil.Date(2025, 3, 1)); err != nil {
		t.Fatal(err)
	}
	rows, err := d.Compliance.Results(ctx, compliance.ResultFilter{PartnerID: p})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].Status != "breached" {
		t.Errorf("results once the rate is stored: %+v; want breached (500 USD < 1000 EUR)", rows)
	}
}

// A partner's reporting obligation changes (due days 45 -> 120): the update's hook
// evaluates the covenants again, so the periods the old one made overdue lose their
// not-testable results, as the watch list, reading the obligation live, says.
func TestObligationChangeReevaluates(t *testing.T) {
	ctx, d := setup(t, civil.Date(2024, 6, 1))
	p := newPartner(t, d, "Obliged")
	if _, err := d.Conn.Exec(`UPDATE partners SET reporting_frequency = 'quarterly', reporting_from = '2024-01-01' WHERE id = $1`, p); err != nil {
		t.Fatal(err)
	}
	parCovenant(t, ctx, d, p, 0)
	if err := d.Compliance.Sweep(ctx, civil.Date(2024, 6, 1)); err != nil {
		t.Fatal(err)
	}
	rows, err := d.Compliance.Results(ctx, compliance.ResultFilter{PartnerID: p, Status: "not_testable"})
	if err != nil || len(rows) != 1 {
		t.Fatalf("Q1 overdue on 2024-06-01: %+v %v", rows, err)
	}
	if _, err := d.Partners.Update(ctx, tester, p, func(f *partner.Fields) error { n := 120; f.ReportingDueDays = &n; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := d.Compliance.Sweep(ctx, civil.Date(2024, 6, 1)); err != nil {
		t.Fatal(err)
	}
	wl, err := d.Watchlist.List(ctx, watchlist.Filter{Reason: watchlist.OverdueReport})
	if err != nil {
		t.Fatal(err)
	}
	rows, err = d.Compliance.Results(ctx, compliance.ResultFilter{PartnerID: p, Status: "not_testable"})
	if err != nil {
		t.Fatal(err)
	}
	if len(wl.Entries) != 0 {
		t.Fatalf("watch list: %+v", wl.Entries)
	}
	if len(rows) != 0 {
		t.Errorf("not due until 2024-07-29, yet the covenant result says: %q", rows[0].Missing)
	}
}

// movingClock is a services' set whose today the test moves.
func movingClock(t *testing.T, start time.Time) (context.Context, app.Services, *time.Time) {
	t.Helper()
	now := start
	d, err := app.New(context.Background(), pgtest.New(t), func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	return context.Background(), d, &now
}

func kindOf(err error) apperr.Kind {
	if e, ok := apperr.As(err); ok {
		return e.Kind
	}
	return 0
}

func fieldOf(err error) string {
	if e, ok := apperr.As(err); ok && len(e.Fields) > 0 {
		return e.Fields[0].Field
	}
	return ""
}

// newLoan stores a loan (pipeline: no disbursement) of the partner, and a fund.
func newLoan(t *testing.T, d app.Services, partnerID int64, ref string) int64 {
	t.Helper()
	var fund, id int64
	if err := d.Conn.Get(&fund, `INSERT INTO funds (name, base_currency) VALUES ($1, 'USD') RETURNING id`, "F "+ref); err != nil {
		t.Fatal(err)
	}
	if err := d.Conn.Get(&id, `INSERT INTO loans (fund_id, partner_id, reference, currency, committed_amount, interest_rate,
		day_count, signed_on, first_due_on, maturity_on, amortization, frequency)
		VALUES ($1, $2, $3, 'USD', 1000, 0.1, 'ACT/365F', '2024-01-01', '2024-02-01', '2024-12-01', 'annuity', 'monthly') RETURNING id`,
		fund, partnerID, ref); err != nil {
		t.Fatal(err)
	}
	return id
}

func newUser(t *testing.T, d app.Services, email string) audit.Actor {
	t.Helper()
	var id int64
	if err := d.Conn.Get(&id, `INSERT INTO users (email, name, role, password_hash) VALUES ($1, $1, 'admin', 'x') RETURNING id`, email); err != nil {
		t.Fatal(err)
	}
	return audit.Actor{UserID: &id, Name: email, Via: audit.ViaAPI}
}

// The sweep's uncured key counts the reopenings: a breach cured, reopened by a
// correction (its cure deadline unchanged) and still uncured is announced again.
func TestUncuredOfEachReopeningIsNotified(t *testing.T) {
	ctx, d, now := movingClock(t, civil.Date(2024, 5, 1))
	p := newPartner(t, d, "Uncured twice")
	parCovenant(t, ctx, d, p, 10)
	putPAR(t, ctx, d, p, civil.Date(2024, 3, 31), 80000)
	*now = civil.Date(2024, 8, 1)
	if err := d.Compliance.Sweep(ctx, *now); err != nil {
		t.Fatal(err)
	}
	putPAR(t, ctx, d, p, civil.Date(2024, 6, 30), 20000) // cured
	putPAR(t, ctx, d, p, civil.Date(2024, 6, 30), 90000) // reopened
	if err := d.Compliance.Sweep(ctx, *now); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := d.Conn.Get(&n, `SELECT count(*) FROM notification_events WHERE kind = 'uncured'`); err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("%d uncured events; want 2 (one per opening)", n)
	}
}

// Ending a covenant audits each breach it closes.
func TestEndingCovenantAuditsClosedBreaches(t *testing.T) {
	ctx, d := setup(t, civil.Date(2024, 5, 1))
	p := newPartner(t, d, "Ended audited")
	c := parCovenant(t, ctx, d, p, 10)
	putPAR(t, ctx, d, p, civil.Date(2024, 3, 31), 80000)
	if err := d.Compliance.End(ctx, tester, c.ID); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := d.Conn.Get(&n, `SELECT count(*) FROM audit_log WHERE entity = 'covenant_breach' AND action = 'update'`); err != nil {
		t.Fatal(err)
	}
	all, err := d.Compliance.Breaches(ctx, compliance.BreachFilter{PartnerID: p})
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 || len(all) != 1 || all[0].Status != "closed" || all[0].WithdrawnAt == nil {
		t.Errorf("%d audit entries of breaches, breaches %+v; want one, closed and withdrawn", n, all)
	}
}

// A loan-level covenant's breach closes when the loan is cancelled: list-breaches, the
// watch list and the sweep agree (the SQL reads a cancelled loan's covenant as ended).
func TestCancelledLoanCovenantBreachIsClosed(t *testing.T) {
	ctx, d, now := movingClock(t, civil.Date(2024, 5, 1))
	p := newPartner(t, d, "Cancelled loan")
	loan := newLoan(t, d, p, "L-1")
	cure := 10
	if _, err := d.Compliance.Create(ctx, tester, 0, loan, compliance.Input{Metric: text("par30_ratio"), Operator: text("<="),
		Threshold: text("5 %"), From: text("2024-01-01"), Frequency: text("each_report"), CureDays: &cure}); err != nil {
		t.Fatal(err)
	}
	putPAR(t, ctx, d, p, civil.Date(2024, 3, 31), 80000)
	if open, err := d.Compliance.Breaches(ctx, compliance.BreachFilter{PartnerID: p, Status: "open"}); err != nil || len(open) != 1 {
		t.Fatalf("before the cancelling: %+v %v", open, err)
	}
	if _, err := d.Loans.Cancel(ctx, tester, loan, "not signed"); err != nil {
		t.Fatal(err)
	}
	*now = civil.Date(2024, 7, 1)
	if err := d.Compliance.Sweep(ctx, *now); err != nil {
		t.Fatal(err)
	}
	open, err := d.Compliance.Breaches(ctx, compliance.BreachFilter{PartnerID: p, Status: "open"})
	if err != nil {
		t.Fatal(err)
	}
	var uncured int
	if err := d.Conn.Get(&uncured, `SELECT count(*) FROM notification_events WHERE kind = 'uncured'`); err != nil {
		t.Fatal(err)
	}
	wl, err := d.Watchlist.List(ctx, watchlist.Filter{Reason: watchlist.OpenBreach})
	if err != nil {
		t.Fatal(err)
	}
	if len(open) != 0 || uncured != 0 || len(wl.Entries) != 0 {
		t.Errorf("after the loan's cancelling: %d open breaches, %d uncured events, %d watched; want none", len(open), uncured, len(wl.Entries))
	}
}

// A covenant created on a loan while the loan is being cancelled: the creation waits
// for the cancelling and refuses the cancelled loan.
func TestCreateOnLoanBeingCancelledIsRefused(t *testing.T) {
	ctx, d := setup(t, civil.Date(2025, 3, 1))
	p := newPartner(t, d, "Cancelling")
	loan := newLoan(t, d, p, "L-2")
	tx, err := d.Conn.Beginx()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(`UPDATE loans SET status = 'cancelled', cancelled_at = now(), cancel_reason = 'x' WHERE id = $1`, loan); err != nil {
		tx.Rollback()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := d.Compliance.Create(ctx, tester, 0, loan, compliance.Input{Metric: text("par30_ratio"), Operator: text("<="),
			Threshold: text("5 %"), From: text("2024-01-01"), Frequency: text("each_report")})
		done <- err
	}()
	time.Sleep(500 * time.Millisecond)
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; kindOf(err) != apperr.KindInvalid || fieldOf(err) != "loan_id" {
		t.Errorf("a covenant on a loan cancelled meanwhile: %v; want 422 naming loan_id", err)
	}
}

// A PATCH while the covenant is being ended waits, and finds it ended: 409.
func TestPatchOfCovenantBeingEndedIs409(t *testing.T) {
	ctx, d := setup(t, civil.Date(2025, 3, 1))
	p := newPartner(t, d, "Ending")
	c := parCovenant(t, ctx, d, p, 0)
	tx, err := d.Conn.Beginx()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(`UPDATE covenants SET ended_at = now() WHERE id = $1`, c.ID); err != nil {
		tx.Rollback()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := d.Compliance.Update(ctx, tester, c.ID, compliance.Input{Threshold: text("4 %")})
		done <- err
	}()
	time.Sleep(500 * time.Millisecond)
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; kindOf(err) != apperr.KindConflict {
		t.Errorf("a PATCH of a covenant ended meanwhile: %v; want 409", err)
	}
	got, err := d.Compliance.Get(ctx, c.ID)
	if err != nil || got.Threshold.String() != "0.05" {
		t.Errorf("the ended covenant: %+v %v; want its threshold kept", got, err)
	}
}

// waivedBreach opens a breach (PAR30 8 % against 5 %) and has it waived until expires.
func waivedBreach(t *testing.T, ctx context.Context, d app.Services, name string, expires time.Time) (int64, compliance.Covenant, compliance.Breach) {
	t.Helper()
	p := newPartner(t, d, name)
	c := parCovenant(t, ctx, d, p, 30)
	putPAR(t, ctx, d, p, civil.Date(2024, 3, 31), 80000)
	bs, err := d.Compliance.Breaches(ctx, compliance.BreachFilter{PartnerID: p})
	if err != nil || len(bs) != 1 {
		t.Fatalf("breaches: %+v %v", bs, err)
	}
	if _, err := d.Compliance.RequestWaiver(ctx, newUser(t, d, strings.ReplaceAll(strings.ToLower(name), " ", "-")+"@example.org"), bs[0].ID, "agreed", expires); err != nil {
		t.Fatal(err)
	}
	return p, c, bs[0]
}

// Approving a waiver is refused when its breach closed since the request (409,
// breach_id) or its end has passed (422, expires_on); rejecting it still works.
func TestApprovingStaleWaiverIsRefused(t *testing.T) {
	ctx, d, now := movingClock(t, civil.Date(2024, 5, 1))
	p, _, b := waivedBreach(t, ctx, d, "Closed since", civil.Date(2024, 12, 31))
	decider := newUser(t, d, "decider@example.org")
	putPAR(t, ctx, d, p, civil.Date(2024, 3, 31), 20000) // corrected: met, the breach is withdrawn
	if _, err := d.Compliance.DecideWaiver(ctx, decider, b.ID, true); kindOf(err) != apperr.KindConflict || fieldOf(err) != "breach_id" {
		t.Errorf("approving a waiver of a closed breach: %v; want 409 naming breach_id", err)
	}
	if _, err := d.Compliance.DecideWaiver(ctx, decider, b.ID, false); err != nil {
		t.Errorf("rejecting it: %v", err)
	}

	_, _, b2 := waivedBreach(t, ctx, d, "Expired since", civil.Date(2024, 5, 10))
	*now = civil.Date(2024, 5, 20)
	if _, err := d.Compliance.DecideWaiver(ctx, decider, b2.ID, true); kindOf(err) != apperr.KindInvalid || fieldOf(err) != "expires_on" {
		t.Errorf("approving a waiver whose end has passed: %v; want 422 naming expires_on", err)
	}
}

// An approved waiver applies to the breach as it was: withdrawn then reopened by
// corrections, or its covenant's terms changed, the breach is open again (the waiver
// lapsed), in list-breaches and the watch list alike.
func TestApprovedWaiverLapses(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(t *testing.T, ctx context.Context, d app.Services, p int64, c compliance.Covenant)
	}{
		{"withdrawn and reopened", func(t *testing.T, ctx context.Context, d app.Services, p int64, _ compliance.Covenant) {
			putPAR(t, ctx, d, p, civil.Date(2024, 3, 31), 20000)
			putPAR(t, ctx, d, p, civil.Date(2024, 3, 31), 90000)
		}},
		{"threshold changed", func(t *testing.T, ctx context.Context, d app.Services, _ int64, c compliance.Covenant) {
			if _, err := d.Compliance.Update(ctx, tester, c.ID, compliance.Input{Threshold: text("6 %")}); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, d := setup(t, civil.Date(2024, 5, 1))
			p, c, b := waivedBreach(t, ctx, d, "Lapsing", civil.Date(2024, 12, 31))
			if _, err := d.Compliance.DecideWaiver(ctx, newUser(t, d, "decider@example.org"), b.ID, true); err != nil {
				t.Fatal(err)
			}
			if got, err := d.Compliance.Breach(ctx, b.ID); err != nil || got.Status != "waived" {
				t.Fatalf("approved: %+v %v", got, err)
			}
			tc.change(t, ctx, d, p, c)
			got, err := d.Compliance.Breach(ctx, b.ID)
			if err != nil {
				t.Fatal(err)
			}
			wl, err := d.Watchlist.List(ctx, watchlist.Filter{Reason: watchlist.OpenBreach})
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != "open" || len(got.Waivers) != 1 || got.Waivers[0].LapsedAt == nil || len(wl.Entries) != 1 {
				t.Errorf("after the change: status %s, waivers %+v, %d watched; want open, the waiver lapsed, watched", got.Status, got.Waivers, len(wl.Entries))
			}
		})
	}
}

// The second review of issue 18.

// parReport is putPAR's report, for goroutines (which must not call t.Fatal).
func parReport(end time.Time, par30 int64) kpi.Statement {
	dec := func(v int64) *decimal.Decimal { x := decimal.MustNew(v, 0); return &x }
	r := kpi.Statement{PeriodEnd: end, Months: 3, Currency: "USD"}
	r.GrossLoanPortfolio, r.PAR30 = dec(1000000), dec(par30)
	return r
}

// race runs a and b at once and returns their errors.
func race(a, b func() error) (error, error) {
	var wg sync.WaitGroup
	var errA, errB error
	start := make(chan struct{})
	wg.Add(2)
	go func() { defer wg.Done(); <-start; errA = a() }()
	go func() { defer wg.Done(); <-start; errB = b() }()
	close(start)
	wg.Wait()
	return errA, errB
}

// A covenant ended, or changed, while a report of its partner is written. The write
// locks the partner's reports and then reads its covenants; End and Update locked the
// covenant and then (Update) the reports: the opposite order, and a deadlock when the
// write's new result or breach waited for the covenant's row (its foreign key). End
// did not wait for the write at all: an evaluation that had read the covenant live
// wrote results after its end, and its update of the breach undid the withdrawal
// (an open breach of an ended covenant). Now both take the reports' lock first, and
// the evaluation share-locks the covenants it reads.
func TestCovenantWritesRacingReportWrites(t *testing.T) {
	q1, q2 := civil.Date(2024, 3, 31), civil.Date(2024, 6, 30)
	t.Run("end", func(t *testing.T) {
		// the system's clock: a result found at or after the covenant's end was written
		// by an evaluation that ran after it
		ctx := context.Background()
		d, err := app.New(ctx, pgtest.New(t), nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 24 {
			p := newPartner(t, d, fmt.Sprintf("Ending %d", i))
			c := parCovenant(t, ctx, d, p, 30)
			putPAR(t, ctx, d, p, q1, 80000) // 8 %: an open breach
			end := q2                       // even rounds: a new period, breached
			if i%2 == 1 {
				end = q1 // odd rounds: the breach's period corrected (9 %)
			}
			endErr, putErr := race(func() error { return d.Compliance.End(ctx, tester, c.ID) },
				func() error { _, _, err := d.Statements.Put(ctx, tester, p, parReport(end, 90000)); return err })
			if endErr != nil || putErr != nil {
				t.Fatalf("round %d: End: %v; Put: %v", i, endErr, putErr)
			}
			var got struct {
				Late int `db:"late"`
				Open int `db:"open"`
			}
			if err := d.Conn.Get(&got, `SELECT
				(SELECT count(*) FROM covenant_results r JOIN covenants c ON c.id = r.covenant_id WHERE c.id = $1 AND r.found_at >= c.ended_at) AS late,
				(SELECT count(*) FROM covenant_breaches WHERE covenant_id = $1 AND closed_at IS NULL AND withdrawn_at IS NULL) AS open`,
				c.ID); err != nil {
				t.Fatal(err)
			}
			if got.Late != 0 || got.Open != 0 {
				t.Errorf("round %d: the ended covenant has %d results found after its end and %d open breaches; want none", i, got.Late, got.Open)
			}
		}
	})
	t.Run("update", func(t *testing.T) {
		ctx, d := setup(t, civil.Date(2024, 8, 1))
		for i := range 8 {
			p := newPartner(t, d, fmt.Sprintf("Changing %d", i))
			c := parCovenant(t, ctx, d, p, 30)
			putPAR(t, ctx, d, p, q1, 20000) // 2 %: met
			updErr, putErr := race(func() error {
				_, err := d.Compliance.Update(ctx, tester, c.ID, compliance.Input{Threshold: text("4 %")})
				return err
			}, func() error { _, _, err := d.Statements.Put(ctx, tester, p, parReport(q2, 90000)); return err })
			if updErr != nil || putErr != nil {
				t.Fatalf("round %d: Update: %v; Put: %v", i, updErr, putErr)
			}
			var got []string
			if err := d.Conn.Select(&got, `SELECT r.period_end::text || ' ' || r.status || ' ' || r.threshold::float8 || ' ' || coalesce(b.threshold::float8::text, '-')
				FROM covenant_results r LEFT JOIN covenant_breaches b ON b.id = r.breach_id AND b.closed_at IS NULL AND b.withdrawn_at IS NULL
				WHERE r.covenant_id = $1 ORDER BY r.period_end`, c.ID); err != nil {
				t.Fatal(err)
			}
			if want := "2024-03-31 met 0.04 -|2024-06-30 breached 0.04 0.04"; strings.Join(got, "|") != want {
				t.Errorf("round %d: results %q; want %q", i, strings.Join(got, "|"), want)
			}
		}
	})
}

// An evaluation that read a covenant before it ended (the locks now prevent it: the
// store refuses it as well) wrote its breaches anyway: the breach the ending had
// withdrawn was reopened (update-breaches), or a new one opened (insert-breaches),
// on a covenant nothing tests any more. Now the statements leave a breach of an ended
// covenant alone, and the evaluation is refused (409) with nothing written.
func TestBreachesOfEndedCovenantAreNotWritten(t *testing.T) {
	for _, tc := range []struct {
		name         string
		before, then int64 // PAR30 of March when the covenant ends, and as the evaluation reads it
	}{
		{"withdrawn breach reopened", 80000, 90000},
		{"new breach", 20000, 90000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, d := setup(t, civil.Date(2024, 5, 1))
			p := newPartner(t, d, "Ended meanwhile")
			c := parCovenant(t, ctx, d, p, 30) // as read by the evaluation: live
			putPAR(t, ctx, d, p, civil.Date(2024, 3, 31), tc.before)
			if err := d.Compliance.End(ctx, tester, c.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := d.Conn.Exec(`UPDATE financial_statements SET par30 = $2 WHERE partner_id = $1`, p, tc.then); err != nil {
				t.Fatal(err)
			}
			err := d.Compliance.EvaluateAsRead(ctx, []compliance.Covenant{c})
			var n struct {
				Open   int `db:"open"`
				Events int `db:"events"`
			}
			if err := d.Conn.Get(&n, `SELECT (SELECT count(*) FROM covenant_breaches WHERE covenant_id = $1 AND closed_at IS NULL AND withdrawn_at IS NULL) AS open,
				(SELECT count(*) FROM notification_events WHERE kind = 'breach' AND payload->>'covenant_id' = $1::text) AS events`, c.ID); err != nil {
				t.Fatal(err)
			}
			wantEvents := 0
			if tc.before > 50000 {
				wantEvents = 1 // the breach found before the end
			}
			if kindOf(err) != apperr.KindConflict || fieldOf(err) != "covenant_id" || n.Open != 0 || n.Events != wantEvents {
				t.Errorf("evaluating the ended covenant: %v; %d open breaches, %d breach events; want 409 naming covenant_id, none open, %d events",
					err, n.Open, n.Events, wantEvents)
			}
		})
	}
}

// The daily sweep announces the end of a waiver that still holds a breach waived:
// approved, not lapsed, and not superseded by another approved waiver of the breach
// running longer (the breach stays waived past the first one's end: list-breaches
// says waived, so "waiver expired, the breach is open again" would be false). A
// rejected waiver and a lapsed one were left out already (decision, lapsed_at); a
// superseded one was announced expiring, then expired.
func TestSweepIgnoresRejectedLapsedAndSupersededWaivers(t *testing.T) {
	ctx, d, now := movingClock(t, civil.Date(2024, 5, 1))
	decider, second := newUser(t, d, "decider@example.org"), newUser(t, d, "second@example.org")
	soon := civil.Date(2024, 5, 20)
	waiverOf := func(breachID int64) int64 {
		t.Helper()
		var id int64
		if err := d.Conn.Get(&id, `SELECT max(id) FROM covenant_waivers WHERE breach_id = $1`, breachID); err != nil {
			t.Fatal(err)
		}
		return id
	}
	decide := func(breachID int64, approve bool, by audit.Actor) {
		t.Helper()
		if _, err := d.Compliance.DecideWaiver(ctx, by, breachID, approve); err != nil {
			t.Fatal(err)
		}
	}
	_, _, rejected := waivedBreach(t, ctx, d, "Rejected", soon)
	decide(rejected.ID, false, decider)

	lp, _, lapsed := waivedBreach(t, ctx, d, "Lapsed", soon)
	decide(lapsed.ID, true, decider)
	putPAR(t, ctx, d, lp, civil.Date(2024, 3, 31), 20000) // withdrawn: the waiver lapses
	putPAR(t, ctx, d, lp, civil.Date(2024, 3, 31), 90000) // reopened: open, the waiver lapsed

	_, _, superseded := waivedBreach(t, ctx, d, "Superseded", soon)
	decide(superseded.ID, true, decider)
	first := waiverOf(superseded.ID)
	if _, err := d.Compliance.RequestWaiver(ctx, decider, superseded.ID, "extended to the year's end", civil.Date(2024, 12, 31)); err != nil {
		t.Fatal(err)
	}
	decide(superseded.ID, true, second)

	_, _, live := waivedBreach(t, ctx, d, "Live", soon)
	decide(live.ID, true, decider)

	for _, day := range []time.Time{civil.Date(2024, 5, 10), civil.Date(2024, 5, 21)} {
		*now = day
		if err := d.Compliance.Sweep(ctx, day); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	if err := d.Conn.Select(&got, `SELECT idem_key FROM notification_events WHERE kind IN ('waiver_expiring', 'waiver_expired') ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	w := waiverOf(live.ID)
	if want := fmt.Sprintf("waiver_expiring:%d waiver_expired:%d", w, w); strings.Join(got, " ") != want {
		t.Errorf("waiver events %v; want %s only (rejected %d, lapsed %d, superseded %d: none)",
			got, want, waiverOf(rejected.ID), waiverOf(lapsed.ID), first)
	}
	if b, err := d.Compliance.Breach(ctx, superseded.ID); err != nil || b.Status != "waived" {
		t.Errorf("the superseded waiver's breach after its end: %+v %v; want waived (by the second waiver)", b, err)
	}
}

// A waiver requested, then its breach closed (cured, or withdrawn by a correction)
// and reopened by a correction: the request was about the breach as it was, and
// approving it is refused (409 naming breach_id); rejecting it works, and a waiver
// requested after the reopening is approved.
func TestWaiverRequestedBeforeReopeningIsNotApproved(t *testing.T) {
	q1, q2 := civil.Date(2024, 3, 31), civil.Date(2024, 6, 30)
	for _, tc := range []struct {
		name          string
		close, reopen func(t *testing.T, ctx context.Context, d app.Services, p int64)
	}{
		{"cured and reopened", func(t *testing.T, ctx context.Context, d app.Services, p int64) { putPAR(t, ctx, d, p, q2, 20000) },
			func(t *testing.T, ctx context.Context, d app.Services, p int64) { putPAR(t, ctx, d, p, q2, 90000) }},
		{"withdrawn and reopened", func(t *testing.T, ctx context.Context, d app.Services, p int64) { putPAR(t, ctx, d, p, q1, 20000) },
			func(t *testing.T, ctx context.Context, d app.Services, p int64) { putPAR(t, ctx, d, p, q1, 90000) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, d, now := movingClock(t, time.Date(2024, 7, 1, 9, 0, 0, 0, time.UTC))
			p, _, b := waivedBreach(t, ctx, d, "Reopened", civil.Date(2024, 12, 31)) // requested on July 1st
			*now = time.Date(2024, 7, 2, 9, 0, 0, 0, time.UTC)
			tc.close(t, ctx, d, p)
			*now = time.Date(2024, 7, 3, 9, 0, 0, 0, time.UTC)
			tc.reopen(t, ctx, d, p)
			got, err := d.Compliance.Breach(ctx, b.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != "open" || got.Reopened != 1 || got.ReopenedAt == nil || !got.ReopenedAt.Equal(*now) {
				t.Fatalf("reopened: %+v", got)
			}
			decider := newUser(t, d, "decider@example.org")
			*now = time.Date(2024, 7, 4, 9, 0, 0, 0, time.UTC)
			_, err = d.Compliance.DecideWaiver(ctx, decider, b.ID, true)
			if kindOf(err) != apperr.KindConflict || fieldOf(err) != "breach_id" || !strings.Contains(err.Error(), "reopened") {
				t.Errorf("approving a waiver requested before the breach reopened: %v; want 409 naming breach_id", err)
			}
			if w, err := d.Compliance.DecideWaiver(ctx, decider, b.ID, false); err != nil || w.Decision != "rejected" {
				t.Fatalf("rejecting it: %+v %v", w, err)
			}
			requester := newUser(t, d, "again@example.org")
			if _, err := d.Compliance.RequestWaiver(ctx, requester, b.ID, "asked again, on the breach as it is", civil.Date(2024, 12, 31)); err != nil {
				t.Fatal(err)
			}
			if w, err := d.Compliance.DecideWaiver(ctx, decider, b.ID, true); err != nil || w.Decision != "approved" {
				t.Errorf("approving a waiver requested after the reopening: %+v %v", w, err)
			}
		})
	}
}

// A partner's reporting obligation changed while a new report of it is written: the
// change locked the partner's row (FOR UPDATE) and then, evaluating its covenants,
// the partner's reports; the write locked the reports and then, inserting the new
// report, the partner's row for the foreign key (FOR KEY SHARE): a deadlock. The
// change now locks the row FOR NO KEY UPDATE, which a foreign key check does not wait
// for. Partners without covenants too: the evaluation takes the reports' lock before
// it looks for covenants.
func TestObligationChangeRacingReportWrite(t *testing.T) {
	ctx, d := setup(t, civil.Date(2024, 8, 1))
	for i := range 12 {
		p := newPartner(t, d, fmt.Sprintf("Obliged %d", i))
		if _, err := d.Conn.Exec(`UPDATE partners SET reporting_frequency = 'quarterly', reporting_from = '2024-01-01' WHERE id = $1`, p); err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 {
			parCovenant(t, ctx, d, p, 30)
		}
		putPAR(t, ctx, d, p, civil.Date(2024, 3, 31), 20000)
		updErr, putErr := race(func() error {
			_, err := d.Partners.Update(ctx, tester, p, func(f *partner.Fields) error { n := 120; f.ReportingDueDays = &n; return nil })
			return err
		}, func() error {
			_, _, err := d.Statements.Put(ctx, tester, p, parReport(civil.Date(2024, 6, 30), 90000))
			return err
		})
		if updErr != nil || putErr != nil {
			t.Fatalf("round %d: partner update: %v; report: %v", i, updErr, putErr)
		}
	}
}
