package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"cartera/internal/user"
)

// post posts to a loan and returns the new transaction's id.
func postTx(t *testing.T, e *env, loanURL, what, date, amount string) int64 {
	t.Helper()
	r := e.do(user.Manager, http.MethodPost, loanURL+"/"+what, map[string]any{"date": date, "amount": amount})
	if r.status != http.StatusCreated {
		t.Fatalf("%s %s %s: %d %s", what, date, amount, r.status, r.body)
	}
	return int64(r.json(t)["transaction"].(map[string]any)["id"].(float64))
}

// TestReverseATransaction: a mistaken repayment reversed leaves the loan exactly as a
// twin that never had it (balances, schedule, allocations), and both rows stay in the
// history, linked; the mistakes a reversal can make are refused and write nothing.
func TestReverseATransaction(t *testing.T) {
	e, loanURL := ledgerEnv(t)
	twin := e.do(user.Manager, http.MethodPost, "/api/v1/partners/1/loans", newLoan(map[string]any{"reference": "TWIN"}))
	if twin.status != http.StatusCreated {
		t.Fatal(string(twin.body))
	}
	twinURL := twin.header.Get("Location")
	for _, u := range []string{loanURL, twinURL} {
		postTx(t, e, u, "disbursements", "2024-01-01", "12000")
		postTx(t, e, u, "repayments", "2024-02-01", "1120")
	}
	mistake := postTx(t, e, loanURL, "repayments", "2024-02-15", "3000")
	postTx(t, e, loanURL, "repayments", "2024-03-01", "1110")
	postTx(t, e, twinURL, "repayments", "2024-03-01", "1110")

	reverse := func(role user.Role, id int64, body map[string]any) response {
		return e.do(role, http.MethodPost, fmt.Sprintf("%s/transactions/%d/reverse", loanURL, id), body)
	}
	assertProblem(t, reverse(user.Viewer, mistake, map[string]any{"reason": "typo"}), 403)
	assertProblem(t, reverse(user.Manager, mistake, map[string]any{"reason": "  "}), 422, "reason")
	assertProblem(t, reverse(user.Manager, 999999, map[string]any{"reason": "typo"}), 404)
	r := reverse(user.Manager, mistake, map[string]any{"reason": "entered twice"})
	if r.status != http.StatusCreated {
		t.Fatalf("reverse: %d %s", r.status, r.body)
	}
	got := r.json(t)
	rev, orig := got["reversal"].(map[string]any), got["transaction"].(map[string]any)
	if rev["kind"] != "reversal" || rev["reverses"] != float64(mistake) || rev["date"] != "2024-02-15" || rev["amount"] != "3000.00" ||
		orig["reversed_by"] != rev["id"] || orig["reversed_at"] == nil || orig["principal"] == "0.00" {
		t.Errorf("reversal %v of %v", rev, orig)
	}

	// As if it had never happened: the loan is its twin, but for the two rows.
	a, b := e.do(user.Viewer, http.MethodGet, loanURL+"?as_of=2024-12-31", nil).json(t), e.do(user.Viewer, http.MethodGet, twinURL+"?as_of=2024-12-31", nil).json(t)
	for _, k := range []string{"outstanding_principal", "principal_repaid", "interest_paid", "overdue_principal", "days_past_due", "status", "xirr"} {
		if fmt.Sprint(a[k]) != fmt.Sprint(b[k]) {
			t.Errorf("%s: %v after the reversal, %v on the twin", k, a[k], b[k])
		}
	}
	if fmt.Sprint(a["schedule"]) != fmt.Sprint(b["schedule"]) {
		t.Errorf("schedules differ:\n%v\n%v", a["schedule"], b["schedule"])
	}
	txs := a["transactions"].([]any)
	if len(txs) != 5 || fmt.Sprint(txs[len(txs)-1].(map[string]any)["principal"]) != fmt.Sprint(b["transactions"].([]any)[2].(map[string]any)["principal"]) {
		t.Errorf("transactions after the reversal: %v", txs)
	}

	assertProblem(t, reverse(user.Manager, mistake, map[string]any{"reason": "again"}), 409, "transaction_id")
	assertProblem(t, reverse(user.Manager, int64(rev["id"].(float64)), map[string]any{"reason": "undo"}), 422, "transaction_id")
	// The disbursement cannot go while repayments stand on it: the refusal says which.
	var first int64
	for _, tx := range txs {
		if m := tx.(map[string]any); m["kind"] == "disbursement" {
			first = int64(m["id"].(float64))
		}
	}
	bad := reverse(user.Manager, first, map[string]any{"reason": "wrong loan"})
	assertProblem(t, bad, 422, "transaction_id")
	if !strings.Contains(string(bad.body), "would leave the repayment of 2024-02-01 impossible") {
		t.Errorf("the refusal does not name the repayment: %s", bad.body)
	}
	if n := count(t, e.conn, "SELECT count(*) FROM loan_transactions WHERE kind = 'reversal'"); n != 1 {
		t.Errorf("%d reversals stored, want the one", n)
	}
	if n := count(t, e.conn, fmt.Sprintf(`SELECT count(*) FROM audit_log WHERE entity = 'loan_transaction' AND entity_id = '%v'`, rev["id"])); n != 1 {
		t.Errorf("audit entries of the reversal: %d", n)
	}
}

// TestReverseReschedulings: the latest first; the loan replays without it.
func TestReverseReschedulings(t *testing.T) {
	e, loanURL := ledgerEnv(t)
	postTx(t, e, loanURL, "disbursements", "2024-01-01", "12000")
	before := e.do(user.Viewer, http.MethodGet, loanURL+"?as_of=2024-12-31", nil).json(t)
	ids := []int64{}
	for _, m := range []string{"2025-06-01", "2025-12-01"} {
		r := e.do(user.Manager, http.MethodPost, loanURL+"/reschedule", map[string]any{"date": "2024-03-01", "maturity_on": m, "reason": "flood"})
		if r.status != http.StatusCreated {
			t.Fatalf("reschedule: %d %s", r.status, r.body)
		}
		ids = append(ids, int64(r.json(t)["rescheduling"].(map[string]any)["id"].(float64)))
	}
	url := func(id int64) string { return fmt.Sprintf("%s/transactions/%d/reverse", loanURL, id) }
	assertProblem(t, e.do(user.Manager, http.MethodPost, url(ids[0]), map[string]any{"reason": "x"}), 422, "transaction_id")
	for _, id := range []int64{ids[1], ids[0]} {
		if r := e.do(user.Manager, http.MethodPost, url(id), map[string]any{"reason": "agreed by mistake"}); r.status != http.StatusCreated ||
			r.json(t)["rescheduling"].(map[string]any)["reversal_reason"] != "agreed by mistake" {
			t.Fatalf("reverse rescheduling %d: %d %s", id, r.status, r.body)
		}
	}
	after := e.do(user.Viewer, http.MethodGet, loanURL+"?as_of=2024-12-31", nil).json(t)
	if fmt.Sprint(after["schedule"]) != fmt.Sprint(before["schedule"]) || after["maturity_on"] != before["maturity_on"] ||
		fmt.Sprint(after["current_terms"]) != fmt.Sprint(before["current_terms"]) {
		t.Errorf("after reversing both reschedulings:\n%v\nwant\n%v", after["schedule"], before["schedule"])
	}
	if rs := after["reschedulings"].([]any); len(rs) != 2 || rs[0].(map[string]any)["reversed_at"] == nil {
		t.Errorf("reversed reschedulings stay in the history: %v", rs)
	}
	assertProblem(t, e.do(user.Manager, http.MethodPost, url(ids[1]), map[string]any{"reason": "x"}), 409, "transaction_id")
}

// Recoveries: after a write-off, up to what it wrote off and not yet recovered; in the
// loan's figures (written off stays gross, recovered beside it) and its return.
func TestRecoveries(t *testing.T) {
	e, loanURL := ledgerEnv(t)
	postTx(t, e, loanURL, "disbursements", "2024-01-01", "12000")
	assertProblem(t, e.do(user.Manager, http.MethodPost, loanURL+"/recoveries", map[string]any{"date": "2024-02-01", "amount": "10"}), 422, "date")
	if r := e.do(user.Manager, http.MethodPost, loanURL+"/writeoffs", map[string]any{"date": "2024-03-01", "amount": "5000", "reason": "flood"}); r.status != http.StatusCreated {
		t.Fatal(string(r.body))
	}
	rec := postTx(t, e, loanURL, "recoveries", "2024-05-01", "1500")
	assertProblem(t, e.do(user.Manager, http.MethodPost, loanURL+"/recoveries", map[string]any{"date": "2024-06-01", "amount": "3500.01"}), 422, "amount")
	d := e.do(user.Viewer, http.MethodGet, loanURL+"?as_of=2024-06-30", nil).json(t)
	if d["written_off"] != "5000.00" || d["recovered"] != "1500.00" || d["outstanding_principal"] != "7000.00" {
		t.Errorf("after a recovery: written off %v, recovered %v, outstanding %v", d["written_off"], d["recovered"], d["outstanding_principal"])
	}
	if items := e.do(user.Viewer, http.MethodGet, "/api/v1/loans", nil).json(t)["items"].([]any); items[0].(map[string]any)["outstanding_principal"] != "7000.00" {
		t.Errorf("the list counts the recovery as principal repaid: %v", items[0])
	}
	if r := e.do(user.Manager, http.MethodPost, fmt.Sprintf("%s/transactions/%d/reverse", loanURL, rec), map[string]any{"reason": "bounced"}); r.status != http.StatusCreated ||
		r.json(t)["loan"].(map[string]any)["recovered"] != "0.00" {
		t.Errorf("reversing the recovery: %d %s", r.status, r.body)
	}
}
