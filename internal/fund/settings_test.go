package fund

import (
	"strings"
	"testing"

	"cartera/internal/platform/apperr"
	"cartera/internal/platform/civil"
)

func TestSettingsValidate(t *testing.T) {
	today := civil.Date(2026, 12, 15)
	n := func(v int) *int { return &v }
	d := civil.Date
	for _, tt := range []struct {
		name  string
		st    Settings
		field string // "" when valid
	}{
		{"defaults", DefaultSettings(), ""},
		{"installment by installment, cure 1, closed today", Settings{InstallmentByInstallment, n(1), ptr(today)}, ""},
		{"cure 36", Settings{InterestFirst, n(36), ptr(d(2026, 10, 31))}, ""},
		{"unknown order", Settings{"principal_first", nil, nil}, "allocation_order"},
		{"empty order", Settings{"", nil, nil}, "allocation_order"},
		{"cure 0", Settings{InterestFirst, n(0), nil}, "restructured_cure_installments"},
		{"cure 37", Settings{InterestFirst, n(37), nil}, "restructured_cure_installments"},
		{"cure negative", Settings{InterestFirst, n(-3), nil}, "restructured_cure_installments"},
		{"closed tomorrow", Settings{InterestFirst, nil, ptr(d(2026, 12, 16))}, "books_closed_through"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.st.Validate(today)
			if tt.field == "" {
				if err != nil {
					t.Errorf("refused: %v", err)
				}
				return
			}
			e, ok := apperr.As(err)
			if !ok || e.Kind != apperr.KindInvalid || len(e.Fields) != 1 || e.Fields[0].Field != tt.field {
				t.Errorf("want one invalid field %s, got %v", tt.field, err)
			}
		})
	}
}

func TestClosedOn(t *testing.T) {
	st := Settings{AllocationOrder: InterestFirst, BooksClosedThrough: ptr(civil.Date(2026, 10, 31))}
	for on, want := range map[string]bool{"2026-10-15": true, "2026-10-31": true, "2026-11-01": false} {
		d, err := civil.Parse(on)
		if err != nil {
			t.Fatal(err)
		}
		if got := st.ClosedOn(d); got != want {
			t.Errorf("closed on %s = %v, want %v", on, got, want)
		}
	}
	if DefaultSettings().ClosedOn(civil.Date(1990, 1, 1)) {
		t.Error("books with no close are closed")
	}
}

func TestWithRulesReportsEveryField(t *testing.T) {
	read := apperr.Invalid(apperr.FieldError{Field: "restructured_cure_installments", Message: "must be a whole number"})
	rules := Settings{AllocationOrder: "x", RestructuredCureInstallments: ptr(0)}.Validate(civil.Date(2026, 1, 1))
	e, _ := apperr.As(withRules(read, rules))
	var got []string
	for _, f := range e.Fields {
		got = append(got, f.Field+": "+f.Message)
	}
	if len(got) != 2 || !strings.HasPrefix(got[0], "restructured_cure_installments: must be a whole number") || !strings.HasPrefix(got[1], "allocation_order") {
		t.Errorf("fields %v", got)
	}
}

func ptr[T any](v T) *T { return &v }
