package api_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"cartera/internal/platform/civil"
	"cartera/internal/user"
)

// TestReportingObligationAPI: the obligation's members are optional (a client that
// does not know them creates partners as before), read back, cleared by null, and
// checked field by field.
func TestReportingObligationAPI(t *testing.T) {
	e := newEnv(t)
	plain := e.do(user.Manager, http.MethodPost, "/api/v1/partners", impro)
	if plain.status != http.StatusCreated {
		t.Fatalf("create without an obligation: %d %s", plain.status, plain.body)
	}
	if p := plain.json(t); p["reporting_frequency"] != nil || p["reporting_from"] != nil || p["reporting_due_days"] != nil {
		t.Errorf("no obligation reads as nulls: %s", plain.body)
	}
	path := fmt.Sprintf("/api/v1/partners/%d", int64(plain.json(t)["id"].(float64)))
	set := e.do(user.Manager, http.MethodPatch, path, map[string]any{"reporting_frequency": "quarterly", "reporting_from": "2024-01-01", "reporting_due_days": 60})
	if set.status != http.StatusOK {
		t.Fatalf("set: %d %s", set.status, set.body)
	}
	got := e.do(user.Viewer, http.MethodGet, path, nil).json(t)
	if got["reporting_frequency"] != "quarterly" || got["reporting_from"] != "2024-01-01" || got["reporting_due_days"] != 60.0 {
		t.Errorf("read back: %v %v %v", got["reporting_frequency"], got["reporting_from"], got["reporting_due_days"])
	}
	if r := e.do(user.Manager, http.MethodPatch, path, map[string]any{"reporting_due_days": nil}); r.status != http.StatusOK || r.json(t)["reporting_due_days"] != nil {
		t.Errorf("null clears due days: %d %s", r.status, r.body)
	}
	for _, tt := range []struct {
		name   string
		body   map[string]any
		fields []string
	}{
		{"unknown frequency", map[string]any{"reporting_frequency": "monthly"}, []string{"reporting_frequency"}},
		{"frequency without start", map[string]any{"reporting_from": nil}, []string{"reporting_from"}},
		{"start without frequency", map[string]any{"reporting_frequency": nil}, []string{"reporting_frequency"}},
		{"not a date", map[string]any{"reporting_from": "2024-13-01"}, []string{"reporting_from"}},
		{"due days zero", map[string]any{"reporting_due_days": 0}, []string{"reporting_due_days"}},
		{"due days over a year", map[string]any{"reporting_due_days": 366}, []string{"reporting_due_days"}},
		{"due days as text", map[string]any{"reporting_due_days": "45"}, []string{"reporting_due_days"}},
		{"all cleared but due days", map[string]any{"reporting_frequency": nil, "reporting_from": nil, "reporting_due_days": 30}, []string{"reporting_due_days"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			assertProblem(t, e.do(user.Manager, http.MethodPatch, path, tt.body), http.StatusUnprocessableEntity, tt.fields...)
		})
	}
	if r := e.do(user.Manager, http.MethodPatch, path, map[string]any{"reporting_frequency": nil, "reporting_from": nil}); r.status != http.StatusOK {
		t.Errorf("clearing the obligation: %d %s", r.status, r.body)
	}
	bad := map[string]any{}
	for k, v := range impro {
		bad[k] = v
	}
	bad["name"], bad["reporting_frequency"] = "Other", "weekly"
	assertProblem(t, e.do(user.Manager, http.MethodPost, "/api/v1/partners", bad), http.StatusUnprocessableEntity, "reporting_frequency")
}

// TestWatchlistAPI: viewers read the list as JSON, CSV (formula-safe) and XLSX, one
// row per reason; filters by reason and country; bad parameters name themselves.
func TestWatchlistAPI(t *testing.T) {
	e := newEnv(t)
	today := civil.Today()
	from := civil.Format(today.AddDate(-1, 0, 0))
	for _, p := range []map[string]any{
		{"name": "=Late Reporter", "country": "BO", "legal_status": "ngo", "reporting_frequency": "quarterly", "reporting_from": from},
		{"name": "Punctual", "country": "PE", "legal_status": "ngo"},
	} {
		if r := e.do(user.Manager, http.MethodPost, "/api/v1/partners", p); r.status != http.StatusCreated {
			t.Fatalf("create: %d %s", r.status, r.body)
		}
	}
	r := e.do(user.Viewer, http.MethodGet, "/api/v1/watchlist", nil)
	if r.status != http.StatusOK {
		t.Fatalf("watchlist: %d %s", r.status, r.body)
	}
	body := r.json(t)
	items := body["items"].([]any)
	if body["as_of"] != civil.Format(today) || len(items) != 1 {
		t.Fatalf("watch list: %s", r.body)
	}
	entry := items[0].(map[string]any)
	reason := entry["reasons"].([]any)[0].(map[string]any)
	if entry["name"] != "=Late Reporter" || entry["country_name"] != "Bolivia" || reason["reason"] != "overdue_report" || len(reason["periods"].([]any)) < 2 {
		t.Errorf("entry: %v", entry)
	}
	if first := reason["periods"].([]any)[0].(map[string]any); reason["since"] != first["due_on"] {
		t.Errorf("since %v is not the oldest period's due date %v", reason["since"], first["due_on"])
	}
	for q, want := range map[string]int{"?reason=overdue_report": 1, "?reason=past_due_30": 0, "?country=PE": 0, "?country=bo": 1} {
		if got := e.do(user.Viewer, http.MethodGet, "/api/v1/watchlist"+q, nil).json(t)["items"].([]any); len(got) != want {
			t.Errorf("%s: %d partners, want %d", q, len(got), want)
		}
	}
	assertProblem(t, e.do(user.Viewer, http.MethodGet, "/api/v1/watchlist?reason=bored&country=XX&format=pdf", nil),
		http.StatusUnprocessableEntity, "reason", "country", "format")
	assertProblem(t, e.do("", http.MethodGet, "/api/v1/watchlist", nil), http.StatusUnauthorized)

	csvResp := e.do(user.Viewer, http.MethodGet, "/api/v1/watchlist?format=csv", nil)
	if ct := csvResp.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Fatalf("CSV: %d %s", csvResp.status, ct)
	}
	rows, err := csv.NewReader(bytes.NewReader(csvResp.body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	wantHeader := "partner_id,partner,country,reason,since,detail,loan_id,loan_reference,breach_id,metric,period_end,cure_by,uncured,days_past_due,as_of"
	if len(rows) != 2 || strings.Join(rows[0], ",") != wantHeader {
		t.Fatalf("CSV rows: %v", rows)
	}
	if rows[1][1] != "'=Late Reporter" || rows[1][3] != "overdue_report" || rows[1][4] != reason["since"] || rows[1][14] != civil.Format(today) {
		t.Errorf("CSV row: %v", rows[1])
	}

	x := e.do(user.Viewer, http.MethodGet, "/api/v1/watchlist?format=xlsx", nil)
	f, err := excelize.OpenReader(bytes.NewReader(x.body))
	if err != nil {
		t.Fatalf("XLSX: %v (%d)", err, x.status)
	}
	defer f.Close()
	got, err := f.GetRows("watch list")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || strings.Join(got[0], ",") != wantHeader || got[1][1] != "=Late Reporter" || got[1][3] != "overdue_report" {
		t.Errorf("XLSX rows: %v", got)
	}
	if formula, _ := f.GetCellFormula("watch list", "B2"); formula != "" {
		t.Errorf("a partner's name became a formula: %q", formula)
	}
}
