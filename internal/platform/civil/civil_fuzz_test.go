package civil

import (
	"testing"
	"time"
)

// FuzzParse: Parse never panics, and a date it accepts is a UTC midnight written
// exactly as Format writes it: one text, one date (no "2024-2-1", no "2024-02-30").
// Seeds: testdata/fuzz/FuzzParse and the cases below.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{"2024-02-29", "2023-02-29", "2024-2-1", "2024-02-01T00:00:00Z", "0000-01-01", "9999-12-31",
		"-001-01-01", "2024/01/01", " 2024-01-01", "", "2024-13-01", "20240101"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := Parse(s)
		if err != nil {
			return
		}
		if d.Location() != time.UTC || d != Of(d) {
			t.Fatalf("Parse(%q) = %v: not a UTC midnight", s, d)
		}
		if Format(d) != s {
			t.Fatalf("Parse(%q) = %s: accepted a date written otherwise", s, Format(d))
		}
		if y, m, day := d.Date(); Days(Date(y, m, 1), d) != day-1 {
			t.Fatalf("Parse(%q): day count from the first of its month is %d", s, Days(Date(y, m, 1), d))
		}
	})
}
