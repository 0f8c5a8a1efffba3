package ledger

import (
	"context"
	"testing"

	"cartera/internal/audit"
	"cartera/internal/loan"
	"cartera/internal/loan/loantest"
	"cartera/internal/platform/civil"
)

// BenchmarkReverse500 reverses a repayment on a loan with 500 transactions: the
// replay without it, the stored figures, the book and the audit entry, in one
// transaction. The book-of-record issue's target is under 20 ms. Each round first
// posts the repayment it reverses (not timed).
func BenchmarkReverse500(b *testing.B) {
	ctx := context.Background()
	s, _ := oneFundOnePartner(b, civil.Date(2024, 1, 10))
	actor := audit.System("bench")
	terms, events := loantest.BusyLoan("2750")
	l, err := s.Create(ctx, actor, NewLoan{PartnerID: 1, Reference: "BUSY", Terms: terms})
	if err != nil {
		b.Fatal(err)
	}
	for _, ev := range events {
		if _, err := s.Post(ctx, actor, l.ID, ev); err != nil {
			b.Fatal(err)
		}
	}
	last := events[len(events)-1].On
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		p, err := s.Post(ctx, actor, l.ID, loan.Event{Kind: loan.Repayment, On: last, Amount: loantest.D("1")})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := s.Reverse(ctx, actor, l.ID, p.Transaction.ID, "bench", nil); err != nil {
			b.Fatal(err)
		}
	}
}
