package api_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"cartera/internal/kpi"
	"cartera/internal/kpi/kpitest"
	"cartera/internal/user"
)

func (e *env) partnerID(name, country string) int64 {
	e.t.Helper()
	r := e.do(user.Manager, "POST", "/api/v1/partners", map[string]any{"name": name, "country": country, "legal_status": "ngo"})
	if r.status != http.StatusCreated {
		e.t.Fatalf("create partner %s: %d %s", name, r.status, r.body)
	}
	return int64(r.json(e.t)["id"].(float64))
}

// upload posts a file to the import, as a multipart form when multipart is set (what a
// browser sends), else as the raw body.
func (e *env) upload(role user.Role, query string, data []byte, multipartForm bool) response {
	e.t.Helper()
	var body bytes.Buffer
	contentType := "text/csv"
	if multipartForm {
		w := multipart.NewWriter(&body)
		part, err := w.CreateFormFile("file", "reports.csv")
		if err != nil {
			e.t.Fatal(err)
		}
		part.Write(data)
		w.Close()
		contentType = w.FormDataContentType()
	} else {
		body.Write(data)
	}
	req := httptest.NewRequest("POST", "/api/v1/statements/import"+query, &body)
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", "Bearer "+e.tokens[role])
	return e.send(req)
}

func TestReportLifecycle(t *testing.T) {
	e := newEnv(t)
	id := e.partnerID("ADRA Peru", "PE")
	path := fmt.Sprintf("/api/v1/partners/%d/statements/2003-06-30", id)
	body := map[string]any{"months": 6, "currency": "USD", "gross_loan_portfolio": "612000", "par30": 0,
		"active_clients": 5688, "operating_expense": "171000.50", "net_income": "-5000"}

	r := e.do(user.Manager, "PUT", path, body)
	if r.status != http.StatusCreated || r.header.Get("Location") != path {
		t.Fatalf("create: %d %s %s", r.status, r.header.Get("Location"), r.body)
	}
	got := r.json(t)
	if got["gross_loan_portfolio"] != "612000.00" || got["active_clients"] != float64(5688) || got["par30"] != "0.00" ||
		got["write_offs"] != nil || got["period_end"] != "2003-06-30" || got["currency"] != "USD" {
		t.Errorf("stored report %s", r.body)
	}
	if r := e.do(user.Manager, "PUT", path, body); r.status != http.StatusOK {
		t.Errorf("the same report again: %d, want 200", r.status)
	}
	if r := e.do(user.Viewer, "GET", path, nil); r.status != http.StatusOK || r.json(t)["operating_expense"] != "171000.50" {
		t.Errorf("get: %d %s", r.status, r.body)
	}
	if r := e.do(user.Viewer, "PUT", path, body); r.status != http.StatusForbidden {
		t.Errorf("a viewer's PUT: %d", r.status)
	}
	list := e.do(user.Viewer, "GET", fmt.Sprintf("/api/v1/partners/%d/statements", id), nil)
	if items := list.json(t)["items"].([]any); list.status != http.StatusOK || len(items) != 1 {
		t.Errorf("list: %d %s", list.status, list.body)
	}

	// The time series: ratios as fractions, and the basis of each averaged one.
	e.do(user.Manager, "PUT", fmt.Sprintf("/api/v1/partners/%d/statements/2002-06-30", id), map[string]any{"months": 6, "currency": "USD", "gross_loan_portfolio": "221000"})
	series := e.do(user.Viewer, "GET", fmt.Sprintf("/api/v1/partners/%d/kpis", id), nil)
	var kpis struct {
		PartnerID int64 `json:"partner_id"`
		Periods   []struct {
			PeriodEnd string              `json:"period_end"`
			Figures   map[string]any      `json:"figures"`
			Ratios    map[string]*float64 `json:"ratios"`
			Basis     map[string]string   `json:"basis"`
		} `json:"periods"`
	}
	if err := json.Unmarshal(series.body, &kpis); err != nil || series.status != http.StatusOK {
		t.Fatalf("kpis: %d %v %s", series.status, err, series.body)
	}
	if kpis.PartnerID != id || len(kpis.Periods) != 2 || kpis.Periods[0].PeriodEnd != "2002-06-30" {
		t.Fatalf("kpis: %s", series.body)
	}
	jun03 := kpis.Periods[1]
	// 171,000.50 × 2 / avg(221,000, 612,000) = 0.8211...
	if oer := jun03.Ratios["operating_expense_ratio"]; oer == nil || *oer < 0.8211 || *oer > 0.8212 || jun03.Basis["operating_expense_ratio"] != "average_12_months" {
		t.Errorf("OER %v basis %q", oer, jun03.Basis["operating_expense_ratio"])
	}
	if len(jun03.Ratios) != len(kpi.Names) || jun03.Ratios["roe"] != nil || jun03.Figures["active_clients"] != float64(5688) {
		t.Errorf("every ratio, null when absent; figures as given: %s", series.body)
	}

	if r := e.do(user.Manager, "DELETE", path, nil); r.status != http.StatusNoContent {
		t.Errorf("delete: %d %s", r.status, r.body)
	}
	assertProblem(t, e.do(user.Viewer, "GET", path, nil), http.StatusNotFound)
	assertProblem(t, e.do(user.Viewer, "GET", "/api/v1/partners/999/kpis", nil), http.StatusNotFound)
	assertProblem(t, e.do(user.Manager, "PUT", "/api/v1/partners/999/statements/2003-06-30", body), http.StatusNotFound)
}

// TestReportBadInput: 422 naming each field at fault, and nothing written.
func TestReportBadInput(t *testing.T) {
	e := newEnv(t)
	id := e.partnerID("Impro", "BO")
	path := fmt.Sprintf("/api/v1/partners/%d/statements/2014-03-31", id)
	tests := []struct {
		name   string
		path   string
		body   any
		fields []string
	}{
		{"negative count and staff", path, map[string]any{"months": 3, "currency": "USD", "active_clients": -1, "total_staff": -2}, []string{"active_clients", "total_staff"}},
		{"par30 above the portfolio", path, map[string]any{"months": 3, "currency": "USD", "gross_loan_portfolio": "100", "par30": "101"}, []string{"par30"}},
		{"women above clients", path, map[string]any{"months": 3, "currency": "USD", "active_clients": 10, "women_clients": 11}, []string{"women_clients"}},
		{"months", path, map[string]any{"months": 4, "currency": "USD", "gross_loan_portfolio": "1"}, []string{"months"}},
		{"months as a string", path, map[string]any{"months": "3", "currency": "USD", "gross_loan_portfolio": "1"}, []string{"months"}},
		{"future period end", fmt.Sprintf("/api/v1/partners/%d/statements/2099-12-31", id), map[string]any{"months": 12, "currency": "USD", "gross_loan_portfolio": "1"}, []string{"period_end"}},
		{"malformed period end", fmt.Sprintf("/api/v1/partners/%d/statements/2014-02-30", id), map[string]any{"months": 12, "currency": "USD"}, []string{"period_end"}},
		{"non-ISO currency", path, map[string]any{"months": 3, "currency": "DOL", "gross_loan_portfolio": "1"}, []string{"currency"}},
		{"text in a number", path, map[string]any{"months": 3, "currency": "USD", "gross_loan_portfolio": "lots", "active_clients": "2503"}, []string{"gross_loan_portfolio", "active_clients"}},
		{"a fractional count", path, map[string]any{"months": 3, "currency": "USD", "branches": 2.5}, []string{"branches"}},
		{"required members", path, map[string]any{"gross_loan_portfolio": "1"}, []string{"months", "currency"}},
		{"an unknown member", path, map[string]any{"months": 3, "currency": "USD", "gross_loan_portfolio": "1", "glp": "1"}, []string{"glp"}},
		{"a period end in the body that differs", path, map[string]any{"months": 3, "currency": "USD", "gross_loan_portfolio": "1", "period_end": "2014-03-30"}, []string{"period_end"}},
		{"no figure", path, map[string]any{"months": 3, "currency": "USD"}, []string{"figures"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertProblem(t, e.do(user.Manager, "PUT", tt.path, tt.body), http.StatusUnprocessableEntity, tt.fields...)
		})
	}
	if n := count(t, e.conn, "SELECT count(*) FROM financial_statements") + count(t, e.conn, "SELECT count(*) FROM audit_log WHERE entity = 'financial_report'"); n != 0 {
		t.Errorf("%d rows written by refused requests", n)
	}
}

func TestPeersAPI(t *testing.T) {
	e := newEnv(t)
	ids := []int64{e.partnerID("A", "BO"), e.partnerID("B", "PE"), e.partnerID("C", "KE")}
	for i, id := range ids {
		r := e.do(user.Manager, "PUT", fmt.Sprintf("/api/v1/partners/%d/statements/2003-06-30", id),
			map[string]any{"months": 12, "currency": "USD", "gross_loan_portfolio": "1000", "par30": strconv.Itoa(10 * (i + 1)), "net_income": "50", "equity": "500"})
		if r.status != http.StatusCreated {
			t.Fatal(r.status, string(r.body))
		}
	}
	r := e.do(user.Viewer, "GET", fmt.Sprintf("/api/v1/peers?period_end=2003-06-01&region=419&partner_id=%d", ids[1]), nil)
	if r.status != http.StatusOK {
		t.Fatalf("peers: %d %s", r.status, r.body)
	}
	var table struct {
		Partners       int    `json:"partners"`
		PartnerInGroup bool   `json:"partner_in_group"`
		Currency       string `json:"currency"`
		Members        []struct {
			Name      string `json:"name"`
			PeriodEnd string `json:"period_end"`
		} `json:"members"`
		Ratios []struct {
			Ratio    string   `json:"ratio"`
			Better   *string  `json:"better"`
			N        int      `json:"n"`
			Min      *float64 `json:"min"`
			Q1       *float64 `json:"q1"`
			Median   *float64 `json:"median"`
			Max      *float64 `json:"max"`
			Value    *float64 `json:"value"`
			Rank     *int     `json:"rank"`
			Quartile *int     `json:"quartile"`
		} `json:"ratios"`
	}
	if err := json.Unmarshal(r.body, &table); err != nil {
		t.Fatal(err)
	}
	if table.Partners != 2 || !table.PartnerInGroup || table.Currency != "USD" || len(table.Ratios) != len(kpi.Names) {
		t.Fatalf("peers in Latin America: %s", r.body)
	}
	for _, ratio := range table.Ratios {
		switch ratio.Ratio {
		case "par30_ratio": // 0.01 and 0.02; B has 0.02, second, in the worst quarter
			if ratio.N != 2 || *ratio.Min != 0.01 || *ratio.Q1 != 0.0125 || *ratio.Max != 0.02 || *ratio.Better != "lower" ||
				*ratio.Value != 0.02 || *ratio.Rank != 2 || *ratio.Quartile != 4 {
				t.Errorf("par30_ratio: %+v", ratio)
			}
		case "glp_growth": // no direction: no rank, and no values without the year before
			if ratio.Better != nil || ratio.N != 0 || ratio.Min != nil || ratio.Rank != nil {
				t.Errorf("glp_growth: %+v", ratio)
			}
		}
	}
	for _, tt := range []struct {
		query  string
		fields []string
	}{
		{"", []string{"period_end"}},
		{"period_end=2003-13-01", []string{"period_end"}},
		{"period_end=2003-06-30&country=XX&region=Atlantis&legal_status=church&methodology=magic&partner_id=abc&currency=ABC",
			[]string{"country", "region", "legal_status", "methodology", "partner_id", "currency"}},
	} {
		assertProblem(t, e.do(user.Viewer, "GET", "/api/v1/peers?"+tt.query, nil), http.StatusUnprocessableEntity, tt.fields...)
	}
	assertProblem(t, e.do(user.Viewer, "GET", "/api/v1/peers?period_end=2003-06-30&partner_id=999", nil), http.StatusNotFound)
}

func TestImportExportAPI(t *testing.T) {
	e := newEnv(t)
	e.partnerID("Impro", "BO")
	good := []byte("\ufeffpartner;period_end;months;currency;gross_loan_portfolio;active_clients\n" +
		"Impro;2010-12-31;12;USD;1000000,50;1700\nImpro;2014-03-31;3;USD;3100000;2503\n")
	for _, multipartForm := range []bool{true, false} {
		r := e.upload(user.Manager, "?dry_run=true", good, multipartForm)
		if r.status != http.StatusOK || r.json(t)["created"] != float64(2) || r.json(t)["dry_run"] != true {
			t.Fatalf("dry run (multipart %v): %d %s", multipartForm, r.status, r.body)
		}
	}
	if n := count(t, e.conn, "SELECT count(*) FROM financial_statements"); n != 0 {
		t.Fatalf("dry runs wrote %d reports", n)
	}
	if r := e.upload(user.Manager, "", good, true); r.status != http.StatusOK || r.json(t)["created"] != float64(2) {
		t.Fatalf("import: %d %s", r.status, r.body)
	}
	if r := e.upload(user.Viewer, "", good, true); r.status != http.StatusForbidden {
		t.Errorf("a viewer's import: %d", r.status)
	}

	// Every bad row, by row and column, and nothing written.
	bad := []byte("partner,period_end,months,currency,gross_loan_portfolio,active_clients,colour\n" +
		"Impro,2011-12-31,12,USD,abc,1\n")
	r := e.upload(user.Manager, "", bad, false)
	assertProblem(t, r, http.StatusUnprocessableEntity, "colour")
	r = e.upload(user.Manager, "?ignore_unknown_columns=true", bad, false)
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad row: %d %s", r.status, r.body)
	}
	errs := r.json(t)["errors"].([]any)
	first := errs[0].(map[string]any)
	if len(errs) != 1 || first["row"] != float64(2) || first["column"] != "gross_loan_portfolio" || !strings.Contains(first["message"].(string), `"abc"`) {
		t.Errorf("row errors: %s", r.body)
	}
	assertProblem(t, e.upload(user.Manager, "", nil, false), http.StatusUnprocessableEntity, "file")
	assertProblem(t, e.upload(user.Manager, "?create_partners=maybe", good, false), http.StatusUnprocessableEntity, "create_partners")

	// Exports in both formats, with names a spreadsheet opens; both import back unchanged.
	for _, format := range []string{"csv", "xlsx"} {
		r := e.do(user.Viewer, "GET", "/api/v1/statements/export?format="+format+"&country=BO", nil)
		if r.status != http.StatusOK || !strings.Contains(r.header.Get("Content-Disposition"), `filename="financial-statements.`+format+`"`) {
			t.Fatalf("export %s: %d %v", format, r.status, r.header)
		}
		if format == "csv" && (!strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") ||
			!strings.HasPrefix(string(r.body), "partner,country,period_end,months,currency,gross_loan_portfolio")) {
			t.Errorf("csv export: %s %.120s", r.header.Get("Content-Type"), r.body)
		}
		if format == "xlsx" && r.header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
			t.Errorf("xlsx content type %s", r.header.Get("Content-Type"))
		}
		back := e.upload(user.Manager, "", r.body, true)
		if back.status != http.StatusOK || back.json(t)["unchanged"] != float64(2) {
			t.Errorf("re-import of the %s export: %d %s", format, back.status, back.body)
		}
	}
	r = e.do(user.Viewer, "GET", "/api/v1/statements/export?period_end=2014-03-01", nil)
	if rows, _ := csv.NewReader(bytes.NewReader(r.body)).ReadAll(); len(rows) != 2 || !strings.Contains(r.header.Get("Content-Disposition"), "2014-03") {
		t.Errorf("export of one month: %d rows, %s", len(rows), r.header.Get("Content-Disposition"))
	}
	assertProblem(t, e.do(user.Viewer, "GET", "/api/v1/statements/export?format=pdf", nil), http.StatusUnprocessableEntity, "format")
}

// TestMIXMarketThroughTheAPI imports the real MIX Market sample as a user would, then
// reads each partner's ratios back from the API and compares them with the ratios MIX
// published: at least 95 % must match within MIX's rounding.
func TestMIXMarketThroughTheAPI(t *testing.T) {
	path := filepath.Join("..", "..", "..", "..", "shared", "testdata", "mix-market-sample.csv")
	data, err := os.ReadFile(path)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("the MIX Market sample must be present in CI: %v", err)
		}
		t.Skipf("MIX Market sample not found (%v): it lives in shared/testdata beside the checkout", err)
	}
	e := newEnv(t)
	r := e.upload(user.Manager, "?create_partners=true&ignore_unknown_columns=true", data, true)
	if r.status != http.StatusOK {
		t.Fatalf("import: %d %s", r.status, r.body)
	}
	created := r.json(t)["partners_created"].([]any)
	if r.json(t)["created"] != float64(60) || len(created) != 10 {
		t.Fatalf("import: %s", r.body)
	}
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	compared, matched := 0, 0
	for _, p := range created {
		partner := p.(map[string]any)
		r := e.do(user.Viewer, "GET", fmt.Sprintf("/api/v1/partners/%v/kpis", partner["id"]), nil)
		var series struct {
			Periods []struct {
				PeriodEnd string              `json:"period_end"`
				Ratios    map[string]*float64 `json:"ratios"`
			} `json:"periods"`
		}
		if err := json.Unmarshal(r.body, &series); err != nil || len(series.Periods) != 6 {
			t.Fatalf("kpis of %v: %d periods, %v", partner["name"], len(series.Periods), err)
		}
		for _, period := range series.Periods {
			for _, row := range rows[1:] {
				if row[col["partner"]] != partner["name"] || row[col["period_end"]] != period.PeriodEnd {
					continue
				}
				for _, n := range kpi.Names {
					i, ok := col["mix_"+string(n)]
					if !ok || row[i] == "" {
						continue
					}
					want, err := strconv.ParseFloat(row[i], 64)
					if err != nil {
						t.Fatal(err)
					}
					compared++
					if got := period.Ratios[string(n)]; got != nil && kpitest.WithinPublishedRounding(n, *got, want) {
						matched++
					}
				}
			}
		}
	}
	rate := float64(matched) / float64(compared)
	t.Logf("%d of %d published ratios reproduced through import and API (%.1f %%)", matched, compared, 100*rate)
	if compared < 500 || rate < 0.95 {
		t.Errorf("%d of %d published ratios reproduced (%.1f %%), want at least 95 %%", matched, compared, 100*rate)
	}
}

// The /reports paths statements had before issue 15 answer as before, each answer
// marked deprecated (RFC 9745) with a link to its successor, and the OpenAPI document
// lists them as deprecated aliases.
func TestReportsPathsAreDeprecatedAliases(t *testing.T) {
	e := newEnv(t)
	id := e.partnerID("ADRA Peru", "PE")
	old := fmt.Sprintf("/api/v1/partners/%d/reports/2003-06-30", id)
	successor := fmt.Sprintf("/api/v1/partners/%d/statements/2003-06-30", id)
	r := e.do(user.Manager, "PUT", old, map[string]any{"months": 6, "currency": "USD", "gross_loan_portfolio": "612000"})
	if r.status != http.StatusCreated || r.header.Get("Location") != successor {
		t.Fatalf("PUT through the alias: %d %s %s", r.status, r.header.Get("Location"), r.body)
	}
	if r.header.Get("Deprecation") != "@1796256000" || r.header.Get("Link") != "<"+successor+`>; rel="successor-version"` {
		t.Errorf("alias headers: Deprecation %q, Link %q", r.header.Get("Deprecation"), r.header.Get("Link"))
	}
	viaOld, viaNew := e.do(user.Viewer, "GET", old, nil), e.do(user.Viewer, "GET", successor, nil)
	if viaOld.status != http.StatusOK || string(viaOld.body) != string(viaNew.body) || viaNew.header.Get("Deprecation") != "" {
		t.Errorf("GET: old %d %s, new %d %s (Deprecation %q)", viaOld.status, viaOld.body, viaNew.status, viaNew.body, viaNew.header.Get("Deprecation"))
	}
	for _, path := range []string{old, successor, "/api/v1/reports/export", "/api/v1/statements/export"} {
		if r := e.do(user.Viewer, "HEAD", path, nil); r.status != http.StatusOK {
			t.Errorf("HEAD %s: %d", path, r.status)
		}
	}
	if r := e.do(user.Viewer, "GET", "/api/v1/reports/export?format=csv", nil); r.status != http.StatusOK || !strings.Contains(string(r.body), "ADRA Peru,PE,2003-06-30,6,USD,612000,") {
		t.Errorf("export through the alias: %d %s", r.status, r.body)
	}
	if r := e.do(user.Manager, "DELETE", old, nil); r.status != http.StatusNoContent {
		t.Errorf("DELETE through the alias: %d", r.status)
	}
	paths := fetchDocument(t, e)["paths"].(map[string]any)
	for path, method := range map[string]string{"/partners/{id}/reports": "get", "/partners/{id}/reports/{period_end}": "put",
		"/reports/import": "post", "/reports/export": "get"} {
		op, _ := paths[path].(map[string]any)[method].(map[string]any)
		if op["deprecated"] != true || !strings.HasPrefix(op["summary"].(string), "Deprecated alias of /") {
			t.Errorf("%s %s in the document: %v", method, path, op)
		}
	}
	if op := paths["/partners/{id}/statements"].(map[string]any)["get"].(map[string]any); op["deprecated"] != nil {
		t.Errorf("the statements path itself is marked deprecated")
	}
}

// TestImportBusy: with two imports running, a third is a 429 problem with
// Retry-After, writing nothing; once one ends, the same request goes through.
func TestImportBusy(t *testing.T) {
	e := newEnv(t)
	e.partnerID("Impro", "BO")
	file := []byte("partner,period_end,months,currency,gross_loan_portfolio\nImpro,2010-12-31,12,USD,1000000\n")
	first, err := e.services.Statements.ImportSlot()
	if err != nil {
		t.Fatal(err)
	}
	second, err := e.services.Statements.ImportSlot()
	if err != nil {
		t.Fatal(err)
	}
	defer second()
	r := e.upload(user.Manager, "", file, false)
	assertProblem(t, r, http.StatusTooManyRequests)
	if r.header.Get("Retry-After") != "10" || !strings.Contains(string(r.body), "two imports are already running") {
		t.Errorf("busy: Retry-After %q, body %s", r.header.Get("Retry-After"), r.body)
	}
	if n := count(t, e.conn, "SELECT count(*) FROM financial_statements"); n != 0 {
		t.Fatalf("a refused import wrote %d reports", n)
	}
	first()
	if r := e.upload(user.Manager, "", file, false); r.status != http.StatusOK {
		t.Fatalf("after a release: %d %s", r.status, r.body)
	}
}
