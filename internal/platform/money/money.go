// Package money holds exact amounts (decimal, never float) and the currencies they are in.
package money

import (
	"fmt"
	"strings"

	"github.com/govalues/decimal"
	"golang.org/x/text/currency"
)

// Currency is an ISO 4217 currency with its number of minor-unit digits.
type Currency struct {
	Code  string
	Scale int // digits after the decimal point: 2 for USD, 0 for JPY, 3 for JOD
}

// notMoney are ISO 4217 codes that are not currencies one lends in: precious metals,
// funds units, testing and "no currency" codes.
var notMoney = map[string]bool{
	"XAU": true, "XAG": true, "XPT": true, "XPD": true, "XBA": true, "XBB": true, "XBC": true,
	"XBD": true, "XDR": true, "XSU": true, "XUA": true, "XTS": true, "XXX": true,
}

// ParseCurrency checks an ISO 4217 code (any letter case) and returns its currency.
func ParseCurrency(code string) (Currency, error) {
	code = strings.ToUpper(strings.TrimSpace(code))
	if len(code) != 3 || notMoney[code] {
		return Currency{}, fmt.Errorf("%q is not an ISO 4217 currency code (e.g. USD, EUR, BOB)", code)
	}
	unit, err := currency.ParseISO(code)
	if err != nil {
		return Currency{}, fmt.Errorf("%q is not an ISO 4217 currency code (e.g. USD, EUR, BOB)", code)
	}
	scale, _ := currency.Standard.Rounding(unit)
	return Currency{Code: code, Scale: scale}, nil
}

// MustCurrency is ParseCurrency for codes known to be valid.
func MustCurrency(code string) Currency {
	c, err := ParseCurrency(code)
	if err != nil {
		panic(err)
	}
	return c
}

// Round rounds d to the currency's minor unit, half to even.
func (c Currency) Round(d decimal.Decimal) decimal.Decimal { return d.Round(c.Scale) }

// CheckAmount returns an error when d has more decimals than the currency allows.
func (c Currency) CheckAmount(d decimal.Decimal) error {
	if d.MinScale() > c.Scale {
		return fmt.Errorf("%s allows %d decimals, %s has more", c.Code, c.Scale, d)
	}
	return nil
}

// Zero is 0.
var Zero = decimal.Zero

// ParseAmount reads a decimal string; it refuses exponents and anything but digits, an
// optional sign and one decimal point, so "1e3" or "1,000" are errors, not surprises.
func ParseAmount(s string) (decimal.Decimal, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return decimal.Zero, fmt.Errorf("is empty")
	}
	for i, r := range s {
		if !(r >= '0' && r <= '9' || r == '.' || (i == 0 && (r == '-' || r == '+'))) {
			return decimal.Zero, fmt.Errorf("%q is not a decimal number such as 1250.50", s)
		}
	}
	if err := CheckDigits(s); err != nil {
		return decimal.Zero, err
	}
	d, err := decimal.Parse(TrimZeros(s))
	if err != nil {
		return decimal.Zero, fmt.Errorf("%q is not a decimal number such as 1250.50", s)
	}
	return d, nil
}

// MaxDigits is how many significant digits, and at most how many decimals, a decimal
// holds exactly.
const MaxDigits = 19

// CheckDigits refuses a plain decimal string (digits, a sign, one point) that a
// decimal would round to keep: more than MaxDigits significant digits, or more than
// MaxDigits decimals (a fraction's trailing zeros do not count). decimal.Parse rounds
// "0.00000000000000000001" to 0 without a word (found by FuzzParseAmount).
func CheckDigits(s string) error {
	whole, frac, _ := strings.Cut(strings.TrimLeft(s, "+-"), ".")
	frac = strings.TrimRight(frac, "0")
	digits := strings.TrimLeft(whole+frac, "0")
	if len(frac) > MaxDigits || len(digits) > MaxDigits {
		return fmt.Errorf("%q has more digits than an amount keeps exactly (%d in all, at most %d decimals)", s, MaxDigits, MaxDigits)
	}
	return nil
}

// TrimZeros drops a plain decimal string's leading zeros and its fraction's trailing
// zeros ("-000012.500" → "-12.5"), which change nothing but which decimal.Parse counts:
// it refuses a text longer than 330 characters even when it is all zeros (found by
// FuzzParseCells). Anything but a sign, digits and one point is returned unchanged.
func TrimZeros(s string) string {
	sign, body := "", s
	if body != "" && (body[0] == '-' || body[0] == '+') {
		sign, body = body[:1], body[1:]
	}
	whole, frac, point := strings.Cut(body, ".")
	if !allDigits(whole) || !allDigits(frac) || whole+frac == "" {
		return s
	}
	whole = strings.TrimLeft(whole, "0")
	if whole == "" {
		whole = "0"
	}
	if frac = strings.TrimRight(frac, "0"); point && frac != "" {
		return sign + whole + "." + frac
	}
	return sign + whole
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Sums of amounts cannot overflow in practice (a 19-digit coefficient), so code that
// sums many uses MustAdd and MustSub, which panic with an overflow if one ever did, and
// RecoverOverflow, deferred, turns that panic into the summing function's error.
type overflow struct{ err error }

// MustAdd is a + b; see RecoverOverflow.
func MustAdd(a, b decimal.Decimal) decimal.Decimal {
	c, err := a.Add(b)
	if err != nil {
		panic(overflow{err})
	}
	return c
}

// MustSub is a − b; see RecoverOverflow.
func MustSub(a, b decimal.Decimal) decimal.Decimal {
	c, err := a.Sub(b)
	if err != nil {
		panic(overflow{err})
	}
	return c
}

// RecoverOverflow, deferred, sets *err when MustAdd or MustSub overflowed; any other
// panic goes on.
func RecoverOverflow(err *error) {
	if r := recover(); r != nil {
		o, ok := r.(overflow)
		if !ok {
			panic(r)
		}
		*err = fmt.Errorf("amounts beyond the decimal range: %w", o.err)
	}
}
