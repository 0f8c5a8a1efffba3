package loan

import (
	"context"
	"testing"

	"cartera/internal/audit"
	"cartera/internal/platform/pgtest"
)

// BenchmarkSchedule10YearMonthly derives the schedule of a 10-year monthly annuity
// (120 installments) from its terms and one disbursement (target: under 50 µs).
func BenchmarkSchedule10YearMonthly(b *testing.B) {
	terms := usd("1000000", "0.085", ACT360, "2024-01-10", "2024-02-10", "2034-01-10", Annuity, Monthly)
	events := []Event{disburse(1, "2024-01-10", "1000000")}
	asOf := date("2024-01-10")
	for b.Loop() {
		st, err := Replay(terms, events, asOf)
		if err != nil || len(st.Installments) != 120 {
			b.Fatal(err)
		}
	}
}

// BenchmarkReplay500Transactions replays a loan with 500 transactions to a date: the
// computing part of GET /api/v1/loans/{id} (BenchmarkGetLoan500 measures the whole).
func BenchmarkReplay500Transactions(b *testing.B) {
	terms, events := BusyLoan("2750")
	asOf := date("2024-01-10")
	for b.Loop() {
		if _, err := Replay(terms, events, asOf); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReplay500TransactionsDelinquent is the worst case: weekly payments far
// below what falls due, so nearly every installment is late and each payment walks
// them all.
func BenchmarkReplay500TransactionsDelinquent(b *testing.B) {
	terms, events := BusyLoan("900")
	asOf := date("2024-01-10")
	for b.Loop() {
		if _, err := Replay(terms, events, asOf); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBalancesAt50kLoans2MTransactions computes every loan's principal figures at
// a date in one SQL pass over 50,000 loans and 2,000,000 transactions (target: under
// 1 s). The book is made with generate_series: one disbursement and 39 repayments a loan.
func BenchmarkBalancesAt50kLoans2MTransactions(b *testing.B) {
	ctx := context.Background()
	conn := pgtest.New(b)
	log, err := audit.NewLog(ctx, conn)
	if err != nil {
		b.Fatal(err)
	}
	s, err := NewService(ctx, conn, log, nil)
	if err != nil {
		b.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO funds (name, base_currency) VALUES ('F', 'USD')`,
		`INSERT INTO partners (name, country, legal_status) SELECT 'P' || i, 'BO', 'ngo' FROM generate_series(1, 2000) i`,
		`INSERT INTO loans (fund_id, partner_id, reference, currency, committed_amount, interest_rate, day_count,
			signed_on, first_due_on, maturity_on, amortization, frequency, status)
		 SELECT 1, 1 + i % 2000, 'L' || i, 'USD', 100000, 0.09, 'ACT/360', d, d + 30, d + 1200, 'equal_principal', 'monthly', 'active'
		 FROM generate_series(1, 50000) i, LATERAL (SELECT date '2014-01-01' + (i % 3000) AS d) x`,
		`INSERT INTO loan_transactions (loan_id, kind, value_date, amount, principal, interest, cum_disbursed)
		 SELECT id, 'disbursement', signed_on, 100000, 100000, 0, 100000 FROM loans`,
		`INSERT INTO loan_transactions (loan_id, kind, value_date, amount, principal, interest,
		                               cum_disbursed, cum_principal_repaid, cum_interest_paid)
		 SELECT l.id, 'repayment', l.signed_on + 30 * k, 2500 + 700, 2500, 700, 100000, 2500 * k, 700 * k
		 FROM loans l, generate_series(1, 39) k`,
		`VACUUM ANALYZE loan_transactions`,
	} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	on := date("2023-06-30") // after every loan of the book was signed
	b.ResetTimer()
	for b.Loop() {
		rows, err := s.BalancesAt(ctx, on)
		if err != nil || len(rows) != 50000 {
			b.Fatalf("%d rows, %v", len(rows), err)
		}
	}
}
