package loan

import (
	"context"
	"strings"
	"testing"

	"github.com/govalues/decimal"

	"cartera/internal/audit"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/civil"
)

func TestProjectedSchedule(t *testing.T) {
	terms := usd("120000", "0.12", Thirty360, "2024-01-15", "2024-04-15", "2025-01-15", EqualPrincipal, Quarterly)
	got, err := ProjectedSchedule(terms)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 {
		t.Fatalf("%d installments, want 4", len(got))
	}
	// Equal principal on the whole commitment, interest on the declining balance
	// (30/360: a quarter is exactly 1/4 of a year, so 12 % a year is 3 % a quarter).
	want := [][3]string{{"2024-04-15", "30000", "3600"}, {"2024-07-15", "30000", "2700"}, {"2024-10-15", "30000", "1800"}, {"2025-01-15", "30000", "900"}}
	for i, w := range want {
		in := got[i]
		if fmtDate(in.DueOn) != w[0] || in.Principal.Cmp(d(w[1])) != 0 || in.Interest.Cmp(d(w[2])) != 0 {
			t.Errorf("installment %d: %s %s %s, want %v", i+1, fmtDate(in.DueOn), in.Principal, in.Interest, w)
		}
		if in.PaidPrincipal.IsPos() || in.PaidInterest.IsPos() {
			t.Errorf("installment %d shows something paid", i+1)
		}
	}

	// Bad terms are the terms' own errors, field by field.
	terms.Rate = d("12.5")
	_, err = ProjectedSchedule(terms)
	if e, ok := apperr.As(err); !ok || e.Kind != apperr.KindInvalid || e.Fields[0].Field != "interest_rate" {
		t.Fatalf("bad rate: %v", err)
	}
}

// TestPreviewAndPostIfUnchanged: a dry run gives the allocation Post then stores and
// writes nothing; a post decided on an outdated version is refused, naming what changed.
func TestPreviewAndPostIfUnchanged(t *testing.T) {
	ctx := context.Background()
	s, conn, _, _ := bookService(t, civil.Today())
	if _, err := conn.Exec(`INSERT INTO funds (name, base_currency) VALUES ('F', 'USD');
		INSERT INTO partners (name, country, legal_status) VALUES ('P', 'BO', 'ngo')`); err != nil {
		t.Fatal(err)
	}
	actor := audit.System("test")
	terms := usd("100000", "0.10", ACT360, "2024-01-10", "2024-04-10", "2025-01-10", EqualPrincipal, Quarterly)
	l, err := s.Create(ctx, actor, NewLoan{PartnerID: 1, Reference: "L1", Terms: terms})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Post(ctx, actor, l.ID, disburse(0, "2024-01-10", "100000")); err != nil {
		t.Fatal(err)
	}
	opened, err := s.Get(ctx, l.ID, date("2024-05-01"))
	if err != nil {
		t.Fatal(err)
	}

	// Late on the first installment: interest first, then principal, the rest prepaid.
	pay := repay(0, "2024-05-01", "60000")
	pv, err := s.Preview(ctx, l.ID, "", pay)
	if err != nil {
		t.Fatal(err)
	}
	if !pv.Allocation.Interest.IsPos() || !pv.Allocation.Prepaid.IsPos() {
		t.Fatalf("allocation %+v", pv.Allocation)
	}
	if sum := add(pv.Allocation.Interest, pv.Allocation.Principal); sum.Cmp(d("60000")) != 0 {
		t.Fatalf("allocation adds up to %s", sum)
	}
	if again, _ := s.Get(ctx, l.ID, date("2024-05-01")); again.Version != opened.Version || len(again.Transactions) != 1 {
		t.Fatal("the preview wrote something")
	}
	// Too much is Post's own error.
	if _, err := s.Preview(ctx, l.ID, "", repay(0, "2024-05-01", "500000")); !apperr.IsKind(err, apperr.KindInvalid) {
		t.Fatalf("too much: %v", err)
	}

	// Someone else records a repayment first: the form opened before it is refused.
	if _, err := s.PostIfUnchanged(ctx, actor, l.ID, opened.Version, repay(0, "2024-04-10", "1000")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Preview(ctx, l.ID, opened.Version, pay); !apperr.IsKind(err, apperr.KindConflict) {
		t.Fatalf("stale preview: %v", err)
	}
	_, err = s.PostIfUnchanged(ctx, actor, l.ID, opened.Version, pay)
	if e, ok := apperr.As(err); !ok || e.Kind != apperr.KindConflict || !strings.Contains(e.Message, "a repayment of 1000.00 USD on 2024-04-10 was recorded") {
		t.Fatalf("stale post: %v", err)
	}
	now, err := s.Get(ctx, l.ID, date("2024-05-01"))
	if err != nil {
		t.Fatal(err)
	}
	if len(now.Transactions) != 2 || now.Version == opened.Version {
		t.Fatalf("%d transactions, version %s", len(now.Transactions), now.Version)
	}
	// On the current version it is recorded, allocated as its preview (redone) says.
	pv, err = s.Preview(ctx, l.ID, "", pay)
	if err != nil {
		t.Fatal(err)
	}
	posted, err := s.PostIfUnchanged(ctx, actor, l.ID, now.Version, pay)
	if err != nil {
		t.Fatal(err)
	}
	if tx := posted.Transaction; tx.Interest.Cmp(pv.Allocation.Interest) != 0 || tx.Principal.Cmp(pv.Allocation.Principal) != 0 || tx.Prepaid.Cmp(pv.Allocation.Prepaid) != 0 {
		t.Fatalf("posted %+v, previewed %+v", *tx, pv.Allocation)
	}
}

// TestAnnuityBeyondTheDecimalRange: a high rate over many monthly installments puts
// (1+r)^n beyond the decimals' range; the schedule is still computed (the level
// installment is then the interest alone), not a failure.
func TestAnnuityBeyondTheDecimalRange(t *testing.T) {
	terms := usd("100000", "0.99", ACT360, "2026-01-01", "2026-02-01", "2099-01-01", Annuity, Monthly)
	if err := terms.Validate(); err != nil {
		t.Fatalf("the terms themselves are valid: %v", err)
	}
	got, err := ProjectedSchedule(terms)
	if err != nil {
		t.Fatalf("schedule: %v", err)
	}
	first := got[0]
	// 100,000 × 0.99 / 12 = 8,250.00 a month: the principal share rounds to nothing.
	if first.Principal.Sign() != 0 || first.Interest.IsZero() {
		t.Errorf("first installment: principal %s, interest %s", first.Principal, first.Interest)
	}
	last := got[len(got)-1]
	if last.Principal.Cmp(decimal.MustParse("100000")) != 0 {
		t.Errorf("the last installment repays %s, want the whole 100000", last.Principal)
	}
}
