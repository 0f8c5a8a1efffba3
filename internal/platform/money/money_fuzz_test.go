package money

import (
	"math/big"
	"strings"
	"testing"
)

// FuzzParseAmount: ParseAmount never panics, accepts only a sign, digits and one
// point, and reads exactly the number written (checked against math/big's reading of
// the same text), which its String gives back.
// Seeds: testdata/fuzz/FuzzParseAmount and the cases below.
func FuzzParseAmount(f *testing.F) {
	for _, seed := range []string{"1250.50", "-0.01", "+7", " 12 ", "1e3", "1,000", ".5", "5.", "0x10", "NaN", "Inf",
		"99999999999999999999", "0.0000000000000000001", "", "-", "1.2.3", "١٢٣"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseAmount(s)
		if err != nil {
			return
		}
		text := strings.TrimSpace(s)
		if strings.ContainsAny(text, "eE,_xX") {
			t.Fatalf("ParseAmount(%q) = %s: exponents, separators and hex must be refused", s, d)
		}
		want, ok := new(big.Rat).SetString(text)
		if !ok {
			t.Fatalf("ParseAmount(%q) = %s, but it is no number", s, d)
		}
		got, ok := new(big.Rat).SetString(d.String())
		if !ok || got.Cmp(want) != 0 {
			t.Fatalf("ParseAmount(%q) = %s, not the number written (%s)", s, d, want.RatString())
		}
		again, err := ParseAmount(d.String())
		if err != nil || !again.Equal(d) {
			t.Fatalf("ParseAmount(%q) = %s does not read back: %v %v", s, d, again, err)
		}
	})
}

// Digits a decimal would round away are refused, not rounded (FuzzParseAmount found
// "0.00000000000000000001" read as 0).
func TestParseAmountRefusesWhatItWouldRound(t *testing.T) {
	for s, ok := range map[string]bool{
		"0.0000000000000000001":     true,  // 19 decimals
		"0.00000000000000000001":    false, // 20
		"1.10000000000000000000000": true,  // trailing zeros are no digits
		"1234567890123456789":       true,
		"12345678901234567890":      false,
		"123456789012345678.9":      true,
		"1234567890123456789.1":     false,
		"-000000000000000000000012": true,
		// decimal.Parse alone refuses texts over 330 characters, zeros included
		strings.Repeat("0", 331): true,
		"-" + strings.Repeat("0", 400) + "1.5" + strings.Repeat("0", 400): true,
	} {
		if _, err := ParseAmount(s); (err == nil) != ok {
			t.Errorf("ParseAmount(%q): %v, want ok %v", s, err, ok)
		}
	}
}

func TestTrimZeros(t *testing.T) {
	for in, want := range map[string]string{
		"-000012.500": "-12.5", "+0.0": "+0", "000": "0", ".50": "0.5", "5.": "5", "12": "12",
		"1e3": "1e3", "": "", "-": "-", ".": ".", "1.2.3": "1.2.3", "0x10": "0x10",
	} {
		if got := TrimZeros(in); got != want {
			t.Errorf("TrimZeros(%q) = %q, want %q", in, got, want)
		}
	}
}
