package ledger

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"cartera/internal/audit"
	"cartera/internal/loan"
	"cartera/internal/loan/loantest"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/civil"
	"cartera/internal/platform/money"

	"github.com/jmoiron/sqlx"
)

// TestRestateUnderNewRules: a book whose figures were derived under the first rules
// is replayed once under the current ones. Fineract's C3159 loan (100 at 12 %, six
// months, ACT/365F) was stored with the first rules' uneven first installment (its
// principal share from the nominal monthly rate: 16.25 + 1.02 = 17.27); the
// restatement stores Fineract's level schedule (16.23 + 1.02 = 17.25), reports the
// figure before and after, audits it once, and leaves an unchanged loan alone. A
// second run, under the same rules, does nothing.
func TestRestateUnderNewRules(t *testing.T) {
	ctx := context.Background()
	s, conn := oneFundOnePartner(t, civil.Date(2024, 7, 15))
	actor := audit.System("test")
	create := func(ref string, terms loan.Terms) int64 {
		l, err := s.Create(ctx, actor, NewLoan{PartnerID: 1, Reference: ref, Terms: terms})
		ok(t, err)
		_, err = s.Post(ctx, actor, l.ID, loan.Event{Kind: loan.Disbursement, On: terms.SignedOn, Amount: terms.Committed})
		ok(t, err)
		return l.ID
	}
	emi := create("C3159", loantest.USD("100", "0.12", loan.ACT365F, "2024-01-01", "2024-02-01", "2024-07-01", loan.Annuity, loan.Monthly))
	flat := create("FLAT", loantest.USD("1000", "0.10", loan.ACT360, "2024-01-01", "2024-02-01", "2024-07-01", loan.EqualPrincipal, loan.Monthly))
	for _, q := range []string{
		`UPDATE loan_installments SET principal = 16.25 WHERE loan_id = $1 AND seq = 1`,
		`UPDATE loan_installments SET principal = 17.09 WHERE loan_id = $1 AND seq = 6`,
		`INSERT INTO app_meta (key, value) SELECT 'ledger_rules', '1' WHERE $1 > 0 ON CONFLICT (key) DO UPDATE SET value = '1'`,
	} {
		if _, err := conn.Exec(q, emi); err != nil {
			t.Fatal(err)
		}
	}

	res, err := s.Restate(ctx, audit.System("ledger rules"), nil)
	ok(t, err)
	if res.From != 1 || res.To != loan.Rules || res.Loans != 2 || res.Changed != 1 {
		report, _ := s.ListRestatements(ctx)
		t.Fatalf("restatement: %+v %+v", res, report)
	}
	d, err := s.Get(ctx, emi, civil.Date(2024, 7, 15))
	ok(t, err)
	if in := d.State.Installments; !in[0].Principal.Equal(loantest.D("16.23")) || !in[5].Principal.Equal(loantest.D("17.11")) {
		t.Errorf("restated schedule: first %s, last %s; want Fineract's 16.23 and 17.11", in[0].Principal, in[5].Principal)
	}
	report, err := s.ListRestatements(ctx)
	ok(t, err)
	got := map[string][2]string{}
	for _, r := range report {
		if r.LoanID != emi || r.Rules != loan.Rules || r.Reference != "C3159" {
			t.Errorf("restatement of another loan, or under other rules: %+v", r)
		}
		got[r.Field] = [2]string{r.Before, r.After}
	}
	if len(got) != 2 || got["installment 1 principal"] != [2]string{"16.25", "16.23"} || got["installment 6 principal"] != [2]string{"17.09", "17.11"} {
		t.Errorf("report: %v", got)
	}
	var entries []struct {
		Before, After json.RawMessage
	}
	if err := conn.Select(&entries, `SELECT before, after FROM audit_log WHERE entity = 'loan' AND entity_id = $1 AND action = 'update'`, emi); err != nil || len(entries) != 1 {
		t.Fatalf("audit entries of the restated loan: %d %v", len(entries), err)
	}
	var n int
	if err := conn.Get(&n, `SELECT count(*) FROM audit_log WHERE entity = 'loan' AND entity_id = $1 AND action = 'update'`, flat); err != nil || n != 0 {
		t.Errorf("the unchanged loan was audited %d times (%v)", n, err)
	}

	again, err := s.Restate(ctx, audit.System("ledger rules"), nil)
	ok(t, err)
	if again.From != loan.Rules || again.Loans != 0 {
		t.Errorf("a second restatement: %+v", again)
	}
}

// A payoff recorded under the first rules paid what they said was owed; the level
// schedule owes a little less, so the restated payoff leaves a credit (overpaid), the
// report says so, and the loan stays readable and writable: a new write that would
// overpay is still refused.
func TestRestatedPayoffLeavesACredit(t *testing.T) {
	ctx := context.Background()
	s, conn := oneFundOnePartner(t, civil.Date(2024, 7, 15))
	actor := audit.System("test")
	terms := loantest.USD("100", "0.12", loan.ACT365F, "2024-01-01", "2024-02-01", "2024-07-01", loan.Annuity, loan.Monthly)
	l, err := s.Create(ctx, actor, NewLoan{PartnerID: 1, Reference: "PAYOFF", Terms: terms})
	ok(t, err)
	_, err = s.Post(ctx, actor, l.ID, loan.Event{Kind: loan.Disbursement, On: terms.SignedOn, Amount: terms.Committed})
	ok(t, err)
	owed, err := loan.OwedOn(terms, []loan.Event{{ID: 1, Kind: loan.Disbursement, On: terms.SignedOn, Amount: terms.Committed}}, civil.Date(2024, 3, 1))
	ok(t, err)
	// The payoff as the first rules computed it: 0.05 more than the level schedule owes.
	payoff := money.MustAdd(owed.Total(), loantest.D("0.05"))
	_, err = s.Post(ctx, actor, l.ID, loan.Event{Kind: loan.Repayment, On: civil.Date(2024, 3, 1), Amount: payoff})
	if e, is := apperr.As(err); !is || e.Fields[0].Field != "amount" || !strings.Contains(e.Fields[0].Message, "more than everything owed on 2024-03-01") {
		t.Fatalf("a new overpayment: %v, want it refused on amount", err)
	}
	if _, err := conn.Exec(`INSERT INTO loan_transactions (loan_id, kind, value_date, amount, principal) VALUES ($1, 'repayment', '2024-03-01', $2, $2)`,
		l.ID, payoff.String()); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(`INSERT INTO app_meta (key, value) VALUES ('ledger_rules', '1') ON CONFLICT (key) DO UPDATE SET value = '1'`); err != nil {
		t.Fatal(err)
	}
	res, err := s.Restate(ctx, audit.System("ledger rules"), nil)
	ok(t, err)
	if res.Changed != 1 || res.Refused != 0 {
		t.Fatalf("restatement: %+v", res)
	}
	d, err := s.Get(ctx, l.ID, civil.Date(2024, 7, 15))
	ok(t, err)
	if !d.State.Overpaid.Equal(loantest.D("0.05")) || !d.Balances.Outstanding.IsZero() {
		t.Errorf("after the restatement: overpaid %s, outstanding %s", d.State.Overpaid, d.Balances.Outstanding)
	}
	if _, err := s.Get(ctx, l.ID, civil.Date(2024, 2, 15)); err != nil {
		t.Errorf("the loan before its payoff: %v", err)
	}
	report, err := s.ListRestatements(ctx)
	ok(t, err)
	found := false
	for _, r := range report {
		found = found || strings.HasSuffix(r.Field, " overpaid") && r.Before == "0.00" && r.After == "0.05"
	}
	if !found {
		t.Errorf("the report does not show the credit: %+v", report)
	}
}

// A loan whose stored history the rules refuse (here a repayment dated before any
// disbursement, written behind the ledger's back) keeps its figures and is reported;
// the restatement, and so the service's start, goes on.
func TestRestateReportsALoanItCannotReplay(t *testing.T) {
	ctx := context.Background()
	s, conn := oneFundOnePartner(t, civil.Date(2024, 7, 15))
	terms := loantest.USD("100", "0.12", loan.ACT360, "2024-01-01", "2024-02-01", "2024-07-01", loan.Bullet, loan.Monthly)
	l, err := s.Create(ctx, audit.System("test"), NewLoan{PartnerID: 1, Reference: "ODD", Terms: terms})
	ok(t, err)
	for _, q := range []string{
		`INSERT INTO loan_transactions (loan_id, kind, value_date, amount, principal) VALUES ($1, 'repayment', '2024-01-05', 10, 10)`,
		`INSERT INTO app_meta (key, value) SELECT 'ledger_rules', '1' WHERE $1 > 0 ON CONFLICT (key) DO UPDATE SET value = '1'`,
	} {
		if _, err := conn.Exec(q, l.ID); err != nil {
			t.Fatal(err)
		}
	}
	res, err := s.Restate(ctx, audit.System("ledger rules"), nil)
	if err != nil || res.Refused != 1 || res.To != loan.Rules {
		t.Fatalf("restatement: %+v %v", res, err)
	}
	report, err := s.ListRestatements(ctx)
	ok(t, err)
	if len(report) != 1 || report[0].Field != "not restated" || !strings.Contains(report[0].After, "before the first disbursement") {
		t.Errorf("report: %+v", report)
	}
}

// A loan whose every entry was reversed takes new terms (its stored schedule follows
// them, as a replay does), can then be cancelled, and a restatement leaves it alone.
func TestReversedThenCorrectedThenCancelled(t *testing.T) {
	ctx := context.Background()
	s, conn := oneFundOnePartner(t, civil.Date(2024, 7, 15))
	actor := audit.System("test")
	terms := loantest.USD("1200", "0.12", loan.ACT360, "2024-01-01", "2024-02-01", "2024-12-01", loan.EqualPrincipal, loan.Monthly)
	l, err := s.Create(ctx, actor, NewLoan{PartnerID: 1, Reference: "OOPS", Terms: terms})
	ok(t, err)
	p, err := s.Post(ctx, actor, l.ID, loan.Event{Kind: loan.Disbursement, On: terms.SignedOn, Amount: terms.Committed})
	ok(t, err)
	_, err = s.Reverse(ctx, actor, l.ID, p.Transaction.ID, "wrong loan", nil)
	ok(t, err)
	_, err = s.Edit(ctx, actor, l.ID, func(e *Editable) error {
		e.Frequency, e.FirstDueOn = loan.Quarterly, civil.Date(2024, 3, 1)
		return nil
	})
	ok(t, err)
	stored, err := s.Get(ctx, l.ID, civil.Date(2024, 7, 15))
	ok(t, err)
	txs, rs, err := s.history(ctx, s.conn, l.ID)
	ok(t, err)
	fresh, err := detail(stored.Loan, txs, rs, civil.Date(2024, 7, 15))
	ok(t, err)
	if len(stored.State.Installments) != len(fresh.State.Installments) || len(fresh.State.Installments) != 4 {
		t.Errorf("after new terms: %d installments stored, %d replayed, want 4 quarterly", len(stored.State.Installments), len(fresh.State.Installments))
	}
	_, err = s.Cancel(ctx, actor, l.ID, "entered by mistake")
	ok(t, err)
	if _, err := conn.Exec(`INSERT INTO app_meta (key, value) VALUES ('ledger_rules', '1') ON CONFLICT (key) DO UPDATE SET value = '1'`); err != nil {
		t.Fatal(err)
	}
	res, err := s.Restate(ctx, audit.System("ledger rules"), nil)
	if err != nil || res.Changed != 0 {
		t.Errorf("restating a book with a cancelled loan: %+v %v", res, err)
	}
}

// A form decided on the loan's old terms is refused once they were corrected: the
// history version names the terms too.
func TestVersionFollowsTheTerms(t *testing.T) {
	ctx := context.Background()
	s, _ := oneFundOnePartner(t, civil.Date(2024, 7, 15))
	actor := audit.System("test")
	terms := loantest.USD("1200", "0.12", loan.ACT360, "2024-01-01", "2024-02-01", "2024-12-01", loan.EqualPrincipal, loan.Monthly)
	l, err := s.Create(ctx, actor, NewLoan{PartnerID: 1, Reference: "V", Terms: terms})
	ok(t, err)
	page, err := s.Get(ctx, l.ID, civil.Date(2024, 7, 15))
	ok(t, err)
	_, err = s.Edit(ctx, actor, l.ID, func(e *Editable) error { e.Rate = loantest.D("0.13"); return nil })
	ok(t, err)
	_, err = s.PostIfUnchanged(ctx, actor, l.ID, page.Version, loan.Event{Kind: loan.Disbursement, On: terms.SignedOn, Amount: terms.Committed})
	if !apperr.IsKind(err, apperr.KindConflict) {
		t.Fatalf("a disbursement decided on the old terms: %v, want a conflict", err)
	}
	now, err := s.Get(ctx, l.ID, civil.Date(2024, 7, 15))
	ok(t, err)
	_, err = s.PostIfUnchanged(ctx, actor, l.ID, now.Version, loan.Event{Kind: loan.Disbursement, On: terms.SignedOn, Amount: terms.Committed})
	ok(t, err)
}

// oneFundOnePartner is a ledger on its own database, today fixed, with fund 1 and
// partner 1 to lend to.
func oneFundOnePartner(t testing.TB, today time.Time) (*Service, *sqlx.DB) {
	t.Helper()
	s, conn, _, _ := bookService(t, today)
	if _, err := conn.Exec(`INSERT INTO funds (name, base_currency) VALUES ('F', 'USD');
		INSERT INTO partners (name, country, legal_status) VALUES ('P', 'BO', 'ngo')`); err != nil {
		t.Fatal(err)
	}
	return s, conn
}
