package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"cartera/internal/audit"
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
	want := []string{fmt.Sprintf("breach:%d:2024-03-31:0", id), fmt.Sprintf("cure:%d:2024-06-30", id), fmt.Sprintf("breach:%d:2024-03-31:1", id),
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
	want = append(want, fmt.Sprintf("waiver_expiring:%d", waiverID), fmt.Sprintf("uncured:%d:2024-08-31", id), fmt.Sprintf("waiver_expired:%d", waiverID))
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
