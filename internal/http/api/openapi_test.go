package api_test

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"cartera/internal/user"
)

// TestOpenAPIDocumentsEveryRoute: every route registered under /api/v1 is in the
// document, and the document has no route that is not registered.
func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	e := newEnv(t)
	param := regexp.MustCompile(`:([a-z_]+)`)
	registered := map[string]bool{}
	for _, r := range e.app.GetRoutes(true) {
		if !strings.HasPrefix(r.Path, "/api/v1/") || !slices.Contains([]string{"GET", "POST", "PUT", "PATCH", "DELETE"}, r.Method) {
			continue
		}
		registered[r.Method+" "+param.ReplaceAllString(strings.TrimPrefix(r.Path, "/api/v1"), "{$1}")] = true
	}
	documented := map[string]bool{}
	doc := fetchDocument(t, e)
	for path, item := range doc["paths"].(map[string]any) {
		if _, elsewhere := item.(map[string]any)["servers"]; elsewhere {
			continue // the probes, outside /api/v1: checked below
		}
		for method := range item.(map[string]any) {
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}
	for _, probe := range []string{"/healthz", "/readyz"} {
		item, ok := doc["paths"].(map[string]any)[probe].(map[string]any)
		if !ok || item["get"] == nil {
			t.Errorf("GET %s is not in the OpenAPI document", probe)
		}
		if r := e.do("", "GET", probe, nil); r.status != http.StatusOK {
			t.Errorf("GET %s: %d", probe, r.status)
		}
	}
	for r := range registered {
		if !documented[r] {
			t.Errorf("%s is registered but not in the OpenAPI document", r)
		}
	}
	for r := range documented {
		if !registered[r] {
			t.Errorf("%s is documented but no such route is registered", r)
		}
	}
	if len(registered) < 41 {
		t.Errorf("only %d routes found under /api/v1: the route listing is broken", len(registered))
	}
	// Every reference resolves.
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	raw, _ := json.Marshal(doc)
	for _, m := range regexp.MustCompile(`"#/components/schemas/([A-Za-z]+)"`).FindAllStringSubmatch(string(raw), -1) {
		if _, ok := schemas[m[1]]; !ok {
			t.Errorf("$ref to a missing schema %s", m[1])
		}
	}
}

// fetchDocument reads /api/openapi.json as a client would: no token needed.
func fetchDocument(t *testing.T, e *env) map[string]any {
	t.Helper()
	r := e.do("", "GET", "/api/openapi.json", nil)
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "application/json" {
		t.Fatalf("GET /api/openapi.json: %d %s", r.status, r.header.Get("Content-Type"))
	}
	doc := r.json(t)
	if doc["openapi"] != "3.1.0" {
		t.Errorf("openapi = %v", doc["openapi"])
	}
	return doc
}

// TestResponsesMatchTheDocument sends real requests against the demo data and checks
// each answer against the schema the document gives for it: types, required members,
// and no member the document does not list.
func TestResponsesMatchTheDocument(t *testing.T) {
	e := newEnv(t)
	ids := e.demoIDs()
	doc := fetchDocument(t, e)
	adra, impro := ids["ADRA Peru"], ids["Impro"]
	var loanID int64
	if err := e.conn.Get(&loanID, `SELECT id FROM loans WHERE reference = 'ADRA-PEN-01'`); err != nil {
		t.Fatal(err)
	}
	var fundID int64
	if err := e.conn.Get(&fundID, `SELECT min(id) FROM funds`); err != nil {
		t.Fatal(err)
	}
	var repaymentID int64
	if err := e.conn.Get(&repaymentID, `SELECT max(id) FROM loan_transactions WHERE loan_id = $1 AND kind = 'repayment'`, loanID); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		role          user.Role
		method, route string // route as documented
		url           string
		body          any
		status        int
		problemFields []string
	}{
		{user.Viewer, "GET", "/me", "/me", nil, 200, nil},
		{user.Viewer, "GET", "/partners", "/partners?country=BO", nil, 200, nil},
		{user.Viewer, "GET", "/partners/{id}", fmt.Sprintf("/partners/%d", adra), nil, 200, nil},
		{user.Manager, "POST", "/partners", "/partners", map[string]any{"name": "Schema Check", "country": "KE", "legal_status": "cooperative", "sectors": []string{"dairy"}}, 201, nil},
		{user.Manager, "PATCH", "/partners/{id}", fmt.Sprintf("/partners/%d", impro), map[string]any{"region": "El Alto"}, 200, nil},
		{user.Viewer, "GET", "/funds", "/funds", nil, 200, nil},
		{user.Viewer, "GET", "/loans", "/loans", nil, 200, nil},
		{user.Viewer, "GET", "/loans/{id}", fmt.Sprintf("/loans/%d", loanID), nil, 200, nil},
		{user.Viewer, "GET", "/loans/{id}/owed", fmt.Sprintf("/loans/%d/owed", loanID), nil, 200, nil},
		{user.Manager, "POST", "/loans/{id}/repayments", fmt.Sprintf("/loans/%d/repayments", loanID), map[string]any{"date": time.Now().UTC().Format("2006-01-02"), "amount": "1000"}, 201, nil},
		{user.Manager, "POST", "/loans/{id}/transactions/{tid}/reverse", fmt.Sprintf("/loans/%d/transactions/%d/reverse", loanID, repaymentID),
			map[string]any{"reason": "posted to the wrong loan"}, 201, nil},
		{user.Manager, "POST", "/partners/{id}/loans", fmt.Sprintf("/partners/%d/loans", impro), map[string]any{
			"reference": "SCHEMA-1", "currency": "USD", "committed_amount": "100000", "interest_rate": "0.08", "day_count": "ACT/360",
			"signed_on": "2026-01-05", "first_due_on": "2026-07-05", "maturity_on": "2028-01-05", "amortization": "annuity", "frequency": "semiannual"}, 201, nil},
		{user.Viewer, "GET", "/partners/{id}/statements", fmt.Sprintf("/partners/%d/statements", adra), nil, 200, nil},
		{user.Viewer, "GET", "/partners/{id}/statements/{period_end}", fmt.Sprintf("/partners/%d/statements/2003-06-30", adra), nil, 200, nil},
		{user.Manager, "PUT", "/partners/{id}/statements/{period_end}", fmt.Sprintf("/partners/%d/statements/2015-12-31", impro),
			map[string]any{"months": 12, "currency": "USD", "gross_loan_portfolio": "3500000", "active_clients": 2600}, 201, nil},
		{user.Viewer, "GET", "/partners/{id}/kpis", fmt.Sprintf("/partners/%d/kpis", adra), nil, 200, nil},
		{user.Manager, "POST", "/partners/{id}/covenants", fmt.Sprintf("/partners/%d/covenants", adra), map[string]any{"metric": "operational_self_sufficiency",
			"operator": ">=", "threshold": "200 %", "from": "2000-01-01", "frequency": "each_report", "cure_days": 30}, 201, nil},
		{user.Manager, "POST", "/loans/{id}/covenants", fmt.Sprintf("/loans/%d/covenants", loanID), map[string]any{"metric": "equity",
			"operator": ">=", "threshold": "100000", "currency": "USD", "from": "2000-01-01", "to": "2030-12-31", "frequency": "annual"}, 201, nil},
		{user.Viewer, "GET", "/partners/{id}/covenants", fmt.Sprintf("/partners/%d/covenants", adra), nil, 200, nil},
		{user.Viewer, "GET", "/loans/{id}/covenants", fmt.Sprintf("/loans/%d/covenants", loanID), nil, 200, nil},
		{user.Viewer, "GET", "/covenant-results", fmt.Sprintf("/covenant-results?partner_id=%d", adra), nil, 200, nil},
		{user.Viewer, "GET", "/breaches", "/breaches", nil, 200, nil},
		{user.Manager, "POST", "/partners/{id}/covenants", fmt.Sprintf("/partners/%d/covenants", adra), map[string]any{"metric": "x"}, 422, []string{"metric", "operator", "threshold", "frequency", "from"}},
		{user.Viewer, "GET", "/peers", fmt.Sprintf("/peers?period_end=2003-06-30&partner_id=%d", adra), nil, 200, nil},
		{user.Viewer, "GET", "/fx-rates", "/fx-rates?currency=BOB&from=2025-01-01", nil, 200, nil},
		{user.Manager, "PUT", "/fx-rates", "/fx-rates", map[string]any{"rates": []map[string]any{{"date": "2025-01-01", "currency": "BOB", "rate": "6.96"}}}, 200, nil},
		{user.Admin, "PUT", "/limits", "/limits", map[string]any{"limits": []map[string]any{{"dimension": "country", "key": "pe", "max_share": "0.25"},
			{"dimension": "currency", "key": "BOB", "max_amount": "100000"}}}, 200, nil},
		{user.Viewer, "GET", "/limits", "/limits", nil, 200, nil},
		{user.Viewer, "GET", "/exposure", "/exposure?by=country", nil, 200, nil},
		{user.Viewer, "GET", "/exposure", "/exposure?by=currency&currency=EUR", nil, 200, nil},
		{user.Viewer, "GET", "/portfolio", "/portfolio", nil, 200, nil},
		{user.Viewer, "GET", "/exposure", "/exposure?by=planet", nil, 422, []string{"by"}},
		{user.Admin, "GET", "/users", "/users", nil, 200, nil},
		{user.Admin, "POST", "/users", "/users", map[string]any{"email": "new@example.org", "role": "viewer", "password": "correct horse battery"}, 201, nil},
		{user.Admin, "GET", "/tokens", "/tokens", nil, 200, nil},
		{user.Admin, "POST", "/tokens", "/tokens", map[string]any{"email": "new@example.org", "name": "schema"}, 201, nil},
		{user.Admin, "GET", "/audit", "/audit?limit=5", nil, 200, nil},
		{user.Viewer, "GET", "/funds/{id}", fmt.Sprintf("/funds/%d", fundID), nil, 200, nil},
		{user.Admin, "PATCH", "/funds/{id}", fmt.Sprintf("/funds/%d", fundID), map[string]any{"restructured_cure_installments": 12}, 200, nil},
		{user.Admin, "PATCH", "/funds/{id}", fmt.Sprintf("/funds/%d", fundID), map[string]any{"allocation_order": "random"}, 422, []string{"allocation_order"}},
		// Problems have their documented shape too.
		{user.Manager, "POST", "/partners", "/partners", map[string]any{"name": "", "country": "XX"}, 422, []string{"name", "country", "legal_status"}},
		{user.Viewer, "GET", "/loans/{id}", "/loans/99999", nil, 404, nil},
		{user.Viewer, "POST", "/partners", "/partners", map[string]any{"name": "X"}, 403, nil},
	}
	for _, c := range cases {
		t.Run(c.method+" "+c.url, func(t *testing.T) {
			r := e.do(c.role, c.method, "/api/v1"+c.url, c.body)
			if r.status != c.status {
				t.Fatalf("status %d, want %d: %s", r.status, c.status, r.body)
			}
			s := responseSchema(t, doc, c.method, c.route, c.status)
			var v any
			if err := json.Unmarshal(r.body, &v); err != nil {
				t.Fatalf("not JSON: %v", err)
			}
			for _, problem := range validate(doc, s, v, "$") {
				t.Error(problem)
			}
			if c.problemFields != nil {
				assertProblem(t, r, c.status, c.problemFields...)
			}
		})
	}
}

// responseSchema finds the JSON schema the document gives for a response.
func responseSchema(t *testing.T, doc map[string]any, method, route string, status int) map[string]any {
	t.Helper()
	op, ok := doc["paths"].(map[string]any)[route].(map[string]any)[strings.ToLower(method)].(map[string]any)
	if !ok {
		t.Fatalf("%s %s is not documented", method, route)
	}
	resp, ok := op["responses"].(map[string]any)[fmt.Sprint(status)].(map[string]any)
	if !ok {
		t.Fatalf("%s %s does not document status %d", method, route, status)
	}
	resp = resolve(doc, resp)
	for _, ct := range []string{"application/json", "application/problem+json"} {
		if c, ok := resp["content"].(map[string]any)[ct].(map[string]any); ok {
			return c["schema"].(map[string]any)
		}
	}
	t.Fatalf("%s %s %d documents no JSON body", method, route, status)
	return nil
}

func resolve(doc map[string]any, s map[string]any) map[string]any {
	for {
		r, ok := s["$ref"].(string)
		if !ok {
			return s
		}
		node := any(doc)
		for _, part := range strings.Split(strings.TrimPrefix(r, "#/"), "/") {
			node = node.(map[string]any)[part]
		}
		s = node.(map[string]any)
	}
}

// validate is the part of JSON Schema the document uses: type (one or a list),
// properties, required, additionalProperties false, items, enum, anyOf.
func validate(doc map[string]any, s map[string]any, v any, at string) []string {
	s = resolve(doc, s)
	if alts, ok := s["anyOf"].([]any); ok {
		for _, alt := range alts {
			if len(validate(doc, alt.(map[string]any), v, at)) == 0 {
				return nil
			}
		}
		return []string{fmt.Sprintf("%s: %v matches none of the alternatives", at, v)}
	}
	var types []string
	switch t := s["type"].(type) {
	case string:
		types = []string{t}
	case []any:
		for _, x := range t {
			types = append(types, x.(string))
		}
	}
	if len(types) > 0 && !slices.Contains(types, jsonType(v)) && !(jsonType(v) == "integer" && slices.Contains(types, "number")) {
		return []string{fmt.Sprintf("%s: a %s, documented as %v", at, jsonType(v), types)}
	}
	var out []string
	if e, ok := s["enum"].([]any); ok && v != nil && !slices.Contains(e, v) {
		out = append(out, fmt.Sprintf("%s: %v is not one of %v", at, v, e))
	}
	switch x := v.(type) {
	case map[string]any:
		props, _ := s["properties"].(map[string]any)
		for _, req := range asStrings(s["required"]) {
			if _, ok := x[req]; !ok {
				out = append(out, fmt.Sprintf("%s: required member %q missing", at, req))
			}
		}
		names := make([]string, 0, len(x))
		for k := range x {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			ps, ok := props[k].(map[string]any)
			if !ok {
				if s["additionalProperties"] == false {
					out = append(out, fmt.Sprintf("%s: member %q is not documented", at, k))
				}
				continue
			}
			out = append(out, validate(doc, ps, x[k], at+"."+k)...)
		}
	case []any:
		if is, ok := s["items"].(map[string]any); ok {
			for i, item := range x {
				out = append(out, validate(doc, is, item, fmt.Sprintf("%s[%d]", at, i))...)
			}
		}
	}
	return out
}

func jsonType(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case float64:
		if x == math.Trunc(x) {
			return "integer"
		}
		return "number"
	case []any:
		return "array"
	}
	return "object"
}

func asStrings(v any) []string {
	var out []string
	if l, ok := v.([]any); ok {
		for _, x := range l {
			out = append(out, x.(string))
		}
	}
	return out
}
