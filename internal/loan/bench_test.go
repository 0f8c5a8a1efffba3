package loan

import (
	"testing"
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
