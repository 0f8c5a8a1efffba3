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
