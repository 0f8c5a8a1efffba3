package ui_test

import (
	"bytes"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestCreditManagerJourney is a credit manager's day in a real browser: sign in,
// create a partner, lend to it, disburse and collect, enter figures (with a mistake
// first), download the profile. With CARTERA_SCREENSHOTS set to a directory it also
// saves the README's screenshots there.
func TestCreditManagerJourney(t *testing.T) {
	b := newBrowserEnv(t)
	b.loadDemo()
	tb := b.open(t)
	tb.signIn("manager@example.org")
	tb.mustSee("dashboard", "Outstanding", "Exposure by country", "Repayments due in the next 60 days")
	if dir := os.Getenv("CARTERA_SCREENSHOTS"); dir != "" {
		tb.screenshot(filepath.Join(dir, "dashboard.png"))
	}

	// A new partner, with a mistake first.
	tb.do("open the new partner form",
		chromedp.Navigate(b.base+"/partners"),
		chromedp.Click(chromedp.CSS(`a[href="/partners/new"]`)),
		chromedp.WaitVisible(chromedp.CSS("#f-name")),
		chromedp.SendKeys(chromedp.CSS("#f-name"), "Fondo Esperanza"),
		chromedp.SendKeys(chromedp.CSS("#f-country"), "ZZ"),
		chromedp.SetValue(chromedp.CSS("#f-legal_status"), "ngo"),
		chromedp.SendKeys(chromedp.CSS("#f-founded"), "1990"),
		chromedp.Click(chromedp.CSS("button.primary")),
		chromedp.WaitVisible(chromedp.CSS("#e-country")),
	)
	if v, _ := chromedp.Run(tb.ctx, chromedp.Value(chromedp.CSS("#f-name"))); v != "Fondo Esperanza" {
		t.Errorf("the form lost the typed name: %q", v)
	}
	tb.do("correct the country",
		chromedp.Clear(chromedp.CSS("#f-country")),
		chromedp.SendKeys(chromedp.CSS("#f-country"), "CL"),
		chromedp.Click(chromedp.CSS("button.primary")),
	)
	tb.waitFor(".flash", "Partner Fondo Esperanza created.")
	tb.mustSee("partner page", "Partner Fondo Esperanza created.", "Chile", "No loans to this partner yet.")

	// A loan to the new partner: preview its schedule, then save it.
	today := time.Now().UTC()
	signed := today.AddDate(0, -4, 0)
	tb.do("fill the new loan form",
		chromedp.Click(chromedp.CSS(`a[href$="/loans/new"]`)),
		chromedp.WaitVisible(chromedp.CSS("#f-reference")),
		chromedp.SendKeys(chromedp.CSS("#f-reference"), "FE-2026-01"),
		chromedp.Clear(chromedp.CSS("#f-currency")),
		chromedp.SendKeys(chromedp.CSS("#f-currency"), "USD"),
		chromedp.SendKeys(chromedp.CSS("#f-committed_amount"), "120000"),
		chromedp.Clear(chromedp.CSS("#f-interest_rate")),
		chromedp.SendKeys(chromedp.CSS("#f-interest_rate"), "0.12"),
		chromedp.SetValue(chromedp.CSS("#f-signed_on"), signed.Format("2006-01-02")),
		chromedp.SetValue(chromedp.CSS("#f-first_due_on"), signed.AddDate(0, 1, 0).Format("2006-01-02")),
		chromedp.SetValue(chromedp.CSS("#f-maturity_on"), signed.AddDate(0, 12, 0).Format("2006-01-02")),
		chromedp.SetValue(chromedp.CSS("#f-amortization"), "equal_principal"),
		chromedp.SetValue(chromedp.CSS("#f-frequency"), "monthly"),
		chromedp.Click(chromedp.CSS(`button[name="preview"]`)),
		chromedp.WaitVisible(chromedp.CSS("#schedule-preview")),
	)
	tb.mustSee("schedule preview", "10,000.00")
	tb.do("save the loan", chromedp.Click(chromedp.CSS("button.primary")))
	tb.waitFor(".flash", "Loan FE-2026-01")
	tb.mustSee("loan page", "Loan FE-2026-01")
	outstanding := func() string { return tb.text(".stat .value") }
	if got := outstanding(); got != "0.00 USD" {
		t.Errorf("outstanding before any disbursement = %q", got)
	}

	// Disburse, then collect the first installment: the balance moves each time.
	tb.do("record a disbursement",
		chromedp.Click(chromedp.CSS("#disbursement summary")),
		chromedp.SetValue(chromedp.CSS("#disbursement-date"), signed.AddDate(0, 0, 3).Format("2006-01-02")),
		chromedp.SendKeys(chromedp.CSS("#disbursement-amount"), "120000"),
		chromedp.Click(chromedp.CSS("#disbursement button.primary")),
	)
	tb.waitFor(".flash", "Disbursement of 120,000.00 USD")
	if got := outstanding(); got != "120,000.00 USD" {
		t.Errorf("outstanding after disbursing 120,000 = %q", got)
	}
	tb.do("preview a repayment",
		chromedp.Click(chromedp.CSS("#repayment summary")),
		chromedp.SetValue(chromedp.CSS("#repayment-date"), signed.AddDate(0, 1, 0).Format("2006-01-02")),
		chromedp.SendKeys(chromedp.CSS("#repayment-amount"), "11200"),
		chromedp.Click(chromedp.CSS(`#repayment button[name="preview"]`)),
	)
	tb.waitFor(".allocation", "Would be applied")
	tb.mustSee("allocation preview", "Would be applied")
	if got := outstanding(); got != "120,000.00 USD" {
		t.Errorf("a preview changed the outstanding: %q", got)
	}
	tb.do("record the repayment", chromedp.Click(chromedp.CSS("#repayment button.primary")))
	tb.waitFor(".flash", "Repayment of 11,200.00 USD")
	if got := outstanding(); got == "120,000.00 USD" || !strings.HasSuffix(got, " USD") {
		t.Errorf("outstanding after a repayment = %q, want less than 120,000.00 USD", got)
	}
	tb.do("back to the partner", chromedp.Click(chromedp.CSS(`main p a[href^="/partners/"]`)))
	tb.waitFor("h1", "Fondo Esperanza")

	// The partner's figures for a year, with a typing mistake first.
	tb.do("enter figures with a mistake",
		chromedp.Click(chromedp.CSS(`a[href$="/statements"]`)),
		chromedp.WaitVisible(chromedp.CSS("#f-period_end")),
		chromedp.SetValue(chromedp.CSS("#f-period_end"), "2025-12-31"),
		chromedp.SetValue(chromedp.CSS("#f-months"), "12"),
		chromedp.Clear(chromedp.CSS("#f-currency")),
		chromedp.SendKeys(chromedp.CSS("#f-currency"), "USD"),
		chromedp.SendKeys(chromedp.CSS("#f-gross_loan_portfolio"), "1000000"),
		chromedp.SendKeys(chromedp.CSS("#f-par30"), "42000"),
		chromedp.SendKeys(chromedp.CSS("#f-operating_expense"), "180,000 USD"),
		chromedp.Click(chromedp.CSS("button.primary")),
	)
	tb.waitFor("#e-operating_expense", "must be a number")
	if v, _ := chromedp.Run(tb.ctx, chromedp.Value(chromedp.CSS("#f-par30"))); v != "42000" {
		t.Errorf("the figures form lost a typed value: par30 = %q", v)
	}
	tb.do("correct the figure",
		chromedp.Clear(chromedp.CSS("#f-operating_expense")),
		chromedp.SendKeys(chromedp.CSS("#f-operating_expense"), "180000"),
		chromedp.Click(chromedp.CSS("button.primary")),
	)
	tb.waitFor(".flash", "Figures for the period ending 2025-12-31")
	tb.mustSee("the ratios of the period", "PAR30 4.2 %", "OER 18.0 %", "2025-12-31")
	if dir := os.Getenv("CARTERA_SCREENSHOTS"); dir != "" {
		here, err := chromedp.Run(tb.ctx, chromedp.Location())
		if err != nil {
			t.Fatal(err)
		}
		tb.do("open a demo partner", chromedp.Navigate(b.base+"/partners?q=ADRA"), chromedp.Click(chromedp.CSS(`td a[href^="/partners/"]`)))
		tb.waitFor("h1", "ADRA")
		tb.screenshot(filepath.Join(dir, "partner.png"))
		tb.do("back", chromedp.Navigate(here))
		tb.waitFor("h1", "Fondo Esperanza")
	}

	// The profile PDF downloads and is a PDF.
	pdf := tb.download(`a[href$="profile.pdf?lang=en"]`)
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("the profile download is not a PDF: %q", pdf[:min(len(pdf), 20)])
	}

	// Writes without the session's CSRF token are refused, even from the site itself.
	if s := tb.fetchStatus("POST", "/partners/new", url.Values{"name": {"Forged"}, "country": {"CL"}, "legal_status": {"ngo"}}.Encode()); s != 403 {
		t.Errorf("a POST without the CSRF token got %d, want 403", s)
	}
}

// TestViewerCannotWrite: a viewer sees no write buttons, and a forged POST with a
// valid CSRF token still gets 403.
func TestViewerCannotWrite(t *testing.T) {
	b := newBrowserEnv(t)
	b.loadDemo()
	tb := b.open(t)
	tb.signIn("viewer@example.org")
	tb.do("open the partners", chromedp.Navigate(b.base+"/partners"), chromedp.WaitVisible(chromedp.CSS("table")))
	body := tb.mustSee("partners", "6 of 6 partners")
	if strings.Contains(body, "New partner") {
		t.Error("a viewer sees the New partner button")
	}
	tb.do("open a partner", chromedp.Click(chromedp.CSS(`td a[href^="/partners/"]`)), chromedp.WaitVisible(chromedp.CSS("h1")))
	body = tb.mustSee("partner", "Documents")
	for _, write := range []string{"Edit", "New loan", "Enter figures"} {
		if strings.Contains(body, write) {
			t.Errorf("a viewer sees %q", write)
		}
	}
	csrf, err := chromedp.Run(tb.ctx, chromedp.Value(chromedp.CSS(`form.signout input[name="csrf_token"]`)))
	if err != nil || csrf == "" {
		t.Fatalf("no CSRF token on the page: %v", err)
	}
	form := url.Values{"name": {"Forged"}, "country": {"CL"}, "legal_status": {"ngo"}, "csrf_token": {csrf}}
	if s := tb.fetchStatus("POST", "/partners/new", form.Encode()); s != 403 {
		t.Errorf("a viewer's POST got %d, want 403", s)
	}
	if n := len(mustList(t, b.env)); n != 6 {
		t.Errorf("partners = %d after the viewer's POST, want 6", n)
	}
}

// TestEveryPageFitsATabletAndLabelsItsFields opens every page as an admin at desktop
// and tablet widths: nothing may overflow the window sideways, and every form field
// must have a label (or an aria-label) for keyboards and screen readers.
func TestEveryPageFitsATabletAndLabelsItsFields(t *testing.T) {
	b := newBrowserEnv(t)
	b.loadDemo()
	tb := b.open(t)
	tb.signIn("admin@example.org")
	partner := "/partners/" + itoa(mustList(t, b.env)[0].ID)
	pages := []string{"/", "/partners", "/partners/new", partner, partner + "/edit", partner + "/statements", partner + "/loans/new",
		"/exposure", "/fx?currency=BOB", "/statements/import", "/newsletter", "/admin/users", "/admin/tokens", "/admin/limits", "/admin/audit"}
	tb.do("open a loan", chromedp.Navigate(b.base+"/"), chromedp.Click(chromedp.CSS(`a[href^="/loans/"]`)))
	tb.waitFor("h1", "Loan ")
	loan, err := chromedp.Run(tb.ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	pages = append(pages, strings.TrimPrefix(loan, b.base))
	const unlabelled = `[...document.querySelectorAll("input:not([type=hidden]), select, textarea")]
		.filter(e => !e.getAttribute("aria-label") && !e.closest("label") && !(e.id && document.querySelector("label[for='" + e.id + "']")))
		.map(e => e.name || e.id || e.outerHTML)`
	for _, width := range []int64{1280, 768} {
		tb.do("resize", chromedp.EmulateViewport(width, 1000))
		for _, path := range pages {
			tb.do("open "+path, chromedp.Navigate(b.base+path), chromedp.WaitVisible(chromedp.CSS("footer")))
			over, err := chromedp.Run(tb.ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`))
			if err != nil {
				t.Fatal(err)
			}
			if over {
				tb.screenshot(filepath.Join(b.shots, fmt.Sprintf("overflow-%d-%s.png", width, strings.ReplaceAll(path, "/", "_"))))
				t.Errorf("%s overflows a %d px window sideways (screenshots in %s)", path, width, b.shots)
			}
			missing, err := chromedp.Run(tb.ctx, chromedp.Evaluate[[]string](unlabelled))
			if err != nil {
				t.Fatal(err)
			}
			if len(missing) > 0 && width == 1280 {
				t.Errorf("%s has fields without a label: %v", path, missing)
			}
		}
	}
}
