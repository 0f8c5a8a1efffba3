package ui_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"testing"
	"time"

	"cartera/internal/fx"
	"cartera/internal/user"
)

// TestFXRatesPage: the page lists the currencies the book needs with their latest
// rates, flags the one without any, and lets a manager record a rate or upload a file
// of them; bad input comes back beside its field with nothing stored, and a viewer
// can only read.
func TestFXRatesPage(t *testing.T) {
	e := newEnv(t)
	e.loadDemo()
	addYenLoan(t, e) // the demo has no yen rate
	today := time.Now().UTC().Format(time.DateOnly)
	row := func(p page, code, status string) {
		t.Helper()
		if !regexp.MustCompile(`(?s)<td>` + code + `</td>\s*<td>loans</td>.*?` + status).MatchString(p.body) {
			t.Errorf("the %s row should say %q\n%s", code, status, p.body)
		}
	}

	viewer := e.signIn(user.Viewer)
	p := viewer.get("/fx").must(t, http.StatusOK, "Rates the book needs on "+today, "1 currency has no rate yet", "BOB", "PEN")
	row(p, "JPY", "missing")
	if regexp.MustCompile(`Record a rate|Upload rates`).MatchString(p.body) {
		t.Error("a viewer is offered the forms")
	}
	viewer.post("/fx", url.Values{"date": {today}, "currency": {"JPY"}, "rate": {"150"}}).must(t, http.StatusForbidden)

	manager := e.signIn(user.Manager)
	manager.get("/fx")
	// Every problem at once, beside its field, the values kept; nothing stored.
	manager.post("/fx", url.Values{"date": {"2026-13-01"}, "currency": {"usd"}, "rate": {"-5"}}).must(t, http.StatusUnprocessableEntity,
		"must be a date as YYYY-MM-DD", "rates are per US dollar", "must be greater than zero", `value="2026-13-01"`, `value="-5"`, "nothing was saved")
	manager.post("/fx", url.Values{"date": {today}, "currency": {"XYZ"}, "rate": {"abc"}}).must(t, http.StatusUnprocessableEntity,
		`id="e-currency"`, "must be a number")
	if n := rateCount(t, e, "JPY"); n != 0 {
		t.Fatalf("%d JPY rates stored by failed forms", n)
	}

	p = manager.post("/fx", url.Values{"date": {today}, "currency": {"jpy"}, "rate": {"149.50"}})
	if p.status != http.StatusSeeOther || p.location != "/fx?currency=JPY" {
		t.Fatalf("record: %d %q\n%s", p.status, p.location, p.body)
	}
	p = manager.follow(p).must(t, http.StatusOK, "Recorded: 1 US dollar = 149.50 JPY on "+today, "JPY over the last 90 days", "149.5")
	row(p, "JPY", "current")
	if regexp.MustCompile(`no rate yet`).MatchString(p.body) {
		t.Error("JPY still counted as missing")
	}
	manager.get("/").must(t, http.StatusOK, "Outstanding")
	if p := manager.get("/"); regexp.MustCompile(`cannot be computed`).MatchString(p.body) {
		t.Error("the dashboard still lacks a rate")
	}

	// A file: every row or none.
	yesterday := time.Now().UTC().AddDate(0, 0, -1).Format(time.DateOnly)
	bad := fmt.Sprintf("date,currency,rate\n%s,KES,129.1\n2026-02-30,KES,129.2\n%s,USD,1\n", yesterday, today)
	manager.upload("/fx/import", url.Values{}, "rates.csv", []byte(bad)).must(t, http.StatusUnprocessableEntity,
		"rates.csv", "row 3, date")
	manager.upload("/fx/import", url.Values{}, "rates.csv", []byte(fmt.Sprintf("date,currency,rate\n%s,KES,129.1\n%s,USD,1\n", yesterday, today))).
		must(t, http.StatusUnprocessableEntity, "row 3, currency: rates are per US dollar")
	manager.upload("/fx/import", url.Values{}, "", nil).must(t, http.StatusUnprocessableEntity, "choose a CSV file")
	// Rates are observed, not forecast; and a currency twice on one date would store
	// whichever came last (issue 17).
	tomorrow := time.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)
	manager.upload("/fx/import", url.Values{}, "rates.csv", []byte(fmt.Sprintf("date,currency,rate\n%s,KES,129.1\n%s,KES,129.2\n", yesterday, tomorrow))).
		must(t, http.StatusUnprocessableEntity, "row 3, date: is after today")
	manager.upload("/fx/import", url.Values{}, "rates.csv", []byte(fmt.Sprintf("date,currency,rate\n%s,KES,129.1\n%s,kes,129.2\n", yesterday, yesterday))).
		must(t, http.StatusUnprocessableEntity, "row 3, date: row 2 is already KES on this date")
	manager.post("/fx", url.Values{"date": {tomorrow}, "currency": {"KES"}, "rate": {"129"}}).must(t, http.StatusUnprocessableEntity,
		"is after today", `value="`+tomorrow+`"`)
	if n := rateCount(t, e, "KES"); n != 0 {
		t.Fatalf("%d KES rates stored from refused files", n)
	}
	good := fmt.Sprintf("currency,date,rate\nKES,%s,129.10\nKES,%s,129.35\n", yesterday, today)
	p = manager.upload("/fx/import", url.Values{}, "kes.csv", []byte(good))
	if p.status != http.StatusSeeOther {
		t.Fatalf("upload: %d\n%s", p.status, p.body)
	}
	manager.follow(p).must(t, http.StatusOK, "kes.csv: 2 rates stored.")
	manager.get("/fx?currency=KES").must(t, http.StatusOK, "KES over the last 90 days", "129.35", "129.1")
	if n := rateCount(t, e, "KES"); n != 2 {
		t.Fatalf("%d KES rates stored, want 2", n)
	}
}

func rateCount(t *testing.T, e *env, currency string) int {
	t.Helper()
	rates, err := e.deps.FX.List(context.Background(), fx.Filter{Currency: currency})
	if err != nil {
		t.Fatal(err)
	}
	return len(rates)
}
