package reports

import (
	"fmt"
	"strings"
	"time"

	"github.com/govalues/decimal"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
	"golang.org/x/text/message"
	"golang.org/x/text/number"
)

// Lang is a language the reports are written in.
type Lang string

// The languages.
const (
	English Lang = "en"
	French  Lang = "fr"
	Spanish Lang = "es"
)

// Langs lists the languages in display order.
var Langs = []Lang{English, French, Spanish}

// ParseLang reads a language code; empty means English.
func ParseLang(s string) (Lang, error) {
	switch l := Lang(strings.ToLower(strings.TrimSpace(s))); l {
	case "":
		return English, nil
	case English, French, Spanish:
		return l, nil
	}
	return "", fmt.Errorf("%q is not a report language: use en, fr or es", s)
}

// locale formats numbers, amounts, percentages and dates in a language's style.
// Separators come from CLDR through golang.org/x/text; amounts are formatted from
// their decimal digits, never through float64.
type locale struct {
	lang    Lang
	tag     language.Tag
	printer *message.Printer
	group   string // thousands separator: "," en, U+00A0 fr, "." es
	decimal string // "." en, "," fr and es
	regions display.Namer
}

var locales = func() map[Lang]*locale {
	m := map[Lang]*locale{}
	for _, l := range Langs {
		tag := language.MustParse(string(l))
		p := message.NewPrinter(tag)
		// 1234.5 printed in the locale gives its two separators.
		probe := []rune(p.Sprint(number.Decimal(1234.5, number.MinFractionDigits(1))))
		m[l] = &locale{lang: l, tag: tag, printer: p,
			group: string(probe[1]), decimal: string(probe[len(probe)-2]),
			regions: display.Regions(tag)}
	}
	return m
}()

func localeOf(l Lang) *locale {
	if loc, ok := locales[l]; ok {
		return loc
	}
	return locales[English]
}

// grouped inserts the locale's thousands separator into a string of digits with an
// optional leading minus sign and decimal part ("-1234567.89").
func (loc *locale) grouped(s string) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	if neg {
		b.WriteString("−") // U+2212: a minus, not a hyphen
	}
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteString(loc.group)
		}
		b.WriteRune(r)
	}
	if hasFrac {
		b.WriteString(loc.decimal)
		b.WriteString(frac)
	}
	return b.String()
}

// Number formats an exact quantity with the given decimal places.
func (loc *locale) Number(d decimal.Decimal, places int) string {
	r := d.Round(places)
	if r.IsZero() {
		r = r.Abs() // no "−0"
	}
	return loc.grouped(r.Trim(places).String())
}

// Integer formats an exact quantity rounded to whole units.
func (loc *locale) Integer(d decimal.Decimal) string { return loc.Number(d, 0) }

// Thousands formats an amount in thousands, whole ("$246" for 246,000.00).
func (loc *locale) Thousands(d decimal.Decimal) string {
	k, err := d.Quo(decimal.MustNew(1000, 0))
	if err != nil {
		return loc.Integer(d)
	}
	return loc.Integer(k)
}

// Float formats a derived, inexact figure (a ratio, a count per officer).
func (loc *locale) Float(f float64, places int) string {
	d, err := decimal.NewFromFloat64(f)
	if err != nil {
		return "—"
	}
	return loc.Number(d, places)
}

// Percent formats a fraction as a percentage with one decimal: 0.822 is "82.2%" in
// English and "82,2 %" in French and Spanish (CLDR's patterns, with a no-break space).
func (loc *locale) Percent(f float64) string {
	s := loc.printer.Sprint(number.Percent(f, number.MinFractionDigits(1), number.MaxFractionDigits(1)))
	return strings.Replace(s, "-", "−", 1)
}

// currencyWords are the names French prose uses for the usual currencies.
var currencyWords = map[string][2]string{ // singular, plural
	"USD": {"dollar", "dollars"},
	"EUR": {"euro", "euros"},
}

// Amount formats an exact amount, whole, with its currency in the locale's manner:
// "US$ 75,000" (en), "75 000 USD" (fr), "US$ 75.000" (es).
func (loc *locale) Amount(d decimal.Decimal, currency string) string {
	n := loc.Integer(d)
	if loc.lang == French {
		return n + "\u00a0" + currency
	}
	return currencyPrefix(currency) + "\u00a0" + n
}

func currencyPrefix(currency string) string {
	if currency == "USD" {
		return "US$"
	}
	return currency
}

// Compact formats a large amount in millions with one decimal, the way newsletters
// write them: "US$ 3.1 million", "3,1 millions de dollars", "US$ 3,1 millones".
// Amounts under a million are written out in full.
func (loc *locale) Compact(d decimal.Decimal, currency string) string {
	million := decimal.MustNew(1_000_000, 0)
	if d.Abs().Cmp(million) < 0 {
		return loc.Amount(d, currency)
	}
	m, err := d.Quo(million)
	if err != nil {
		return loc.Amount(d, currency)
	}
	m = m.Round(1).Trim(0)
	n := loc.grouped(m.String())
	plural := m.Abs().Cmp(decimal.MustNew(2, 0)) >= 0
	switch loc.lang {
	case French:
		unit := "million"
		if plural {
			unit = "millions"
		}
		if w, ok := currencyWords[currency]; ok {
			return n + "\u00a0" + unit + " de " + w[1]
		}
		return n + "\u00a0" + unit + " " + currency
	case Spanish:
		unit := "millón"
		if m.Cmp(decimal.One) != 0 {
			unit = "millones"
		}
		return currencyPrefix(currency) + "\u00a0" + n + "\u00a0" + unit
	}
	return currencyPrefix(currency) + "\u00a0" + n + "\u00a0million"
}

// Millions names the unit of a chart axis in millions: "US$ million", "millions de
// dollars", "millones de US$".
func (loc *locale) Millions(currency string) string {
	switch loc.lang {
	case French:
		if w, ok := currencyWords[currency]; ok {
			return "millions de " + w[1]
		}
		return "millions " + currency
	case Spanish:
		return "millones de " + currencyPrefix(currency)
	}
	return currencyPrefix(currency) + " million"
}

var monthNames = map[Lang][12]string{
	English: {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
	French:  {"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"},
	Spanish: {"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"},
}

var shortMonthNames = map[Lang][12]string{
	English: {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"},
	French:  {"janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."},
	Spanish: {"ene.", "feb.", "mar.", "abr.", "may.", "jun.", "jul.", "ago.", "sept.", "oct.", "nov.", "dic."},
}

// Date writes a date in full: "30 June 2003", "30 juin 2003" (and "1er juillet"),
// "30 de junio de 2003". golang.org/x/text has no date formatting, so the month
// names are ours.
func (loc *locale) Date(t time.Time) string {
	month := monthNames[loc.lang][t.Month()-1]
	switch loc.lang {
	case French:
		day := fmt.Sprint(t.Day())
		if t.Day() == 1 {
			day = "1er"
		}
		return fmt.Sprintf("%s %s %d", day, month, t.Year())
	case Spanish:
		return fmt.Sprintf("%d de %s de %d", t.Day(), month, t.Year())
	}
	return fmt.Sprintf("%d %s %d", t.Day(), month, t.Year())
}

// ShortDate writes a date for a table cell: "30 Jun 2003", "30 juin 2003", "30 jun. 2003".
func (loc *locale) ShortDate(t time.Time) string {
	return fmt.Sprintf("%d %s %d", t.Day(), shortMonthNames[loc.lang][t.Month()-1], t.Year())
}

// Period names a period end in a column header: "Jun 2003", "juin 2003", "jun. 2003".
func (loc *locale) Period(t time.Time) string {
	return shortMonthNames[loc.lang][t.Month()-1] + " " + fmt.Sprint(t.Year())
}

// Country names an ISO 3166-1 country in the language ("Pérou"), or returns the code.
func (loc *locale) Country(code string) string {
	if r, err := language.ParseRegion(code); err == nil {
		if name := loc.regions.Name(r); name != "" {
			return name
		}
	}
	return code
}

// WorldRegion names a UN M.49 region code in the language ("Amérique latine").
func (loc *locale) WorldRegion(code string) string {
	return loc.Country(code)
}
