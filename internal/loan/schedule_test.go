package loan

import (
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/civil"
	"testing"

	"github.com/govalues/decimal"
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
