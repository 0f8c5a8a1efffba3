package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"cartera/internal/audit"
	"cartera/internal/fund"
	"cartera/internal/platform/civil"
	"cartera/internal/user"
)

// ledgerEnv is an env with a fund, a partner and a loan signed in 2024.
func ledgerEnv(t *testing.T) (*env, string) {
	t.Helper()
	e := newEnv(t)
	funds, err := fund.NewService(context.Background(), e.conn, mustAudit(t, e), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := funds.Create(context.Background(), audit.System("test"), "Test Fund", "USD"); err != nil {
		t.Fatal(err)
	}
	if r := e.do(user.Manager, http.MethodPost, "/api/v1/partners", impro); r.status != http.StatusCreated {
		t.Fatal(string(r.body))
	}
	r := e.do(user.Manager, http.MethodPost, "/api/v1/partners/1/loans", newLoan(nil))
	if r.status != http.StatusCreated {
		t.Fatalf("create loan: %d %s", r.status, r.body)
	}
	return e, r.header.Get("Location")
}

func mustAudit(t *testing.T, e *env) *audit.Log {
	t.Helper()
	l, err := audit.NewLog(context.Background(), e.conn)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// newLoan is 12,000 USD at 12 %, 30/360, monthly equal principal over 2024.
func newLoan(changes map[string]any) map[string]any {
	m := map[string]any{
		"reference": "IMP-01", "currency": "USD", "committed_amount": "12000.00", "interest_rate": "0.12",
		"day_count": "30/360", "signed_on": "2024-01-01", "first_due_on": "2024-02-01", "maturity_on": "2025-01-01",
		"amortization": "equal_principal", "frequency": "monthly", "grace_periods": 0, "purpose": "Dairy producers programme",
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

func TestLoanLife(t *testing.T) {
	e, loanURL := ledgerEnv(t)
	post := func(path string, body map[string]any) map[string]any {
		t.Helper()
		r := e.do(user.Manager, http.MethodPost, loanURL+path, body)
		if r.status != http.StatusCreated {
			t.Fatalf("POST %s: %d %s", path, r.status, r.body)
		}
		return r.json(t)
	}
	post("/disbursements", map[string]any{"date": "2024-01-01", "amount": "12000.00"})
	// Pay February's installment (1,000 + 120) and prepay 5,500: lower installments, same term.
	got := post("/repayments", map[string]any{"date": "2024-02-01", "amount": "6620.00"})
	tx := got["transaction"].(map[string]any)
	if tx["interest"] != "120.00" || tx["principal"] != "6500.00" || tx["prepaid"] != "5500.00" {
		t.Errorf("allocation: %v", tx)
	}

	r := e.do(user.Viewer, http.MethodGet, loanURL+"?as_of=2024-05-15", nil)
	var d struct {
		Disbursed, Outstanding, OverduePrincipal, OverdueInterest, Status, Aging string
		DPD                                                                      int `json:"days_past_due"`
		Schedule                                                                 []map[string]any
		Transactions                                                             []map[string]any
		XIRR                                                                     *float64
	}
	if err := json.Unmarshal(r.body, &d); err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	_ = json.Unmarshal(r.body, &raw)
	if raw["outstanding_principal"] != "5500.00" || raw["disbursed"] != "12000.00" || raw["status"] != "active" {
		t.Errorf("balances: %s", r.body)
	}
	// Nothing paid since: March, April and May (due 1 May) are late, 500 + interest each.
	// Interest follows the cash (rules 3): the unpaid principal goes on bearing it, so
	// each month is 5,500 × 1 % = 55, 165 in all (rules 2 charged the scheduled 5,500,
	// 5,000 and 4,500: 150).
	if raw["overdue_principal"] != "1500.00" || raw["overdue_interest"] != "165.00" || raw["days_past_due"].(float64) != 75 || raw["aging_bucket"] != "61-90" {
		t.Errorf("arrears at 2024-05-15: %v %v %v %v", raw["overdue_principal"], raw["overdue_interest"], raw["days_past_due"], raw["aging_bucket"])
	}
	if len(d.Schedule) != 12 || d.Schedule[2]["status"] != "late" || d.Schedule[0]["status"] != "paid" || d.Schedule[11]["principal"] != "500.00" {
		t.Errorf("schedule: %v", d.Schedule)
	}
	// Return to date: −12,000 on 1 Jan, +6,620 on 1 Feb, 5,500 still out on 15 May
	// (the 165 of late interest is not counted): NPV is zero near 4.9 % a year.
	if x, ok := raw["xirr"].(float64); len(d.Transactions) != 2 || !ok || x < 0.045 || x > 0.053 {
		t.Errorf("transactions %d, xirr %v (want about 0.049)", len(d.Transactions), raw["xirr"])
	}
	// Before the repayment, the same loan as of 2024-01-15.
	r = e.do(user.Viewer, http.MethodGet, loanURL+"?as_of=2024-01-15", nil)
	if raw := r.json(t); raw["outstanding_principal"] != "12000.00" || len(raw["transactions"].([]any)) != 1 {
		t.Errorf("as of 2024-01-15: %v %v", raw["outstanding_principal"], raw["transactions"])
	}

	// Write off part, then reschedule what is left: history kept and shown.
	post("/writeoffs", map[string]any{"date": "2024-06-10", "amount": "500.00", "reason": "Flood in the Altiplano"})
	got = post("/reschedule", map[string]any{"date": "2024-06-15", "maturity_on": "2026-06-15", "frequency": "quarterly", "interest_rate": "0.10", "reason": "Restructuring after the flood"})
	loanAfter := got["loan"].(map[string]any)
	if loanAfter["days_past_due"].(float64) != 0 || loanAfter["current_terms"].(map[string]any)["frequency"] != "quarterly" {
		t.Errorf("after rescheduling: dpd %v terms %v", loanAfter["days_past_due"], loanAfter["current_terms"])
	}
	if n := len(loanAfter["reschedulings"].([]any)); n != 1 {
		t.Errorf("reschedulings shown: %d", n)
	}

	list := e.do(user.Viewer, http.MethodGet, "/api/v1/loans?partner_id=1&status=active", nil)
	if items := list.json(t)["items"].([]any); len(items) != 1 || items[0].(map[string]any)["outstanding_principal"] != "5000.00" {
		t.Errorf("list: %s", list.body)
	}
	// Every write is audited; derived allocations are stored so SQL sums match.
	if n := count(t, e.conn, "SELECT count(*) FROM audit_log WHERE entity IN ('loan', 'loan_transaction', 'loan_reschedule')"); n != 5 {
		t.Errorf("ledger audit entries = %d, want 5", n)
	}
	var principal string
	if err := e.conn.Get(&principal, "SELECT principal::text FROM loan_transactions WHERE kind = 'repayment'"); err != nil || principal != "6500.0000" {
		t.Errorf("stored allocation = %s (%v)", principal, err)
	}

	// Descriptive fields change by PATCH; terms do not.
	if r := e.do(user.Manager, http.MethodPatch, loanURL, map[string]any{"purpose": "Dairy cows"}); r.status != http.StatusOK || r.json(t)["purpose"] != "Dairy cows" {
		t.Errorf("patch purpose: %d %s", r.status, r.body)
	}
	// 409, was 422 before issue 16: terms may now change until the first disbursement,
	// so after it a rate change is a conflict with the loan's state (reschedule instead).
	assertProblem(t, e.do(user.Manager, http.MethodPatch, loanURL, map[string]any{"interest_rate": "0.2"}), 409, "interest_rate")
}

func TestLedgerBadInput(t *testing.T) {
	e, loanURL := ledgerEnv(t)
	if r := e.do(user.Manager, http.MethodPost, loanURL+"/disbursements", map[string]any{"date": "2024-01-10", "amount": "10000"}); r.status != http.StatusCreated {
		t.Fatal(string(r.body))
	}
	tomorrow := civil.Today().AddDate(0, 0, 1).Format(civil.Layout)
	tests := []struct {
		name, path string
		body       any
		status     int
		fields     []string
	}{
		{"zero amount", "/disbursements", map[string]any{"date": "2024-01-10", "amount": "0"}, 422, []string{"amount"}},
		{"negative amount", "/repayments", map[string]any{"date": "2024-03-01", "amount": "-5"}, 422, []string{"amount"}},
		{"more decimals than USD has", "/repayments", map[string]any{"date": "2024-03-01", "amount": "10.001"}, 422, []string{"amount"}},
		{"not a number", "/repayments", map[string]any{"date": "2024-03-01", "amount": "1e3"}, 422, []string{"amount"}},
		{"above the commitment left", "/disbursements", map[string]any{"date": "2024-02-10", "amount": "2000.01"}, 422, []string{"amount"}},
		{"disbursement before signing", "/disbursements", map[string]any{"date": "2023-12-31", "amount": "10"}, 422, []string{"date"}},
		{"repayment above everything owed", "/repayments", map[string]any{"date": "2024-03-01", "amount": "10400.01"}, 422, []string{"amount"}},
		{"write-off above the outstanding", "/writeoffs", map[string]any{"date": "2024-03-01", "amount": "10000.01", "reason": "x"}, 422, []string{"amount"}},
		{"write-off without a reason", "/writeoffs", map[string]any{"date": "2024-03-01", "amount": "10"}, 422, []string{"reason"}},
		{"money dated in the future", "/repayments", map[string]any{"date": tomorrow, "amount": "10"}, 422, []string{"date"}},
		{"missing date and amount", "/repayments", map[string]any{}, 422, []string{"date", "amount"}},
		{"reschedule changing nothing", "/reschedule", map[string]any{"date": "2024-03-01"}, 422, []string{"maturity_on"}},
		{"reschedule to a maturity before its date", "/reschedule", map[string]any{"date": "2024-03-01", "maturity_on": "2024-02-01"}, 422, []string{"maturity_on"}},
		{"reschedule dated in the future", "/reschedule", map[string]any{"date": tomorrow, "maturity_on": "2040-01-01"}, 422, []string{"date"}},
		{"reschedule rate with 9 decimals", "/reschedule", map[string]any{"date": "2024-03-01", "interest_rate": "0.012345678"}, 422, []string{"interest_rate"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertProblem(t, e.do(user.Manager, http.MethodPost, loanURL+tt.path, tt.body), tt.status, tt.fields...)
		})
	}
	// Everything owed on 2024-03-01 is exactly 10,400: February and March installments
	// (10,000 / 12 months ... here 909.09 + 100 and 909.09 + 90.91 ...), so the boundary
	// is checked against the API's own figure.
	owed := e.do(user.Viewer, http.MethodGet, loanURL+"/owed?date=2024-03-01", nil).json(t)
	if owed["total"] == "" {
		t.Fatal("no total owed")
	}
	t.Run("a cent more than everything owed, then exactly that", func(t *testing.T) {
		var total float64
		fmt.Sscan(owed["total"].(string), &total)
		over := fmt.Sprintf("%.2f", total+0.01)
		assertProblem(t, e.do(user.Manager, http.MethodPost, loanURL+"/repayments", map[string]any{"date": "2024-03-01", "amount": over}), 422, "amount")
		r := e.do(user.Manager, http.MethodPost, loanURL+"/repayments", map[string]any{"date": "2024-03-01", "amount": owed["total"]})
		if r.status != http.StatusCreated || r.json(t)["loan"].(map[string]any)["outstanding_principal"] != "0.00" {
			t.Fatalf("paying exactly everything owed: %d %s", r.status, r.body)
		}
	})

	newLoans := []struct {
		name    string
		changes map[string]any
		fields  []string
	}{
		{"unknown currency", map[string]any{"reference": "X1", "currency": "XYZ"}, []string{"currency"}},
		{"empty currency", map[string]any{"reference": "X1b", "currency": ""}, []string{"currency"}},
		{"maturity before first due", map[string]any{"reference": "X2", "maturity_on": "2024-01-15"}, []string{"maturity_on"}},
		{"first due before signing", map[string]any{"reference": "X3", "first_due_on": "2023-12-01"}, []string{"first_due_on"}},
		{"rate as a percentage", map[string]any{"reference": "X4", "interest_rate": "8.5"}, []string{"interest_rate"}},
		{"cents on a yen loan", map[string]any{"reference": "X5", "currency": "JPY", "committed_amount": "1000.50"}, []string{"committed_amount"}},
		{"unknown day count and frequency", map[string]any{"reference": "X6", "day_count": "ACT/ACT", "frequency": "weekly"}, []string{"day_count", "frequency"}},
		{"missing fields", map[string]any{"reference": "X7", "currency": nil, "signed_on": nil}, []string{"currency", "signed_on"}},
		{"duplicate reference", map[string]any{}, []string{"reference"}},
	}
	for _, tt := range newLoans {
		t.Run("new loan: "+tt.name, func(t *testing.T) {
			status := 422
			if tt.name == "duplicate reference" {
				status = 409
			}
			assertProblem(t, e.do(user.Manager, http.MethodPost, "/api/v1/partners/1/loans", newLoan(tt.changes)), status, tt.fields...)
		})
	}
	assertProblem(t, e.do(user.Manager, http.MethodPost, "/api/v1/partners/99/loans", newLoan(map[string]any{"reference": "X8"})), 404)
	assertProblem(t, e.do(user.Viewer, http.MethodGet, "/api/v1/loans/99", nil), 404)
	assertProblem(t, e.do(user.Manager, http.MethodPost, "/api/v1/loans/99/repayments", map[string]any{"date": "2024-03-01", "amount": "1"}), 404)
	assertProblem(t, e.do(user.Viewer, http.MethodGet, loanURL+"?as_of=yesterday", nil), 422, "as_of")
	assertProblem(t, e.do(user.Viewer, http.MethodPost, loanURL+"/repayments", map[string]any{"date": "2024-03-01", "amount": "1"}), 403)

	assertProblem(t, e.do(user.Admin, http.MethodPost, "/api/v1/funds", map[string]any{"name": "Other", "base_currency": "XYZ"}), 422, "base_currency")
	if n := count(t, e.conn, "SELECT count(*) FROM loan_transactions WHERE kind = 'disbursement'"); n != 1 {
		t.Errorf("disbursements = %d, want the one: bad input must write nothing", n)
	}
	if n := count(t, e.conn, "SELECT count(*) FROM loans"); n != 1 {
		t.Errorf("loans = %d, want 1", n)
	}
	if n := count(t, e.conn, "SELECT count(*) FROM loan_reschedules"); n != 0 {
		t.Errorf("reschedules = %d, want 0", n)
	}
}

// TestConcurrentRepayments posts two repayments at the same moment, each more than
// half of what is owed: one lands, the other is refused cleanly, and the books add up.
func TestConcurrentRepayments(t *testing.T) {
	e, loanURL := ledgerEnv(t)
	if r := e.do(user.Manager, http.MethodPost, loanURL+"/disbursements", map[string]any{"date": "2024-01-01", "amount": "12000"}); r.status != http.StatusCreated {
		t.Fatal(string(r.body))
	}
	for round := 0; round < 5; round++ {
		owed := e.do(user.Viewer, http.MethodGet, loanURL+"/owed?date=2024-01-20", nil).json(t)["total"].(string)
		var total float64
		fmt.Sscan(owed, &total)
		if total == 0 {
			break
		}
		amount := fmt.Sprintf("%.2f", total*0.6)
		var wg sync.WaitGroup
		statuses := make([]int, 2)
		for i := range statuses {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = e.do(user.Manager, http.MethodPost, loanURL+"/repayments", map[string]any{"date": "2024-01-20", "amount": amount}).status
			}()
		}
		wg.Wait()
		created := 0
		for _, s := range statuses {
			if s == http.StatusCreated {
				created++
			} else if s != http.StatusUnprocessableEntity {
				t.Fatalf("round %d: status %d", round, s)
			}
		}
		if created != 1 {
			t.Fatalf("round %d: %d of 2 repayments of %s (owed %s) landed, want exactly 1", round, created, amount, owed)
		}
	}
	// The stored allocations add up to what the loan says.
	var repaid, outstanding string
	if err := e.conn.QueryRow(`SELECT sum(principal)::numeric(19,2)::text FROM loan_transactions WHERE kind = 'repayment'`).Scan(&repaid); err != nil {
		t.Fatal(err)
	}
	d := e.do(user.Viewer, http.MethodGet, loanURL+"?as_of=2024-01-20", nil).json(t)
	outstanding = d["outstanding_principal"].(string)
	if d["principal_repaid"] != repaid {
		t.Errorf("principal repaid: stored %s, replayed %v", repaid, d["principal_repaid"])
	}
	if outstanding == "12000.00" {
		t.Error("nothing was repaid")
	}
}

func TestFXRates(t *testing.T) {
	e := newEnv(t)
	r := e.do(user.Manager, http.MethodPut, "/api/v1/fx-rates", map[string]any{"rates": []map[string]any{
		{"date": "2024-01-01", "currency": "BOB", "rate": "6.96"},
		{"date": "2024-01-01", "currency": "EUR", "rate": "0.9050"},
		{"date": "2024-02-01", "currency": "eur", "rate": "0.9250"},
	}})
	if r.status != http.StatusOK {
		t.Fatalf("put: %d %s", r.status, r.body)
	}
	list := e.do(user.Viewer, http.MethodGet, "/api/v1/fx-rates?currency=EUR&from=2024-01-15", nil)
	if items := list.json(t)["items"].([]any); len(items) != 1 || items[0].(map[string]any)["rate"] != "0.925" {
		t.Errorf("list: %s", list.body)
	}
	assertProblem(t, e.do(user.Manager, http.MethodPut, "/api/v1/fx-rates", map[string]any{"rates": []map[string]any{
		{"date": "2024-01-01", "currency": "BOB", "rate": "0"},
		{"date": "2024-13-01", "currency": "XYZ", "rate": "-1"},
		{"date": "2024-01-01", "currency": "USD", "rate": "1"},
	}}), 422, "rates[0].rate", "rates[1].date", "rates[1].currency", "rates[1].rate", "rates[2].currency")
	if n := count(t, e.conn, "SELECT count(*) FROM fx_rates"); n != 3 {
		t.Errorf("rates = %d: a bad batch must write nothing", n)
	}
	if n := count(t, e.conn, "SELECT count(*) FROM audit_log WHERE entity = 'fx_rate'"); n != 3 {
		t.Errorf("fx audit entries = %d, want 3", n)
	}
}

// Day counts by the names agreements use: other spellings are read as the convention
// they name and answered by its name (ACT/365 is ACT/365F); the legacy 30/360
// whole-month stays accepted; an unknown one is refused with the list.
func TestDayCountNames(t *testing.T) {
	e, _ := ledgerEnv(t)
	for i, c := range []struct{ in, want string }{
		{"act/365", "ACT/365F"}, {"Actual/365 Fixed", "ACT/365F"}, {"30e/360 isda", "30E/360 ISDA"},
		{"ACT/ACT ISDA", "ACT/ACT ISDA"}, {"30/360", "30/360"}, {"30/360 whole-month", "30/360 whole-month"},
	} {
		r := e.do(user.Manager, http.MethodPost, "/api/v1/partners/1/loans", newLoan(map[string]any{"reference": fmt.Sprintf("DC%d", i), "day_count": c.in}))
		if r.status != http.StatusCreated || r.json(t)["day_count"] != c.want {
			t.Errorf("day_count %q: %d %s, want %q", c.in, r.status, r.body, c.want)
		}
	}
	r := e.do(user.Manager, http.MethodPost, "/api/v1/partners/1/loans", newLoan(map[string]any{"reference": "DCX", "day_count": "ACT/ACT"}))
	assertProblem(t, r, 422, "day_count")
	if !strings.Contains(string(r.body), "ACT/360, ACT/365F, ACT/ACT ISDA, 30/360, 30E/360, 30E/360 ISDA, 30/360 whole-month") {
		t.Errorf("the refusal does not list the conventions: %s", r.body)
	}
}

// Until the first disbursement every term can be corrected; a loan entered by mistake
// is cancelled, stays listed and leaves every total; afterwards neither.
func TestEditTermsAndCancelBeforeDisbursement(t *testing.T) {
	e, loanURL := ledgerEnv(t)
	r := e.do(user.Manager, http.MethodPatch, loanURL, map[string]any{"interest_rate": "0.095", "day_count": "act/365",
		"maturity_on": "2025-07-01", "amortization": "annuity", "committed_amount": "15000.00"})
	got := r.json(t)
	if r.status != http.StatusOK || got["interest_rate"] != "0.095" || got["day_count"] != "ACT/365F" || got["maturity_on"] != "2025-07-01" ||
		got["amortization"] != "annuity" || got["committed_amount"] != "15000.00" {
		t.Fatalf("edit terms: %d %s", r.status, r.body)
	}
	assertProblem(t, e.do(user.Manager, http.MethodPatch, loanURL, map[string]any{"maturity_on": "2023-01-01"}), 422, "maturity_on")
	if n := count(t, e.conn, "SELECT count(*) FROM audit_log WHERE entity = 'loan' AND action = 'update'"); n != 1 {
		t.Errorf("audit entries of the edit: %d", n)
	}
	// Cancelled: listed, out of exposure; nothing more can be recorded on it.
	assertProblem(t, e.do(user.Manager, http.MethodPost, loanURL+"/cancel", map[string]any{"reason": " "}), 422, "reason")
	if r := e.do(user.Manager, http.MethodPost, loanURL+"/cancel", map[string]any{"reason": "entered for the wrong partner"}); r.status != http.StatusOK ||
		r.json(t)["status"] != "cancelled" {
		t.Fatalf("cancel: %d %s", r.status, r.body)
	}
	assertProblem(t, e.do(user.Manager, http.MethodPost, loanURL+"/cancel", map[string]any{"reason": "again"}), 409)
	if d := e.do(user.Viewer, http.MethodGet, loanURL, nil).json(t); d["status"] != "cancelled" || d["undisbursed"] != "0.00" {
		t.Errorf("a cancelled loan's detail: status %v, undisbursed %v", d["status"], d["undisbursed"])
	}
	assertProblem(t, e.do(user.Manager, http.MethodPost, loanURL+"/disbursements", map[string]any{"date": "2024-01-10", "amount": "100"}), 409)
	assertProblem(t, e.do(user.Manager, http.MethodPatch, loanURL, map[string]any{"purpose": "x"}), 409)
	if items := e.do(user.Viewer, http.MethodGet, "/api/v1/loans?status=cancelled", nil).json(t)["items"].([]any); len(items) != 1 {
		t.Errorf("cancelled loans listed: %v", items)
	}
	ex := e.do(user.Viewer, http.MethodGet, "/api/v1/exposure?by=partner", nil).json(t)
	if total := ex["total"].(map[string]any); total["undisbursed"] != "0.00" || total["loans"] != float64(0) {
		t.Errorf("a cancelled loan still counts in exposure: %v", total)
	}

	// A disbursed loan cannot be cancelled, nor its terms changed.
	other := e.do(user.Manager, http.MethodPost, "/api/v1/partners/1/loans", newLoan(map[string]any{"reference": "OTHER"}))
	otherURL := other.header.Get("Location")
	postTx(t, e, otherURL, "disbursements", "2024-01-10", "1000")
	assertProblem(t, e.do(user.Manager, http.MethodPost, otherURL+"/cancel", map[string]any{"reason": "oops"}), 422, "status")
	assertProblem(t, e.do(user.Manager, http.MethodPatch, otherURL, map[string]any{"frequency": "quarterly"}), 409, "frequency")
}
