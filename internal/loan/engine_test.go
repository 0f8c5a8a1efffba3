package loan

import (
	"math"
	"math/rand"
	"testing"
	"time"

	"github.com/govalues/decimal"

	"cartera/internal/platform/apperr"
	"cartera/internal/platform/civil"
	"cartera/internal/platform/money"
)

func d(s string) decimal.Decimal { return decimal.MustParse(s) }

func date(s string) time.Time {
	t, err := civil.Parse(s)
	if err != nil {
		panic(err)
	}
	return t
}

func usd(amount, rate string, dc DayCount, signed, first, maturity string, am Amortization, f Frequency) Terms {
	return Terms{
		Currency: money.MustCurrency("USD"), Committed: d(amount), Rate: d(rate), DayCount: dc,
		SignedOn: date(signed), FirstDueOn: date(first), MaturityOn: date(maturity), Amortization: am, Frequency: f,
	}
}

func disburse(id int64, on, amount string) Event {
	return Event{ID: id, Kind: Disbursement, On: date(on), Amount: d(amount)}
}

func repay(id int64, on, amount string) Event {
	return Event{ID: id, Kind: Repayment, On: date(on), Amount: d(amount)}
}

func replay(t *testing.T, terms Terms, asOf string, events ...Event) *State {
	t.Helper()
	if err := terms.Validate(); err != nil {
		t.Fatalf("terms: %v", err)
	}
	st, err := Replay(terms, events, date(asOf))
	if err != nil {
		t.Fatalf("replay: %v", err)
	}
	return st
}

func eq(t *testing.T, what string, got decimal.Decimal, want string) {
	t.Helper()
	if !got.Equal(d(want)) {
		t.Errorf("%s = %s, want %s", what, got, want)
	}
}

func TestDayCounts(t *testing.T) {
	tests := []struct {
		name, rate              string
		dc                      DayCount
		disbursed, due, wantInt string
	}{
		// DOMAIN.md: 60 days at 1 % on 100,000 under ACT/360 is exactly 60/360 of 1,000.
		{"ACT/360, 60 days", "0.01", ACT360, "2024-01-01", "2024-03-01", "166.67"},
		{"ACT/365, 60 days", "0.01", ACT365F, "2024-01-01", "2024-03-01", "164.38"},
		// 30/360: a month is 1/12 of a year whatever the calendar says.
		{"30/360, February (28 days)", "0.12", Thirty360WholeMonth, "2023-01-31", "2023-02-28", "1000.00"},
		{"30/360, March (31 days)", "0.12", Thirty360WholeMonth, "2023-02-28", "2023-03-31", "1000.00"},
		{"30/360, leap February", "0.12", Thirty360WholeMonth, "2024-01-31", "2024-02-29", "1000.00"},
		{"30/360, mid-month", "0.12", Thirty360WholeMonth, "2023-01-15", "2023-02-15", "1000.00"},
		{"ACT/360, leap February has 29 days", "0.12", ACT360, "2024-02-01", "2024-03-01", "966.67"},
		{"ACT/365 across a leap day: 366 days", "0.10", ACT365F, "2024-01-01", "2025-01-01", "10027.40"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			terms := usd("100000", tt.rate, tt.dc, tt.disbursed, tt.due, tt.due, Bullet, Monthly)
			st := replay(t, terms, tt.due, disburse(1, tt.disbursed, "100000"))
			if len(st.Installments) != 1 {
				t.Fatalf("%d installments", len(st.Installments))
			}
			eq(t, "interest", st.Installments[0].Interest, tt.wantInt)
			eq(t, "principal", st.Installments[0].Principal, "100000")
		})
	}
}

func TestMonthEndDueDates(t *testing.T) {
	got := DueDates(date("2024-01-31"), date("2024-06-30"), Monthly)
	want := []string{"2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30", "2024-05-31", "2024-06-30"}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if fmtDate(got[i]) != want[i] {
			t.Errorf("due %d = %s, want %s", i, fmtDate(got[i]), want[i])
		}
	}
	// Non-leap year, and a maturity off the grid becomes the last installment.
	got = DueDates(date("2023-01-31"), date("2023-03-15"), Monthly)
	if fmtDate(got[1]) != "2023-02-28" || fmtDate(got[2]) != "2023-03-15" || len(got) != 3 {
		t.Errorf("got %v", got)
	}
	got = DueDates(date("2024-03-15"), date("2025-03-15"), Quarterly)
	if len(got) != 5 || fmtDate(got[4]) != "2025-03-15" {
		t.Errorf("quarterly: %v", got)
	}
}

func TestAnnuityMatchesClosedFormula(t *testing.T) {
	// 10,000 at 12 % a year, 12 monthly installments, 30/360 so every month is 1 %.
	terms := usd("10000", "0.12", Thirty360WholeMonth, "2024-01-15", "2024-02-15", "2025-01-15", Annuity, Monthly)
	st := replay(t, terms, "2024-01-15", disburse(1, "2024-01-15", "10000"))
	r := 0.01
	closed := 10000 * r / (1 - math.Pow(1+r, -12)) // 888.4878867...
	total := decimal.Zero
	for i, in := range st.Installments {
		total = add(total, in.Principal)
		inst, _ := add(in.Principal, in.Interest).Float64()
		if i < 11 && math.Abs(inst-closed) > 0.011 {
			t.Errorf("installment %d = %.2f, want %.2f", i+1, inst, closed)
		}
	}
	eq(t, "principal total", total, "10000")
	eq(t, "first interest", st.Installments[0].Interest, "100.00")
	eq(t, "first principal", st.Installments[0].Principal, "788.49")
}

func TestEqualPrincipalRemainderOnLast(t *testing.T) {
	terms := usd("10000", "0.06", ACT360, "2024-01-01", "2024-04-01", "2024-10-01", EqualPrincipal, Quarterly)
	st := replay(t, terms, "2024-01-01", disburse(1, "2024-01-01", "10000"))
	want := []string{"3333.33", "3333.33", "3333.34"}
	for i, w := range want {
		eq(t, "principal", st.Installments[i].Principal, w)
	}
	// Interest on the declining scheduled balance, actual days / 360.
	eq(t, "interest 1", st.Installments[0].Interest, "151.67") // 10,000 × 6 % × 91/360
	eq(t, "interest 2", st.Installments[1].Interest, "101.11") // 6,666.67 × 6 % × 91/360
	eq(t, "interest 3", st.Installments[2].Interest, "51.11")  // 3,333.34 × 6 % × 92/360
}

func TestGracePeriods(t *testing.T) {
	terms := usd("12000", "0.12", Thirty360WholeMonth, "2024-01-01", "2024-02-01", "2024-06-01", EqualPrincipal, Monthly)
	terms.GracePeriods = 2
	st := replay(t, terms, "2024-01-01", disburse(1, "2024-01-01", "12000"))
	want := []string{"0", "0", "4000", "4000", "4000"}
	for i, w := range want {
		eq(t, "principal", st.Installments[i].Principal, w)
	}
	eq(t, "grace interest", st.Installments[1].Interest, "120.00")
}

func TestTranchesRederiveTheFutureOnly(t *testing.T) {
	terms := usd("20000", "0.12", Thirty360WholeMonth, "2024-01-01", "2024-02-01", "2024-05-01", EqualPrincipal, Monthly)
	first := replay(t, terms, "2024-01-01", disburse(1, "2024-01-01", "10000"))
	eq(t, "before tranche: installment 1", first.Installments[0].Principal, "2500")

	// A second tranche on 2024-02-16, after the first due date: installment 1 stays,
	// the three left share the 7,500 unpaid plus 10,000 new.
	st := replay(t, terms, "2024-05-01", disburse(1, "2024-01-01", "10000"), disburse(2, "2024-02-16", "10000"))
	eq(t, "installment 1 principal", st.Installments[0].Principal, "2500")
	eq(t, "installment 1 interest", st.Installments[0].Interest, "100.00")
	eq(t, "installment 2 principal", st.Installments[1].Principal, "5833.33")
	eq(t, "installment 3 principal", st.Installments[2].Principal, "5833.33")
	eq(t, "installment 4 principal (rounding remainder)", st.Installments[3].Principal, "5833.34")
	// The period with the tranche. Interest follows the cash (rules 3): installment 1
	// was not paid, so its 2,500 still bears interest; 10,000 for 15 days (30/360:
	// Feb 1 → Feb 16), then 20,000 for 15 days: 50 + 100. (Under the scheduled balance,
	// rules 2, it was 7,500 then 17,500: 125.00.)
	eq(t, "installment 2 interest", st.Installments[1].Interest, "150.00")
	total := decimal.Zero
	for _, in := range st.Installments {
		total = add(total, in.Principal)
	}
	eq(t, "principal adds up to the disbursed", total, "20000")
}

func TestAllocationOrder(t *testing.T) {
	// Quarterly 1,000 principal + interest; nothing paid for two quarters.
	terms := usd("3000", "0.12", Thirty360WholeMonth, "2024-01-01", "2024-04-01", "2024-10-01", EqualPrincipal, Quarterly)
	events := []Event{disburse(1, "2024-01-01", "3000"), repay(2, "2024-07-15", "200")}
	st := replay(t, terms, "2024-07-15", events...)
	// Overdue interest first, oldest first: 90 (Q1: 3,000 × 3 %) + 90 (Q2: Q1's unpaid
	// principal still bears interest, so 3,000 × 3 % again; 60 under rules 2, which
	// charged the scheduled 2,000) = 180; then principal of Q1.
	a := st.Allocations[2]
	eq(t, "to interest", a.Interest, "180.00")
	eq(t, "to principal", a.Principal, "20.00")
	eq(t, "Q1 paid principal", st.Installments[0].PaidPrincipal, "20.00")
	eq(t, "Q2 paid principal", st.Installments[1].PaidPrincipal, "0")
	b := st.Balances()
	eq(t, "overdue principal", b.OverduePrincipal, "1980.00")
	eq(t, "overdue interest", b.OverdueInterest, "0")
	if b.DaysPastDue != 105 || b.AgingBucket != "91-180" { // since 2024-04-01
		t.Errorf("dpd = %d %s", b.DaysPastDue, b.AgingBucket)
	}

	// Pay everything overdue and the current (last) installment exactly, 73 days before
	// it falls due: its interest stops with the principal, so it is what accrued on
	// 3,000 from 1 to 20 July, 3,000 × 12 % × 19/360 = 19.00 (rules 2 charged the whole
	// quarter on the scheduled 1,000: 30.00). Nothing is prepaid; the loan is repaid.
	owed, err := OwedOn(terms, events[:1], date("2024-07-20"))
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "due", owed.Due(), "3199.00") // 90 + 90 + 2,000 + 19 + 1,000
	st = replay(t, terms, "2024-07-20", disburse(1, "2024-01-01", "3000"), repay(2, "2024-07-20", "3199"))
	a = st.Allocations[2]
	eq(t, "interest", a.Interest, "199.00")
	eq(t, "principal", a.Principal, "3000.00")
	eq(t, "nothing prepaid", a.Prepaid, "0")
	if b := st.Balances(); b.DaysPastDue != 0 || b.Status != Repaid {
		t.Errorf("after catching up: %+v", b)
	}
}

func TestPrepaymentKeepsTheTerm(t *testing.T) {
	terms := usd("12000", "0.12", Thirty360WholeMonth, "2024-01-01", "2024-02-01", "2025-01-01", EqualPrincipal, Monthly)
	// On the first due date: pay the installment (1,000 + 120) and prepay 5,500.
	st := replay(t, terms, "2024-02-01", disburse(1, "2024-01-01", "12000"), repay(2, "2024-02-01", "6620"))
	a := st.Allocations[2]
	eq(t, "prepaid", a.Prepaid, "5500.00")
	eq(t, "principal", a.Principal, "6500.00")
	if n := len(st.Installments); n != 12 || fmtDate(st.Installments[11].DueOn) != "2025-01-01" {
		t.Fatalf("the term changed: %d installments", n)
	}
	eq(t, "installment 1 principal, with the prepayment", st.Installments[0].Principal, "6500.00")
	for i := 1; i < 12; i++ {
		eq(t, "lower installment", st.Installments[i].Principal, "500.00")
	}
	eq(t, "next interest on 5,500", st.Installments[1].Interest, "55.00")
	eq(t, "outstanding", st.Outstanding, "5500.00")
}

func TestRepaymentRules(t *testing.T) {
	terms := usd("10000", "0.10", ACT360, "2024-01-01", "2024-07-01", "2025-01-01", Bullet, Semiannual)
	tests := []struct {
		name   string
		events []Event
		field  string
	}{
		{"repayment before any disbursement", []Event{repay(1, "2024-02-01", "10")}, "date"},
		{"disbursement above the commitment", []Event{disburse(1, "2024-01-01", "6000"), disburse(2, "2024-02-01", "4000.01")}, "amount"},
		{"disbursement before signing", []Event{disburse(1, "2023-12-31", "100")}, "date"},
		{"disbursement after the last due date", []Event{disburse(1, "2025-01-01", "100")}, "date"},
		{"write-off above the outstanding", []Event{disburse(1, "2024-01-01", "100"), {ID: 2, Kind: WriteOff, On: date("2024-03-01"), Amount: d("100.01")}}, "amount"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Replay(terms, tt.events, date("2026-01-01"))
			e, ok := apperr.As(err)
			if !ok || e.Kind != apperr.KindInvalid || e.Fields[0].Field != tt.field {
				t.Fatalf("err = %v, want a validation error on %s", err, tt.field)
			}
		})
	}
	// Above everything owed, the rest is a credit the fund owes back (issue 16: a payoff
	// recorded under earlier rules may exceed what the restated schedule owes; the
	// ledger refuses a new write that would create one, TestNewOverpaymentIsRefused).
	// This expectation changed: the engine refused it outright before.
	over, err := Replay(terms, []Event{disburse(1, "2024-01-01", "10000"), repay(2, "2024-03-01", "10600")}, date("2026-01-01"))
	if err != nil {
		t.Fatal(err)
	}
	owedThen := add(over.Allocations[2].Principal, over.Allocations[2].Interest)
	if !over.Allocations[2].Overpaid.Equal(sub(d("10600"), owedThen)) || !over.Overpaid.Equal(over.Allocations[2].Overpaid) ||
		!over.Outstanding.IsZero() || !over.Allocations[2].Overpaid.IsPos() {
		t.Errorf("overpaid %s of 10600 (owed %s), outstanding %s", over.Allocations[2].Overpaid, owedThen, over.Outstanding)
	}
	// Everything owed at a date can be paid: the current installment in full (its
	// interest to its due date: an early payment earns no interest rebate) and all
	// principal.
	st := replay(t, terms, "2024-03-01", disburse(1, "2024-01-01", "10000"), repay(2, "2024-03-01", "10505.56"))
	if b := st.Balances(); b.Status != Repaid || !b.Outstanding.IsZero() {
		t.Errorf("after paying all: %+v", b)
	}
}

func TestWriteOff(t *testing.T) {
	terms := usd("9000", "0.12", Thirty360WholeMonth, "2024-01-01", "2024-04-01", "2024-10-01", EqualPrincipal, Quarterly)
	base := []Event{disburse(1, "2024-01-01", "9000")}
	partial := append(base, Event{ID: 2, Kind: WriteOff, On: date("2024-05-01"), Amount: d("4000"), Reason: "fraud"})
	st := replay(t, terms, "2024-05-01", partial...)
	// The overdue 3,000 first, then 1,000 off the last installment.
	eq(t, "Q1 written off", st.Installments[0].WrittenOffPrincipal, "3000")
	eq(t, "Q2 unchanged", st.Installments[1].unpaidPrincipal(), "3000")
	eq(t, "Q3 written off", st.Installments[2].WrittenOffPrincipal, "1000")
	eq(t, "Q3 interest on the 2,000 left", st.Installments[2].Interest, "60.00")
	eq(t, "outstanding", st.Outstanding, "5000")
	if b := st.Balances(); b.OverduePrincipal.IsPos() || b.OverdueInterest.String() != "270.00" {
		t.Errorf("Q1 interest stays owed, its principal does not: %+v", b)
	}
	full := append(base, Event{ID: 2, Kind: WriteOff, On: date("2024-05-01"), Amount: d("9000")})
	st = replay(t, terms, "2024-06-01", full...)
	b := st.Balances()
	if b.Status != WrittenOff || b.DaysPastDue != 0 || !b.OverdueInterest.IsZero() {
		t.Errorf("after a full write-off: %+v", b)
	}
}

func TestReschedule(t *testing.T) {
	terms := usd("6000", "0.12", Thirty360WholeMonth, "2024-01-01", "2024-02-01", "2024-06-01", EqualPrincipal, Monthly)
	newMaturity := date("2025-03-01")
	q := Quarterly
	events := []Event{
		disburse(1, "2024-01-01", "6000"),
		repay(2, "2024-02-01", "1260"), // installment 1: 1,200 + 60
		{ID: 3, Kind: Reschedule, On: date("2024-04-15"), NewMaturityOn: &newMaturity, NewFrequency: &q},
	}
	st := replay(t, terms, "2024-04-15", events...)
	b := st.Balances()
	if b.DaysPastDue != 0 || b.OverduePrincipal.IsPos() {
		t.Errorf("rescheduling cures the arrears: %+v", b)
	}
	var live, resched int
	principal := decimal.Zero
	for _, in := range st.Installments {
		if in.Rescheduled {
			resched++
			continue
		}
		live++
		principal = add(principal, sub(in.Principal, in.PaidPrincipal))
	}
	if resched != 4 || live != 1+4 { // installment 1 (paid) stays; 4 new quarterly ones
		t.Errorf("installments: %d rescheduled, %d live", resched, live)
	}
	eq(t, "new installments carry all unpaid principal", principal, "4800")
	// Unpaid interest moves into the first new installment: March's 48 (4,800 × 1 %) and
	// April's 48 (4,800 × 1 %: March's unpaid principal still bears interest; 36 under
	// rules 2, on the scheduled 3,600), plus 1 to 15 April on the 4,800 outstanding
	// (4,800 × 12 % × 14/360 = 22.40; 11.20 on the scheduled 2,400 before); then its own
	// quarter on 4,800 (4,800 × 12 % × 90/360 = 144).
	first := st.Installments[5]
	if fmtDate(first.DueOn) != "2024-07-15" || fmtDate(st.Installments[8].DueOn) != "2025-03-01" {
		t.Errorf("new due dates %s ... %s", fmtDate(first.DueOn), fmtDate(st.Installments[8].DueOn))
	}
	eq(t, "first new interest", first.Interest, "262.40")
	if st.Terms.Frequency != Quarterly || !st.Terms.MaturityOn.Equal(newMaturity) {
		t.Errorf("terms after rescheduling: %+v", st.Terms)
	}
}

func TestXIRR(t *testing.T) {
	tests := []struct {
		name  string
		flows []CashFlow
		want  float64
	}{
		{"10 % in a year", []CashFlow{{date("2023-01-01"), -1000}, {date("2024-01-01"), 1100}}, 0.1},
		{"two years", []CashFlow{{date("2020-01-01"), -1000}, {date("2021-12-31"), 1210}}, 0.1},
		{"loss", []CashFlow{{date("2020-01-01"), -1000}, {date("2020-12-31"), 500}}, -0.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := XIRR(tt.flows)
			if !ok || math.Abs(got-tt.want) > 0.002 {
				t.Errorf("XIRR = %v (%v), want %v", got, ok, tt.want)
			}
		})
	}
	if _, ok := XIRR([]CashFlow{{date("2020-01-01"), -1000}}); ok {
		t.Error("one flow has no rate")
	}
}

// TestInvariants replays random histories and checks, at every event date, the two
// rules every ledger state obeys: principal installments add up to what was disbursed,
// and outstanding = disbursed − principal repaid − written off.
func TestInvariants(t *testing.T) {
	for seed := int64(1); seed <= 5; seed++ {
		randomHistories(t, seed)
	}
}

func randomHistories(t *testing.T, seed int64) {
	rng := rand.New(rand.NewSource(seed))
	kinds := []Amortization{Bullet, EqualPrincipal, Annuity}
	freqs := []Frequency{Monthly, Quarterly, Semiannual}
	dcs := []DayCount{ACT360, ACT365F, Thirty360WholeMonth}
	for n := 0; n < 200; n++ {
		signed := civil.Date(2020, time.Month(1+rng.Intn(12)), 1+rng.Intn(28))
		f := freqs[rng.Intn(len(freqs))]
		terms := Terms{
			Currency: money.MustCurrency("USD"), Committed: decimal.MustNew(int64(1000+rng.Intn(500000))*100, 2),
			Rate: decimal.MustNew(int64(rng.Intn(2500)), 4), DayCount: dcs[rng.Intn(3)],
			SignedOn: signed, FirstDueOn: civil.AddMonths(signed, f.Months()),
			MaturityOn: civil.AddMonths(signed, f.Months()*(1+rng.Intn(12))), Amortization: kinds[rng.Intn(3)], Frequency: f,
		}
		if terms.Validate() != nil {
			continue
		}
		var events []Event
		day := signed
		for id := int64(1); id <= 25; id++ {
			day = day.AddDate(0, 0, rng.Intn(60))
			e := Event{ID: id, On: day}
			st, err := Replay(terms, events, day)
			if err != nil {
				t.Fatal(err)
			}
			switch r := rng.Intn(11); {
			case r < 3:
				left := sub(terms.Committed, st.Disbursed)
				if !left.IsPos() || !day.Before(st.Terms.MaturityOn) || (st.WrittenOff.IsPos() && st.Outstanding.IsZero()) {
					continue
				}
				e.Kind, e.Amount = Disbursement, randomPart(rng, left)
			case r < 9:
				_, owed := owedAt(terms, events, day)
				if !owed.IsPos() {
					continue
				}
				e.Kind, e.Amount = Repayment, randomPart(rng, owed)
			case r < 9 || rng.Intn(2) == 0:
				if !st.Outstanding.IsPos() {
					continue
				}
				e.Kind, e.Amount = WriteOff, randomPart(rng, st.Outstanding)
			default:
				if !st.Outstanding.IsPos() {
					continue
				}
				maturity := civil.AddMonths(day, 3+rng.Intn(36))
				rate := decimal.MustNew(int64(rng.Intn(2000)), 4)
				e.Kind, e.NewMaturityOn, e.NewRate = Reschedule, &maturity, &rate
			}
			events = append(events, e)
			st, err = Replay(terms, events, day)
			if err != nil {
				for _, e := range events {
					t.Logf("%s %s %s %v", e.Kind, fmtDate(e.On), e.Amount, e.NewMaturityOn)
				}
				t.Fatalf("loan %d, event %d (%s %s on %s): %v", n, id, e.Kind, e.Amount, fmtDate(day), err)
			}
			total := decimal.Zero
			for _, in := range st.Installments {
				total = add(total, in.Principal)
			}
			if !total.Equal(st.Disbursed) {
				for _, e := range events {
					t.Logf("%s %s %s", e.Kind, fmtDate(e.On), e.Amount)
				}
				t.Logf("terms %+v", terms)
				t.Fatalf("loan %d after event %d: installments principal %s ≠ disbursed %s", n, id, total, st.Disbursed)
			}
			// Outstanding (kept from the events) is what the schedule still has unpaid.
			unpaid := decimal.Zero
			for _, in := range st.Installments {
				unpaid = add(unpaid, in.unpaidPrincipal())
			}
			if !st.Outstanding.Equal(unpaid) || !st.Outstanding.Equal(sub(sub(st.Disbursed, st.PrincipalRepaid), st.WrittenOff)) {
				t.Fatalf("loan %d: outstanding %s, schedule unpaid %s, disbursed − repaid − written off %s",
					n, st.Outstanding, unpaid, sub(sub(st.Disbursed, st.PrincipalRepaid), st.WrittenOff))
			}
			for _, in := range st.Installments {
				if in.unpaidPrincipal().IsNeg() || in.unpaidInterest().IsNeg() {
					for _, e := range events {
						t.Logf("%s %s %s %v %v", e.Kind, fmtDate(e.On), e.Amount, e.NewMaturityOn, e.NewRate)
					}
					t.Logf("terms %+v", terms)
					t.Fatalf("loan %d: installment %d overpaid: %+v", n, in.Seq, in)
				}
			}
		}
	}
}

// owedAt is everything owed on day, the most a repayment may be.
func owedAt(terms Terms, events []Event, day time.Time) (*State, decimal.Decimal) {
	o, err := OwedOn(terms, events, day)
	if err != nil {
		panic(err)
	}
	return nil, o.Total()
}

// randomPart is an amount from 0.01 to max, max itself one time in four.
func randomPart(rng *rand.Rand, max decimal.Decimal) decimal.Decimal {
	whole, frac, _ := max.Int64(2)
	if rng.Intn(4) == 0 {
		return max
	}
	return decimal.MustNew(1+rng.Int63n(whole*100+frac), 2)
}

// TestDivRound checks the fast integer path against the decimal one, half to even.
func TestDivRound(t *testing.T) {
	tests := []struct {
		num   string
		den   int64
		scale int
		want  string
	}{
		{"60000", 360, 2, "166.67"}, // 100,000 × 1 % × 60 days
		{"1", 8, 2, "0.12"},         // 0.125: half to even, down
		{"3", 8, 2, "0.38"},         // 0.375: half to even, up
		{"-3", 8, 2, "-0.38"},
		{"10", 3, 0, "3"},
		{"123456789.123456", 365, 4, "338237.7784"},
		{"99999999999999.9999", 360, 2, "277777777777.78"},
	}
	for _, tt := range tests {
		num := d(tt.num)
		got := divRound(num, tt.den, tt.scale)
		if !got.Equal(d(tt.want)) {
			t.Errorf("divRound(%s, %d, %d) = %s, want %s", tt.num, tt.den, tt.scale, got, tt.want)
		}
		// The decimal path, for comparison: must agree.
		slow := quo(num, decimal.MustNew(tt.den, 0)).Round(tt.scale)
		if !slow.Equal(got) {
			t.Errorf("fast %s ≠ decimal %s for %s/%d", got, slow, tt.num, tt.den)
		}
	}
}

// TestRescheduleCarriesOnlyUnpaidInterest: interest paid early toward the open period
// stays on the replaced installment and is not carried (charged) again.
func TestRescheduleCarriesOnlyUnpaidInterest(t *testing.T) {
	terms := usd("200000", "0.085", ACT360, "2026-01-15", "2026-07-15", "2029-01-15", EqualPrincipal, Semiannual)
	terms.GracePeriods = 1 // July's installment is interest only
	maturity := date("2030-01-15")
	base := []Event{disburse(1, "2026-02-01", "200000"), repay(2, "2026-07-20", "9000")}
	st := replay(t, terms, "2026-11-21", append(base, Event{ID: 3, Kind: Reschedule, On: date("2026-11-21"), NewMaturityOn: &maturity})...)
	// 9,000 paid: 7,744.44 for July's installment, 1,255.56 toward the next period.
	eq(t, "paid toward the open period", st.Installments[1].PaidInterest, "1255.56")
	// Accrued 15 July → 21 November: 200,000 × 8.5 % × 129/360 = 6,091.67; carried 4,836.11.
	first := st.Installments[len(DueDates(terms.FirstDueOn, terms.MaturityOn, terms.Frequency))]
	own := divRound(mul(mul(d("200000"), d("0.085")), decimal.MustNew(int64(civil.Days(date("2026-11-21"), first.DueOn)), 0)), 360, 2)
	eq(t, "first new installment's interest", first.Interest, add(d("4836.11"), own).String())
	total := decimal.Zero
	for _, in := range st.Installments {
		if in.DueOn.Before(date("2027-01-01")) || in.Rescheduled {
			total = add(total, in.Interest)
		}
	}
	// Interest charged up to the rescheduling, paid or carried: 7,744.44 + 6,091.67.
	eq(t, "interest up to the rescheduling, once", add(total, d("4836.11")), "13836.11")
}

// TestInterestIsNeverLostNorChargedTwice covers the cases where early payments meet a
// change of balance later in the same period.
func TestInterestIsNeverLostNorChargedTwice(t *testing.T) {
	t.Run("a tranche after the period's interest was paid early", func(t *testing.T) {
		terms := usd("200000", "0.12", Thirty360WholeMonth, "2024-01-01", "2024-02-01", "2024-12-01", Bullet, Monthly)
		st := replay(t, terms, "2024-02-01", disburse(1, "2024-01-01", "100000"), repay(2, "2024-01-10", "1000"),
			disburse(3, "2024-01-16", "100000"))
		// 100,000 for the half month, 200,000 for the other half: 500 + 1,000.
		eq(t, "February's interest", st.Installments[0].Interest, "1500.00")
		eq(t, "paid early toward it", st.Installments[0].PaidInterest, "1000")
	})
	t.Run("a rescheduling after interest was paid ahead", func(t *testing.T) {
		terms := usd("120000", "0.12", Thirty360WholeMonth, "2024-01-01", "2024-02-01", "2024-12-01", Bullet, Monthly)
		maturity := date("2025-01-16")
		st := replay(t, terms, "2024-02-16", disburse(1, "2024-01-01", "120000"), repay(2, "2024-01-05", "1200"),
			Event{ID: 3, Kind: Reschedule, On: date("2024-01-16"), NewMaturityOn: &maturity})
		// Up to 16 February: 1,200 × 1.5 months = 1,800, once. 1,200 was paid for a
		// period that ended at the rescheduling after 600 had accrued: 600 of credit,
		// against the new schedule's first interest (the payment stays as recorded).
		total := decimal.Zero
		for _, in := range st.Installments {
			if !in.DueOn.After(date("2024-02-16")) || in.Rescheduled {
				total = add(total, in.Interest)
			}
		}
		eq(t, "interest up to 16 February", total, "1800.00")
	})
	t.Run("a prepayment in the grace period keeps the grace", func(t *testing.T) {
		terms := usd("12000", "0.12", Thirty360WholeMonth, "2024-01-01", "2024-02-01", "2024-06-01", EqualPrincipal, Monthly)
		terms.GracePeriods = 2
		st := replay(t, terms, "2024-01-15", disburse(1, "2024-01-01", "12000"), repay(2, "2024-01-15", "1120"))
		// 1,120 on 15 January, 17 days before the first (interest-only) due date: the
		// interest is what accrues on 12,000 for 14 days (56.00) and on what is left
		// for 16 (whole-month 30/360), so p + 56 + (12,000 − p) × 12 % × 16/360 = 1,120
		// gives p = 1,000 / (1 − 0.0053333) = 1,005.36 of principal (the prepayment
		// saves its own 16 days: rules 2 charged the whole month and prepaid 1,000).
		eq(t, "prepaid", st.Allocations[2].Prepaid, "1005.36")
		eq(t, "interest", st.Allocations[2].Interest, "114.64")
		eq(t, "installment 2 stays interest only", st.Installments[1].Principal, "0")
		for i, want := range []string{"3664.88", "3664.88", "3664.88"} {
			eq(t, "amortizing installment", st.Installments[2+i].Principal, want)
		}
	})
	t.Run("30/360: whole months across February are 1/12 each", func(t *testing.T) {
		terms := usd("100000", "0.12", Thirty360WholeMonth, "2025-01-01", "2025-02-28", "2025-03-28", Bullet, Monthly)
		st := replay(t, terms, "2025-03-28", disburse(1, "2025-01-28", "100000"))
		eq(t, "28 January → 28 February", st.Installments[0].Interest, "1000.00")
		eq(t, "28 February → 28 March", st.Installments[1].Interest, "1000.00")
	})
}

func TestXIRROnOneDay(t *testing.T) {
	if r, ok := XIRR([]CashFlow{{date("2024-01-01"), -1000}, {date("2024-01-01"), 1000}}); ok {
		t.Errorf("flows on one day have no rate; got %v", r)
	}
}

// A rescheduling that moves overdue amounts marks the loan restructured: at risk (in
// PAR30) from then, whatever its days past due, until repaid (SEEP, IRIS+ FP2635). One
// that moves nothing overdue does not; nor does a later one change the date.
func TestRestructuredLoansStayAtRisk(t *testing.T) {
	terms := usd("12000", "0.12", Thirty360, "2024-01-01", "2024-02-01", "2024-12-01", EqualPrincipal, Monthly)
	m := date("2025-12-01")
	late := []Event{disburse(1, "2024-01-01", "12000"), {ID: 2, Kind: Reschedule, On: date("2024-04-15"), NewMaturityOn: &m}}
	st := replay(t, terms, "2024-05-01", late...)
	b := st.Balances()
	if st.RestructuredOn == nil || !st.RestructuredOn.Equal(date("2024-04-15")) || !b.Restructured || b.DaysPastDue != 0 || !b.AtRisk() {
		t.Errorf("overdue moved: restructured %v, days past due %d, at risk %v", st.RestructuredOn, b.DaysPastDue, b.AtRisk())
	}
	if before := replay(t, terms, "2024-04-14", late...).Balances(); before.Restructured {
		t.Errorf("restructured before the rescheduling")
	}
	onTime := []Event{disburse(1, "2024-01-01", "12000"), repay(2, "2024-02-01", "1210.91"), {ID: 3, Kind: Reschedule, On: date("2024-02-10"), NewMaturityOn: &m}}
	if st := replay(t, terms, "2024-03-01", onTime...); st.RestructuredOn != nil || st.Balances().AtRisk() {
		t.Errorf("nothing overdue was moved, yet restructured %v", st.RestructuredOn)
	}
	owed, err := OwedOn(terms, late, date("2024-05-01"))
	if err != nil {
		t.Fatal(err)
	}
	paid := replay(t, terms, "2024-06-01", append(late, repay(3, "2024-05-01", owed.Total().String()))...).Balances()
	if !paid.Restructured || paid.AtRisk() || !paid.Outstanding.IsZero() {
		t.Errorf("repaid: at risk %v, outstanding %s", paid.AtRisk(), paid.Outstanding)
	}
}

// A recovery collects on written-off principal: after the write-off, up to what it
// wrote off and not yet recovered; it moves no balance but the recovered total.
func TestRecoveries(t *testing.T) {
	terms := usd("10000", "0.10", ACT360, "2024-01-01", "2024-07-01", "2025-01-01", Bullet, Semiannual)
	wo := Event{ID: 2, Kind: WriteOff, On: date("2024-03-01"), Amount: d("4000"), Reason: "loss"}
	rec := func(id int64, on, amount string) Event {
		return Event{ID: id, Kind: Recovery, On: date(on), Amount: d(amount)}
	}
	st := replay(t, terms, "2024-06-01", disburse(1, "2024-01-01", "10000"), wo, rec(3, "2024-04-01", "1500"), rec(4, "2024-05-01", "2500"))
	if !st.Recovered.Equal(d("4000")) || !st.Outstanding.Equal(d("6000")) || !st.Balances().Recovered.Equal(d("4000")) {
		t.Errorf("recovered %s, outstanding %s", st.Recovered, st.Outstanding)
	}
	for _, c := range []struct {
		name   string
		events []Event
		field  string
	}{
		{"before any write-off", []Event{disburse(1, "2024-01-01", "10000"), rec(3, "2024-02-01", "1")}, "date"},
		{"beyond what was written off", []Event{disburse(1, "2024-01-01", "10000"), wo, rec(3, "2024-04-01", "3000"), rec(4, "2024-05-01", "1000.01")}, "amount"},
	} {
		_, err := Replay(terms, c.events, date("2024-06-01"))
		if e, ok := apperr.As(err); !ok || e.Fields[0].Field != c.field {
			t.Errorf("%s: %v, want an error on %s", c.name, err, c.field)
		}
	}
}

// The fund's cure: after CureAfter consecutive installments paid by their due dates,
// counted from the restructuring, the loan is no longer restructured (from the day
// after the last of them); one paid late starts the count again; default: never.
func TestRestructuredCure(t *testing.T) {
	terms := usd("12000", "0.12", Thirty360WholeMonth, "2024-01-01", "2024-02-01", "2024-12-01", EqualPrincipal, Monthly)
	m := date("2025-04-15")
	events := []Event{disburse(1, "2024-01-01", "12000"), {ID: 2, Kind: Reschedule, On: date("2024-04-15"), NewMaturityOn: &m}}
	// The new schedule is monthly from 15 May. Pay May's on its due date, June's a
	// day late, then July's and August's on theirs.
	pay := func(id int64, on string) Event {
		st := replay(t, terms, on, events...)
		owed, err := OwedOn(terms, events, date(on))
		if err != nil || st == nil {
			t.Fatal(err)
		}
		return repay(id, on, owed.Due().String())
	}
	// (June's payment, a day late, also settles July's installment ahead: July's
	// due date finds it paid.)
	for i, on := range []string{"2024-05-15", "2024-06-16", "2024-08-15"} {
		events = append(events, pay(int64(3+i), on))
	}
	terms.CureAfter = 2
	for _, c := range []struct {
		asOf         string
		restructured bool
	}{
		{"2024-05-16", true},  // one on time
		{"2024-06-16", true},  // June's paid late: the count starts again
		{"2024-07-16", true},  // one on time since
		{"2024-08-15", true},  // the second, on its due date: cured from the day after
		{"2024-08-16", false}, // cured
	} {
		if b := replay(t, terms, c.asOf, events...).Balances(); b.Restructured != c.restructured || b.AtRisk() != c.restructured {
			t.Errorf("cure after 2, as of %s: restructured %v, at risk %v", c.asOf, b.Restructured, b.AtRisk())
		}
	}
	if st := replay(t, terms, "2024-08-16", events...); st.CuredOn == nil || !st.CuredOn.Equal(date("2024-08-15")) {
		t.Errorf("cured on %v", st.CuredOn)
	}
	terms.CureAfter = 0
	if b := replay(t, terms, "2024-12-01", events...).Balances(); !b.Restructured {
		t.Error("without a cure setting, a restructured loan stays restructured")
	}
}
