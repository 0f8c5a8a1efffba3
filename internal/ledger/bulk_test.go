package ledger

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"cartera/internal/audit"
	"cartera/internal/book"
	"cartera/internal/loan"
	"cartera/internal/loan/loantest"
	"cartera/internal/platform/civil"
)

// TestLoadStoresWhatPostWould loads random histories in bulk into one fund and posts
// the same histories event by event into another: the transactions' allocations and
// running totals, the schedules, the statuses and the book must be the same.
func TestLoadStoresWhatPostWould(t *testing.T) {
	ctx := context.Background()
	asOf := civil.Date(2045, 1, 1)
	s, conn, _, _ := bookService(t, asOf)
	_, err := conn.Exec(`INSERT INTO funds (name, base_currency) VALUES ('Posted', 'USD'), ('Loaded', 'USD');
		INSERT INTO partners (name, country, legal_status) VALUES ('A', 'BO', 'ngo'), ('B', 'PE', 'bank')`)
	ok(t, err)
	actor := audit.System("test")
	rng := rand.New(rand.NewPCG(9, 9))
	posted, loaded := int64(1), int64(2)
	var histories []History
	for n := range 60 {
		terms, events := loantest.RandomHistory(rng)
		partner := int64(1 + rng.IntN(2))
		l, err := s.Create(ctx, actor, NewLoan{FundID: &posted, PartnerID: partner, Reference: fmt.Sprint("L", n), Terms: terms})
		ok(t, err)
		for _, e := range events {
			_, err := s.Post(ctx, actor, l.ID, e)
			ok(t, err)
		}
		histories = append(histories, History{Loan: NewLoan{FundID: &loaded, PartnerID: partner, Reference: fmt.Sprint("L", n), Terms: terms}, Events: events})
	}
	// A loan already in a key the load adds to: that key is derived again, whole.
	first := histories[0]
	for _, f := range []*int64{&loaded, &posted} {
		_, err := s.Create(ctx, actor, NewLoan{FundID: f, PartnerID: first.Loan.PartnerID, Reference: "before", Terms: first.Loan.Terms})
		ok(t, err)
	}
	res, err := s.Load(ctx, actor, histories, asOf, nil)
	ok(t, err)
	if res.Loans != 60 || res.Transactions == 0 || res.Installments == 0 || res.Ranges == 0 {
		t.Errorf("load result %+v", res)
	}
	same := func(what, cols, from string) {
		t.Helper()
		q := func(fund string) string {
			return `SELECT (` + cols + `)::text FROM ` + from + ` WHERE l.fund_id = ` + fund
		}
		var diff []string
		ok(t, conn.Select(&diff, `(`+q("1")+` EXCEPT ALL `+q("2")+`) UNION ALL (`+q("2")+` EXCEPT ALL `+q("1")+`)`))
		var n int
		ok(t, conn.Get(&n, `SELECT count(*) FROM `+from+` WHERE l.fund_id = 2`))
		if len(diff) > 0 || n == 0 {
			t.Errorf("%s differ (%d rows of %d), e.g. %v", what, len(diff), n, firstFew(diff))
		}
	}
	same("loans", `l.reference, l.status, l.committed_amount, l.signed_on, l.restructured_on, l.disbursed, l.outstanding, l.current_maturity_on, l.oldest_unpaid_due_on`, `loans l`)
	same("transactions", `l.reference, t.kind, t.value_date, t.amount, t.principal, t.interest, t.prepaid,
		t.cum_disbursed, t.cum_principal_repaid, t.cum_interest_paid, t.cum_written_off, t.reason, t.late_interest, t.fee, t.overpaid`,
		`loans l JOIN loan_transactions t ON t.loan_id = l.id`)
	same("schedules", `l.reference, i.seq, i.due_on, i.principal, i.interest, i.paid_principal, i.paid_interest,
		i.written_off_principal, i.written_off_interest, i.rescheduled`, `loans l JOIN loan_installments i ON i.loan_id = l.id`)
	same("reschedulings", `l.reference, r.effective_on, r.new_maturity_on, r.new_frequency, r.new_interest_rate, r.kind, r.amount`,
		`loans l JOIN loan_reschedules r ON r.loan_id = l.id`)
	var diff []string
	err = conn.Select(&diff, `
		(SELECT (partner_id, currency, from_on, to_on, outstanding, undisbursed, overdue, par30, loans)::text FROM loan_book WHERE fund_id = 1
		 EXCEPT ALL SELECT (partner_id, currency, from_on, to_on, outstanding, undisbursed, overdue, par30, loans)::text FROM loan_book WHERE fund_id = 2)
		UNION ALL
		(SELECT (partner_id, currency, from_on, to_on, outstanding, undisbursed, overdue, par30, loans)::text FROM loan_book WHERE fund_id = 2
		 EXCEPT ALL SELECT (partner_id, currency, from_on, to_on, outstanding, undisbursed, overdue, par30, loans)::text FROM loan_book WHERE fund_id = 1)`)
	ok(t, err)
	if len(diff) > 0 {
		t.Errorf("books differ (%d ranges), e.g. %v", len(diff), firstFew(diff))
	}
	// The country book too, at dates through the histories.
	for d := civil.Date(2018, 1, 1); d.Before(civil.Date(2036, 1, 1)); d = d.AddDate(0, 0, 23) {
		p, err := s.book.At(ctx, d, &posted, book.CutCountry)
		ok(t, err)
		l, err := s.book.At(ctx, d, &loaded, book.CutCountry)
		ok(t, err)
		// The key the loan "before" shares was derived with it on both sides.
		if diff := compareBook(l, p); diff != "" {
			t.Fatalf("country book at %s: loaded vs posted: %s", d.Format(civil.Layout), diff)
		}
	}
	// Ids continue after the load: a loan and an event written next do not collide.
	l3, err := s.Create(ctx, actor, NewLoan{FundID: &loaded, PartnerID: 1, Reference: "after", Terms: first.Loan.Terms})
	ok(t, err)
	if len(first.Events) > 0 {
		_, err = s.Post(ctx, actor, l3.ID, first.Events[0])
		ok(t, err)
	}
	// A history that breaks a rule loads nothing.
	bad := histories[:2:2]
	bad = append(bad, History{Loan: histories[0].Loan, Events: []loan.Event{{Kind: loan.Repayment, On: civil.Date(2030, 1, 1), Amount: loantest.D("1")}}})
	bad[2].Loan.Reference = "bad"
	if _, err := s.Load(ctx, actor, bad, asOf, nil); err == nil {
		t.Error("a repayment before any disbursement was loaded")
	}
	var n int
	ok(t, conn.Get(&n, `SELECT count(*) FROM loans WHERE reference = 'bad'`))
	if n != 0 {
		t.Errorf("%d loans of a failed load were kept", n)
	}
}

func firstFew(s []string) []string { return s[:len(s)-max(0, len(s)-4)] }
