package view

import (
	"testing"

	"github.com/govalues/decimal"
)

func TestFormats(t *testing.T) {
	share := 0.12345
	tests := []struct {
		name, got, want string
	}{
		{"amount groups thousands", Amount(decimal.MustParse("1234567.891")), "1,234,567.89"},
		{"amount rounds half to even", Amount(decimal.MustParse("0.125")), "0.12"},
		{"amount pads", Amount("12"), "12.00"},
		{"negative amount", Amount(decimal.MustParse("-1234.5")), "-1,234.50"},
		{"small amount", Amount(decimal.MustParse("999")), "999.00"},
		{"absent amount", Amount((*decimal.Decimal)(nil)), "–"},
		{"money in USD", Money(decimal.MustParse("1000000"), "USD"), "1,000,000.00 USD"},
		{"money in JPY has no decimals", Money(decimal.MustParse("1234567.4"), "JPY"), "1,234,567 JPY"},
		{"money in KWD has three", Money(decimal.MustParse("1234.5"), "KWD"), "1,234.500 KWD"},
		{"amount in JPY", AmountIn(decimal.MustParse("1234567.4"), "JPY"), "1,234,567"},
		{"percent", Percent(share), "12.3 %"},
		{"absent percent", Percent((*float64)(nil)), "–"},
		{"count", Count(1234567), "1,234,567"},
		{"ratio", Ratio(2.345), "2.35"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}
