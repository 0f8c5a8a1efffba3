package ui_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/govalues/decimal"

	"cartera/internal/audit"
	"cartera/internal/compliance"
	"cartera/internal/fx"
	"cartera/internal/kpi"
	"cartera/internal/platform/civil"
	"cartera/internal/user"
)

// The partner page's covenants: a refused threshold comes back with the user's values
// and the message beside the field; a good one is listed and tested at once, and the
// grid shows each period in words. The breaches page takes a waiver request, and only
// another admin decides it.
func TestCovenantsPages(t *testing.T) {
	e := newEnvAt(t, civil.FixedAt(time.Date(2024, 8, 1, 9, 0, 0, 0, time.UTC)))
	ctx := context.Background()
	var pid int64
	if err := e.deps.Conn.Get(&pid, `INSERT INTO partners (name, country, legal_status) VALUES ('Emprender', 'BO', 'ngo') RETURNING id`); err != nil {
		t.Fatal(err)
	}
	for end, par := range map[time.Time]int64{civil.Date(2024, 3, 31): 80000, civil.Date(2024, 6, 30): 20000} {
		glp, p30 := decimal.MustNew(1000000, 0), decimal.MustNew(par, 0)
		r := kpi.Statement{PeriodEnd: end, Months: 3, Currency: "USD"}
		r.GrossLoanPortfolio, r.PAR30 = &glp, &p30
		if _, _, err := e.deps.Statements.Put(ctx, audit.System("test"), pid, r); err != nil {
			t.Fatal(err)
		}
	}
	manager := e.signIn(user.Manager)
	path := fmt.Sprintf("/partners/%d", pid)
	manager.get(path).must(t, http.StatusOK, "Covenants", "Add a covenant", `value="par30_ratio"`)
	form := url.Values{"metric": {"par30_ratio"}, "operator": {"<="}, "threshold": {"5"}, "frequency": {"each_report"},
		"from": {"2024-01-01"}, "cure_days": {"60"}}
	manager.post(path+"/covenants", form).must(t, http.StatusUnprocessableEntity, "ambiguous", `value="5"`,
		`<option value="par30_ratio" selected>`, `<option value="each_report" selected>`, `value="60"`, "The covenant was not saved")
	form.Set("threshold", "5 %")
	page := manager.follow(manager.post(path+"/covenants", form))
	page.must(t, http.StatusOK, "PAR30 &lt;= 5 %", "Covenant added", "Compliance, latest periods",
		`class="cov-breached"`, "breached 8 %", "met 2 %")

	// The breach, cured by June: closed. A correction of June reopens it.
	glp, p30 := decimal.MustNew(1000000, 0), decimal.MustNew(60000, 0)
	r := kpi.Statement{PeriodEnd: civil.Date(2024, 6, 30), Months: 3, Currency: "USD"}
	r.GrossLoanPortfolio, r.PAR30 = &glp, &p30
	if _, _, err := e.deps.Statements.Put(ctx, audit.System("test"), pid, r); err != nil {
		t.Fatal(err)
	}
	if _, err := e.deps.Users.Create(ctx, audit.System("test"), user.NewUser{Email: "admin2@example.org", Name: "Second admin", Role: user.Admin, Password: password}); err != nil {
		t.Fatal(err)
	}
	admin := e.signIn(user.Admin)
	list := admin.get("/breaches?status=open").must(t, http.StatusOK, "Emprender", "Request a waiver", `aria-current="page">Breaches`)
	m := regexpFind(list.body, `action="/breaches/(\d+)/waiver"`)
	if m == "" {
		t.Fatalf("no waiver form:\n%s", list.body)
	}
	admin.post("/breaches/"+m+"/waiver", url.Values{"reason": {"recovery plan"}, "expires_on": {"2024-07-01"}}).
		must(t, http.StatusUnprocessableEntity, "must be after today", "recovery plan")
	admin.follow(admin.post("/breaches/"+m+"/waiver", url.Values{"reason": {"recovery plan"}, "expires_on": {"2024-12-31"}})).
		must(t, http.StatusOK, "requested", "You requested this waiver: another admin decides it")
	if strings.Contains(admin.get("/breaches").body, "/waiver/approve") {
		t.Error("the requester is offered the approval")
	}
	admin.post("/breaches/"+m+"/waiver/approve", url.Values{}).must(t, http.StatusForbidden)
	second := e.client()
	second.login("admin2@example.org")
	second.follow(second.post("/breaches/"+m+"/waiver/approve", url.Values{})).must(t, http.StatusOK, "approved", "cov-waived")
	viewer := e.signIn(user.Viewer)
	if body := viewer.get(path).must(t, http.StatusOK, "waived 6 %").body; strings.Contains(body, "Add a covenant") {
		t.Error("a viewer is offered the covenant form")
	}
}

// An amount covenant in USD on a partner reporting in BOB: the grid's cell gave the
// value in BOB with no currency, beside the row's threshold in USD. It reads the value
// and the threshold compared, both in the period's currency.
func TestCovenantGridCellOfAnAmountNamesThePeriodsCurrency(t *testing.T) {
	e := newEnvAt(t, civil.FixedAt(time.Date(2024, 8, 1, 9, 0, 0, 0, time.UTC)))
	ctx, sys := context.Background(), audit.System("test")
	var pid int64
	if err := e.deps.Conn.Get(&pid, `INSERT INTO partners (name, country, legal_status) VALUES ('Crecer', 'BO', 'ngo') RETURNING id`); err != nil {
		t.Fatal(err)
	}
	end := civil.Date(2024, 3, 31)
	if err := e.deps.FX.Put(ctx, sys, []fx.Rate{{Currency: "BOB", Date: end, Rate: decimal.MustParse("6.96")}}); err != nil {
		t.Fatal(err)
	}
	equity := decimal.MustNew(1250000, 0)
	if _, _, err := e.deps.Statements.Put(ctx, sys, pid, kpi.Statement{PeriodEnd: end, Months: 3, Currency: "BOB", Figures: kpi.Figures{Equity: &equity}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.deps.Compliance.Create(ctx, sys, pid, 0, compliance.Input{Metric: ptr("equity"), Operator: ptr(">="), Threshold: ptr("1000000"),
		Currency: ptr("USD"), From: ptr("2024-01-01"), Frequency: ptr("each_report")}); err != nil {
		t.Fatal(err)
	}
	e.signIn(user.Viewer).get(fmt.Sprintf("/partners/%d", pid)).must(t, http.StatusOK, "Compliance, latest periods",
		`>breached 1,250,000.00 BOB (≥ 6,960,000.00 BOB)</td>`, "1,000,000.00 USD converted into BOB at the period end")
}

func ptr(s string) *string { return &s }

// login signs the client in as email.
func (c *client) login(email string) {
	c.e.t.Helper()
	c.get("/login")
	if p := c.post("/login", url.Values{"email": {email}, "password": {password}}); p.status != http.StatusSeeOther {
		c.e.t.Fatalf("sign in as %s: %d\n%s", email, p.status, p.body)
	}
	c.get("/")
}

// regexpFind is the first group of pattern's first match in s, or "".
func regexpFind(s, pattern string) string {
	m := regexp.MustCompile(pattern).FindStringSubmatch(s)
	if len(m) < 2 {
		return ""
	}
	return m[1]
}
