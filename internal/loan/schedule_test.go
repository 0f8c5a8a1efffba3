package loan

import (
	"math/big"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/govalues/decimal"

	"cartera/internal/platform/apperr"
	"cartera/internal/platform/civil"
	"cartera/internal/platform/money"
)

func TestProjectedSchedule(t *testing.T) {
	terms := usd("120000", "0.12", Thirty360WholeMonth, "2024-01-15", "2024-04-15", "2025-01-15", EqualPrincipal, Quarterly)
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
		if civil.Format(in.DueOn) != w[0] || in.Principal.Cmp(d(w[1])) != 0 || in.Interest.Cmp(d(w[2])) != 0 {
			t.Errorf("installment %d: %s %s %s, want %v", i+1, civil.Format(in.DueOn), in.Principal, in.Interest, w)
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

// TestAnnuityBeyondTheDecimalRange: a high rate over many monthly installments once put
// (1+r)^n beyond the decimals' range. The level installment is now found from discount
// factors, which only shrink, so the schedule is computed and still levels.
// Expectation changed (issue 16, level annuities under actual days): it was "the
// level installment is the interest alone, and the last repays the whole 100,000",
// which held only for 30-day months. Under ACT/360 a 31-day month's interest
// (100,000 × 0.99 × 31/360 = 8,525.00) exceeds the level installment (≈ 8,371, the
// average month's), so January repays no principal, February's 28 days repay some,
// and the loan is repaid by its maturity, as an annuity is.
func TestAnnuityBeyondTheDecimalRange(t *testing.T) {
	terms := usd("100000", "0.99", ACT360, "2026-01-01", "2026-02-01", "2099-01-01", Annuity, Monthly)
	if err := terms.Validate(); err != nil {
		t.Fatalf("the terms themselves are valid: %v", err)
	}
	got, err := ProjectedSchedule(terms)
	if err != nil {
		t.Fatalf("schedule: %v", err)
	}
	if first := got[0]; first.Principal.Sign() != 0 || !first.Interest.Equal(decimal.MustParse("8525.00")) {
		t.Errorf("first installment (31 days): principal %s, interest %s", first.Principal, first.Interest)
	}
	if feb := got[1]; !feb.Principal.IsPos() {
		t.Errorf("February (28 days, interest 7,700.00) repays no principal: %s", feb.Principal)
	}
	sum := decimal.Zero
	for _, in := range got {
		if in.Principal.IsNeg() {
			t.Fatalf("installment %d: negative principal %s", in.Seq, in.Principal)
		}
		sum, _ = sum.Add(in.Principal)
	}
	if !sum.Equal(decimal.MustParse("100000")) || !got[len(got)-1].Principal.IsPos() {
		t.Errorf("principal repaid %s (want 100000), the last installment %s (want some: repaid at maturity, not before)", sum, got[len(got)-1].Principal)
	}
}

// Apache Fineract's EMI scenarios (fineract-e2e-tests-runner/src/test/resources/
// features/EMICalculation.feature, commit 0258af68): 100 disbursed on 2024-01-01,
// six monthly installments, interest on actual days over 365 (days in year 365, days
// in month actual), the installment level. C3159 at 12 %, C3160 at 9.4822 %, C3167 at
// 15.678 %; each row is principal, interest.
func TestLevelAnnuityMatchesFineractEMI(t *testing.T) {
	for _, c := range []struct {
		scenario, rate string
		want           [6][2]string
	}{
		{"C3159", "0.12", [6][2]string{{"16.23", "1.02"}, {"16.45", "0.80"}, {"16.56", "0.69"}, {"16.75", "0.50"}, {"16.90", "0.35"}, {"17.11", "0.17"}}},
		{"C3160", "0.094822", [6][2]string{{"16.32", "0.81"}, {"16.50", "0.63"}, {"16.59", "0.54"}, {"16.74", "0.39"}, {"16.86", "0.27"}, {"16.99", "0.13"}}},
		{"C3167", "0.15678", [6][2]string{{"16.10", "1.33"}, {"16.38", "1.05"}, {"16.53", "0.90"}, {"16.77", "0.66"}, {"16.97", "0.46"}, {"17.25", "0.22"}}},
	} {
		terms := usd("100", c.rate, ACT365F, "2024-01-01", "2024-02-01", "2024-07-01", Annuity, Monthly)
		got, err := ProjectedSchedule(terms)
		if err != nil || len(got) != 6 {
			t.Fatalf("%s: %d installments, %v", c.scenario, len(got), err)
		}
		for i, w := range c.want {
			if !got[i].Principal.Equal(d(w[0])) || !got[i].Interest.Equal(d(w[1])) {
				t.Errorf("%s installment %d: principal %s interest %s, Fineract publishes %s and %s",
					c.scenario, i+1, got[i].Principal, got[i].Interest, w[0], w[1])
			}
		}
	}
}

// Every installment but the last totals the level amount to the cent under every day
// count, over random terms (some with a longer first period); the last settles the
// rest, and the principal adds up.
func TestAnnuitiesAreLevelUnderEveryDayCount(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 4))
	for i := 0; i < 400; i++ {
		dc := DayCounts[rng.IntN(len(DayCounts))]
		signed := civil.Date(2020+rng.IntN(6), time.Month(1+rng.IntN(12)), 1+rng.IntN(28))
		if rng.IntN(4) == 0 {
			signed = civil.AddMonths(civil.Date(signed.Year(), signed.Month(), 1), 1).AddDate(0, 0, -1) // a month end
		}
		f := []Frequency{Monthly, Quarterly, Semiannual}[rng.IntN(3)]
		n := 2 + rng.IntN(60/f.Months()+1)
		first := civil.AddMonths(signed, f.Months())
		if rng.IntN(3) == 0 {
			first = first.AddDate(0, 0, rng.IntN(25)) // a broken first period
		}
		terms := Terms{Currency: money.MustCurrency("USD"), Committed: decimal.MustNew(int64(1000+rng.IntN(5_000_000)), 0),
			Rate: decimal.MustNew(int64(100+rng.IntN(3000)), 4), DayCount: dc, SignedOn: signed, FirstDueOn: first,
			MaturityOn: civil.AddMonths(first, (n-1)*f.Months()), Amortization: Annuity, Frequency: f}
		got, err := ProjectedSchedule(terms)
		if err != nil {
			t.Fatalf("%+v: %v", terms, err)
		}
		// A period whose interest alone exceeds the level amount (a long first period
		// at a high rate) repays no principal, and the rest levels again after it.
		var level decimal.Decimal
		sum := decimal.Zero
		for k, in := range got {
			total := add(in.Principal, in.Interest)
			sum = add(sum, in.Principal)
			switch {
			case k == len(got)-1:
			case in.Principal.IsZero() && (level.IsZero() || in.Interest.Cmp(level) > 0):
				level = decimal.Zero
			case level.IsZero():
				level = total
			case !total.Equal(level):
				t.Fatalf("%s %s %s (first due %s) over %d: installment %d totals %s, the level %s", dc, terms.Rate,
					civil.Format(signed), civil.Format(first), len(got), k+1, total, level)
			}
		}
		if !sum.Equal(terms.Committed) {
			t.Fatalf("%s: principal adds up to %s of %s", dc, sum, terms.Committed)
		}
	}
}

// fixedFactor is basis/(basis + rate·span) to 18 decimals, half to even, in integers:
// it agrees with the exact quotient (decimal QuoRem at 18 digits) over random rates
// and spans, and takes its fast path for every rate the ledger accepts.
func TestFixedFactorIsTheExactQuotient(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 18))
	for i := 0; i < 20000; i++ {
		basis := []int64{360, 365, 365 * 366}[rng.IntN(3)]
		rate := decimal.MustNew(int64(rng.IntN(100_000_000)), 8) // up to 0.99999999
		span := int64(1 + rng.IntN(400*int(basis/360)))
		got, ok := fixedFactor(basis, rate, span)
		if !ok {
			t.Fatalf("fixedFactor(%d, %s, %d) left its fast path", basis, rate, span)
		}
		// The exact value, in big integers: basis·10ˢ·10¹⁸ / (basis·10ˢ + c·span) for
		// rate = c·10⁻ˢ, rounded half to even.
		scale := big.NewInt(1).Exp(big.NewInt(10), big.NewInt(int64(rate.Scale())), nil)
		num := new(big.Int).Mul(new(big.Int).Mul(big.NewInt(basis), scale), big.NewInt(fixedOne))
		den := new(big.Int).Add(new(big.Int).Mul(big.NewInt(basis), scale), new(big.Int).Mul(new(big.Int).SetUint64(rate.Coef()), big.NewInt(span)))
		q, r := new(big.Int).QuoRem(num, den, new(big.Int))
		if c := new(big.Int).Lsh(r, 1).Cmp(den); c > 0 || c == 0 && q.Bit(0) == 1 {
			q.Add(q, big.NewInt(1))
		}
		want := q.Uint64()
		if got != want {
			t.Fatalf("fixedFactor(%d, %s, %d) = %d, exact %d", basis, rate, span, got, want)
		}
	}
	if f, ok := fixedFactor(360, decimal.MustParse("0.12"), 0); !ok || f != fixedOne {
		t.Errorf("no days: %d %v", f, ok)
	}
}
