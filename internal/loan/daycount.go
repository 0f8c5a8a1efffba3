package loan

import (
	"strings"
	"time"

	"cartera/internal/platform/civil"
)

// Rules numbers the engine's rules. Figures the ledger stored under earlier rules are
// restated once, at start-up (ledger.Service.Restate), when it goes up:
//  1. the first round's rules;
//  2. annuities level under every day count (the principal absorbs the actual days),
//     and day counts by the names agreements use (issue 16);
//  3. interest follows the cash: it accrues on the principal actually outstanding
//     (overdue principal too), a prepayment lowers the period's interest from its
//     date, and the same cash on a day gives the same balances however it is split;
//     interest on overdue principal after maturity is due at once (issue 16).
const Rules = 3

// DayCount is how a period's length becomes a fraction of a year: the convention a
// loan agreement names, by the name it uses (ISDA 2006 Definitions, section 4.16).
type DayCount string

// The day-count conventions. Each is tested against published vectors (QuantLib's
// day counter test suite, OpenGamma Strata's DayCountTest) in daycount_test.go.
const (
	// ACT360 counts actual days over 360 (ISDA 4.16(e)): 60 days at 1 % on 100,000 is 166.67.
	ACT360 DayCount = "ACT/360"
	// ACT365F counts actual days over 365 (ISDA 4.16(d), "Actual/365 (Fixed)");
	// "ACT/365" is read as this.
	ACT365F DayCount = "ACT/365F"
	// ACTACTISDA splits a period at each year end: days in a leap year over 366, the
	// others over 365 (ISDA 4.16(b)).
	ACTACTISDA DayCount = "ACT/ACT ISDA"
	// Thirty360 is the US bond basis (30/360 US, as SIA and QuantLib's Thirty360::USA):
	// a 31st counts as the 30th when the start is the 30th or 31st; the last day of
	// February counts as the 30th at the start, and at the end too when the start is
	// also February's last day.
	Thirty360 DayCount = "30/360"
	// Thirty360E is the Eurobond basis (30E/360, ISDA 4.16(g)): a 31st is the 30th.
	Thirty360E DayCount = "30E/360"
	// Thirty360EISDA is 30E/360 (ISDA) (ISDA 4.16(h)): a month's last day is the
	// 30th, except February's last day when it is the maturity date.
	Thirty360EISDA DayCount = "30E/360 ISDA"
	// Thirty360WholeMonth is the rule loans stored as "30/360" before December 2026
	// were computed with, kept under a name that says what it is: every whole month
	// (the 28th to the 28th, or a month end to a month end) is 30 days, February
	// included; other spans count as 30E/360 ISDA without its maturity exception. No
	// agreement names it; it stays accepted so those loans replay as they were.
	Thirty360WholeMonth DayCount = "30/360 whole-month"
)

// DayCounts are the conventions in the order forms list them.
var DayCounts = []DayCount{ACT360, ACT365F, ACTACTISDA, Thirty360, Thirty360E, Thirty360EISDA, Thirty360WholeMonth}

// dayCountSpellings are the other ways agreements and spreadsheets write them, upper case.
var dayCountSpellings = map[string]DayCount{
	"ACT/365": ACT365F, "ACT/365 FIXED": ACT365F, "ACTUAL/365 FIXED": ACT365F, "ACTUAL/365F": ACT365F, "ACTUAL/360": ACT360,
	"ACTUAL/ACTUAL ISDA": ACTACTISDA, "ACT/ACT (ISDA)": ACTACTISDA, "ACTUAL/ACTUAL (ISDA)": ACTACTISDA,
	"30/360 US": Thirty360, "30U/360": Thirty360, "30/360 SIA": Thirty360,
	"EUROBOND BASIS": Thirty360E, "30E/360 (ISDA)": Thirty360EISDA,
}

// ParseDayCount reads a day count as typed: any letter case and spacing, and the
// other names of each convention (ACT/365 is ACT/365F). An unknown name comes back as
// typed, for Validate to refuse with the list; so do the ambiguous ones: a bare
// "ACT/ACT" (the ISDA or the ICMA rule?), "Bond basis" (ISDA 4.16(f) has no February
// rule, the US basis has) and "30/360 ICMA" (the bond basis or 30E/360, by source).
func ParseDayCount(s string) DayCount {
	key := strings.ToUpper(strings.Join(strings.Fields(s), " "))
	if dc, ok := dayCountSpellings[key]; ok {
		return dc
	}
	for _, dc := range DayCounts {
		if strings.ToUpper(string(dc)) == key {
			return dc
		}
	}
	return DayCount(strings.TrimSpace(s))
}

// Valid reports whether dc is one of DayCounts.
func (dc DayCount) Valid() bool {
	for _, known := range DayCounts {
		if dc == known {
			return true
		}
	}
	return false
}

func dayCountList() string {
	names := make([]string, len(DayCounts))
	for i, dc := range DayCounts {
		names[i] = string(dc)
	}
	return strings.Join(names, ", ")
}

// actActBasis is ACT/ACT ISDA's common denominator: a day of a common year is 366
// units of it and a day of a leap year 365, so the year fraction is an exact ratio.
const actActBasis = 365 * 366

// basisDays is the denominator of the year fraction span/basisDays.
func (dc DayCount) basisDays() int64 {
	switch dc {
	case ACT365F:
		return 365
	case ACTACTISDA:
		return actActBasis
	}
	return 360
}

// span is the length of [a, b) in the convention's units: the year fraction is
// span/basisDays. maturity is the loan's maturity date, which 30E/360 ISDA reads.
// Interest accrues as balance × rate × span and is divided by the basis once per
// installment: fewer divisions, and exact sums in between.
func (dc DayCount) span(a, b, maturity time.Time) int64 {
	switch dc {
	case ACTACTISDA:
		return actActSpan(a, b)
	case Thirty360:
		return thirty360US(a, b)
	case Thirty360E:
		return thirtyE360(a, b)
	case Thirty360EISDA:
		return thirtyE360ISDA(a, b, maturity)
	case Thirty360WholeMonth:
		return wholeMonth(a, b)
	}
	return int64(civil.Days(a, b))
}

// days360 is the 30-day-month count between two dates given as (year, month, day)
// after a convention has adjusted the days.
func days360(y1 int, m1 time.Month, d1 int, y2 int, m2 time.Month, d2 int) int64 {
	return int64(360*(y2-y1) + 30*(int(m2)-int(m1)) + d2 - d1)
}

func isLastOfFebruary(t time.Time) bool { return t.Month() == time.February && civil.IsMonthEnd(t) }

// thirty360US applies the US rules in their order: February's last day at both ends
// makes the end the 30th; at the start, the 30th; then a 31st at the end becomes the
// 30th when the start is (now) the 30th or 31st; a 31st at the start, the 30th.
func thirty360US(a, b time.Time) int64 {
	y1, m1, d1 := a.Date()
	y2, m2, d2 := b.Date()
	if isLastOfFebruary(a) && isLastOfFebruary(b) {
		d2 = 30
	}
	if isLastOfFebruary(a) {
		d1 = 30
	}
	if d2 == 31 && d1 >= 30 {
		d2 = 30
	}
	if d1 == 31 {
		d1 = 30
	}
	return days360(y1, m1, d1, y2, m2, d2)
}

// thirtyE360 is the Eurobond basis: a 31st at either end is the 30th.
func thirtyE360(a, b time.Time) int64 {
	y1, m1, d1 := a.Date()
	y2, m2, d2 := b.Date()
	return days360(y1, m1, min(d1, 30), y2, m2, min(d2, 30))
}

// thirtyE360ISDA: a month's last day at either end is the 30th, but for the end date
// when it is February's last day and the maturity.
func thirtyE360ISDA(a, b, maturity time.Time) int64 {
	y1, m1, d1 := a.Date()
	y2, m2, d2 := b.Date()
	if civil.IsMonthEnd(a) {
		d1 = 30
	}
	if civil.IsMonthEnd(b) && !(m2 == time.February && b.Equal(maturity)) {
		d2 = 30
	}
	return days360(y1, m1, d1, y2, m2, d2)
}

// wholeMonth is the legacy rule (see Thirty360WholeMonth).
func wholeMonth(a, b time.Time) int64 {
	y1, m1, d1 := a.Date()
	y2, m2, d2 := b.Date()
	months := 12*(y2-y1) + int(m2) - int(m1)
	if months > 0 && (civil.AddMonths(a, months).Equal(b) || civil.IsMonthEnd(a) && civil.IsMonthEnd(b)) {
		return int64(30 * months)
	}
	if civil.IsMonthEnd(a) {
		d1 = 30
	}
	if civil.IsMonthEnd(b) {
		d2 = 30
	}
	return days360(y1, m1, d1, y2, m2, d2)
}

// actActSpan counts each day of [a, b) as 366 units in a common year and 365 in a
// leap year: over actActBasis, the days in common years over 365 plus those in leap
// years over 366.
func actActSpan(a, b time.Time) int64 {
	var units int64
	for a.Before(b) {
		next := civil.Date(a.Year()+1, time.January, 1)
		if next.After(b) {
			next = b
		}
		perDay := int64(366)
		if civil.DaysIn(a.Year(), time.February) == 29 {
			perDay = 365
		}
		units += perDay * int64(civil.Days(a, next))
		a = next
	}
	return units
}
