package fx

import (
	"strings"
	"testing"
	"time"

	"github.com/govalues/decimal"

	"cartera/internal/platform/apperr"
	"cartera/internal/platform/civil"
)

// TestRatesConvertThroughTheFactor: the factor is to's rate over from's; an amount is
// multiplied by it; the same currency and a zero amount need no rate; a missing rate
// is a *MissingRate naming the currency and the date, which the API shows as a 422 on
// the currency field.
func TestRatesConvertThroughTheFactor(t *testing.T) {
	d := decimal.MustParse
	on := civil.Date(2024, 3, 10)
	r := NewRates(on, map[string]decimal.Decimal{"BOB": d("6.96"), "EUR": d("0.8")})
	for _, c := range []struct{ amount, from, to, want string }{
		{"696", "BOB", "USD", "100"},
		{"100", "USD", "EUR", "80"},
		{"100", "EUR", "USD", "125"},
		{"12.5", "EUR", "EUR", "12.5"},
		{"0", "KES", "USD", "0"},                     // nothing to convert: no rate needed
		{"1", "BOB", "EUR", "0.1149425287356321839"}, // 0.8 / 6.96 to 19 digits
	} {
		got, err := r.Convert(d(c.amount), c.from, c.to)
		if err != nil || !got.Equal(d(c.want)) {
			t.Errorf("%s %s→%s = %s, %v; want %s", c.amount, c.from, c.to, got, err, c.want)
		}
	}
	if f, err := r.Factor("EUR", "BOB"); err != nil || !f.Equal(d("8.7")) {
		t.Errorf("BOB per EUR = %s, %v; want 8.7", f, err)
	}
	_, err := r.Convert(d("1"), "KES", "USD")
	m, ok := AsMissingRate(err)
	if !ok || m.Currency != "KES" || !m.On.Equal(on) || err.Error() != "no KES rate on or before 2024-03-10" {
		t.Fatalf("missing KES: %v", err)
	}
	if e, ok := apperr.As(err); !ok || e.Kind != apperr.KindInvalid || e.Fields[0].Field != "currency" {
		t.Errorf("missing KES as the API sees it: %+v", e)
	}
	r.Set("KES", d("125"))
	if got, err := r.Convert(d("250"), "KES", "USD"); err != nil || !got.Equal(d("2")) {
		t.Errorf("after Set: %s, %v", got, err)
	}
}

func TestValidateBatch(t *testing.T) {
	today := civil.Date(2026, 3, 10)
	rate := func(currency string, y int, m time.Month, d int) Rate {
		return Rate{Currency: currency, Date: civil.Date(y, m, d), Rate: decimal.MustParse("1.5")}
	}
	for _, tc := range []struct {
		name   string
		rates  []Rate
		fields []string
	}{
		{"today and before", []Rate{rate("EUR", 2026, 3, 10), rate("EUR", 2026, 3, 9), rate("BOB", 2026, 3, 10)}, nil},
		{"tomorrow", []Rate{rate("EUR", 2026, 3, 10), rate("EUR", 2026, 3, 11)}, []string{"rates[1].date"}},
		{"a currency twice on a date, however spelt", []Rate{rate("EUR", 2026, 1, 1), rate("BOB", 2026, 1, 1), rate("eur", 2026, 1, 1)}, []string{"rates[2].date"}},
		{"three times: each repeat names the first", []Rate{rate("PEN", 2026, 1, 1), rate("PEN", 2026, 1, 1), rate("PEN", 2026, 1, 1)}, []string{"rates[1].date", "rates[2].date"}},
		{"the rules of each rate still hold", []Rate{{Currency: "USD", Date: civil.Date(2026, 1, 1), Rate: decimal.One}}, []string{"rates[0].currency"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			if e, ok := apperr.As(ValidateBatch(tc.rates, today)); ok {
				for _, f := range e.Fields {
					got = append(got, f.Field)
				}
			}
			if strings.Join(got, " ") != strings.Join(tc.fields, " ") {
				t.Errorf("fields %v, want %v", got, tc.fields)
			}
		})
	}
}
