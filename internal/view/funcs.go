package view

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/govalues/decimal"

	"cartera/internal/platform/money"
)

// Funcs are the helpers every template may call.
func Funcs() template.FuncMap {
	return template.FuncMap{
		"amount":   Amount,
		"money":    Money,
		"amountIn": AmountIn,
		"pct":      Percent,
		"count":    Count,
		"date":     Date,
		"ratio":    Ratio,
		"dict":     dict,
		"add":      func(a, b int) int { return a + b },
		"join":     strings.Join,
		"upper":    strings.ToUpper,
		"human":    Human,
	}
}

// Human shows a code such as written_off or partially_paid as words.
func Human(v any) string { return strings.ReplaceAll(fmt.Sprint(v), "_", " ") }

// Amount formats a decimal amount with thousands separators and two decimals:
// 1234567.891 → "1,234,567.89". It takes decimals, their strings and pointers; nil
// and "" give "–".
func Amount(v any) string {
	d, ok := toDecimal(v)
	if !ok {
		return "–"
	}
	return group(d.Round(2).Pad(2).String())
}

// Money formats an amount with the currency's own decimals (0 for JPY, 3 for
// KWD), thousands separators, and the currency code.
func Money(v any, currency string) string {
	s := AmountIn(v, currency)
	if s == "–" {
		return s
	}
	return s + " " + currency
}

var scales sync.Map // currency code → decimals

func scaleOf(code string) int {
	if s, ok := scales.Load(code); ok {
		return s.(int)
	}
	scale := 2
	if c, err := money.ParseCurrency(code); err == nil {
		scale = c.Scale
	}
	scales.Store(code, scale)
	return scale
}

// AmountIn is Money without the code: the currency's decimals, for a table whose
// header names the currency.
func AmountIn(v any, currency string) string {
	d, ok := toDecimal(v)
	if !ok {
		return "–"
	}
	return group(d.Round(scaleOf(currency)).Pad(scaleOf(currency)).String())
}

// Count formats a whole number with thousands separators (a decimal is rounded).
func Count(v any) string {
	if d, ok := v.(*decimal.Decimal); ok {
		if d == nil {
			return "–"
		}
		return group(d.Round(0).String())
	}
	switch n := v.(type) {
	case int:
		return group(strconv.Itoa(n))
	case int64:
		return group(strconv.FormatInt(n, 10))
	case *int64:
		if n == nil {
			return "–"
		}
		return group(strconv.FormatInt(*n, 10))
	}
	return fmt.Sprint(v)
}

// Percent formats a fraction as a percentage with one decimal: 0.1234 → "12.3 %".
func Percent(v any) string {
	var f float64
	switch x := v.(type) {
	case float64:
		f = x
	case *float64:
		if x == nil {
			return "–"
		}
		f = *x
	default:
		d, ok := toDecimal(v)
		if !ok {
			return "–"
		}
		f, _ = d.Float64()
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "–"
	}
	return strconv.FormatFloat(f*100, 'f', 1, 64) + " %"
}

// Ratio formats a plain number (a multiple such as debt to equity) with two decimals.
func Ratio(v any) string {
	switch x := v.(type) {
	case float64:
		return strconv.FormatFloat(x, 'f', 2, 64)
	case *float64:
		if x == nil {
			return "–"
		}
		return strconv.FormatFloat(*x, 'f', 2, 64)
	}
	return fmt.Sprint(v)
}

// Date formats a date as ISO 8601; the zero time and nil give "–".
func Date(v any) string {
	switch t := v.(type) {
	case time.Time:
		if t.IsZero() {
			return "–"
		}
		return t.Format("2006-01-02")
	case *time.Time:
		if t == nil || t.IsZero() {
			return "–"
		}
		return t.Format("2006-01-02")
	}
	return fmt.Sprint(v)
}

func toDecimal(v any) (decimal.Decimal, bool) {
	switch x := v.(type) {
	case decimal.Decimal:
		return x, true
	case *decimal.Decimal:
		if x == nil {
			return decimal.Decimal{}, false
		}
		return *x, true
	case decimal.NullDecimal:
		return x.Decimal, x.Valid
	case string:
		d, err := decimal.Parse(x)
		return d, err == nil
	case int:
		return decimal.MustNew(int64(x), 0), true
	case int64:
		return decimal.MustNew(x, 0), true
	}
	return decimal.Decimal{}, false
}

// group puts thousands separators into the integer part of a formatted number.
func group(s string) string {
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	whole, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if hasFrac {
		return sign + b.String() + "." + frac
	}
	return sign + b.String()
}

// dict builds a map from key, value pairs, to pass several values to a partial.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, fmt.Errorf("dict needs key, value pairs")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict key %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}
