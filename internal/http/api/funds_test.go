package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"cartera/internal/user"
)

// TestFundSettings: GET and PATCH round trip, every bad field refused by name with
// nothing saved, admins only, an unknown fund is a 404, and each change is audited
// with the settings before and after, re-opening the books included.
func TestFundSettings(t *testing.T) {
	e, _ := ledgerEnv(t)
	got := e.do(user.Viewer, http.MethodGet, "/api/v1/funds/1", nil)
	if got.status != http.StatusOK {
		t.Fatalf("GET: %d %s", got.status, got.body)
	}
	if f := got.json(t); f["allocation_order"] != "interest_first" || f["restructured_cure_installments"] != nil || f["books_closed_through"] != nil {
		t.Errorf("defaults: %s", got.body)
	}
	patch := map[string]any{"allocation_order": "installment_by_installment", "restructured_cure_installments": 6, "books_closed_through": "2024-06-30"}
	r := e.do(user.Admin, http.MethodPatch, "/api/v1/funds/1", patch)
	if r.status != http.StatusOK {
		t.Fatalf("PATCH: %d %s", r.status, r.body)
	}
	list := e.do(user.Viewer, http.MethodGet, "/api/v1/funds", nil).json(t)["items"].([]any)
	for _, f := range []map[string]any{r.json(t), e.do(user.Viewer, http.MethodGet, "/api/v1/funds/1", nil).json(t), list[0].(map[string]any)} {
		if f["allocation_order"] != "installment_by_installment" || f["restructured_cure_installments"] != float64(6) || f["books_closed_through"] != "2024-06-30" {
			t.Errorf("after PATCH: %v", f)
		}
	}

	audited := func() int {
		return count(t, e.conn, `SELECT count(*) FROM audit_log WHERE entity = 'fund' AND action = 'update'`)
	}
	if n := audited(); n != 1 {
		t.Errorf("audit entries after one change: %d", n)
	}
	// The entry holds the fund before and after: the close was null, then the date.
	var before, after, cure string
	if err := e.conn.QueryRow(`SELECT before->'books_closed_through'::text, after->>'books_closed_through',
		after->>'restructured_cure_installments' FROM audit_log WHERE entity = 'fund' AND action = 'update'`).Scan(&before, &after, &cure); err != nil ||
		before != "null" || !strings.HasPrefix(after, "2024-06-30") || cure != "6" {
		t.Errorf("audited change: before %q, after %q, cure %q (%v)", before, after, cure, err)
	}

	bad := []struct {
		name  string
		body  any
		field string
	}{
		{"unknown order", map[string]any{"allocation_order": "principal_first"}, "allocation_order"},
		{"null order", map[string]any{"allocation_order": nil}, "allocation_order"},
		{"cure 0", map[string]any{"restructured_cure_installments": 0}, "restructured_cure_installments"},
		{"cure 37", map[string]any{"restructured_cure_installments": 37}, "restructured_cure_installments"},
		{"cure abc", map[string]any{"restructured_cure_installments": "abc"}, "restructured_cure_installments"},
		{"cure 2.5", `{"restructured_cure_installments": 2.5}`, "restructured_cure_installments"},
		{"bad date", map[string]any{"books_closed_through": "31/10/2024"}, "books_closed_through"},
		{"not a date", map[string]any{"books_closed_through": 20241031}, "books_closed_through"},
		{"closed in the future", map[string]any{"books_closed_through": "2999-12-31"}, "books_closed_through"},
		{"unknown field", map[string]any{"books_closed": "2024-06-30"}, "books_closed"},
		{"name", map[string]any{"name": "Renamed"}, "name"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			assertProblem(t, e.do(user.Admin, http.MethodPatch, "/api/v1/funds/1", tt.body), http.StatusUnprocessableEntity, tt.field)
		})
	}
	// Every field at fault at once, and nothing saved.
	assertProblem(t, e.do(user.Admin, http.MethodPatch, "/api/v1/funds/1", map[string]any{"allocation_order": "x",
		"restructured_cure_installments": "abc", "books_closed_through": "soon"}), 422, "allocation_order", "restructured_cure_installments", "books_closed_through")
	if f := e.do(user.Viewer, http.MethodGet, "/api/v1/funds/1", nil).json(t); f["restructured_cure_installments"] != float64(6) {
		t.Errorf("a refused PATCH saved: %v", f)
	}

	for _, role := range []user.Role{user.Manager, user.Viewer} {
		assertProblem(t, e.do(role, http.MethodPatch, "/api/v1/funds/1", map[string]any{"books_closed_through": nil}), http.StatusForbidden)
	}
	assertProblem(t, e.do(user.Admin, http.MethodPatch, "/api/v1/funds/99", map[string]any{"books_closed_through": nil}), http.StatusNotFound)
	assertProblem(t, e.do(user.Viewer, http.MethodGet, "/api/v1/funds/99", nil), http.StatusNotFound)

	// Re-opening the books: allowed to an admin, and audited as any change.
	r = e.do(user.Admin, http.MethodPatch, "/api/v1/funds/1", map[string]any{"books_closed_through": nil, "restructured_cure_installments": nil})
	if f := r.json(t); r.status != http.StatusOK || f["books_closed_through"] != nil || f["restructured_cure_installments"] != nil {
		t.Errorf("re-open: %d %s", r.status, r.body)
	}
	if n := audited(); n != 2 {
		t.Errorf("audit entries after re-opening: %d, want 2", n)
	}
	// Sending back what was read changes nothing, and records nothing.
	read := e.do(user.Viewer, http.MethodGet, "/api/v1/funds/1", nil).json(t)
	delete(read, "name")
	delete(read, "base_currency")
	if r := e.do(user.Admin, http.MethodPatch, "/api/v1/funds/1", read); r.status != http.StatusOK || audited() != 2 {
		t.Errorf("an unchanged PATCH: %d %s, audit entries %d", r.status, r.body, audited())
	}
}

// TestClosedBooksThroughTheAPI: with the fund's books closed through 2024-06-30, each
// kind of write dated on or before it is a 409 naming the date, with nothing written;
// dated after it, it is recorded. A reversal of an entry before the close is a 409 too.
func TestClosedBooksThroughTheAPI(t *testing.T) {
	e, loanURL := ledgerEnv(t)
	postTx(t, e, loanURL, "disbursements", "2024-01-01", "10000")
	repaid := postTx(t, e, loanURL, "repayments", "2024-02-01", "933.33")
	post := func(path string, body map[string]any) response {
		return e.do(user.Manager, http.MethodPost, loanURL+path, body)
	}
	if r := post("/writeoffs", map[string]any{"date": "2024-03-10", "amount": "500", "reason": "flood"}); r.status != http.StatusCreated {
		t.Fatalf("write-off: %d %s", r.status, r.body)
	}
	if r := e.do(user.Admin, http.MethodPatch, "/api/v1/funds/1", map[string]any{"books_closed_through": "2024-06-30"}); r.status != http.StatusOK {
		t.Fatalf("close: %d %s", r.status, r.body)
	}
	rows := func() string {
		return fmt.Sprint(count(t, e.conn, `SELECT count(*) FROM loan_transactions`), count(t, e.conn, `SELECT count(*) FROM loan_reschedules`),
			count(t, e.conn, `SELECT count(*) FROM audit_log`), count(t, e.conn, `SELECT count(*) FROM loan_installments WHERE paid_principal > 0`))
	}
	for _, tt := range []struct {
		path         string
		body         map[string]any
		closed, open string
	}{
		{"/disbursements", map[string]any{"amount": "1000"}, "2024-06-15", "2024-07-02"},
		{"/repayments", map[string]any{"amount": "100"}, "2024-06-30", "2024-07-05"},
		{"/writeoffs", map[string]any{"amount": "100", "reason": "flood"}, "2024-04-01", "2024-07-10"},
		{"/recoveries", map[string]any{"amount": "50"}, "2024-05-01", "2024-07-12"},
		{"/reschedule", map[string]any{"maturity_on": "2026-01-01", "reason": "restructuring"}, "2024-06-01", "2024-07-20"},
	} {
		t.Run(tt.path, func(t *testing.T) {
			before := rows()
			tt.body["date"] = tt.closed
			r := post(tt.path, tt.body)
			assertProblem(t, r, http.StatusConflict, "date")
			if d := r.json(t)["detail"].(string); !strings.Contains(d, "closed through 2024-06-30") || !strings.Contains(d, "dated "+tt.closed) {
				t.Errorf("detail: %s", d)
			}
			if after := rows(); after != before {
				t.Errorf("a refused write wrote: %s, then %s", before, after)
			}
			tt.body["date"] = tt.open
			if r := post(tt.path, tt.body); r.status != http.StatusCreated {
				t.Errorf("after the close: %d %s", r.status, r.body)
			}
		})
	}
	before := rows()
	r := post(fmt.Sprintf("/transactions/%d/reverse", repaid), map[string]any{"reason": "entered twice"})
	assertProblem(t, r, http.StatusConflict, "transaction_id")
	if d := r.json(t)["detail"].(string); !strings.Contains(d, "closed through 2024-06-30") || !strings.Contains(d, "the repayment of 2024-02-01") {
		t.Errorf("detail: %s", d)
	}
	if after := rows(); after != before {
		t.Errorf("a refused reversal wrote: %s, then %s", before, after)
	}
}
