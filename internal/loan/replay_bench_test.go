package loan_test

import (
	"cartera/internal/loan"
	"cartera/internal/loan/loantest"
	"cartera/internal/platform/civil"
	"testing"
)

// BenchmarkReplay500Transactions replays a loan with 500 transactions to a date: the
// computing part of GET /api/v1/loans/{id} (BenchmarkGetLoan500 measures the whole).
func BenchmarkReplay500Transactions(b *testing.B) {
	terms, events := loantest.BusyLoan("2750")
	asOf := civil.Date(2024, 1, 10)
	for b.Loop() {
		if _, err := loan.Replay(terms, events, asOf); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReplay500TransactionsDelinquent is the worst case: weekly payments far
// below what falls due, so nearly every installment is late and each payment walks
// them all.
func BenchmarkReplay500TransactionsDelinquent(b *testing.B) {
	terms, events := loantest.BusyLoan("900")
	asOf := civil.Date(2024, 1, 10)
	for b.Loop() {
		if _, err := loan.Replay(terms, events, asOf); err != nil {
			b.Fatal(err)
		}
	}
}
