package ui_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"cartera/internal/exposure"
	"cartera/internal/user"
)

func TestDashboard(t *testing.T) {
	e := newEnv(t)
	// Before anything is lent, the dashboard says so rather than failing.
	e.signIn(user.Viewer).get("/").must(t, http.StatusOK, "Nothing is lent yet.", "No loan is overdue.", "No figures yet.")

	e.loadDemo()
	c := e.signIn(user.Viewer)
	p := c.get("/").must(t, http.StatusOK, "Outstanding", "Exposure by country", `<svg class="chart"`, "Repayments due in the next 60 days", "Latest figures received")
	// The totals are the exposure service's, formatted.
	want, err := e.deps.Exposure.Exposure(context.Background(), exposure.Query{By: exposure.ByCountry, AsOf: time.Now().UTC()})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(p.body, moneyText(want.Total.Outstanding.String())+" "+want.Currency) {
		t.Errorf("dashboard lacks the total outstanding %s %s", want.Total.Outstanding, want.Currency)
	}
	for _, g := range want.Groups {
		if !strings.Contains(p.body, g.Label) {
			t.Errorf("the chart lacks %s", g.Label)
		}
	}
	if strings.Count(p.body, `href="/loans/`) == 0 {
		t.Error("no loan is listed as overdue or due soon on the demo book")
	}
}

func TestExposurePage(t *testing.T) {
	e := newEnv(t)
	e.loadDemo()
	c := e.signIn(user.Viewer)
	c.get("/exposure").must(t, http.StatusOK, "Bolivia", "Download CSV", "Total")
	c.get("/exposure?by=legal_status&currency=EUR").must(t, http.StatusOK, "NGO", "EUR")
	c.get("/exposure?by=planet&as_of=2026-13-01&currency=XXXX").must(t, http.StatusUnprocessableEntity,
		`id="e-by"`, `id="e-as_of"`, `id="e-currency"`, `value="XXXX"`)
	csv := c.get("/exposure?by=country&format=csv")
	if csv.status != http.StatusOK || !strings.HasPrefix(csv.header.Get("Content-Type"), "text/csv") || !strings.Contains(csv.body, "BO") {
		t.Fatalf("CSV download: %d %s\n%s", csv.status, csv.header.Get("Content-Type"), csv.body)
	}
	xlsx := c.get("/exposure?by=country&format=xlsx")
	if xlsx.status != http.StatusOK || !strings.HasPrefix(xlsx.body, "PK") {
		t.Fatalf("XLSX download: %d", xlsx.status)
	}
}

// moneyText formats a decimal string as the pages do: thousands separators, two decimals.
func moneyText(s string) string {
	whole, frac, _ := strings.Cut(s, ".")
	frac = (frac + "00")[:2]
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String() + "." + frac
}
