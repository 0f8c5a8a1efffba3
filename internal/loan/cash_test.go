package loan

import (
	"errors"
	"testing"

	"github.com/govalues/decimal"

	"cartera/internal/platform/apperr"
)

// Interest follows the cash (rules 3): hand-worked cases, the reasoning beside each
// figure. 30/360 whole-month and ACT/360 keep the arithmetic checkable by hand.

func TestSameCashSameDayRepaysTheLoan(t *testing.T) {
	// Bullet 100,000 at 12 %, interest monthly (1,000 a whole month). On 1 March the
	// March interest falls due; everything owed is 1,000 + 100,000.
	terms := usd("100000", "0.12", Thirty360WholeMonth, "2024-01-01", "2024-02-01", "2024-12-01", Bullet, Monthly)
	history := []Event{disburse(1, "2024-01-01", "100000"), repay(2, "2024-02-01", "1000")}
	owed, err := OwedOn(terms, history, date("2024-03-01"))
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "owed on 1 March", owed.Total(), "101000")
	one := replay(t, terms, "2024-03-01", append(history, repay(3, "2024-03-01", "101000"))...)
	// Rules 2 charged the next period's interest on its first day to the second
	// payment's leftover: the 90,000 + 22,435.18 left 1,134.22 owed.
	two := replay(t, terms, "2024-03-01", append(history, repay(3, "2024-03-01", "90000"), repay(4, "2024-03-01", "11000"))...)
	for _, st := range []*State{one, two} {
		b := st.Balances()
		if b.Status != Repaid || !b.Outstanding.IsZero() || b.NextDueOn != nil {
			t.Errorf("after 101,000 on 1 March: %s, outstanding %s, next due %v", b.Status, b.Outstanding, b.NextDueOn)
		}
		eq(t, "interest paid", st.InterestPaid, "2000")
	}
}

func TestPayoffMidPeriodChargesTheDaysOnly(t *testing.T) {
	terms := usd("100000", "0.12", Thirty360WholeMonth, "2024-01-01", "2024-02-01", "2024-12-01", Bullet, Monthly)
	history := []Event{disburse(1, "2024-01-01", "100000"), repay(2, "2024-02-01", "1000")}
	owed, err := OwedOn(terms, history, date("2024-03-16"))
	if err != nil {
		t.Fatal(err)
	}
	// March's 1,000 is overdue; 1 to 16 March accrued 100,000 × 12 % × 15/360 = 500.
	eq(t, "overdue interest", owed.OverdueInterest, "1000")
	eq(t, "payoff interest", owed.PayoffInterest, "500.00")
	eq(t, "installment interest (principal at maturity)", owed.CurrentInterest, "1000.00")
	eq(t, "payoff", owed.Total(), "101500.00")
	st := replay(t, terms, "2024-12-31", append(history, repay(3, "2024-03-16", "101500"))...)
	eq(t, "April's interest stops at the payoff", st.Installments[2].Interest, "500.00")
	if b := st.Balances(); b.Status != Repaid {
		t.Errorf("status %s", b.Status)
	}
}

func TestAnInstallmentPaidEarlyIsSettled(t *testing.T) {
	// 12,000 in 12 monthly installments of 1,000 + interest at 12 %; the first, 1,120
	// as scheduled, paid on 29 January, 2 days (whole-month 30/360) before it falls due.
	terms := usd("12000", "0.12", Thirty360WholeMonth, "2024-01-01", "2024-02-01", "2025-01-01", EqualPrincipal, Monthly)
	st := replay(t, terms, "2024-02-05", disburse(1, "2024-01-01", "12000"), repay(2, "2024-01-29", "1120"))
	// p + 12,000 × 12 % × 28/360 + (12,000 − p) × 12 % × 2/360 = 1,120: 112 of interest
	// earned, and p × (1 − 0.000667) = 1,000, p = 1,000.67: the 0.67 its two days
	// would have cost is prepaid. The installment's interest, 112 + 10,999.33 × 12 % ×
	// 2/360 = 119.33, is what was paid: it is settled, not late by a few cents.
	a := st.Allocations[2]
	eq(t, "interest", a.Interest, "119.33")
	eq(t, "principal", a.Principal, "1000.67")
	eq(t, "prepaid", a.Prepaid, "0.67")
	first := st.Installments[0]
	eq(t, "installment 1 interest", first.Interest, "119.33")
	if s := first.StatusOf(date("2024-02-05")); s != InstallmentPaid {
		t.Errorf("installment 1 is %s", s)
	}
	if b := st.Balances(); b.DaysPastDue != 0 {
		t.Errorf("days past due %d", b.DaysPastDue)
	}
}

func TestAccruedInterest(t *testing.T) {
	terms := usd("100000", "0.12", ACT360, "2024-01-01", "2024-02-01", "2024-12-01", Bullet, Monthly)
	events := []Event{disburse(1, "2024-01-01", "100000"), repay(2, "2024-02-01", "1033.33")}
	// January: 100,000 × 12 % × 31/360 = 1,033.33, paid on its due date. On 11
	// February, 10 days of February are earned and not yet due: 333.33.
	eq(t, "accrued 11 February", replay(t, terms, "2024-02-11", events...).AccruedInterest, "333.33")
	eq(t, "accrued on a due date, once paid", replay(t, terms, "2024-02-01", events...).AccruedInterest, "0")
	// Paid ahead, 200 of it: what is accrued and not yet paid is 133.33.
	paid := replay(t, terms, "2024-02-11", append(events, Event{ID: 3, Kind: Repayment, On: date("2024-02-06"), Amount: d("200")})...)
	eq(t, "accrued less paid toward it", paid.AccruedInterest, "133.33")
	eq(t, "in the balances", paid.Balances().AccruedInterest, "133.33")
}

func TestDefaultMargin(t *testing.T) {
	// 12,000, 12 monthly installments of 1,000 + interest, ACT/360, a default margin of
	// 6 %. Nothing paid on 1 February nor on 1 March.
	terms := usd("12000", "0.12", ACT360, "2024-01-01", "2024-02-01", "2025-01-01", EqualPrincipal, Monthly)
	terms.DefaultMargin = d("0.06")
	events := []Event{disburse(1, "2024-01-01", "12000")}
	owed, err := OwedOn(terms, events, date("2024-03-02"))
	if err != nil {
		t.Fatal(err)
	}
	// February's 1,000 overdue for 30 days (1 February to 2 March, 2024 a leap year)
	// and March's for 1: 1,000 × 6 % × 31/360 = 5.1667, rounded once: 5.17.
	eq(t, "late interest", owed.LateInterest, "5.17")
	// The contract rate still runs on the whole 12,000 (February's principal unpaid):
	// March's interest is 12,000 × 12 % × 29/360 = 116.00.
	st := replay(t, terms, "2024-03-02", append(events, repay(2, "2024-03-02", "5.17"))...)
	eq(t, "March's interest", st.Installments[1].Interest, "116.00")
	a := st.Allocations[2]
	eq(t, "allocated first, to late interest", a.LateInterest, "5.17")
	eq(t, "nothing to the installments", a.Interest, "0")
	if b := st.Balances(); b.DaysPastDue != 30 || !b.LateInterest.IsZero() {
		t.Errorf("late interest leaves days past due alone: %d, late %s", b.DaysPastDue, b.LateInterest)
	}
}

func TestInterestAfterMaturityIsDueAtOnce(t *testing.T) {
	// Bullet 10,000 at 12 %, ACT/360, maturity 1 July, interest paid, principal not.
	terms := usd("10000", "0.12", ACT360, "2024-01-01", "2024-07-01", "2024-07-01", Bullet, Annual)
	events := []Event{disburse(1, "2024-01-01", "10000"), repay(2, "2024-07-01", "606.67")} // 10,000 × 12 % × 182/360
	st := replay(t, terms, "2024-07-31", events...)
	// No period takes interest after the last due date: the contract rate runs on
	// the overdue principal as late interest, 10,000 × 12 % × 30/360 = 100.
	eq(t, "late interest at the contract rate", st.Balances().LateInterest, "100.00")
	terms.DefaultMargin = d("0.02")
	st = replay(t, terms, "2024-07-31", events...)
	eq(t, "and the margin", st.Balances().LateInterest, "116.67") // 10,000 × 14 % × 30/360
}

func TestPrepaymentFee(t *testing.T) {
	terms := usd("100000", "0.12", Thirty360WholeMonth, "2024-01-01", "2024-02-01", "2024-12-01", Bullet, Monthly)
	terms.PrepaymentFee = d("0.02")
	history := []Event{disburse(1, "2024-01-01", "100000"), repay(2, "2024-02-01", "1000")}
	owed, err := OwedOn(terms, history, date("2024-03-01"))
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "fee on repaying everything", owed.PrepaymentFee, "2000.00")
	eq(t, "payoff", owed.Total(), "103000.00")
	// 51,000 on 1 March: March's 1,000 of interest, then 50,000 = X + 2 % of X:
	// X = 49,019.61, fee 980.39, carved out of the cash.
	st := replay(t, terms, "2024-03-01", append(history, repay(3, "2024-03-01", "51000"))...)
	a := st.Allocations[3]
	eq(t, "interest", a.Interest, "1000")
	eq(t, "prepaid", a.Prepaid, "49019.61")
	eq(t, "fee", a.Fee, "980.39")
	eq(t, "outstanding", st.Outstanding, "50980.39")
}

func TestInstallmentByInstallment(t *testing.T) {
	// Quarterly 1,000 principal + interest on 3,000 at 12 %; nothing paid for two
	// quarters; 200 on 15 July. Installment by installment: Q1's interest (90), then
	// Q1's principal (110), where interest first pays Q2's interest (90) before any.
	terms := usd("3000", "0.12", Thirty360WholeMonth, "2024-01-01", "2024-04-01", "2024-10-01", EqualPrincipal, Quarterly)
	terms.Order = InstallmentByInstallment
	st := replay(t, terms, "2024-07-15", disburse(1, "2024-01-01", "3000"), repay(2, "2024-07-15", "200"))
	a := st.Allocations[2]
	eq(t, "to interest", a.Interest, "90.00")
	eq(t, "to principal", a.Principal, "110.00")
	eq(t, "Q2 interest unpaid", st.Installments[1].unpaidInterest(), "90.00")
	if b := st.Balances(); b.DaysPastDue != 105 { // Q1 still unpaid: since 1 April
		t.Errorf("days past due %d", b.DaysPastDue)
	}
}

func TestTermsRefuseBadSharesAndOrders(t *testing.T) {
	terms := usd("1000", "0.1", ACT360, "2024-01-01", "2024-02-01", "2024-12-01", Bullet, Monthly)
	for _, tc := range []struct {
		field string
		set   func(*Terms)
	}{
		{"default_margin", func(t *Terms) { t.DefaultMargin = d("-0.01") }},
		{"default_margin", func(t *Terms) { t.DefaultMargin = d("1.5") }},
		{"prepayment_fee", func(t *Terms) { t.PrepaymentFee = d("-1") }},
		{"prepayment_fee", func(t *Terms) { t.PrepaymentFee = d("2") }},
		{"allocation_order", func(t *Terms) { t.Order = "oldest_first" }},
	} {
		bad := terms
		tc.set(&bad)
		if err := bad.Validate(); err == nil || !hasField(err, tc.field) {
			t.Errorf("%s: %v", tc.field, err)
		}
	}
}

func hasField(err error, field string) bool {
	var e *apperr.Error
	if !errors.As(err, &e) {
		return false
	}
	for _, f := range e.Fields {
		if f.Field == field {
			return true
		}
	}
	return false
}

func TestRateChangeReLevelsTheAnnuity(t *testing.T) {
	// 12,000 over 12 months at 12 % (30/360 whole months: 1 % a month), the textbook
	// level installment 12,000 × 0.01 / (1 − 1.01⁻¹²) = 1,066.19; the first three paid on
	// their dates leave 9,132.95 (946.19, 955.65 and 965.21 of principal). From 16 April
	// the rate is 6 %.
	terms := usd("12000", "0.12", Thirty360WholeMonth, "2024-01-01", "2024-02-01", "2025-01-01", Annuity, Monthly)
	rate := d("0.06")
	st := replay(t, terms, "2024-04-16", disburse(1, "2024-01-01", "12000"), repay(2, "2024-02-01", "1066.19"),
		repay(3, "2024-03-01", "1066.19"), repay(4, "2024-04-01", "1066.19"),
		Event{ID: 5, Kind: RateChange, On: date("2024-04-16"), NewRate: &rate})
	eq(t, "balance", st.Outstanding, "9132.95")
	// May's installment keeps its principal (9,132.95 × 1 % less than 1,066.19: 974.86);
	// its interest is half a month at each rate, 9,132.95 × (0.5 % + 0.25 %) = 68.50.
	may := st.Installments[3]
	eq(t, "May principal", may.Principal, "974.86")
	eq(t, "May interest", may.Interest, "68.50")
	// From June, the 8,158.09 left is re-levelled at 0.5 % a month over the 8 remaining:
	// 8,158.09 × 0.005 / (1 − 1.005⁻⁸) = 1,042.84, the last settling the rounding.
	for _, in := range st.Installments[4:11] {
		eq(t, fmtDate(in.DueOn)+" installment", add(in.Principal, in.Interest), "1042.84")
	}
	eq(t, "last installment", add(st.Installments[11].Principal, st.Installments[11].Interest), "1042.83")
	if st.Terms.Rate.Cmp(rate) != 0 {
		t.Errorf("rate in force %s", st.Terms.Rate)
	}
}

func TestCancelCommitment(t *testing.T) {
	terms := usd("20000", "0.1", ACT360, "2024-01-01", "2024-07-01", "2025-01-01", Bullet, Semiannual)
	events := []Event{disburse(1, "2024-01-15", "12000"), {ID: 2, Kind: CommitmentCancel, On: date("2024-03-01"), Amount: d("5000")}}
	b := replay(t, terms, "2024-03-01", events...).Balances()
	eq(t, "commitment", b.Committed, "15000")
	eq(t, "undisbursed", b.Undisbursed, "3000")
	before := replay(t, terms, "2024-02-29", events...).Balances()
	eq(t, "undisbursed the day before", before.Undisbursed, "8000")
	// More than is undisbursed is refused, and so is drawing what was cancelled.
	for _, e := range []Event{
		{ID: 3, Kind: CommitmentCancel, On: date("2024-03-02"), Amount: d("3000.01")},
		disburse(3, "2024-03-05", "3000.01"),
	} {
		if _, err := Replay(terms, append(events, e), date("2024-04-01")); !hasField(err, "amount") {
			t.Errorf("%s of %s: %v", e.Kind, e.Amount, err)
		}
	}
}

// From review: a period so long at a rate so high that rate·days/basis ≥ 1 (a 4-year
// bullet at 30 %): repaying the principal saves more interest than it costs, yet
// paying everything owed repays the loan.
func TestPayoffOfAVeryLongPeriod(t *testing.T) {
	terms := usd("1000", "0.3", ACT365F, "2020-01-01", "2024-01-01", "2024-01-01", Bullet, Annual)
	history := []Event{disburse(1, "2020-01-01", "1000")}
	owed, err := OwedOn(terms, history, date("2020-01-11"))
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "payoff", owed.Total(), "1008.22") // 10 days: 1,000 × 30 % × 10/365
	st := replay(t, terms, "2020-01-11", append(history, repay(2, "2020-01-11", "1008.22"))...)
	if b := st.Balances(); b.Status != Repaid || !st.Allocations[2].Principal.Equal(d("1000")) {
		t.Errorf("after the payoff: %s, allocation %+v", b.Status, st.Allocations[2])
	}
}

// From review: interest paid ahead beyond what its period then earns (a rate change
// came after the payment) stays paid as recorded (an entry never moves after its day:
// closed books) and is a credit against the next periods' interest, carried until
// used; whether or not another payment comes, so a cent paid later moves a cent.
func TestInterestPaidAheadIsACredit(t *testing.T) {
	terms := usd("12000", "0.24", ACT360, "2024-01-01", "2024-02-01", "2024-12-01", EqualPrincipal, Monthly)
	rate := d("0.06")
	// 1,230 on 5 January settles January's installment early: x + 12,000 × 24 % × 4/360
	// + (12,000 − x) × 24 % × 27/360 = 1,230 gives x = 1,000.00 and 230.00 of interest.
	history := []Event{disburse(1, "2024-01-01", "12000"), repay(2, "2024-01-05", "1230"),
		{ID: 3, Kind: RateChange, On: date("2024-01-10"), NewRate: &rate}}
	alone := replay(t, terms, "2024-05-02", history...)
	cent := replay(t, terms, "2024-05-02", append(history, repay(4, "2024-01-31", "0.01"))...)
	if d := sub(alone.Outstanding, cent.Outstanding); !d.Equal(decimal.MustNew(1, 2)) {
		t.Errorf("outstanding %s alone, %s with a cent more: differ by %s", alone.Outstanding, cent.Outstanding, d)
	}
	// January earned 12,000 × 24 % × 4 + 11,000 × 24 % × 5 + 11,000 × 6 % × 22, over 360:
	// 109.00; 230.00 was paid, so 121.00 of credit. February (29 days on 11,000 at 6 %:
	// 53.17) and March (31 days: 56.83) take it all; April's 55.00 takes the last 11.00.
	for i, want := range []string{"230.00", "0", "0", "44.00"} {
		eq(t, fmtDate(alone.Installments[i].DueOn)+" interest", alone.Installments[i].Interest, want)
	}
	eq(t, "January paid as recorded", alone.Allocations[2].Interest, "230.00")
}

// From review: late interest under 30/360 (US) does not depend on how many events
// fall in the month.
func TestLateInterestUnder30360IsAdditive(t *testing.T) {
	terms := usd("100000", "0.1", Thirty360, "2020-01-01", "2020-02-01", "2020-12-01", EqualPrincipal, Monthly)
	terms.DefaultMargin = d("0.5")
	history := []Event{disburse(1, "2020-01-01", "100000")}
	quiet, err := OwedOn(terms, history, date("2020-03-14"))
	if err != nil {
		t.Fatal(err)
	}
	busy, err := OwedOn(terms, append(history, repay(2, "2020-02-29", "0.01"), repay(3, "2020-03-01", "0.01")), date("2020-03-14"))
	if err != nil {
		t.Fatal(err)
	}
	// The two cents go to late interest first: the rest must be the same.
	if got := add(busy.LateInterest, d("0.02")); !got.Equal(quiet.LateInterest) {
		t.Errorf("late interest %s with no events, %s (+0.02 paid) with two", quiet.LateInterest, got)
	}
}
