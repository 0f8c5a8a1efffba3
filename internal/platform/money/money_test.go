package money

import (
	"testing"

	"github.com/govalues/decimal"
)

func TestParseCurrency(t *testing.T) {
	tests := []struct {
		code  string
		ok    bool
		scale int
	}{
		{"USD", true, 2}, {"eur", true, 2}, {" BOB ", true, 2}, {"JPY", true, 0}, {"UGX", true, 0},
		{"KWD", true, 3}, {"JOD", true, 3}, {"XOF", true, 0}, {"CLF", true, 4},
		{"XAU", false, 0}, {"XXX", false, 0}, {"ABC", false, 0}, {"US", false, 0}, {"", false, 0},
	}
	for _, tt := range tests {
		c, err := ParseCurrency(tt.code)
		if (err == nil) != tt.ok || (tt.ok && c.Scale != tt.scale) {
			t.Errorf("ParseCurrency(%q) = %+v, %v; want ok=%v scale %d", tt.code, c, err, tt.ok, tt.scale)
		}
	}
}

func TestAmounts(t *testing.T) {
	for _, s := range []string{"1e3", "1,000", "12.5.1", "abc", "", " ", "0x10", "1 000"} {
		if _, err := ParseAmount(s); err == nil {
			t.Errorf("ParseAmount(%q) should fail", s)
		}
	}
	for s, want := range map[string]string{"1250.50": "1250.50", " 7 ": "7", "-3.25": "-3.25", "+0.01": "0.01"} {
		d, err := ParseAmount(s)
		if err != nil || !d.Equal(decimal.MustParse(want)) {
			t.Errorf("ParseAmount(%q) = %s, %v", s, d, err)
		}
	}
	jpy, kwd := MustCurrency("JPY"), MustCurrency("KWD")
	if jpy.CheckAmount(decimal.MustParse("100.5")) == nil || jpy.CheckAmount(decimal.MustParse("100.000")) != nil {
		t.Error("JPY takes whole yen only (trailing zeros are fine)")
	}
	if kwd.CheckAmount(decimal.MustParse("1.125")) != nil || kwd.CheckAmount(decimal.MustParse("1.1255")) == nil {
		t.Error("KWD takes three decimals")
	}
	if got := MustCurrency("USD").Round(decimal.MustParse("2.345")); !got.Equal(decimal.MustParse("2.34")) {
		t.Errorf("half to even: 2.345 → %s, want 2.34", got)
	}
}
