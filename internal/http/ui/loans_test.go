package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/govalues/decimal"

	"cartera/internal/audit"
	"cartera/internal/ledger"
	"cartera/internal/loan"
	"cartera/internal/partner"
	"cartera/internal/platform/civil"
	"cartera/internal/platform/money"
	"cartera/internal/user"
	"cartera/internal/view"
)

// withPartner gives the env a USD fund and a partner, and returns the partner's id.
func withPartner(t *testing.T, e *env) int64 {
	t.Helper()
	ctx := context.Background()
	if _, err := e.deps.Funds.Create(ctx, audit.System("test"), "Impact Fund", "USD"); err != nil {
		t.Fatal(err)
	}
	pt, err := e.deps.Partners.Create(ctx, audit.System("test"), partner.Fields{Name: "Banco Sol", Country: "BO", LegalStatus: "bank"})
	if err != nil {
		t.Fatal(err)
	}
	return pt.ID
}

// withLoan records a USD loan to the partner, signed seven months ago: 100,000 at 12 %,
// quarterly equal principal over two years, nothing disbursed yet.
func withLoan(t *testing.T, e *env, partnerID int64) (loan.Loan, time.Time) {
	t.Helper()
	signed := civil.AddMonths(civil.Today(), -7)
	l, err := e.deps.Loans.Create(context.Background(), audit.System("test"), ledger.NewLoan{PartnerID: partnerID, Reference: "BSOL-01", Terms: loan.Terms{
		Currency: money.MustCurrency("USD"), Committed: decimal.MustNew(100000, 0), Rate: decimal.MustParse("0.12"), DayCount: loan.ACT360,
		SignedOn: signed, FirstDueOn: civil.AddMonths(signed, 3), MaturityOn: civil.AddMonths(signed, 24),
		Amortization: loan.EqualPrincipal, Frequency: loan.Quarterly,
	}})
	if err != nil {
		t.Fatal(err)
	}
	return l, signed
}

func loanCount(t *testing.T, e *env) int {
	t.Helper()
	ls, err := e.deps.Loans.List(context.Background(), ledger.ListQuery{})
	if err != nil {
		t.Fatal(err)
	}
	return ls.Total
}

func txCount(t *testing.T, e *env, id int64) int {
	t.Helper()
	d, err := e.deps.Loans.Get(context.Background(), id, civil.Today())
	if err != nil {
		t.Fatal(err)
	}
	return len(d.Transactions)
}

func outstanding(p page) string {
	return between(p.body, `Outstanding principal</div><div class="value num">`, `</div>`)
}

func TestNewLoanFormPreviewAndCreate(t *testing.T) {
	e := newEnv(t)
	pid := withPartner(t, e)
	c := e.signIn(user.Manager)
	path := "/partners/" + strconv.FormatInt(pid, 10) + "/loans/new"
	c.get("/partners/"+strconv.FormatInt(pid, 10)).must(t, http.StatusOK, `href="`+path+`"`)
	c.get(path).must(t, http.StatusOK, `<form method="post" action="`+path+`"`, "New loan to Banco Sol",
		`name="interest_rate"`, "0.125 is 12.5 % a year", `value="USD"`, `selected>Impact Fund (USD)`, `name="preview"`)

	terms := url.Values{"reference": {"BSOL-2024-01"}, "currency": {"usd"}, "committed_amount": {"120,000"},
		"interest_rate": {"0.12"}, "day_count": {"30/360"}, "signed_on": {"2024-01-15"}, "first_due_on": {"2024-04-15"},
		"maturity_on": {"2025-01-15"}, "amortization": {"equal_principal"}, "frequency": {"quarterly"}, "grace_periods": {"0"}}

	// The preview shows the schedule the terms give, and saves nothing.
	preview := url.Values{"preview": {"1"}}
	for k, v := range terms {
		preview[k] = v
	}
	c.post(path, preview).must(t, http.StatusOK, "Schedule preview", "2024-04-15", "2025-01-15",
		`<td class="num">30,000.00</td><td class="num">3,600.00</td><td class="num">33,600.00</td>`,
		`<td class="num">120,000.00</td><td class="num">9,000.00</td><td class="num">129,000.00</td>`, `value="BSOL-2024-01"`)
	if n := loanCount(t, e); n != 0 {
		t.Fatalf("the preview saved %d loans", n)
	}

	// Bad values: the form again, with what was typed and the loan's messages beside
	// the fields; nothing saved. A preview of bad terms says the same.
	bad := url.Values{"reference": {""}, "currency": {"USD"}, "committed_amount": {"lots"}, "interest_rate": {"12.5"},
		"day_count": {"ACT/360"}, "signed_on": {"2024-01-15"}, "first_due_on": {"2024-04-15"}, "maturity_on": {"2024-03-01"},
		"amortization": {"annuity"}, "frequency": {"monthly"}, "default_margin": {"1.5"}, "prepayment_fee": {"-0.01"},
		"allocation_order": {"installment_by_installment"}}
	p := c.post(path, bad).must(t, http.StatusUnprocessableEntity, "nothing was saved",
		`id="e-default_margin"`, `id="e-prepayment_fee"`, "must be a fraction from 0 to 1 (0.02 is 2 %)", `value="1.5"`,
		`<option value="installment_by_installment" selected>`,
		`id="e-reference"`, `id="e-committed_amount"`, "must be a number such as 1250000.00",
		`id="e-interest_rate"`, "must be a fraction from 0 to below 1 (0.085 is 8.5 %)", `value="12.5"`,
		`id="e-maturity_on"`, "cannot be before first_due_on", `value="lots"`)
	if strings.Contains(p.body, `id="e-signed_on"`) {
		t.Error("the good signed_on is marked as an error")
	}
	bad.Set("preview", "1")
	c.post(path, bad).must(t, http.StatusUnprocessableEntity, `id="e-interest_rate"`, `id="e-maturity_on"`)
	if n := loanCount(t, e); n != 0 {
		t.Fatalf("a bad form saved %d loans", n)
	}

	p = c.post(path, terms)
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/loans/") {
		t.Fatalf("create: %d %q\n%s", p.status, p.location, p.body)
	}
	c.follow(p).must(t, http.StatusOK, "Loan BSOL-2024-01 to Banco Sol created.", "<h1>Loan BSOL-2024-01</h1>",
		"Repayments settle</dt><dd>Interest first", // the fund's default, stated
		`href="/partners/`+strconv.FormatInt(pid, 10)+`">Banco Sol</a>`, "12.0 % a year", "30/360", "Nothing recorded by")
	// The same reference again is the fund's rule, beside the field.
	c.get(path)
	c.post(path, terms).must(t, http.StatusConflict, `id="e-reference"`, "the fund already has a loan with this reference")
}

func TestLoanEvents(t *testing.T) {
	e := newEnv(t)
	l, signed := withLoan(t, e, withPartner(t, e))
	id := strconv.FormatInt(l.ID, 10)
	c := e.signIn(user.Manager)
	p := c.get("/loans/"+id).must(t, http.StatusOK, "<h1>Loan BSOL-01</h1>", ">Banco Sol</a>", "pipeline",
		`action="/loans/`+id+`/disbursements"`, `action="/loans/`+id+`/repayments"`, `action="/loans/`+id+`/writeoffs"`,
		`action="/loans/`+id+`/reschedule"`, `name="preview"`)
	version := between(p.body, `name="version" value="`, `"`)

	// A disbursement, then its flash and the balance on the page.
	p = c.post("/loans/"+id+"/disbursements", url.Values{"date": {signed.Format(civil.Layout)}, "amount": {"100000"}, "version": {version}})
	p = c.follow(p).must(t, http.StatusOK, "Disbursement of 100,000.00 USD on "+signed.Format(civil.Layout)+" recorded.", `class="tag late"`)
	if got := outstanding(p); got != "100,000.00 USD" {
		t.Fatalf("outstanding after the disbursement: %q", got)
	}
	version = between(p.body, `name="version" value="`, `"`)
	today := civil.Today().Format(civil.Layout)

	// The repayment's allocation is shown before it is recorded; nothing is saved.
	p = c.post("/loans/"+id+"/repayments", url.Values{"date": {today}, "amount": {"40,000"}, "version": {version}, "preview": {"1"}})
	pv, err := e.deps.Loans.Preview(context.Background(), l.ID, "", loan.Event{Kind: loan.Repayment, On: civil.Today(), Amount: decimal.MustNew(40000, 0)})
	if err != nil {
		t.Fatal(err)
	}
	p.must(t, http.StatusOK, "Would be applied", `<details class="action" id="repayment" open>`, `value="40,000"`,
		"<th scope=\"row\">Interest</th><td class=\"num\">"+view.Money(pv.Allocation.Interest, "USD"),
		"<th scope=\"row\">Principal</th><td class=\"num\">"+view.Money(pv.Allocation.Principal, "USD"),
		"<th scope=\"row\">of which prepaid</th><td class=\"num\">"+view.Money(pv.Allocation.Prepaid, "USD"))
	if n := txCount(t, e, l.ID); n != 1 {
		t.Fatalf("the preview recorded something: %d transactions", n)
	}

	// More than is owed: the loan's message beside the amount, the form open, nothing saved.
	p = c.post("/loans/"+id+"/repayments", url.Values{"date": {today}, "amount": {"1000000"}, "version": {version}})
	p.must(t, http.StatusUnprocessableEntity, `<details class="action" id="repayment" open>`, `id="e-repayment-amount"`,
		"is more than everything owed", `value="1000000"`, "nothing was saved")
	if strings.Contains(p.body, `id="e-disbursement-amount"`) {
		t.Error("the repayment's error shows in the disbursement form too")
	}
	// A date before signing and an amount that is not one, both marked.
	c.post("/loans/"+id+"/repayments", url.Values{"date": {"2001-01-01"}, "amount": {"ten"}, "version": {version}}).
		must(t, http.StatusUnprocessableEntity, `id="e-repayment-date"`, "cannot be before the loan was signed", `id="e-repayment-amount"`, "must be a number")
	if n := txCount(t, e, l.ID); n != 1 {
		t.Fatalf("a bad repayment recorded something: %d transactions", n)
	}

	// Recorded: the flash says how it was applied, the outstanding principal drops.
	p = c.post("/loans/"+id+"/repayments", url.Values{"date": {today}, "amount": {"40000"}, "version": {version}})
	p = c.follow(p).must(t, http.StatusOK, "Repayment of 40,000.00 USD on "+today+" recorded: "+view.Money(pv.Allocation.Interest, "USD")+" to interest")
	d, err := e.deps.Loans.Get(context.Background(), l.ID, civil.Today())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := outstanding(p), view.Money(d.Balances.Outstanding, "USD"); got != want || got == "100,000.00 USD" {
		t.Fatalf("outstanding after the repayment: %q, want %q", got, want)
	}
	if !strings.Contains(p.body, `class="tag paid"`) {
		t.Error("no installment is marked paid")
	}
	version = between(p.body, `name="version" value="`, `"`)

	// A write-off needs a reason.
	c.post("/loans/"+id+"/writeoffs", url.Values{"date": {today}, "amount": {"1000"}, "version": {version}}).
		must(t, http.StatusUnprocessableEntity, `<details class="action" id="writeoff" open>`, `id="e-writeoff-reason"`, "a write-off needs a reason")
	if n := txCount(t, e, l.ID); n != 2 {
		t.Fatalf("a write-off without reason was recorded: %d transactions", n)
	}

	// A rescheduling.
	maturity := civil.AddMonths(signed, 36).Format(civil.Layout)
	p = c.post("/loans/"+id+"/reschedule", url.Values{"date": {today}, "maturity_on": {maturity}, "frequency": {""}, "interest_rate": {"0.1"}, "version": {version}})
	p = c.follow(p).must(t, http.StatusOK, "Rescheduling from "+today+" recorded: maturity "+maturity+", rate 10.0 %.", "<h2>Reschedulings and amendments</h2>", "rescheduled") // the table lists the amendments too
	version = between(p.body, `name="version" value="`, `"`)

	// A rate change: without its rate, refused beside the field with the values kept;
	// with it, recorded and listed among the amendments.
	c.post("/loans/"+id+"/amendments", url.Values{"kind": {"rate_change"}, "date": {today}, "rate": {""}, "reason": {"repriced"}, "version": {version}}).
		must(t, http.StatusUnprocessableEntity, `<details class="action" id="rate_change" open>`, `id="e-rate_change-rate"`, `>repriced</textarea>`)
	p = c.post("/loans/"+id+"/amendments", url.Values{"kind": {"rate_change"}, "date": {today}, "rate": {"0.08"}, "version": {version}})
	c.follow(p).must(t, http.StatusOK, "Rate change from "+today+" recorded: 8.0 % a year.", "rate change")
}

// A form opened before someone else recorded an event on the loan is refused, with the
// user's values kept; submitted again on the page as it now stands, it is applied.
func TestLoanEventRefusesAStaleForm(t *testing.T) {
	e := newEnv(t)
	l, signed := withLoan(t, e, withPartner(t, e))
	id := strconv.FormatInt(l.ID, 10)
	c := e.signIn(user.Manager)
	opened := between(c.get("/loans/"+id).must(t, http.StatusOK).body, `name="version" value="`, `"`)

	if _, err := e.deps.Loans.Post(context.Background(), audit.System("test"), l.ID, loan.Event{Kind: loan.Disbursement, On: signed, Amount: decimal.MustNew(60000, 0)}); err != nil {
		t.Fatal(err)
	}
	form := url.Values{"date": {signed.Format(civil.Layout)}, "amount": {"50000"}, "version": {opened}}
	p := c.post("/loans/"+id+"/disbursements", form).must(t, http.StatusConflict,
		"This loan changed since you opened the page: a disbursement of 60000.00 USD on "+signed.Format(civil.Layout)+" was recorded",
		"check your values against it and submit again", `<details class="action" id="disbursement" open>`, `value="50000"`)
	if n := txCount(t, e, l.ID); n != 1 {
		t.Fatalf("the stale form was applied: %d transactions", n)
	}
	// A stale preview is refused too.
	c.post("/loans/"+id+"/repayments", url.Values{"date": {signed.Format(civil.Layout)}, "amount": {"1"}, "version": {opened}, "preview": {"1"}}).
		must(t, http.StatusConflict, "This loan changed since you opened the page")

	// The refusal's form names the current version: now it is the user's decision to make.
	current := between(p.body, `name="version" value="`, `"`)
	if current == opened {
		t.Fatal("the refused form still carries the old version")
	}
	form.Set("amount", "40000")
	form.Set("version", current)
	c.post("/loans/"+id+"/disbursements", form).must(t, http.StatusSeeOther)
	if n := txCount(t, e, l.ID); n != 2 {
		t.Fatalf("%d transactions, want 2", n)
	}
}

func TestLoanPageAsOfAndViewer(t *testing.T) {
	e := newEnv(t)
	pid := withPartner(t, e)
	l, signed := withLoan(t, e, pid)
	id := strconv.FormatInt(l.ID, 10)
	if _, err := e.deps.Loans.Post(context.Background(), audit.System("test"), l.ID, loan.Event{Kind: loan.Disbursement, On: signed.AddDate(0, 0, 10), Amount: decimal.MustNew(80000, 0)}); err != nil {
		t.Fatal(err)
	}
	v := e.signIn(user.Viewer)
	// Before the disbursement: nothing recorded yet, nothing outstanding.
	p := v.get("/loans/"+id+"?as_of="+signed.Format(civil.Layout)).must(t, http.StatusOK, "Nothing recorded by "+signed.Format(civil.Layout), `value="`+signed.Format(civil.Layout)+`"`)
	if got := outstanding(p); got != "0.00 USD" {
		t.Errorf("outstanding on signing: %q", got)
	}
	// Today: the disbursement; a viewer sees no event forms.
	p = v.get("/loans/"+id).must(t, http.StatusOK, "80,000.00 USD", "disbursement", `class="tag late"`)
	for _, form := range []string{"disbursements", "repayments", "writeoffs", "reschedule"} {
		if strings.Contains(p.body, `action="/loans/`+id+`/`+form+`"`) {
			t.Errorf("a viewer sees the %s form", form)
		}
	}
	if strings.Contains(p.body, `name="version"`) {
		t.Error("a viewer sees an event form")
	}
	// A forged post is refused, and records nothing.
	v.post("/loans/"+id+"/repayments", url.Values{"date": {civil.Today().Format(civil.Layout)}, "amount": {"100"}}).must(t, http.StatusForbidden)
	v.get("/partners/"+strconv.FormatInt(pid, 10)+"/loans/new").must(t, http.StatusForbidden)
	if n := txCount(t, e, l.ID); n != 1 {
		t.Fatalf("a viewer's post was recorded: %d transactions", n)
	}
	// A bad date is marked on the date form; the page shows today.
	v.get("/loans/"+id+"?as_of=yesterday").must(t, http.StatusOK, `id="e-as_of"`, "must be a date as YYYY-MM-DD", "80,000.00 USD")
	v.get("/loans/999999").must(t, http.StatusNotFound)
	v.get("/loans/abc").must(t, http.StatusNotFound)
}
