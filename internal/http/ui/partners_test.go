package ui_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"cartera/internal/audit"
	"cartera/internal/partner"
	"cartera/internal/user"
)

func mustList(t *testing.T, e *env) []partner.Partner {
	t.Helper()
	ps, err := e.deps.Partners.List(context.Background(), partner.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

func TestCreatePartner(t *testing.T) {
	e := newEnv(t)
	c := e.signIn(user.Manager)
	c.get("/partners/new").must(t, http.StatusOK, `<form method="post" action="/partners/new"`, `name="legal_status"`)

	// Bad values: shown again with what was typed and a message beside each field.
	bad := url.Values{"name": {"Banco Sol"}, "country": {"XX"}, "legal_status": {"bank"}, "founded": {"nineteen"}, "description": {"Typed <b>text</b>"}}
	p := c.post("/partners/new", bad).must(t, http.StatusUnprocessableEntity,
		`value="Banco Sol"`, `id="e-country"`, `id="e-founded"`, "must be a year such as 1995", "Typed &lt;b&gt;text&lt;/b&gt;", "nothing was saved")
	if strings.Contains(p.body, `id="e-name"`) {
		t.Error("the good name field is marked as an error")
	}
	if n := len(mustList(t, e)); n != 0 {
		t.Fatalf("a bad form saved %d partners", n)
	}

	good := url.Values{"name": {"Banco Sol"}, "country": {"bo"}, "legal_status": {"bank"}, "founded": {"1992"}, "sectors": {"agriculture, trade"}}
	p = c.post("/partners/new", good)
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/partners/") {
		t.Fatalf("create: %d %q\n%s", p.status, p.location, p.body)
	}
	c.follow(p).must(t, http.StatusOK, "Partner Banco Sol created.", "<h1>Banco Sol</h1>", "Bolivia", "agriculture, trade", "No loans to this partner yet.")
	// The flash is shown once.
	if again := c.get(p.location); strings.Contains(again.body, "Partner Banco Sol created.") {
		t.Error("the flash message is shown twice")
	}
	// A duplicate name is the partner's own rule, shown beside the field.
	c.get("/partners/new")
	c.post("/partners/new", good).must(t, http.StatusConflict, `value="Banco Sol"`, `id="e-name"`)
}

func TestEditPartnerRefusesAStaleForm(t *testing.T) {
	e := newEnv(t)
	c := e.signIn(user.Manager)
	c.get("/partners/new")
	p := c.post("/partners/new", url.Values{"name": {"Fondo Uno"}, "country": {"PE"}, "legal_status": {"ngo"}})
	id := strings.TrimPrefix(p.location, "/partners/")

	form := c.get("/partners/"+id+"/edit").must(t, http.StatusOK, `value="Fondo Uno"`)
	opened := between(form.body, `name="updated_at" value="`, `"`)

	// Someone else saves first.
	other := e.signIn(user.Admin)
	other.get("/partners/" + id + "/edit")
	other.post("/partners/"+id+"/edit", url.Values{"name": {"Fondo Uno SA"}, "country": {"PE"}, "legal_status": {"ngo"}, "updated_at": {opened}}).must(t, http.StatusSeeOther)

	p = c.post("/partners/"+id+"/edit", url.Values{"name": {"Fondo Uno (mine)"}, "country": {"PE"}, "legal_status": {"ngo"}, "updated_at": {opened}})
	p.must(t, http.StatusConflict, "Someone changed this partner", `value="Fondo Uno (mine)"`)
	got, _ := e.deps.Partners.List(context.Background(), partner.Filter{})
	if got[0].Name != "Fondo Uno SA" {
		t.Fatalf("the stale form overwrote the partner: %q", got[0].Name)
	}
	// The form now names the current version: saving again applies it.
	c.post("/partners/"+id+"/edit", url.Values{"name": {"Fondo Uno (mine)"}, "country": {"PE"}, "legal_status": {"ngo"}, "updated_at": {between(p.body, `name="updated_at" value="`, `"`)}}).must(t, http.StatusSeeOther)
}

func TestPartnersListAndPage(t *testing.T) {
	e := newEnv(t)
	e.loadDemo()
	c := e.signIn(user.Viewer)
	p := c.get("/partners").must(t, http.StatusOK, "Impro", "Compartamos", "6 of 6 partners")
	if strings.Index(p.body, "ADRA") > strings.Index(p.body, "Impro") {
		t.Error("partners are not sorted by name")
	}
	c.get("/partners?country=BO").must(t, http.StatusOK, "2 of 6 partners")
	c.get("/partners?legal_status=bank&q=xyz").must(t, http.StatusOK, "No partner matches these filters.")
	c.get("/partners?country=ZZ").must(t, http.StatusOK, "must be an ISO 3166-1 alpha-2 country code")

	ps := mustList(t, e)
	var impro partner.Partner
	for _, p := range ps {
		if strings.HasPrefix(p.Name, "Impro") {
			impro = p
		}
	}
	page := c.get("/partners/"+itoa(impro.ID)).must(t, http.StatusOK, "Gross loan portfolio", "<svg class=\"chart\"", "profile.pdf?lang=fr", "factsheet.pdf?lang=es", "Among peers")
	if strings.Contains(page.body, "Enter figures") {
		t.Error("a viewer is offered the figures form")
	}
	pdf := c.get("/partners/" + itoa(impro.ID) + "/profile.pdf?lang=es")
	if pdf.status != http.StatusOK || !strings.HasPrefix(pdf.body, "%PDF-") {
		t.Fatalf("profile PDF: %d %q", pdf.status, pdf.header.Get("Content-Type"))
	}
}

func between(s, start, end string) string {
	i := strings.Index(s, start)
	if i < 0 {
		return ""
	}
	s = s[i+len(start):]
	j := strings.Index(s, end)
	if j < 0 {
		return ""
	}
	return s[:j]
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestPartnersListPages: a long list comes a hundred rows at a time, and the links
// between pages keep the filters and the sort.
func TestPartnersListPages(t *testing.T) {
	e := newEnv(t)
	for i := range 130 {
		country := "BO"
		if i%10 == 0 {
			country = "PE"
		}
		if _, err := e.deps.Partners.Create(context.Background(), audit.System("test"), partner.Fields{Name: fmt.Sprintf("Partner %03d", i), Country: country, LegalStatus: partner.NGO}); err != nil {
			t.Fatal(err)
		}
	}
	c := e.signIn(user.Viewer)
	rows := func(p page) int { return strings.Count(p.body, `<td><a href="/partners/`) }
	first := c.get("/partners?country=BO&sort=name").must(t, http.StatusOK, "117 of 130 partners", "1–100 of 117", "Partner 001")
	if rows(first) != 100 || strings.Contains(first.body, `rel="prev"`) {
		t.Fatalf("first page: %d rows", rows(first))
	}
	next := regexp.MustCompile(`href="([^"]*)" rel="next"`).FindStringSubmatch(first.body)[1]
	if !strings.Contains(next, "country=BO") || !strings.Contains(next, "sort=name") || !strings.Contains(next, "page=2") {
		t.Fatalf("the next link loses the filters: %q", next)
	}
	second := c.get(strings.ReplaceAll(next, "&amp;", "&")).must(t, http.StatusOK, "101–117 of 117", "Partner 129", `rel="prev"`)
	if rows(second) != 17 || strings.Contains(second.body, `rel="next"`) {
		t.Fatalf("second page: %d rows", rows(second))
	}
	// A page past the end shows the last one.
	c.get("/partners?country=BO&page=99").must(t, http.StatusOK, "101–117 of 117")
}
