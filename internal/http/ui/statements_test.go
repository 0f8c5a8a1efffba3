package ui_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"cartera/internal/audit"
	"cartera/internal/partner"
	"cartera/internal/platform/civil"
	"cartera/internal/statements"
	"cartera/internal/user"
)

// newPartner stores a partner straight through the service: these tests are about figures.
func (e *env) newPartner(name, country string) int64 {
	e.t.Helper()
	p, err := e.deps.Partners.Create(context.Background(), audit.System("test"), partner.Fields{Name: name, Country: country, LegalStatus: partner.NGO})
	if err != nil {
		e.t.Fatal(err)
	}
	return p.ID
}

func (e *env) reports(partnerID int64) []statements.Statement {
	e.t.Helper()
	rs, err := e.deps.Statements.List(context.Background(), partnerID)
	if err != nil {
		e.t.Fatal(err)
	}
	return rs
}

// upload posts a multipart form, as a browser's file input sends it, with the CSRF
// token of the last page read.
func (c *client) upload(path string, fields url.Values, fileName string, content []byte) page {
	c.e.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	if _, ok := fields["csrf_token"]; !ok {
		fields = cloneValues(fields)
		fields.Set("csrf_token", c.csrf)
	}
	for k, vs := range fields {
		for _, v := range vs {
			if err := w.WriteField(k, v); err != nil {
				c.e.t.Fatal(err)
			}
		}
	}
	if fileName != "" {
		fw, err := w.CreateFormFile("file", fileName)
		if err != nil {
			c.e.t.Fatal(err)
		}
		fw.Write(content)
	}
	if err := w.Close(); err != nil {
		c.e.t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, path, &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return c.send(req)
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// goodPeriod is a year's report whose PAR30 is 4.2 % and OER 18.0 % (one period: the
// averages fall back to the period end, so the arithmetic is plain).
func goodPeriod() url.Values {
	return url.Values{"period_end": {"2023-12-31"}, "months": {"12"}, "currency": {"usd"},
		"gross_loan_portfolio": {"1,000,000"}, "par30": {"42000"}, "operating_expense": {"180000"},
		"personnel_expense": {"90000"}, "active_clients": {"2503"}, "net_income": {"-1250.50"}}
}

func with(v url.Values, kv ...string) url.Values {
	out := cloneValues(v)
	for i := 0; i < len(kv); i += 2 {
		out.Set(kv[i], kv[i+1])
	}
	return out
}

func TestFiguresFormRefusesBadValues(t *testing.T) {
	e := newEnv(t)
	id := e.newPartner("Pro Mujer", "BO")
	path := "/partners/" + strconv.FormatInt(id, 10) + "/statements"
	c := e.signIn(user.Manager)
	c.get(path).must(t, http.StatusOK, `<form method="post" action="`+path+`"`,
		"<legend>Balance sheet</legend>", "<legend>Income statement</legend>", "<legend>Portfolio</legend>", "<legend>Outreach</legend>",
		`name="gross_loan_portfolio"`, `name="average_active_clients"`, `<label for="f-par30">Portfolio at risk &gt; 30 days</label>`)

	future := civil.Today().AddDate(1, 0, 0).Format(civil.Layout)
	tests := []struct {
		name, field, message string
		form                 url.Values
	}{
		{"PAR30 above the portfolio", "par30", "cannot exceed gross_loan_portfolio", with(goodPeriod(), "par30", "2000000")},
		{"a word for a number", "operating_expense", "must be a number", with(goodPeriod(), "operating_expense", "lots")},
		{"a negative where forbidden", "gross_loan_portfolio", "cannot be negative", with(goodPeriod(), "gross_loan_portfolio", "-5", "par30", "")},
		{"a fraction of a client", "active_clients", "must be a whole number", with(goodPeriod(), "active_clients", "2503.5")},
		{"a period end in the future", "period_end", "is in the future", with(goodPeriod(), "period_end", future)},
		{"months not 3, 6 or 12", "months", "must be 3, 6 or 12", with(goodPeriod(), "months", "5")},
		{"an unknown currency", "currency", "", with(goodPeriod(), "currency", "XYZ")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := c.post(path, tt.form).must(t, http.StatusUnprocessableEntity, `id="e-`+tt.field+`"`, tt.message, "nothing was saved")
			// What the user typed is kept, the good fields as well as the bad one.
			for _, k := range []string{"gross_loan_portfolio", "operating_expense", "net_income"} {
				if !strings.Contains(p.body, `value="`+tt.form.Get(k)+`"`) {
					t.Errorf("the form lost %s = %q", k, tt.form.Get(k))
				}
			}
			if n := strings.Count(p.body, `class="error"`); n != 1 {
				t.Errorf("%d fields marked, want only %s", n, tt.field)
			}
			if rs := e.reports(id); len(rs) != 0 {
				t.Fatalf("a bad form saved %d reports", len(rs))
			}
		})
	}

	// No figure at all: the domain's rule, above the fieldsets.
	empty := url.Values{"period_end": {"2023-12-31"}, "months": {"12"}, "currency": {"USD"}}
	c.post(path, empty).must(t, http.StatusUnprocessableEntity, `id="e-figures"`, "a report needs at least one figure")

	// Fixed, it is saved; the message and the partner page show the period's ratios.
	p := c.post(path, goodPeriod())
	if p.status != http.StatusSeeOther || p.location != "/partners/"+strconv.FormatInt(id, 10) {
		t.Fatalf("save: %d %q\n%s", p.status, p.location, p.body)
	}
	c.follow(p).must(t, http.StatusOK, "Figures for the period ending 2023-12-31 created. PAR30 4.2 %, OER 18.0 %.")
	// The partner page's table has the period and its ratios (read again: the flash is gone).
	c.get(p.location).must(t, http.StatusOK, `<th class="num">2023-12-31<br><small class="muted">12 months · USD</small></th>`,
		`<td class="num">1,000,000.00</td>`, `<td class="num">4.2 %</td>`, `<td class="num">18.0 %</td>`)
	rs := e.reports(id)
	if len(rs) != 1 || rs[0].Currency != "USD" || statements.FormatDecimal(*rs[0].GrossLoanPortfolio) != "1000000" ||
		rs[0].NetIncome.String() != "-1250.50" || rs[0].ActiveClients.String() != "2503" {
		t.Fatalf("stored %+v", rs)
	}
}

func TestFiguresFormCorrectsAPeriod(t *testing.T) {
	e := newEnv(t)
	id := e.newPartner("Crecer", "BO")
	path := "/partners/" + strconv.FormatInt(id, 10) + "/statements"
	c := e.signIn(user.Manager)
	c.get(path)
	c.post(path, goodPeriod()).must(t, http.StatusSeeOther)

	// The partner's stored periods are offered; the chosen one is pre-filled.
	c.get(path).must(t, http.StatusOK, `href="`+path+`?period_end=2023-12-31"`, `value="USD"`, `<option value="12" selected>`)
	form := c.get(path+"?period_end=2023-12-31").must(t, http.StatusOK, "Correct figures of Crecer",
		`value="2023-12-31"`, `value="1000000"`, `value="42000"`, `value="2503"`, `value="-1250.5"`, `<option value="12" selected>`)
	if !regexp.MustCompile(`name="deposits"[^>]*value=""`).MatchString(form.body) {
		t.Error("a figure not reported is not shown empty")
	}
	// A period end with no report opens an empty form for it.
	c.get(path+"?period_end=2024-06-30").must(t, http.StatusOK, `value="2024-06-30"`)

	// A mistake while correcting keeps the form correcting, with the stored periods.
	c.post(path, with(goodPeriod(), "par30", "sixty")).must(t, http.StatusUnprocessableEntity,
		"Correct figures of Crecer", `href="`+path+`?period_end=2023-12-31"`, `id="e-par30"`, `value="sixty"`)
	p := c.post(path, with(goodPeriod(), "par30", "63000"))
	c.follow(p).must(t, http.StatusOK, "Figures for the period ending 2023-12-31 replaced with the corrected values.", "PAR30 6.3 %")
	if rs := e.reports(id); len(rs) != 1 || statements.FormatDecimal(*rs[0].PAR30) != "63000" {
		t.Fatalf("stored %+v", rs)
	}
	// Another day of the same month is a conflict, explained beside the period end.
	c.get(path)
	c.post(path, with(goodPeriod(), "period_end", "2023-12-30")).must(t, http.StatusConflict, `id="e-period_end"`, "one report per month")
}

const importHeader = "partner,country,period_end,months,currency,gross_loan_portfolio,par30,active_clients\n"

func TestImportPreviewListsRowErrors(t *testing.T) {
	e := newEnv(t)
	id := e.newPartner("Pro Mujer", "BO")
	c := e.signIn(user.Manager)
	c.get("/statements/import").must(t, http.StatusOK, `enctype="multipart/form-data"`, `name="file"`, `name="create_partners"`)

	file := importHeader +
		"Pro Mujer,BO,2022-12-31,12,USD,900000,30000,2400\n" +
		"Pro Mujer,BO,2023-12-31,12,USD,1000000,2000000,2503\n" +
		"Nobody,PE,2023-12-31,12,USD,5,,1\n"
	p := c.upload("/statements/import", url.Values{}, "figures.csv", []byte(file)).must(t, http.StatusUnprocessableEntity,
		"nothing was saved", "nothing was imported: 2 problems in 2 rows",
		`<td class="num">3</td><td><code>par30</code></td><td>cannot exceed gross_loan_portfolio`,
		`<td class="num">4</td><td><code>partner</code></td><td>no partner is named &#34;Nobody&#34;`)
	if strings.Contains(p.body, "Confirm import") {
		t.Error("a file with problems can be confirmed")
	}
	if rs := e.reports(id); len(rs) != 0 {
		t.Fatalf("a refused file saved %d reports", len(rs))
	}
	// No file at all: said beside the file input.
	c.upload("/statements/import", url.Values{}, "", nil).must(t, http.StatusUnprocessableEntity, `id="e-file"`, "choose a CSV or XLSX file")
	// A file that is not a table.
	c.upload("/statements/import", url.Values{}, "x.csv", []byte("partner\xc3\x28")).must(t, http.StatusUnprocessableEntity, `id="e-file"`)
}

func TestImportPreviewThenConfirm(t *testing.T) {
	e := newEnv(t)
	id := e.newPartner("Pro Mujer", "BO")
	c := e.signIn(user.Manager)
	c.get("/statements/import")
	file := importHeader +
		"Pro Mujer,BO,2022-12-31,12,USD,900000,30000,2400\n" +
		"Pro Mujer,BO,2023-12-31,12,USD,1000000,42000,2503\n" +
		"Fondesurco,PE,2023-12-31,12,PEN,5000000,100000,9000\n"
	p := c.upload("/statements/import", url.Values{"create_partners": {"true"}}, "figures.csv", []byte(file)).must(t, http.StatusOK,
		"Nothing has been saved yet", `Periods created</div><div class="value">3</div>`, `Partners created</div><div class="value">1</div>`,
		"<td>Fondesurco</td><td>PE</td>", "Confirm import")
	if rs := e.reports(id); len(rs) != 0 {
		t.Fatalf("the preview saved %d reports", len(rs))
	}
	if n := len(mustList(t, e)); n != 1 {
		t.Fatalf("the preview created partners: %d", n)
	}
	confirm := url.Values{"preview": {between(p.body, `name="preview" value="`, `"`)}, "sha256": {between(p.body, `name="sha256" value="`, `"`)}}

	// Another user's session cannot confirm it.
	other := e.signIn(user.Admin)
	other.get("/statements/import")
	other.post("/statements/import", cloneValues(confirm)).must(t, http.StatusConflict, "no longer available")

	done := c.post("/statements/import", cloneValues(confirm))
	c.follow(done).must(t, http.StatusOK, "Imported figures.csv: 3 periods created, 0 periods replaced, 0 periods unchanged. New partners: Fondesurco.")
	if rs := e.reports(id); len(rs) != 2 || statements.FormatDecimal(*rs[1].PAR30) != "42000" {
		t.Fatalf("stored %+v", rs)
	}
	if n := len(mustList(t, e)); n != 2 {
		t.Fatalf("%d partners after the import, want 2", n)
	}
	// The confirm runs once: a second click is refused, not imported again.
	c.post("/statements/import", cloneValues(confirm)).must(t, http.StatusConflict, "no longer available")

	// An XLSX file goes the same way, and replaces the period it changes.
	x := excelize.NewFile()
	for i, row := range [][]any{
		{"partner", "period_end", "months", "currency", "gross_loan_portfolio", "par30"},
		{"Pro Mujer", civil.Date(2023, 12, 31), 12, "USD", 1000000.0, 63000.0},
	} {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := x.SetSheetRow("Sheet1", cell, &row); err != nil {
			t.Fatal(err)
		}
	}
	var xb bytes.Buffer
	if err := x.Write(&xb); err != nil {
		t.Fatal(err)
	}
	c.get("/statements/import")
	p = c.upload("/statements/import", url.Values{}, "figures.xlsx", xb.Bytes()).must(t, http.StatusOK, `Periods replaced</div><div class="value">1</div>`)
	c.post("/statements/import", url.Values{"preview": {between(p.body, `name="preview" value="`, `"`)}, "sha256": {between(p.body, `name="sha256" value="`, `"`)}}).must(t, http.StatusSeeOther)
	rs := e.reports(id)
	if len(rs) != 2 || statements.FormatDecimal(*rs[1].PAR30) != "63000" || rs[1].ActiveClients == nil || rs[1].ActiveClients.String() != "2503" {
		t.Fatalf("after the XLSX import %+v (active_clients, not in the file, is kept)", rs[1])
	}
}

func TestFiguresPagesNeedAManager(t *testing.T) {
	e := newEnv(t)
	id := e.newPartner("Pro Mujer", "BO")
	path := "/partners/" + strconv.FormatInt(id, 10) + "/statements"
	v := e.signIn(user.Viewer)
	v.get(path).must(t, http.StatusForbidden)
	v.get("/statements/import").must(t, http.StatusForbidden)
	v.get("/partners") // a page with this session's CSRF token: the forged posts carry a valid one
	v.post(path, goodPeriod()).must(t, http.StatusForbidden)
	v.upload("/statements/import", url.Values{}, "figures.csv", []byte(importHeader+"Pro Mujer,BO,2023-12-31,12,USD,1,0,1\n")).must(t, http.StatusForbidden)
	if rs := e.reports(id); len(rs) != 0 {
		t.Fatalf("a viewer saved %d reports", len(rs))
	}
	// And the partner page offers a viewer no way in.
	pp := v.get("/partners/"+strconv.FormatInt(id, 10)).must(t, http.StatusOK)
	if strings.Contains(pp.body, path) {
		t.Error("the partner page links a viewer to the figures form")
	}
}

// The pages' paths before statements were named redirect to the new ones: 301 for a
// GET (the query string kept), 308 for a form posted from a page left open, which
// then saves like any other post.
func TestOldFiguresPathsRedirect(t *testing.T) {
	e := newEnv(t)
	id := strconv.FormatInt(e.newPartner("Pro Mujer", "BO"), 10)
	c := e.signIn(user.Manager)
	for old, want := range map[string]string{
		"/partners/" + id + "/figures":                       "/partners/" + id + "/statements",
		"/partners/" + id + "/figures?period_end=2024-06-30": "/partners/" + id + "/statements?period_end=2024-06-30",
		"/figures/import":                                    "/statements/import",
	} {
		p := c.get(old)
		if p.status != http.StatusMovedPermanently || p.location != want {
			t.Errorf("GET %s: %d to %q, want 301 to %q", old, p.status, p.location, want)
		}
	}
	c.get("/partners/" + id + "/statements")
	p := c.post("/partners/"+id+"/figures", url.Values{"period_end": {"2024-06-30"}, "months": {"6"}, "currency": {"USD"}})
	if p.status != http.StatusPermanentRedirect || p.location != "/partners/"+id+"/statements" {
		t.Fatalf("POST: %d to %q, want 308 to the statements form", p.status, p.location)
	}
	c.post(p.location, url.Values{"period_end": {"2024-06-30"}, "months": {"6"}, "currency": {"USD"}, "gross_loan_portfolio": {"1000"}}).must(t, http.StatusSeeOther)
}

// TestImportBusyPage: with two imports running, an upload shows the form again
// with the reason, as a 429 with Retry-After; nothing is previewed or saved.
func TestImportBusyPage(t *testing.T) {
	e := newEnv(t)
	e.newPartner("Pro Mujer", "BO")
	c := e.signIn(user.Manager)
	c.get("/statements/import")
	var releases []func()
	for range 2 {
		release, err := e.deps.Statements.ImportSlot()
		if err != nil {
			t.Fatal(err)
		}
		releases = append(releases, release)
	}
	file := importHeader + "Pro Mujer,BO,2022-12-31,12,USD,900000,30000,2400\n"
	p := c.upload("/statements/import", url.Values{}, "figures.csv", []byte(file)).must(t, http.StatusTooManyRequests,
		"two imports are already running", `name="file"`)
	if p.header.Get("Retry-After") != "10" || strings.Contains(p.body, "Confirm import") {
		t.Errorf("busy page: Retry-After %q", p.header.Get("Retry-After"))
	}
	for _, release := range releases {
		release()
	}
	c.get("/statements/import")
	c.upload("/statements/import", url.Values{}, "figures.csv", []byte(file)).must(t, http.StatusOK, "Confirm import")
}
