package api_test

import (
	"net/http"
	"strconv"
	"testing"

	"cartera/internal/user"
)

// TestAmendments: a disbursed loan's terms change by dated amendments kept in its
// history (a cancellation of undisbursed commitment, a rate change), each reversed
// the latest first; bad amendments are refused naming the field and write nothing.
func TestAmendments(t *testing.T) {
	e, loanURL := ledgerEnv(t)
	postTx(t, e, loanURL, "disbursements", "2024-01-01", "8000")
	amend := func(body map[string]any) response {
		t.Helper()
		return e.do(user.Manager, http.MethodPost, loanURL+"/amendments", body)
	}
	before := count(t, e.conn, "SELECT count(*) FROM loan_reschedules")
	for _, c := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"date": "2024-03-01", "amount": "100"}, "kind"},
		{map[string]any{"kind": "waive_interest", "date": "2024-03-01"}, "kind"},
		{map[string]any{"kind": "cancel_commitment", "date": "2024-03-01"}, "amount"},
		// 4,000 of 12,000 is undisbursed.
		{map[string]any{"kind": "cancel_commitment", "date": "2024-03-01", "amount": "4000.01"}, "amount"},
		{map[string]any{"kind": "rate_change", "date": "2024-03-01"}, "rate"},
		{map[string]any{"kind": "rate_change", "date": "2024-03-01", "rate": "8"}, "rate"},
		{map[string]any{"kind": "rate_change", "rate": "0.1"}, "date"},
	} {
		assertProblem(t, amend(c.body), 422, c.field)
	}
	if n := count(t, e.conn, "SELECT count(*) FROM loan_reschedules"); n != before {
		t.Fatalf("refused amendments wrote %d rows", n-before)
	}
	r := amend(map[string]any{"kind": "cancel_commitment", "date": "2024-03-01", "amount": "3000", "reason": "the partner needs less"})
	if r.status != http.StatusCreated {
		t.Fatalf("cancel commitment: %d %s", r.status, r.body)
	}
	got := r.json(t)
	loanAfter := got["loan"].(map[string]any)
	if got["amendment"].(map[string]any)["kind"] != "cancel_commitment" || loanAfter["undisbursed"] != "1000.00" ||
		len(loanAfter["amendments"].([]any)) != 1 || len(loanAfter["reschedulings"].([]any)) != 0 {
		t.Errorf("after the cancellation: %s", r.body)
	}
	cancelID := int64(got["amendment"].(map[string]any)["id"].(float64))
	r = amend(map[string]any{"kind": "rate_change", "date": "2024-03-16", "rate": "0.06"})
	if r.status != http.StatusCreated {
		t.Fatalf("rate change: %d %s", r.status, r.body)
	}
	rateID := int64(r.json(t)["amendment"].(map[string]any)["id"].(float64))
	// From 16 March the new rate is in force, and the undisbursed 1,000 stays.
	d := e.do(user.Viewer, http.MethodGet, loanURL+"?as_of=2024-03-20", nil).json(t)
	if d["current_terms"].(map[string]any)["interest_rate"] != "0.06" || d["undisbursed"] != "1000.00" {
		t.Errorf("as of 20 March: terms %v, undisbursed %v", d["current_terms"], d["undisbursed"])
	}
	// Reversed the latest first: the cancellation waits for the rate change.
	reverse := func(id int64) response {
		return e.do(user.Manager, http.MethodPost, loanURL+"/transactions/"+strconv.FormatInt(id, 10)+"/reverse", map[string]any{"reason": "entered in error"})
	}
	assertProblem(t, reverse(cancelID), 422, "transaction_id")
	if r := reverse(rateID); r.status != http.StatusCreated {
		t.Fatalf("reverse the rate change: %d %s", r.status, r.body)
	}
	if r := reverse(cancelID); r.status != http.StatusCreated {
		t.Fatalf("reverse the cancellation: %d %s", r.status, r.body)
	}
	d = e.do(user.Viewer, http.MethodGet, loanURL+"?as_of=2024-03-20", nil).json(t)
	if d["current_terms"].(map[string]any)["interest_rate"] != "0.12" || d["undisbursed"] != "4000.00" {
		t.Errorf("both reversed, as of 20 March: terms %v, undisbursed %v", d["current_terms"], d["undisbursed"])
	}
	assertProblem(t, reverse(cancelID), 409, "transaction_id")
}

// From review: a member another kind takes is refused naming it, not dropped or left
// to a database constraint; a rate has at most 8 decimals.
func TestAmendmentMembersOfTheKind(t *testing.T) {
	e, loanURL := ledgerEnv(t)
	postTx(t, e, loanURL, "disbursements", "2024-01-01", "8000")
	for _, c := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"kind": "rate_change", "date": "2024-03-01", "rate": "0.1", "amount": "100"}, "amount"},
		{map[string]any{"kind": "cancel_commitment", "date": "2024-03-01", "amount": "100", "rate": "0.05"}, "rate"},
		{map[string]any{"kind": "rate_change", "date": "2024-03-01", "rate": "0.123456789"}, "rate"},
	} {
		assertProblem(t, e.do(user.Manager, http.MethodPost, loanURL+"/amendments", c.body), 422, c.field)
	}
}
