package api_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"cartera/internal/http/server"
	"cartera/internal/user"
)

// HSTS (and a Secure cookie) goes only with a request that came over TLS: through a proxy the server
// trusts, never on plain HTTP, nor on a forwarding header from anyone else.
// (app.Test's requests come from 0.0.0.0.)
func TestHSTS(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name    string
		proxies []string
		proto   string
		want    bool
	}{
		{"TLS through a trusted proxy", []string{"0.0.0.0"}, "https", true},
		{"plain HTTP through a trusted proxy", []string{"0.0.0.0"}, "http", false},
		{"plain HTTP, no proxy", nil, "", false},
		{"a header from a peer that is not the trusted proxy", []string{"10.0.0.1"}, "https", false},
		{"a header while no proxy is trusted", nil, "https", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, err := server.New(server.Config{Version: "test", Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), TrustedProxies: tc.proxies}, e.services)
			if err != nil {
				t.Fatal(err)
			}
			for _, path := range []string{"/api/v1/partners", "/login"} {
				req := httptest.NewRequest(http.MethodGet, path, nil)
				if tc.proto != "" {
					req.Header.Set("X-Forwarded-Proto", tc.proto)
				}
				resp, err := srv.Test(req, -1)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				got := resp.Header.Get("Strict-Transport-Security")
				if tc.want && got != "max-age=31536000" || !tc.want && got != "" {
					t.Errorf("%s: Strict-Transport-Security = %q, want it %v", path, got, tc.want)
				}
				// The sign-in form's cookie is Secure by the same rule.
				for _, ck := range resp.Cookies() {
					if ck.Secure != tc.want {
						t.Errorf("%s: cookie %s Secure = %v, want %v", path, ck.Name, ck.Secure, tc.want)
					}
				}
				if path == "/login" && len(resp.Cookies()) == 0 {
					t.Error("/login set no cookie")
				}
			}
		})
	}
}

// Every API answer, an error or a download too, is no-store.
func TestAPINoStore(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name, path  string
		role        user.Role
		status      int
		contentType string
	}{
		{"JSON", "/api/v1/partners", user.Viewer, http.StatusOK, "application/json"},
		{"CSV", "/api/v1/loans?format=csv", user.Viewer, http.StatusOK, "text/csv"},
		{"exposure CSV", "/api/v1/exposure?by=currency&format=csv", user.Viewer, http.StatusOK, "text/csv"},
		{"problem", "/api/v1/partners", "", http.StatusUnauthorized, "application/problem+json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(tc.role, http.MethodGet, tc.path, nil)
			if r.status != tc.status || !strings.HasPrefix(r.header.Get("Content-Type"), tc.contentType) {
				t.Fatalf("%d %s: %s", r.status, r.header.Get("Content-Type"), r.body)
			}
			if got := r.header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store", got)
			}
		})
	}
}

// A body that is not UTF-8, or an object with a key twice, is refused whole: nothing
// is stored with U+FFFD in place of the bytes sent, nor with one of two values chosen.
func TestStrictJSON(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name, method, path, body string
		detail                   []string
	}{
		{"invalid UTF-8", "POST", "/api/v1/partners", "{\"name\": \"Impro\xff\", \"country\": \"BO\", \"legal_status\": \"ngo\"}",
			[]string{"not valid UTF-8", "byte offset 15"}},
		{"a lone continuation byte in a key", "POST", "/api/v1/partners", "{\"name\": \"Impro\", \"country\": \"BO\", \"legal_status\": \"ngo\", \"\x80\": 1}",
			[]string{"not valid UTF-8"}},
		{"a key twice", "POST", "/api/v1/partners", `{"name": "Impro", "country": "BO", "legal_status": "ngo", "name": "Other"}`,
			[]string{`"name" appears twice`}},
		{"a key twice, nested", "PUT", "/api/v1/fx-rates",
			`{"rates": [{"date": "2024-01-01", "currency": "BOB", "rate": "6.96"}, {"date": "2024-01-01", "currency": "EUR", "rate": "0.9", "rate": "0.8"}]}`,
			[]string{`"rate" appears twice`, "at rates[1]"}},
		{"a key twice, deeper", "POST", "/api/v1/partners", `{"name": "Impro", "country": "BO", "legal_status": "ngo", "x": [{"a": {"b": 1, "b": 2}}]}`,
			[]string{`"b" appears twice`, "at x[0].a"}},
		{"the empty key twice", "POST", "/api/v1/partners", `{"name": "Impro", "": 1, "": 2}`,
			[]string{`"" appears twice`}},
		{"a lone high surrogate", "POST", "/api/v1/partners", `{"name": "Impro\ud83d", "country": "BO", "legal_status": "ngo"}`,
			[]string{"half a UTF-16 surrogate pair", `\ud83d at byte offset 15`}},
		{"a low surrogate first", "POST", "/api/v1/partners", `{"name": "\ude00\ud83d", "country": "BO", "legal_status": "ngo"}`,
			[]string{`\ude00 at byte offset 10`}},
		{"a high surrogate before another escape", "POST", "/api/v1/partners", `{"name": "\\\ud83d\u0041", "country": "BO", "legal_status": "ngo"}`,
			[]string{`\ud83d at byte offset 12`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(user.Manager, tc.method, tc.path, tc.body)
			assertProblem(t, r, http.StatusBadRequest)
			detail, _ := r.json(t)["detail"].(string)
			for _, want := range tc.detail {
				if !strings.Contains(detail, want) {
					t.Errorf("detail %q does not say %q", detail, want)
				}
			}
		})
	}
	if n := count(t, e.conn, "SELECT count(*) FROM partners"); n != 0 {
		t.Errorf("partners = %d: a refused body must write nothing", n)
	}
	if n := count(t, e.conn, "SELECT count(*) FROM fx_rates"); n != 0 {
		t.Errorf("rates = %d: a refused body must write nothing", n)
	}
	// A pair escaped whole is a character (U+1F600), and an escaped backslash before a
	// u is no escape.
	if r := e.do(user.Manager, "POST", "/api/v1/partners", `{"name": "Impro \ud83d\ude00 \\ud800", "country": "BO", "legal_status": "ngo"}`); r.status != http.StatusCreated ||
		r.json(t)["name"] != "Impro \U0001F600 \\ud800" {
		t.Errorf("a surrogate pair: %d %s", r.status, r.body)
	}
	// The same keys in different objects are no duplicate.
	if r := e.do(user.Manager, "PUT", "/api/v1/fx-rates", `{"rates": [{"date": "2024-01-01", "currency": "BOB", "rate": "6.96"}, {"date": "2024-01-01", "currency": "EUR", "rate": "0.9"}]}`); r.status != http.StatusOK {
		t.Errorf("two rows with the same keys: %d %s", r.status, r.body)
	}
}

// A batch of rates with one dated after today, or a currency twice on one date, is
// refused whole, naming the row.
func TestFXRatesRefusedBatches(t *testing.T) {
	e := newEnv(t)
	tomorrow := time.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)
	today := time.Now().UTC().Format(time.DateOnly)
	for _, tc := range []struct {
		name   string
		rows   []map[string]any
		fields []string
	}{
		{"dated tomorrow", []map[string]any{
			{"date": today, "currency": "BOB", "rate": "6.96"},
			{"date": tomorrow, "currency": "EUR", "rate": "0.9"},
		}, []string{"rates[1].date"}},
		{"a currency twice on one date", []map[string]any{
			{"date": "2024-01-01", "currency": "EUR", "rate": "0.9"},
			{"date": "2024-01-01", "currency": "BOB", "rate": "6.96"},
			{"date": "2024-01-01", "currency": "eur", "rate": "0.8"},
		}, []string{"rates[2].date"}},
		{"both, and a bad rate", []map[string]any{
			{"date": "2099-01-01", "currency": "PEN", "rate": "3.7"},
			{"date": "2099-01-01", "currency": "PEN", "rate": "0"},
		}, []string{"rates[0].date", "rates[1].date", "rates[1].rate"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(user.Manager, http.MethodPut, "/api/v1/fx-rates", map[string]any{"rates": tc.rows})
			assertProblem(t, r, http.StatusUnprocessableEntity, tc.fields...)
		})
	}
	if n := count(t, e.conn, "SELECT count(*) FROM fx_rates"); n != 0 {
		t.Errorf("rates = %d: a refused batch must write nothing", n)
	}
	if r := e.do(user.Manager, http.MethodPut, "/api/v1/fx-rates", map[string]any{"rates": []map[string]any{
		{"date": today, "currency": "BOB", "rate": "6.96"},
		{"date": "2024-01-01", "currency": "BOB", "rate": "6.96"},
	}}); r.status != http.StatusOK {
		t.Errorf("today's rate and another date's: %d %s", r.status, r.body)
	}
}

// patchIf sends a PATCH with an If-Match header ("" for none).
func (e *env) patchIf(path, ifMatch string, body map[string]any) response {
	e.t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		e.t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPatch, path, strings.NewReader(string(b)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+e.tokens[user.Manager])
	if ifMatch != "" {
		req.Header.Set("If-Match", ifMatch)
	}
	return e.send(req)
}

// A PATCH carrying the ETag a client read is applied only while the entity is still
// that version: the second of two clients that read the same version gets 412 and
// overwrites nothing; a PATCH without If-Match still works, as before ETags.
func TestPatchIfMatch(t *testing.T) {
	e, loanURL := ledgerEnv(t)
	partnerURL := "/api/v1/partners/1"
	for _, tc := range []struct {
		name, url   string
		first, late map[string]any
		stored      string // the query reading back what the first client wrote
	}{
		{"partner", partnerURL, map[string]any{"name": "First client"}, map[string]any{"name": "Second client"},
			"SELECT name FROM partners WHERE id = 1"},
		{"loan", loanURL, map[string]any{"purpose": "First client"}, map[string]any{"purpose": "Second client"},
			"SELECT purpose FROM loans WHERE id = " + strings.TrimPrefix(loanURL, "/api/v1/loans/")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			read := e.do(user.Viewer, http.MethodGet, tc.url, nil)
			tag := read.header.Get("ETag")
			if read.status != http.StatusOK || !strings.HasPrefix(tag, `"`) || !strings.HasSuffix(tag, `"`) {
				t.Fatalf("GET: %d, ETag %q: want 200 and a strong ETag", read.status, tag)
			}
			first := e.patchIf(tc.url, tag, tc.first)
			if first.status != http.StatusOK {
				t.Fatalf("PATCH with the current ETag: %d %s", first.status, first.body)
			}
			newTag := first.header.Get("ETag")
			if newTag == "" || newTag == tag {
				t.Errorf("ETag after the change = %q (before %q): a change must give a new version", newTag, tag)
			}
			late := e.patchIf(tc.url, tag, tc.late)
			assertProblem(t, late, http.StatusPreconditionFailed)
			var stored string
			if err := e.conn.Get(&stored, tc.stored); err != nil || stored != "First client" {
				t.Errorf("stored %q (%v): the stale PATCH must change nothing", stored, err)
			}
			if r := e.do(user.Viewer, http.MethodGet, tc.url, nil); r.header.Get("ETag") != newTag {
				t.Errorf("GET after the change: ETag %q, the PATCH said %q", r.header.Get("ETag"), newTag)
			}
			for _, ifMatch := range []string{`"stale", ` + newTag, "*", ""} {
				if r := e.patchIf(tc.url, ifMatch, tc.first); r.status != http.StatusOK {
					t.Errorf("If-Match %q: %d %s", ifMatch, r.status, r.body)
				}
			}
			assertProblem(t, e.patchIf(tc.url, "W/"+newTag, tc.first), http.StatusPreconditionFailed) // weak tags never match
			// Two If-Match lines are one list.
			req := httptest.NewRequest(http.MethodPatch, tc.url, strings.NewReader(`{}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+e.tokens[user.Manager])
			req.Header.Add("If-Match", `"stale"`)
			req.Header.Add("If-Match", newTag)
			if r := e.send(req); r.status != http.StatusOK {
				t.Errorf("If-Match on two lines: %d %s", r.status, r.body)
			}
			assertProblem(t, e.patchIf(tc.url, "no-quotes", tc.first), http.StatusBadRequest)
		})
	}
	// An event changes the loan's version: a change decided before it is stale.
	tag := e.do(user.Viewer, http.MethodGet, loanURL, nil).header.Get("ETag")
	if r := e.do(user.Manager, http.MethodPost, loanURL+"/disbursements", map[string]any{"date": "2024-01-01", "amount": "1000.00"}); r.status != http.StatusCreated {
		t.Fatalf("disburse: %d %s", r.status, r.body)
	}
	assertProblem(t, e.patchIf(loanURL, tag, map[string]any{"purpose": "Decided before the disbursement"}), http.StatusPreconditionFailed)
}
