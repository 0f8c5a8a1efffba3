package ui_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/govalues/decimal"

	"cartera/internal/audit"
	"cartera/internal/ledger"
	"cartera/internal/loan"
	"cartera/internal/partner"
	"cartera/internal/platform/civil"
	"cartera/internal/platform/money"
	"cartera/internal/user"
)

func TestLoansPage(t *testing.T) {
	e := newEnv(t)
	e.loadDemo()
	for _, role := range []user.Role{user.Viewer, user.Manager, user.Admin} {
		e.signIn(role).get("/loans").must(t, http.StatusOK, `href="/loans" aria-current="page"`, "IMP-2010-01", "PMB-BOB-01", "CMP-2026-01")
	}
	c := e.signIn(user.Viewer)
	p := c.get("/loans?status=active").must(t, http.StatusOK, "PMB-BOB-01", "ADRA-PEN-01", `<option value="active" selected>`)
	if strings.Contains(p.body, "IMP-2010-01") {
		t.Error("a repaid loan is listed under status active")
	}
	// Partner names link to the partner, references to the loan.
	if !regexp.MustCompile(`<a href="/partners/\d+">ADRA Peru</a></td>\s*<td><a href="/loans/\d+">ADRA-PEN-01</a>`).MatchString(p.body) {
		t.Errorf("the row does not link its partner and loan:\n%s", p.body)
	}
	p = c.get("/loans?q=adra").must(t, http.StatusOK, "ADRA-PEN-01", `value="adra"`)
	if strings.Contains(p.body, "PMB-BOB-01") {
		t.Error("the search lists another partner's loan")
	}
	// The downloads carry the filters and hold every match.
	csvLink := html.UnescapeString(regexp.MustCompile(`href="(/loans\?[^"]*format=csv[^"]*)"`).FindStringSubmatch(p.body)[1])
	if !strings.Contains(csvLink, "q=adra") {
		t.Errorf("the CSV link lacks the filter: %s", csvLink)
	}
	got := c.get(csvLink)
	rows, err := csv.NewReader(strings.NewReader(got.body)).ReadAll()
	if got.status != http.StatusOK || err != nil || len(rows) < 2 {
		t.Fatalf("csv: %d %v %q", got.status, err, got.body)
	}
	for _, row := range rows[1:] {
		if !strings.Contains(strings.ToLower(row[1]+row[3]), "adra") {
			t.Errorf("csv row beyond the filter: %v", row)
		}
	}
	if x := c.get(strings.Replace(csvLink, "format=csv", "format=xlsx", 1)); x.status != http.StatusOK || !strings.HasPrefix(x.body, "PK") {
		t.Errorf("xlsx: %d", x.status)
	}
	// Sortable headers: the reference column sorts by it, then the other way.
	p = c.get("/loans?sort=reference").must(t, http.StatusOK, `aria-sort="ascending"`, `href="/loans?sort=-reference"`)
	if strings.Index(p.body, "ADRA-PEN-01") > strings.Index(p.body, "IMP-2010-01") {
		t.Error("not sorted by reference")
	}
	p = c.get("/loans?sort=-reference").must(t, http.StatusOK, `aria-sort="descending"`)
	if strings.Index(p.body, "ADRA-PEN-01") < strings.Index(p.body, "IMP-2010-01") {
		t.Error("not sorted by reference, descending")
	}
	// Mistakes: shown beside their fields, with what was typed kept.
	p = c.get("/loans?maturing_within=-3&currency=xx&q=keep+me&status=open&sort=colour").must(t, http.StatusUnprocessableEntity,
		`value="keep me"`, `value="-3"`, `value="xx"`, `id="e-maturing_within"`, `id="e-currency"`, `id="e-status"`, `id="e-sort"`,
		"Please correct the filters marked below.")
	if strings.Contains(p.body, "IMP-2010-01") {
		t.Error("loans are listed under filters in error")
	}
	c.get("/loans?next=stale").must(t, http.StatusUnprocessableEntity, "out of date", "First page")
}

func TestLoansPagePages(t *testing.T) {
	e := newEnv(t)
	id := withPartner(t, e)
	signed := civil.AddMonths(civil.Today(), -1)
	for i := range 105 {
		_, err := e.deps.Loans.Create(context.Background(), audit.System("test"), ledger.NewLoan{PartnerID: id, Reference: fmt.Sprintf("P-%03d", i),
			Terms: loan.Terms{Currency: money.MustCurrency("USD"), Committed: decimal.MustNew(int64(1000+i), 0), Rate: decimal.MustParse("0.1"),
				DayCount: loan.ACT360, SignedOn: signed, FirstDueOn: civil.AddMonths(signed, 3), MaturityOn: civil.AddMonths(signed, 24),
				Amortization: loan.Bullet, Frequency: loan.Quarterly}})
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.deps.Partners.Create(context.Background(), audit.System("test"), partner.Fields{Name: "Other", Country: "PE", LegalStatus: "ngo"}); err != nil {
		t.Fatal(err)
	}
	c := e.signIn(user.Viewer)
	first := c.get("/loans?sort=reference&currency=usd").must(t, http.StatusOK, "105 loans match", "P-000", "P-099", "Next →")
	if strings.Contains(first.body, "P-100") || strings.Contains(first.body, "First page") {
		t.Error("the first page holds more than 100 loans, or links to itself")
	}
	next := html.UnescapeString(regexp.MustCompile(`href="([^"]*)" rel="next"`).FindStringSubmatch(first.body)[1])
	if !strings.Contains(next, "currency=usd") || !strings.Contains(next, "sort=reference") {
		t.Errorf("the next link drops the filters: %s", next)
	}
	second := c.get(next).must(t, http.StatusOK, "105 loans match", "P-100", "P-104", "First page")
	if strings.Contains(second.body, "P-099") || strings.Contains(second.body, "Next →") {
		t.Error("the second page repeats the first or goes on")
	}
}
