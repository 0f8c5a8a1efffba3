package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"cartera/internal/audit"
	"cartera/internal/loan"
	"cartera/internal/platform/civil"
	"cartera/internal/user"

	"github.com/govalues/decimal"
)

// The loan page offers "Reverse" on each live transaction; the reversal page shows the
// balances now and after, asks why, and reverses; the reversed entry stays, marked.
func TestReverseFromTheLoanPage(t *testing.T) {
	e := newEnv(t)
	l, signed := withLoan(t, e, withPartner(t, e))
	id := l.ID
	for _, ev := range []loan.Event{{Kind: loan.Disbursement, On: signed, Amount: decimal.MustNew(100000, 0)},
		{Kind: loan.Repayment, On: signed.AddDate(0, 1, 0), Amount: decimal.MustNew(500, 0)}} {
		if _, err := e.deps.Loans.Post(context.Background(), audit.System("test"), id, ev); err != nil {
			t.Fatal(err)
		}
	}
	c := e.signIn(user.Manager)
	page := c.get("/loans/"+strconv.FormatInt(id, 10)).must(t, http.StatusOK)
	m := regexp.MustCompile(`href="(/loans/\d+/transactions/\d+/reverse)" aria-label="Reverse the repayment`).FindStringSubmatch(page.body)
	if m == nil {
		t.Fatalf("no Reverse link on the loan page:\n%s", page.body)
	}
	form := c.get(m[1]).must(t, http.StatusOK, "The loan today, and after the reversal", `name="reason"`, `name="version"`)
	p := c.post(m[1], url.Values{"version": {between(form.body, `name="version" value="`, `"`)}, "reason": {""}})
	p.must(t, http.StatusUnprocessableEntity, "a reversal needs a reason", `id="e-reason"`)
	done := c.post(m[1], url.Values{"version": {between(form.body, `name="version" value="`, `"`)}, "reason": {"posted twice"}})
	if done.status != http.StatusSeeOther {
		t.Fatalf("reverse: %d\n%s", done.status, done.body)
	}
	after := c.follow(done).must(t, http.StatusOK, "Reversed the ", `class="reversed"`, "reversal of #")
	if strings.Contains(after.body, `href="`+m[1]+`"`) {
		t.Errorf("the reversed entry still offers a reversal")
	}
	c.get(m[1]).must(t, http.StatusOK, "was already reversed")
	v := e.signIn(user.Viewer)
	v.get(m[1]).must(t, http.StatusForbidden)
	if strings.Contains(v.get("/loans/"+strconv.FormatInt(id, 10)).body, "/reverse") {
		t.Errorf("a viewer is offered a reversal")
	}
}

// A loan nothing happened on offers "Cancel the loan"; cancelled, it says so and takes
// nothing more.
func TestCancelFromTheLoanPage(t *testing.T) {
	e := newEnv(t)
	l, _ := withLoan(t, e, withPartner(t, e))
	path := "/loans/" + strconv.FormatInt(l.ID, 10)
	c := e.signIn(user.Manager)
	c.get(path).must(t, http.StatusOK, `action="`+path+`/cancel"`)
	c.post(path+"/cancel", url.Values{"reason": {""}}).must(t, http.StatusUnprocessableEntity, "a cancellation needs a reason", `id="cancel" open`)
	done := c.post(path+"/cancel", url.Values{"reason": {"wrong partner"}})
	if done.status != http.StatusSeeOther {
		t.Fatalf("cancel: %d\n%s", done.status, done.body)
	}
	p := c.follow(done).must(t, http.StatusOK, "Cancelled loan BSOL-01", "This loan was cancelled")
	if strings.Contains(p.body, `id="record"`) {
		t.Errorf("a cancelled loan still offers forms")
	}
}

// Before its first disbursement a loan's terms are corrected from its page; the form
// keeps the user's values beside a refused one.
func TestCorrectTermsFromTheLoanPage(t *testing.T) {
	e := newEnv(t)
	l, _ := withLoan(t, e, withPartner(t, e))
	path := "/loans/" + strconv.FormatInt(l.ID, 10)
	c := e.signIn(user.Manager)
	c.get(path).must(t, http.StatusOK, `href="`+path+`/edit"`)
	c.get(path+"/edit").must(t, http.StatusOK, `value="BSOL-01"`, `value="0.12"`)
	values := url.Values{"reference": {"BSOL-01"}, "currency": {"USD"}, "committed_amount": {"100000"}, "interest_rate": {"0.5x"},
		"day_count": {"ACT/360"}, "signed_on": {civil.Format(l.SignedOn)}, "first_due_on": {civil.Format(l.FirstDueOn)},
		"maturity_on": {civil.Format(l.MaturityOn)}, "amortization": {"annuity"}, "frequency": {"quarterly"}, "grace_periods": {"0"}}
	c.post(path+"/edit", values).must(t, http.StatusUnprocessableEntity, `value="0.5x"`, "must be a fraction")
	values.Set("interest_rate", "0.095")
	done := c.post(path+"/edit", values)
	if done.status != http.StatusSeeOther {
		t.Fatalf("correct: %d\n%s", done.status, done.body)
	}
	c.follow(done).must(t, http.StatusOK, "Loan BSOL-01 corrected.", "Annuity")
}
