package civil

import (
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
