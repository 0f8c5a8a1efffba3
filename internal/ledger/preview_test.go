package ledger

import (
	"context"
	"strings"
	"testing"

	"cartera/internal/audit"
	"cartera/internal/loan"
	"cartera/internal/loan/loantest"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/civil"
	"cartera/internal/platform/money"
)

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
	terms := loantest.USD("100000", "0.10", loan.ACT360, "2024-01-10", "2024-04-10", "2025-01-10", loan.EqualPrincipal, loan.Quarterly)
	l, err := s.Create(ctx, actor, NewLoan{PartnerID: 1, Reference: "L1", Terms: terms})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Post(ctx, actor, l.ID, loantest.Disburse(0, "2024-01-10", "100000")); err != nil {
		t.Fatal(err)
	}
	opened, err := s.Get(ctx, l.ID, loantest.Date("2024-05-01"))
	if err != nil {
		t.Fatal(err)
	}

	// Late on the first installment: interest first, then principal, the rest prepaid.
	pay := loantest.Repay(0, "2024-05-01", "60000")
	pv, err := s.Preview(ctx, l.ID, "", pay)
	if err != nil {
		t.Fatal(err)
	}
	if !pv.Allocation.Interest.IsPos() || !pv.Allocation.Prepaid.IsPos() {
		t.Fatalf("allocation %+v", pv.Allocation)
	}
	if sum := money.MustAdd(pv.Allocation.Interest, pv.Allocation.Principal); sum.Cmp(loantest.D("60000")) != 0 {
		t.Fatalf("allocation adds up to %s", sum)
	}
	if again, _ := s.Get(ctx, l.ID, loantest.Date("2024-05-01")); again.Version != opened.Version || len(again.Transactions) != 1 {
		t.Fatal("the preview wrote something")
	}
	// Too much is Post's own error.
	if _, err := s.Preview(ctx, l.ID, "", loantest.Repay(0, "2024-05-01", "500000")); !apperr.IsKind(err, apperr.KindInvalid) {
		t.Fatalf("too much: %v", err)
	}

	// Someone else records a repayment first: the form opened before it is refused.
	if _, err := s.PostIfUnchanged(ctx, actor, l.ID, opened.Version, loantest.Repay(0, "2024-04-10", "1000")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Preview(ctx, l.ID, opened.Version, pay); !apperr.IsKind(err, apperr.KindConflict) {
		t.Fatalf("stale preview: %v", err)
	}
	_, err = s.PostIfUnchanged(ctx, actor, l.ID, opened.Version, pay)
	if e, ok := apperr.As(err); !ok || e.Kind != apperr.KindConflict || !strings.Contains(e.Message, "a repayment of 1000.00 USD on 2024-04-10 was recorded") {
		t.Fatalf("stale post: %v", err)
	}
	now, err := s.Get(ctx, l.ID, loantest.Date("2024-05-01"))
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
