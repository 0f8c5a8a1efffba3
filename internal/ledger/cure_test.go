package ledger

import (
	"context"
	"testing"

	"cartera/internal/audit"
	"cartera/internal/fund"
	"cartera/internal/loan"
	"cartera/internal/platform/civil"
	"cartera/internal/platform/money"
)

// TestCureSettingRederivesTheFund: a restructured loan paid on time since stays
// restructured (in PAR30) under the default setting; when the fund's admin sets a cure
// of two installments, the change re-derives the fund's loans in its transaction: the
// stored restructuring clears and the book's PAR30 drops; cleared again, it returns.
func TestCureSettingRederivesTheFund(t *testing.T) {
	ctx := context.Background()
	s, conn, _, funds := bookService(t, civil.Date(2024, 9, 1))
	_, err := conn.Exec(`INSERT INTO funds (name, base_currency) VALUES ('F', 'USD');
		INSERT INTO partners (name, country, legal_status) VALUES ('P', 'BO', 'ngo')`)
	ok(t, err)
	actor := audit.System("test")
	terms := loan.Terms{Currency: money.MustCurrency("USD"), Committed: usd("12000"), Rate: usd("0.12"), DayCount: loan.Thirty360WholeMonth,
		SignedOn: civil.Date(2024, 1, 1), FirstDueOn: civil.Date(2024, 2, 1), MaturityOn: civil.Date(2024, 12, 1),
		Amortization: loan.EqualPrincipal, Frequency: loan.Monthly}
	l, err := s.Create(ctx, actor, NewLoan{FundID: ptr(int64(1)), PartnerID: 1, Reference: "R", Terms: terms})
	ok(t, err)
	post := func(e loan.Event) {
		t.Helper()
		_, err := s.Post(ctx, actor, l.ID, e)
		ok(t, err)
	}
	post(loan.Event{Kind: loan.Disbursement, On: civil.Date(2024, 1, 1), Amount: usd("12000")})
	// Nothing paid until a rescheduling on 15 April moves the overdue amounts.
	post(loan.Event{Kind: loan.Reschedule, On: civil.Date(2024, 4, 15), NewMaturityOn: ptr(civil.Date(2025, 4, 15))})
	for _, on := range []string{"2024-05-15", "2024-06-15", "2024-07-15"} {
		day, _ := civil.Parse(on)
		_, owed, err := s.Owed(ctx, l.ID, day)
		ok(t, err)
		post(loan.Event{Kind: loan.Repayment, On: day, Amount: owed.Due()})
	}
	state := func() (restructured bool, par30 string) {
		t.Helper()
		var on *string
		ok(t, conn.Get(&on, `SELECT restructured_on::text FROM loans WHERE id = $1`, l.ID))
		ok(t, conn.Get(&par30, `SELECT trim_scale(par30)::text FROM loan_book WHERE fund_id = 1 AND from_on <= '2024-08-31' ORDER BY from_on DESC LIMIT 1`))
		return on != nil, par30
	}
	if r, par := state(); !r || par == "0" {
		t.Fatalf("restructured, never cured: stored %v, book PAR30 %s", r, par)
	}
	setCure := func(n *int) {
		t.Helper()
		_, err := funds.UpdateSettings(ctx, actor, 1, func(st *fund.Settings) error {
			st.RestructuredCureInstallments = n
			return nil
		})
		ok(t, err)
	}
	setCure(ptr(2))
	if r, par := state(); r || par != "0" {
		t.Errorf("cured after two installments on time: stored %v, book PAR30 %s", r, par)
	}
	setCure(nil)
	if r, par := state(); !r || par == "0" {
		t.Errorf("the cure cleared: stored %v, book PAR30 %s", r, par)
	}
}
