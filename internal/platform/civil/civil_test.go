package civil

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestAddMonths(t *testing.T) {
	tests := []struct {
		from string
		n    int
		want string
	}{
		{"2024-01-31", 1, "2024-02-29"}, // leap year
		{"2023-01-31", 1, "2023-02-28"},
		{"2024-01-31", 2, "2024-03-31"}, // from the anchor, not step by step
		{"2024-03-31", -1, "2024-02-29"},
		{"2024-01-15", -13, "2022-12-15"},
		{"2024-12-31", 2, "2025-02-28"},
		{"2000-01-29", 1, "2000-02-29"}, // 2000 is a leap year
		{"1900-01-29", 1, "1900-02-28"}, // 1900 is not
		{"2024-05-10", 0, "2024-05-10"},
	}
	for _, tt := range tests {
		from, _ := Parse(tt.from)
		if got := AddMonths(from, tt.n).Format(Layout); got != tt.want {
			t.Errorf("AddMonths(%s, %d) = %s, want %s", tt.from, tt.n, got, tt.want)
		}
	}
}

func TestDaysInAgreesWithTheCalendar(t *testing.T) {
	for y := 1896; y <= 2104; y++ {
		for m := time.January; m <= time.December; m++ {
			if got, want := DaysIn(y, m), Date(y, m+1, 0).Day(); got != want {
				t.Fatalf("DaysIn(%d, %s) = %d, want %d", y, m, got, want)
			}
		}
	}
}

// Days by day numbers agrees with the time package's own count between midnights,
// over every pair of days in 1600-2400 sampled, leap centuries included.
func TestDaysMatchesTheTimePackage(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 600))
	for i := 0; i < 200000; i++ {
		a := time.Date(1600, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, rng.IntN(292000))
		b := a.AddDate(0, 0, rng.IntN(4000)-2000)
		want := int(b.Sub(a).Hours() / 24)
		if got := Days(a, b); got != want {
			t.Fatalf("Days(%s, %s) = %d, want %d", Format(a), Format(b), got, want)
		}
	}
	if got := Days(Date(2000, 2, 28), Date(2000, 3, 1)); got != 2 {
		t.Errorf("2000 is a leap year: %d", got)
	}
	if got := Days(Date(1900, 2, 28), Date(1900, 3, 1)); got != 1 {
		t.Errorf("1900 is not: %d", got)
	}
}

// Format writes every date of four centuries, and the years at the edges, as
// time.Format does; FromEpochDay is the date SQL's date - DATE '1970-01-01' names.
func TestFormatAndEpochDayMatchTheTimePackage(t *testing.T) {
	for d := Date(1900, time.January, 1); d.Year() < 2300; d = d.AddDate(0, 0, 1) {
		if got, want := Format(d), d.Format(Layout); got != want {
			t.Fatalf("Format(%v) = %s, want %s", d, got, want)
		}
		if got := FromEpochDay(int64(Days(Date(1970, time.January, 1), d))); !got.Equal(d) {
			t.Fatalf("FromEpochDay of %s = %v", d.Format(Layout), got)
		}
	}
	for _, d := range []time.Time{Date(1, time.January, 1), Date(9999, time.December, 31), Date(10000, time.March, 5),
		Date(-1, time.June, 30), Date(999, time.July, 9)} {
		if got, want := Format(d), d.Format(Layout); got != want {
			t.Errorf("Format(%v) = %s, want %s", d, got, want)
		}
	}
}

func BenchmarkFormat(b *testing.B) {
	d := Date(2026, time.December, 4)
	b.Run("civil", func(b *testing.B) {
		for b.Loop() {
			_ = Format(d)
		}
	})
	b.Run("time", func(b *testing.B) {
		for b.Loop() {
			_ = d.Format(Layout)
		}
	})
}
