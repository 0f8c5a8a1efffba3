// Package civil handles calendar dates: a day, with no time of day and no time zone,
// as loans and financial reports use them. A date is a time.Time at midnight UTC.
package civil

import (
	"fmt"
	"time"
)

// Layout is the one text form of a date, in JSON, CSV and URLs.
const Layout = time.DateOnly

// Date returns the date y-m-d.
func Date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// Of returns the calendar date of t in t's own location.
func Of(t time.Time) time.Time { return Date(t.Date()) }

// Today is the current date in UTC, by the system's clock. Services read the date
// from the Clock they were given instead, so that tests can set it.
func Today() time.Time { return Of(time.Now().UTC()) }

// Clock tells the time. A process has one, in app.Services: the API, the UI, the
// commands and the services that need the date (ledger, figures, partner, publish, the
// demo) read "today" from it, and a test may fix it (FixedAt). The zero Clock is the
// system's. (Session and token expiry in user still read the system clock.)
type Clock func() time.Time

// Now is the clock's time.
func (c Clock) Now() time.Time {
	if c == nil {
		return time.Now()
	}
	return c()
}

// Today is the clock's date in UTC.
func (c Clock) Today() time.Time { return Of(c.Now().UTC()) }

// FixedAt is a clock that always says t: for tests, and for reports as of a date.
func FixedAt(t time.Time) Clock { return func() time.Time { return t } }

// Parse reads YYYY-MM-DD.
func Parse(s string) (time.Time, error) {
	t, err := time.Parse(Layout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date (YYYY-MM-DD)", s)
	}
	return t, nil
}

// Days is the number of days from a to b (negative when b is before a), by their
// calendar dates. Computed from the dates' day numbers, not by building two
// midnights: the loan engine counts days for every period it accrues, and a
// 10-year monthly schedule spent a third of its time here (measured).
func Days(a, b time.Time) int { return dayNumber(b.Date()) - dayNumber(a.Date()) }

// FromEpochDay is the date n days after 1970-01-01: what SQL's date - DATE
// '1970-01-01' gives. A list of thousands of rows reads its dates as these integers:
// lib/pq parses each date column as a timestamp (on the large book's watch list, 5,272
// breaches with three dates each, that parsing was a fifth of the list's time).
func FromEpochDay(n int64) time.Time { return time.Unix(n*86400, 0).UTC() }

// dayNumber counts days in the proleptic Gregorian calendar (the civil-from-days
// algorithm in reverse: years from March, so February's length is the year's end).
func dayNumber(y int, m time.Month, d int) int {
	if m <= time.February {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (int(m) + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	return era*146097 + yoe*365 + yoe/4 - yoe/100 + doy
}

// AddMonths adds n months to anchor, keeping anchor's day of the month, or the last
// day of the month when it is shorter: Jan 31 + 1 = Feb 28 (29 in a leap year), and
// Jan 31 + 2 = Mar 31. Adding from a fixed anchor rather than step by step keeps
// month-end schedules at month end.
func AddMonths(anchor time.Time, n int) time.Time {
	y, m, d := anchor.Date()
	months := int(m) - 1 + n
	y += months / 12
	if months %= 12; months < 0 {
		months += 12
		y--
	}
	month := time.Month(months + 1)
	if last := DaysIn(y, month); d > last {
		d = last
	}
	return Date(y, month, d)
}

// DaysIn is the number of days in month m of year y.
func DaysIn(y int, m time.Month) int {
	switch m {
	case time.February:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

// IsMonthEnd reports whether t is the last day of its month.
func IsMonthEnd(t time.Time) bool { return t.Day() == DaysIn(t.Year(), t.Month()) }

// Format writes a date as YYYY-MM-DD. Years 0 to 9999 are written digit by digit:
// time.Format parses its layout on every call, and the large book's watch list
// formats two or three dates for each of its 10,000 reasons (68 ns a date against
// time.Format's 194, BenchmarkFormat, on a busy machine).
func Format(t time.Time) string {
	y, m, d := t.Date()
	if y < 0 || y > 9999 {
		return t.Format(Layout)
	}
	b := [10]byte{byte('0' + y/1000), byte('0' + y/100%10), byte('0' + y/10%10), byte('0' + y%10), '-',
		byte('0' + int(m)/10), byte('0' + int(m)%10), '-', byte('0' + d/10), byte('0' + d%10)}
	return string(b[:])
}
