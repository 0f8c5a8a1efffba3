package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/govalues/decimal"

	"cartera/internal/audit"
	"cartera/internal/fund"
	"cartera/internal/loan"
	"cartera/internal/platform/civil"
	"cartera/internal/user"
)

// TestFundSettingsForm: the admin page shows each fund's settings; a form with bad
// values comes back with them and the messages beside its fields, nothing saved; a
// good one is saved, audited, and shown.
func TestFundSettingsForm(t *testing.T) {
	e := newEnv(t)
	withPartner(t, e)
	admin := e.signIn(user.Admin)
	admin.get("/admin/users").must(t, http.StatusOK, `href="/admin/funds"`)
	admin.get("/admin/funds").must(t, http.StatusOK, "Impact Fund", `action="/admin/funds/1"`, `name="csrf_token"`,
		`<option value="interest_first" selected>`)

	p := admin.post("/admin/funds/1", url.Values{"allocation_order": {"principal_first"}, "restructured_cure_installments": {"abc"},
		"books_closed_through": {"31/10/2025"}})
	p.must(t, http.StatusUnprocessableEntity, "nothing was saved", `id="e-funds[1].allocation_order"`,
		`id="e-funds[1].restructured_cure_installments"`, "from 1 to 36", `id="e-funds[1].books_closed_through"`,
		`value="abc"`, `value="31/10/2025"`)
	admin.post("/admin/funds/1", url.Values{"allocation_order": {"interest_first"}, "restructured_cure_installments": {"37"}}).
		must(t, http.StatusUnprocessableEntity, `id="e-funds[1].restructured_cure_installments"`, `value="37"`)
	if f, err := e.deps.Funds.Get(context.Background(), 1); err != nil || f.Settings.RestructuredCureInstallments != nil {
		t.Fatalf("a refused form saved: %+v (%v)", f.Settings, err)
	}

	p = admin.post("/admin/funds/1", url.Values{"allocation_order": {"installment_by_installment"}, "restructured_cure_installments": {"6"},
		"books_closed_through": {"2025-10-31"}})
	admin.follow(p).must(t, http.StatusOK, "Settings of Impact Fund saved", "closed through 2025-10-31",
		`<option value="installment_by_installment" selected>`, `value="6"`, `value="2025-10-31"`)
	f, err := e.deps.Funds.Get(context.Background(), 1)
	if err != nil || f.AllocationOrder != fund.InstallmentByInstallment || *f.RestructuredCureInstallments != 6 || civil.Format(*f.BooksClosedThrough) != "2025-10-31" {
		t.Errorf("stored: %+v (%v)", f.Settings, err)
	}
	// Emptied: never cured, books re-opened; audited like the first change.
	admin.get("/admin/funds")
	admin.follow(admin.post("/admin/funds/1", url.Values{"allocation_order": {"installment_by_installment"}})).
		must(t, http.StatusOK, "the books are open")
	admin.get("/admin/audit?entity=fund").must(t, http.StatusOK, "books_closed_through")

	manager := e.signIn(user.Manager)
	manager.post("/admin/funds/1", url.Values{"books_closed_through": {"2025-10-31"}}).must(t, http.StatusForbidden)
}

// TestClosedBooksOnTheLoanForms: an entry dated in the closed books is refused on the
// loan page with the message beside its date and the user's values kept; the
// reversal of one shows why, with no button.
func TestClosedBooksOnTheLoanForms(t *testing.T) {
	e := newEnv(t)
	l, signed := withLoan(t, e, withPartner(t, e))
	ctx, actor := context.Background(), audit.System("test")
	posted, err := e.deps.Loans.Post(ctx, actor, l.ID, loan.Event{Kind: loan.Disbursement, On: signed, Amount: decimal.MustNew(50000, 0)})
	if err != nil {
		t.Fatal(err)
	}
	closed := civil.AddMonths(signed, 2)
	if _, err := e.deps.Funds.UpdateSettings(ctx, actor, 1, func(st *fund.Settings) error {
		st.BooksClosedThrough = &closed
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	c := e.signIn(user.Manager)
	id := strconv.FormatInt(l.ID, 10)
	version := between(c.get("/loans/"+id).body, `name="version" value="`, `"`)
	dated := signed.AddDate(0, 0, 20).Format(civil.Layout)
	for _, kind := range []string{"repayment", "disbursement"} {
		p := c.post("/loans/"+id+"/"+kind+"s", url.Values{"date": {dated}, "amount": {"1234.56"}, "version": {version}})
		p.must(t, http.StatusConflict, `id="e-`+kind+`-date"`, "closed through "+closed.Format(civil.Layout), "dated "+dated,
			`value="1234.56"`, `value="`+dated+`"`)
		if !strings.Contains(between(p.body, `id="`+kind+`"`, `</details>`), "closed through") {
			t.Errorf("the %s form does not show the refusal beside its date", kind)
		}
	}
	if n := txCount(t, e, l.ID); n != 1 {
		t.Errorf("transactions after refused forms: %d", n)
	}
	c.get("/loans/"+id).must(t, http.StatusOK, "after "+closed.Format(civil.Layout)+": the fund’s books are closed through it")
	rev := c.get("/loans/" + id + "/transactions/" + strconv.FormatInt(posted.Transaction.ID, 10) + "/reverse")
	rev.must(t, http.StatusOK, "closed through "+closed.Format(civil.Layout))
	if strings.Contains(rev.body, "Reverse it") {
		t.Error("the reversal page offers a reversal the books refuse")
	}
}
