package reports

import (
	"math"
	"slices"
	"testing"

	"github.com/govalues/decimal"
)

const nbsp = "\u00a0"

func TestLocaleFormatsAsEachLanguageWrites(t *testing.T) {
	d := decimal.MustParse
	cases := []struct {
		name string
		got  func(loc *locale) string
		want [3]string // en, fr, es
	}{
		{"whole number", func(l *locale) string { return l.Integer(d("1700")) }, [3]string{"1,700", "1" + nbsp + "700", "1.700"}},
		{"rounds half away from zero", func(l *locale) string { return l.Integer(d("1303.5")) }, [3]string{"1,304", "1" + nbsp + "304", "1.304"}},
		{"millions grouped", func(l *locale) string { return l.Integer(d("-1234567.89")) }, [3]string{"−1,234,568", "−1" + nbsp + "234" + nbsp + "568", "−1.234.568"}},
		{"no minus zero", func(l *locale) string { return l.Integer(d("-0.4")) }, [3]string{"0", "0", "0"}},
		{"thousands", func(l *locale) string { return l.Thousands(d("1095000")) }, [3]string{"1,095", "1" + nbsp + "095", "1.095"}},
		{"percent", func(l *locale) string { return l.Percent(0.822) }, [3]string{"82.2%", "82,2" + nbsp + "%", "82,2" + nbsp + "%"}},
		{"negative percent", func(l *locale) string { return l.Percent(-0.325) }, [3]string{"−32.5%", "−32,5" + nbsp + "%", "−32,5" + nbsp + "%"}},
		{"amount in dollars", func(l *locale) string { return l.Amount(d("400000"), "USD") }, [3]string{"US$" + nbsp + "400,000", "400" + nbsp + "000" + nbsp + "USD", "US$" + nbsp + "400.000"}},
		{"amount in bolivianos", func(l *locale) string { return l.Amount(d("3480000"), "BOB") }, [3]string{"BOB" + nbsp + "3,480,000", "3" + nbsp + "480" + nbsp + "000" + nbsp + "BOB", "BOB" + nbsp + "3.480.000"}},
		{"compact millions", func(l *locale) string { return l.Compact(d("3100000"), "USD") }, [3]string{"US$" + nbsp + "3.1" + nbsp + "million", "3,1" + nbsp + "millions de dollars", "US$" + nbsp + "3,1" + nbsp + "millones"}},
		{"compact one million", func(l *locale) string { return l.Compact(d("1000000"), "USD") }, [3]string{"US$" + nbsp + "1" + nbsp + "million", "1" + nbsp + "million de dollars", "US$" + nbsp + "1" + nbsp + "millón"}},
		{"compact euros", func(l *locale) string { return l.Compact(d("2540000"), "EUR") }, [3]string{"EUR" + nbsp + "2.5" + nbsp + "million", "2,5" + nbsp + "millions de euros", "EUR" + nbsp + "2,5" + nbsp + "millones"}},
		{"compact below a million is in full", func(l *locale) string { return l.Compact(d("627"), "USD") }, [3]string{"US$" + nbsp + "627", "627" + nbsp + "USD", "US$" + nbsp + "627"}},
		{"date", func(l *locale) string { return l.Date(date(2003, 6, 30)) }, [3]string{"30 June 2003", "30 juin 2003", "30 de junio de 2003"}},
		{"first of the month", func(l *locale) string { return l.Date(date(2003, 7, 1)) }, [3]string{"1 July 2003", "1er juillet 2003", "1 de julio de 2003"}},
		{"period", func(l *locale) string { return l.Period(date(2001, 12, 31)) }, [3]string{"Dec 2001", "déc. 2001", "dic. 2001"}},
		{"country", func(l *locale) string { return l.Country("PE") }, [3]string{"Peru", "Pérou", "Perú"}},
		{"world region", func(l *locale) string { return l.WorldRegion("419") }, [3]string{"Latin America", "Amérique latine", "Latinoamérica"}},
	}
	for _, c := range cases {
		for i, lang := range Langs {
			if got := c.got(localeOf(lang)); got != c.want[i] {
				t.Errorf("%s in %s = %q, want %q", c.name, lang, got, c.want[i])
			}
		}
	}
}

func TestParseLang(t *testing.T) {
	for in, want := range map[string]Lang{"": English, "en": English, "FR": French, " es ": Spanish} {
		if got, err := ParseLang(in); err != nil || got != want {
			t.Errorf("ParseLang(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"de", "english", "fr-BE"} {
		if _, err := ParseLang(in); err == nil {
			t.Errorf("ParseLang(%q) succeeded; want an error", in)
		}
	}
}

func TestEveryLabelIsTranslated(t *testing.T) {
	tables := []map[string]text{legalStatusLabels, methodologyLabels, loanStatusLabels, figureLabels}
	for _, table := range tables {
		for code, tx := range table {
			for i, s := range tx {
				if s == "" {
					t.Errorf("%s has no text in %s", code, Langs[i])
				}
			}
		}
	}
	for name, tx := range ratioLabels {
		for i, s := range tx {
			if s == "" {
				t.Errorf("ratio %s has no text in %s", name, Langs[i])
			}
		}
	}
}

func TestNiceAxisCoversTheDataWithRoundSteps(t *testing.T) {
	cases := [][2]float64{{221, 612}, {-0.371, -0.026}, {0, 0}, {0.011, 0.011}, {-5, 1e7}, {0.5, 0.5000001}}
	for _, c := range cases {
		a := niceAxis(c[0], c[1])
		if a.lo > math.Min(c[0], 0) || a.hi < math.Max(c[1], 0) {
			t.Errorf("niceAxis(%v, %v) = %+v does not cover the data and zero", c[0], c[1], a)
		}
		mantissa := a.step / math.Pow(10, math.Floor(math.Log10(a.step)))
		if !slices.ContainsFunc([]float64{1, 2, 2.5, 5}, func(m float64) bool { return math.Abs(m-mantissa) < 1e-9 }) {
			t.Errorf("niceAxis(%v, %v) step %v is not 1, 2, 2.5 or 5 times a power of ten", c[0], c[1], a.step)
		}
		if n := len(a.ticks()); n < 3 || n > 7 {
			t.Errorf("niceAxis(%v, %v) has %d ticks, want 3 to 7", c[0], c[1], n)
		}
	}
}
