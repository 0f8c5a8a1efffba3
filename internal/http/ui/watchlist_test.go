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
)

// TestReportingObligationForm: the partner form takes the obligation, re-renders bad
// values with the message beside the field, and the partner page shows the obligation
// with the periods overdue and their due dates.
func TestReportingObligationForm(t *testing.T) {
	e := newEnvAt(t, civil.FixedAt(time.Date(2024, 8, 20, 9, 0, 0, 0, time.UTC)))
	c := e.signIn(user.Manager)
	c.get("/partners/new").must(t, http.StatusOK, `name="reporting_frequency"`, `name="reporting_from"`, `name="reporting_due_days"`)
	form := url.Values{"name": {"Reporter"}, "country": {"BO"}, "legal_status": {"ngo"}, "reporting_frequency": {"quarterly"},
		"reporting_from": {""}, "reporting_due_days": {"400"}}
	p := c.post("/partners/new", form).must(t, http.StatusUnprocessableEntity, `id="e-reporting_from"`, `id="e-reporting_due_days"`,
		`value="400"`, `<option value="quarterly" selected>`)
	if strings.Contains(p.body, `id="e-reporting_frequency"`) {
		t.Error("the good frequency is marked as an error")
	}
	form.Set("reporting_from", "2024-01-01")
	form.Set("reporting_due_days", "")
	created := c.post("/partners/new", form)
	page := c.follow(created).must(t, http.StatusOK, "Quarterly from 2024-01-01, due 45 days after each period end",
		"2024-03-31 (due 2024-05-15)", "2024-06-30 (due 2024-08-14)")
	_ = page
	// The edit form shows the stored values.
	c.get(created.location+"/edit").must(t, http.StatusOK, `value="2024-01-01"`, `<option value="quarterly" selected>`)
}

// TestWatchlistPages: the watch list page with its filters and downloads, the
// dashboard's panel, and the partners list's filter keeping the other filters.
func TestWatchlistPages(t *testing.T) {
	today := time.Date(2024, 6, 1, 9, 0, 0, 0, time.UTC)
	e := newEnvAt(t, civil.FixedAt(today))
	ctx, actor := context.Background(), audit.System("test")
	c := e.signIn(user.Viewer)
	c.get("/").must(t, http.StatusOK, `id="watch-panel"`, "No partner is on the watch list.")
	if _, err := e.deps.Funds.Create(ctx, actor, "F", "USD"); err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, n := range []struct{ name, country string }{{"Late Lender", "BO"}, {"Calm Lender", "BO"}, {"Far Lender", "PE"}} {
		p, err := e.deps.Partners.Create(ctx, actor, partner.Fields{Name: n.name, Country: n.country, LegalStatus: partner.NGO})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.ID)
	}
	on := civil.Date(2024, 1, 1)
	terms := loan.Terms{Currency: money.MustCurrency("USD"), Committed: decimal.MustNew(12000, 0), Rate: decimal.MustParse("0.12"),
		DayCount: loan.Thirty360WholeMonth, SignedOn: on, FirstDueOn: on.AddDate(0, 1, 0), MaturityOn: on.AddDate(1, 0, 0),
		Amortization: loan.EqualPrincipal, Frequency: loan.Monthly}
	l, err := e.deps.Loans.Create(ctx, actor, ledger.NewLoan{PartnerID: ids[0], Reference: "LATE-1", Terms: terms})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.deps.Loans.Post(ctx, actor, l.ID, loan.Event{Kind: loan.Disbursement, On: on, Amount: terms.Committed}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.deps.Partners.Update(ctx, actor, ids[2], func(f *partner.Fields) error {
		freq, from := "annual", civil.Date(2022, 1, 1)
		f.ReportingFrequency, f.ReportingFrom = &freq, &from
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	c.get("/").must(t, http.StatusOK, `<a href="/partners/`+strconv.FormatInt(ids[0], 10)+`">Late Lender</a>`, "Loan over 30 days past due",
		"Overdue report", `href="/watchlist"`)
	w := c.get("/watchlist").must(t, http.StatusOK, "Late Lender", "Far Lender", "2024-03-03", "LATE-1", `href="/watchlist?format=csv"`)
	if strings.Index(w.body, "Late Lender") > strings.Index(w.body, "Far Lender") {
		t.Error("a loan past due is more serious than an overdue report: it comes first")
	}
	if strings.Contains(w.body, "Calm Lender</a>") {
		t.Error("a partner without a reason is listed")
	}
	filtered := c.get("/watchlist?reason=overdue_report").must(t, http.StatusOK, "Far Lender", `href="/watchlist?format=csv&amp;reason=overdue_report"`)
	if strings.Contains(filtered.body, "LATE-1") {
		t.Error("the reason filter keeps other reasons")
	}
	if pe := c.get("/watchlist?country=PE"); strings.Contains(pe.body, "Late Lender") {
		t.Error("the country filter keeps Bolivia")
	}
	c.get("/watchlist?reason=bored").must(t, http.StatusUnprocessableEntity, `id="e-reason"`)
	dl := c.get("/watchlist?format=csv&country=BO")
	if !strings.HasPrefix(dl.header.Get("Content-Type"), "text/csv") || !strings.Contains(dl.body, "Late Lender,BO,past_due_30,2024-03-03") {
		t.Errorf("CSV download:\n%s", dl.body)
	}

	list := c.get("/partners?watch=yes&country=BO").must(t, http.StatusOK, "Late Lender", `<option value="yes" selected>On the watch list</option>`)
	for _, absent := range []string{"Calm Lender", "Far Lender"} {
		if strings.Contains(list.body, absent) {
			t.Errorf("the watch-list filter with country BO lists %s", absent)
		}
	}
	if all := c.get("/partners"); !strings.Contains(all.body, "Calm Lender") {
		t.Error("without the filter the list lacks Calm Lender")
	}
}
