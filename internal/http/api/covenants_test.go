package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"cartera/internal/audit"
	"cartera/internal/platform/pdftest"
	"cartera/internal/user"
)

// movable is a clock a test moves.
type movable struct{ now time.Time }

func (m *movable) clock() time.Time { return m.now }

func (e *env) secondAdmin() string {
	e.t.Helper()
	ctx := context.Background()
	if _, err := e.users.Create(ctx, audit.System("test"), user.NewUser{Email: "admin2@example.org", Role: user.Admin, Password: "correct horse battery"}); err != nil {
		e.t.Fatal(err)
	}
	_, secret, err := e.users.CreateToken(ctx, audit.System("test"), "admin2@example.org", "test")
	if err != nil {
		e.t.Fatal(err)
	}
	e.tokens["admin2"] = secret
	return "admin2"
}

func (e *env) events() []string {
	e.t.Helper()
	var keys []string
	if err := e.conn.Select(&keys, `SELECT idem_key FROM notification_events ORDER BY id`); err != nil {
		e.t.Fatal(err)
	}
	return keys
}

func (e *env) breaches(query string) []map[string]any {
	e.t.Helper()
	r := e.do(user.Viewer, "GET", "/api/v1/breaches"+query, nil)
	if r.status != http.StatusOK {
		e.t.Fatalf("breaches: %d %s", r.status, r.body)
	}
	var out []map[string]any
	for _, it := range r.json(e.t)["items"].([]any) {
		out = append(out, it.(map[string]any))
	}
	return out
}

func (e *env) putPAR(partner int64, end string, par30 string) {
	e.t.Helper()
	r := e.do(user.Manager, "PUT", fmt.Sprintf("/api/v1/partners/%d/statements/%s", partner, end),
		map[string]any{"months": 3, "currency": "USD", "gross_loan_portfolio": "1000000", "par30": par30})
	if r.status != http.StatusOK && r.status != http.StatusCreated {
		e.t.Fatalf("put %s: %d %s", end, r.status, r.body)
	}
}

// A breach found by an import, cured by the next period, reopened by a correction,
// waived with four eyes; the waiver expires with time; corrections withdraw and
// reopen breaches. Every event lands in the outbox once.
func TestCovenantBreachLifecycle(t *testing.T) {
	clock := &movable{now: time.Date(2024, 8, 1, 9, 0, 0, 0, time.UTC)}
	e := newEnvClock(t, clock.clock)
	p := e.partnerID("Sartawi", "BO")
	r := e.do(user.Manager, "POST", fmt.Sprintf("/api/v1/partners/%d/covenants", p), map[string]any{"metric": "par30_ratio", "operator": "<=",
		"threshold": "5 %", "from": "2024-01-01", "frequency": "each_report", "cure_days": 30})
	if r.status != http.StatusCreated || r.json(t)["threshold"] != "0.05" {
		t.Fatalf("create covenant: %d %s", r.status, r.body)
	}
	covID := int64(r.json(t)["id"].(float64))

	// Found by an import: 8 % at the end of March.
	csv := "partner,country,period_end,months,currency,gross_loan_portfolio,par30\nSartawi,BO,2024-03-31,3,USD,1000000,80000\n"
	if r := e.upload(user.Manager, "", []byte(csv), false); r.status != http.StatusOK {
		t.Fatalf("import: %d %s", r.status, r.body)
	}
	bs := e.breaches(fmt.Sprintf("?partner_id=%d&status=open", p))
	if len(bs) != 1 || bs[0]["value"] != "0.08" || bs[0]["threshold"] != "0.05" || bs[0]["period_end"] != "2024-03-31" ||
		bs[0]["cure_by"] != "2024-08-31" || bs[0]["uncured"] != false || bs[0]["covenant_id"] != float64(covID) {
		t.Fatalf("the breach the import found: %v", bs)
	}
	id := int64(bs[0]["id"].(float64))

	// Cured by June's 2 %.
	e.putPAR(p, "2024-06-30", "20000")
	bs = e.breaches(fmt.Sprintf("?partner_id=%d", p))
	if len(bs) != 1 || bs[0]["status"] != "closed" || bs[0]["closed_by_period"] != "2024-06-30" {
		t.Fatalf("cured: %v", bs)
	}
	// Reopened by a correction of June: 7 %.
	e.putPAR(p, "2024-06-30", "70000")
	bs = e.breaches(fmt.Sprintf("?partner_id=%d", p))
	if len(bs) != 1 || bs[0]["status"] != "open" || bs[0]["closed_by_period"] != nil || int64(bs[0]["id"].(float64)) != id {
		t.Fatalf("reopened: %v", bs)
	}
	results := e.do(user.Viewer, "GET", fmt.Sprintf("/api/v1/covenant-results?partner_id=%d&status=breached", p), nil).json(t)["items"].([]any)
	if len(results) != 2 || results[1].(map[string]any)["value"] != "0.07" || results[1].(map[string]any)["breach_id"] != float64(id) {
		t.Fatalf("breached results: %v", results)
	}

	// Four eyes: the requester cannot decide; a manager cannot; another admin can, once.
	admin2 := e.secondAdmin()
	waiverURL := fmt.Sprintf("/api/v1/breaches/%d/waiver", id)
	assertProblem(t, e.do(user.Manager, "POST", waiverURL, map[string]any{"reason": "plan", "expires_on": "2024-07-01"}), 422, "expires_on")
	r = e.do(user.Admin, "POST", waiverURL, map[string]any{"reason": "new management, recovery plan agreed", "expires_on": "2024-12-31"})
	if r.status != http.StatusCreated {
		t.Fatalf("request waiver: %d %s", r.status, r.body)
	}
	waiverID := int64(r.json(t)["id"].(float64))
	assertProblem(t, e.do(user.Manager, "POST", waiverURL, map[string]any{"reason": "again", "expires_on": "2024-12-31"}), 409, "breach_id")
	assertProblem(t, e.do(user.Admin, "POST", waiverURL+"/approve", nil), 403)
	assertProblem(t, e.do(user.Manager, "POST", waiverURL+"/approve", nil), 403)
	if r := e.do(user.Role(admin2), "POST", waiverURL+"/approve", nil); r.status != http.StatusOK || r.json(t)["decision"] != "approved" {
		t.Fatalf("approve: %d %s", r.status, r.body)
	}
	assertProblem(t, e.do(user.Role(admin2), "POST", waiverURL+"/approve", nil), 409, "breach_id")
	assertProblem(t, e.do(user.Role(admin2), "POST", waiverURL+"/reject", nil), 409, "breach_id")
	if bs := e.breaches("?status=waived"); len(bs) != 1 || len(bs[0]["waivers"].([]any)) != 1 {
		t.Fatalf("waived: %v", bs)
	}
	if rs := e.do(user.Viewer, "GET", "/api/v1/covenant-results?status=waived", nil).json(t)["items"].([]any); len(rs) != 2 {
		t.Errorf("waived results: %v", rs)
	}
	want := []string{fmt.Sprintf("breach:%d:2024-03-31:0", id), fmt.Sprintf("cure:%d:2024-06-30:0", id), fmt.Sprintf("breach:%d:2024-03-31:1", id),
		fmt.Sprintf("waiver_requested:%d", waiverID), fmt.Sprintf("waiver_approved:%d", waiverID)}
	if got := e.events(); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("events\n got %v\nwant %v", got, want)
	}

	// Mid-December the waiver is about to end; in January it has ended: open again, uncured.
	clock.now = time.Date(2024, 12, 20, 9, 0, 0, 0, time.UTC)
	ctx := context.Background()
	if err := e.services.Compliance.Sweep(ctx, clock.now); err != nil {
		t.Fatal(err)
	}
	clock.now = time.Date(2025, 1, 2, 9, 0, 0, 0, time.UTC)
	if bs := e.breaches("?status=open"); len(bs) != 1 || bs[0]["uncured"] != true {
		t.Fatalf("after the waiver expired: %v", bs)
	}
	for range 2 { // a second sweep the same day adds nothing
		if err := e.services.Compliance.Sweep(ctx, clock.now); err != nil {
			t.Fatal(err)
		}
	}
	want = append(want, fmt.Sprintf("waiver_expiring:%d", waiverID), fmt.Sprintf("uncured:%d:2024-08-31:1", id), fmt.Sprintf("waiver_expired:%d", waiverID))
	if got := e.events(); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("events after the sweeps\n got %v\nwant %v", got, want)
	}

	// A correction shows March met: that breach is withdrawn, June opens one of its own.
	e.putPAR(p, "2024-03-31", "10000")
	bs = e.breaches(fmt.Sprintf("?partner_id=%d", p))
	if len(bs) != 2 {
		t.Fatalf("after March's correction: %v", bs)
	}
	byEnd := map[string]map[string]any{}
	for _, b := range bs {
		byEnd[b["period_end"].(string)] = b
	}
	if b := byEnd["2024-03-31"]; b["status"] != "closed" || b["withdrawn_at"] == nil {
		t.Errorf("March's breach, withdrawn: %v", b)
	}
	june := int64(byEnd["2024-06-30"]["id"].(float64))
	if byEnd["2024-06-30"]["status"] != "open" {
		t.Errorf("June's breach: %v", byEnd["2024-06-30"])
	}
	// Breached again: March's breach is back (same id), June's is withdrawn.
	e.putPAR(p, "2024-03-31", "90000")
	bs = e.breaches(fmt.Sprintf("?partner_id=%d&status=open", p))
	if len(bs) != 1 || int64(bs[0]["id"].(float64)) != id || bs[0]["value"] != "0.09" {
		t.Fatalf("March reopened: %v", bs)
	}
	got := e.events()
	if last := got[len(got)-1]; last != fmt.Sprintf("breach:%d:2024-03-31:2", id) {
		t.Errorf("the reopening's event: %v", got)
	}
	var withdrawnAudits int
	if err := e.conn.Get(&withdrawnAudits, `SELECT count(*) FROM audit_log WHERE entity = 'covenant_breach' AND after->>'withdrawn_at' IS NOT NULL`); err != nil {
		t.Fatal(err)
	}
	if withdrawnAudits != 2 {
		t.Errorf("withdrawals audited: %d, want 2 (March's, then June's %d)", withdrawnAudits, june)
	}
}

// Every bad covenant is refused with the field at fault, and nothing is written.
func TestCovenantBadInput(t *testing.T) {
	e, loanURL := ledgerEnv(t)
	loanPath := strings.TrimPrefix(loanURL, "/api/v1")
	good := map[string]any{"metric": "par30_ratio", "operator": "<=", "threshold": "5 %", "from": "2024-01-01", "frequency": "quarterly"}
	with := func(changes map[string]any) map[string]any {
		m := map[string]any{}
		for k, v := range good {
			m[k] = v
		}
		for k, v := range changes {
			if v == nil {
				delete(m, k)
			} else {
				m[k] = v
			}
		}
		return m
	}
	cases := []struct {
		name    string
		body    map[string]any
		field   string
		message string
	}{
		{"unknown metric", with(map[string]any{"metric": "happiness"}), "metric", "operational_self_sufficiency"},
		{"unknown operator", with(map[string]any{"operator": "=<"}), "operator", "<="},
		{"unknown frequency", with(map[string]any{"frequency": "monthly"}), "frequency", "each_report"},
		{"threshold not a decimal", with(map[string]any{"threshold": "five"}), "threshold", "not a threshold"},
		{"a share's bare number above 1", with(map[string]any{"threshold": "5"}), "threshold", "ambiguous"},
		{"from after to", with(map[string]any{"to": "2023-12-31"}), "from", "after"},
		{"no from", with(map[string]any{"from": nil}), "from", "required"},
		{"an amount without currency", with(map[string]any{"metric": "equity", "operator": ">=", "threshold": "1000000"}), "currency", "required"},
		{"a share with a currency", with(map[string]any{"currency": "USD"}), "currency", "left out"},
		{"a bad currency", with(map[string]any{"metric": "equity", "threshold": "1000000", "currency": "XYZ"}), "currency", "ISO 4217"},
		{"negative cure days", with(map[string]any{"cure_days": -1}), "cure_days", ""},
		{"unknown field", with(map[string]any{"colour": "red"}), "colour", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.do(user.Manager, "POST", "/api/v1/partners/1/covenants", c.body)
			assertProblem(t, r, 422, c.field)
			if !strings.Contains(string(r.body), c.message) {
				t.Errorf("the message does not say %q: %s", c.message, r.body)
			}
		})
	}
	assertProblem(t, e.do(user.Viewer, "POST", "/api/v1/partners/1/covenants", good), 403)
	assertProblem(t, e.do(user.Manager, "POST", "/api/v1/partners/999/covenants", good), 404)
	// A cancelled loan takes no covenant; a live one does.
	r := e.do(user.Manager, "POST", "/api/v1"+loanPath+"/covenants", good)
	if r.status != http.StatusCreated || r.json(t)["loan_id"] == nil {
		t.Fatalf("a loan's covenant: %d %s", r.status, r.body)
	}
	if r := e.do(user.Manager, "POST", loanURL+"/cancel", map[string]any{"reason": "entered twice"}); r.status != http.StatusOK {
		t.Fatalf("cancel: %d %s", r.status, r.body)
	}
	assertProblem(t, e.do(user.Manager, "POST", "/api/v1"+loanPath+"/covenants", good), 422, "loan_id")
	var n int
	if err := e.conn.Get(&n, `SELECT count(*) FROM covenants`); err != nil || n != 1 {
		t.Errorf("covenants stored: %d (%v), want the one good", n, err)
	}
	if err := e.conn.Get(&n, `SELECT count(*) FROM audit_log WHERE entity = 'covenant'`); err != nil || n != 1 {
		t.Errorf("covenant audit entries: %d (%v)", n, err)
	}
	// PATCH checks the same rules; an ended covenant stays as it was.
	covURL := r.header.Get("Location")
	assertProblem(t, e.do(user.Manager, "PATCH", covURL, map[string]any{"threshold": "7"}), 422, "threshold")
	assertProblem(t, e.do(user.Manager, "PATCH", covURL, map[string]any{"metric": "equity"}), 422, "currency")
	if r := e.do(user.Manager, "PATCH", covURL, map[string]any{"threshold": "0.07", "to": "2026-12-31"}); r.status != http.StatusOK ||
		r.json(t)["threshold"] != "0.07" || r.json(t)["to"] != "2026-12-31" {
		t.Errorf("patch: %d %s", r.status, r.body)
	}
	if r := e.do(user.Manager, "DELETE", covURL, nil); r.status != http.StatusNoContent {
		t.Errorf("end: %d %s", r.status, r.body)
	}
	if r := e.do(user.Viewer, "GET", covURL, nil); r.json(t)["ended_at"] == nil {
		t.Errorf("ended covenant: %s", r.body)
	}
	assertProblem(t, e.do(user.Manager, "PATCH", covURL, map[string]any{"threshold": "0.08"}), 409, "id")
	assertProblem(t, e.do(user.Manager, "DELETE", covURL, nil), 409, "id")
	// Waivers: a closed breach, a missing reason, an unknown breach.
	assertProblem(t, e.do(user.Manager, "POST", "/api/v1/breaches/99/waiver", map[string]any{"reason": "x", "expires_on": "2099-01-01"}), 404)
	assertProblem(t, e.do(user.Manager, "POST", "/api/v1/breaches/99/waiver", map[string]any{"expires_on": "2099-01-01"}), 422, "reason")
	assertProblem(t, e.do(user.Viewer, "GET", "/api/v1/breaches?status=sleeping", nil), 422, "status")
	assertProblem(t, e.do(user.Viewer, "GET", "/api/v1/covenant-results?status=sleeping&from=2024-13-01", nil), 422, "status", "from")
}

// A waiver for a breach that is closed is refused, naming the breach.
func TestWaiverOfAClosedBreach(t *testing.T) {
	clock := &movable{now: time.Date(2024, 8, 1, 9, 0, 0, 0, time.UTC)}
	e := newEnvClock(t, clock.clock)
	p := e.partnerID("Crecer", "BO")
	e.putPAR(p, "2024-03-31", "80000")
	e.putPAR(p, "2024-06-30", "10000")
	if r := e.do(user.Manager, "POST", fmt.Sprintf("/api/v1/partners/%d/covenants", p), map[string]any{"metric": "par30_ratio", "operator": "<=",
		"threshold": "0.05", "from": "2024-01-01", "frequency": "quarterly"}); r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	bs := e.breaches("?status=closed")
	if len(bs) != 1 {
		t.Fatalf("a covenant set on past figures finds their breach, cured: %v", bs)
	}
	r := e.do(user.Manager, "POST", fmt.Sprintf("/api/v1/breaches/%v/waiver", bs[0]["id"]), map[string]any{"reason": "late", "expires_on": "2025-01-01"})
	assertProblem(t, r, 422, "breach_id")
	if !strings.Contains(string(r.body), fmt.Sprintf("breach %v is closed", bs[0]["id"])) {
		t.Errorf("the message names the breach: %s", r.body)
	}
}

// A waiver requested, then its breach cured and reopened by a correction: approving
// it is a 409 naming the breach (the request was about the breach as it was), the
// breach says when it reopened, and rejecting the waiver works.
func TestWaiverRequestedBeforeReopening(t *testing.T) {
	clock := &movable{now: time.Date(2024, 8, 1, 9, 0, 0, 0, time.UTC)}
	e := newEnvClock(t, clock.clock)
	p := e.partnerID("Fondeco", "BO")
	if r := e.do(user.Manager, "POST", fmt.Sprintf("/api/v1/partners/%d/covenants", p), map[string]any{"metric": "par30_ratio", "operator": "<=",
		"threshold": "5 %", "from": "2024-01-01", "frequency": "each_report", "cure_days": 30}); r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	e.putPAR(p, "2024-03-31", "80000")
	bs := e.breaches("?status=open")
	if len(bs) != 1 {
		t.Fatalf("breaches: %v", bs)
	}
	waiverURL := fmt.Sprintf("/api/v1/breaches/%v/waiver", bs[0]["id"])
	if r := e.do(user.Admin, "POST", waiverURL, map[string]any{"reason": "recovery plan", "expires_on": "2024-12-31"}); r.status != http.StatusCreated {
		t.Fatalf("request waiver: %d %s", r.status, r.body)
	}
	admin2 := e.secondAdmin()
	clock.now = time.Date(2024, 8, 2, 9, 0, 0, 0, time.UTC)
	e.putPAR(p, "2024-06-30", "20000") // cured
	clock.now = time.Date(2024, 8, 3, 9, 0, 0, 0, time.UTC)
	e.putPAR(p, "2024-06-30", "90000") // corrected: reopened
	if bs := e.breaches("?status=open"); len(bs) != 1 || bs[0]["reopened_at"] != "2024-08-03T09:00:00Z" {
		t.Fatalf("reopened: %v", bs)
	}
	assertProblem(t, e.do(user.Role(admin2), "POST", waiverURL+"/approve", nil), 409, "breach_id")
	if r := e.do(user.Role(admin2), "POST", waiverURL+"/reject", nil); r.status != http.StatusOK || r.json(t)["decision"] != "rejected" {
		t.Fatalf("reject: %d %s", r.status, r.body)
	}
}

// An overdue report makes the period not testable, naming what is missing; its
// arrival tests it. A Money threshold is converted at the period end.
func TestNotTestableAndConvertedThreshold(t *testing.T) {
	clock := &movable{now: time.Date(2024, 8, 1, 9, 0, 0, 0, time.UTC)}
	e := newEnvClock(t, clock.clock)
	p := e.partnerID("Fondeco", "BO")
	if _, err := e.conn.Exec(`UPDATE partners SET reporting_frequency = 'quarterly', reporting_from = '2024-01-01' WHERE id = $1`, p); err != nil {
		t.Fatal(err)
	}
	if r := e.do(user.Manager, "PUT", "/api/v1/fx-rates", map[string]any{"rates": []map[string]any{{"date": "2024-03-29", "currency": "BOB", "rate": "6.96"}}}); r.status != http.StatusOK {
		t.Fatalf("rates: %d %s", r.status, r.body)
	}
	put := func(end, equity string) {
		t.Helper()
		r := e.do(user.Manager, "PUT", fmt.Sprintf("/api/v1/partners/%d/statements/%s", p, end),
			map[string]any{"months": 3, "currency": "BOB", "gross_loan_portfolio": "9000000", "equity": equity})
		if r.status >= 300 {
			t.Fatalf("put: %d %s", r.status, r.body)
		}
	}
	put("2024-03-31", "6959999")
	r := e.do(user.Manager, "POST", fmt.Sprintf("/api/v1/partners/%d/covenants", p), map[string]any{"metric": "equity", "operator": ">=",
		"threshold": "1000000", "currency": "USD", "from": "2024-01-01", "frequency": "quarterly"})
	if r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	results := func() []any {
		return e.do(user.Viewer, "GET", fmt.Sprintf("/api/v1/covenant-results?partner_id=%d", p), nil).json(t)["items"].([]any)
	}
	rs := results()
	if len(rs) != 1 || rs[0].(map[string]any)["status"] != "breached" || rs[0].(map[string]any)["threshold"] != "6960000" {
		t.Fatalf("1,000,000 USD at 6.96 BOB a dollar is 6,960,000 BOB: %v", rs)
	}
	put("2024-03-31", "6960000")
	if rs := results(); rs[0].(map[string]any)["status"] != "met" || rs[0].(map[string]any)["period_currency"] != "BOB" {
		t.Fatalf("at the threshold, in BOB: %v", rs)
	}
	// The profile's compliance table gives the threshold compared, in BOB, not the
	// covenant's USD alone.
	t.Run("profile", func(t *testing.T) {
		pdf := e.do(user.Viewer, "GET", fmt.Sprintf("/api/v1/partners/%d/profile.pdf", p), nil)
		if text := pdftest.PlainSpaces(pdftest.Text(t, pdf.body, false)); pdf.status != http.StatusOK || !strings.Contains(text, "≥ BOB 6,960,000") {
			t.Errorf("the profile's compliance table: %d %q", pdf.status, text)
		}
	})
	// June's figures were due 14 August; the sweep of the 15th finds them missing.
	clock.now = time.Date(2024, 8, 15, 9, 0, 0, 0, time.UTC)
	if err := e.services.Compliance.Sweep(context.Background(), clock.now); err != nil {
		t.Fatal(err)
	}
	rs = results()
	if len(rs) != 2 {
		t.Fatalf("after the sweep: %v", rs)
	}
	june := rs[1].(map[string]any)
	if june["status"] != "not_testable" || june["missing"] != "the report for 2024-06-30 was due 2024-08-14 and has not arrived" || june["value"] != nil ||
		june["period_currency"] != "" {
		t.Errorf("June, overdue: %v", june)
	}
	if nt := e.do(user.Viewer, "GET", "/api/v1/covenant-results?status=not_testable", nil).json(t)["items"].([]any); len(nt) != 1 {
		t.Errorf("filtered by status: %v", nt)
	}
	// June arrives without equity: still not testable, now naming the figure.
	put("2024-06-30", "7100000")
	if june := results()[1].(map[string]any); june["status"] != "met" {
		t.Errorf("June, arrived: %v", june)
	}
	r = e.do(user.Manager, "PUT", fmt.Sprintf("/api/v1/partners/%d/statements/2024-06-30", p),
		map[string]any{"months": 3, "currency": "BOB", "gross_loan_portfolio": "9000000"})
	if june := results()[1].(map[string]any); r.status != http.StatusOK || june["status"] != "not_testable" || june["missing"] != "equity is not reported" {
		t.Errorf("June without equity: %d %v", r.status, june)
	}
	// Deleting a report tests the period again (overdue once more).
	if r := e.do(user.Manager, "DELETE", fmt.Sprintf("/api/v1/partners/%d/statements/2024-06-30", p), nil); r.status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	if june := results()[1].(map[string]any); !strings.HasPrefix(june["missing"].(string), "the report for 2024-06-30") {
		t.Errorf("June deleted: %v", june)
	}
	// The downloads.
	for format, prefix := range map[string]string{"csv": "partner_id,partner,covenant_id", "xlsx": "PK"} {
		r := e.do(user.Viewer, "GET", fmt.Sprintf("/api/v1/covenant-results?partner_id=%d&format=%s", p, format), nil)
		if r.status != http.StatusOK || !strings.HasPrefix(string(r.body), prefix) {
			t.Errorf("%s: %d %.80s", format, r.status, r.body)
		}
	}
}
