package loan

import (
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Published day-count vectors. Each row is "start end expected-days" (or, for the ACT
// conventions, the expected year fraction), as the named test suite publishes it.
// QuantLib: lballabio/QuantLib, test-suite/daycounters.cpp (commit 2a13d455).
// Strata: OpenGamma/Strata, modules/basics/src/test/java/com/opengamma/strata/basics/
// date/DayCountTest.java (commit 39c46e34).

// quantLibUSA is testThirty360_USA (30/360 US with February's end-of-month rules).
const quantLibUSA = `
2006-08-20 2007-02-20 180
2007-02-20 2007-08-20 180
2007-08-20 2008-02-20 180
2008-02-20 2008-08-20 180
2008-08-20 2009-02-20 180
2009-02-20 2009-08-20 180
2006-08-31 2007-02-28 178
2007-02-28 2007-08-31 180
2007-08-31 2008-02-29 179
2008-02-29 2008-08-31 180
2008-08-31 2009-02-28 178
2009-02-28 2009-08-31 180
2006-01-31 2006-02-28 28
2006-01-30 2006-02-28 28
2006-02-28 2006-03-03 3
2006-02-14 2006-02-28 14
2006-09-30 2006-10-31 30
2006-10-31 2006-11-28 28
2007-08-31 2008-02-28 178
2008-02-28 2008-08-28 180
2008-02-28 2008-08-30 182
2008-02-28 2008-08-31 183
2007-02-26 2008-02-28 362
2007-02-26 2008-02-29 363
2008-02-29 2009-02-28 360
2008-02-28 2008-03-30 32
2008-02-28 2008-03-31 33`

// strataUSEOM is data_30U360's EOM column (THIRTY_U_360 with EOM, lines 658-685).
const strataUSEOM = `
2011-12-28 2012-02-28 60
2011-12-28 2012-02-29 61
2011-12-28 2012-03-01 63
2011-12-28 2016-02-28 1500
2011-12-28 2016-02-29 1501
2011-12-28 2016-03-01 1503
2012-02-28 2012-03-28 30
2012-02-29 2012-03-28 28
2012-02-29 2012-03-30 30
2012-02-29 2012-03-31 30
2012-02-29 2013-02-28 360
2011-02-28 2012-02-28 358
2011-02-28 2012-02-29 360
2012-02-29 2016-02-29 1440
2012-03-01 2012-03-28 27
2012-05-30 2013-08-29 449
2012-05-29 2013-08-30 451
2012-05-30 2013-08-30 450
2012-05-29 2013-08-31 452
2012-05-30 2013-08-31 450
2012-05-31 2013-08-30 450
2012-05-31 2013-08-31 450`

// quantLibEurobond is testThirty360_EurobondBasis (30E/360).
const quantLibEurobond = `
2006-08-20 2007-02-20 180
2007-02-20 2007-08-20 180
2007-08-20 2008-02-20 180
2008-02-20 2008-08-20 180
2008-08-20 2009-02-20 180
2009-02-20 2009-08-20 180
2006-02-28 2006-08-31 182
2006-08-31 2007-02-28 178
2007-02-28 2007-08-31 182
2007-08-31 2008-02-29 179
2008-02-29 2008-08-31 181
2008-08-31 2009-02-28 178
2009-02-28 2009-08-31 182
2009-08-31 2010-02-28 178
2010-02-28 2010-08-31 182
2010-08-31 2011-02-28 178
2011-02-28 2011-08-31 182
2011-08-31 2012-02-29 179
2006-01-31 2006-02-28 28
2006-01-30 2006-02-28 28
2006-02-28 2006-03-03 5
2006-02-14 2006-02-28 14
2006-09-30 2006-10-31 30
2006-10-31 2006-11-28 28
2007-08-31 2008-02-28 178
2008-02-28 2008-08-28 180
2008-02-28 2008-08-30 182
2008-02-28 2008-08-31 182
2007-02-26 2008-02-28 362
2007-02-26 2008-02-29 363
2008-02-29 2009-02-28 359
2008-02-28 2008-03-30 32
2008-02-28 2008-03-31 32`

// quantLibISDA are testThirty360_ISDA's three tables (30E/360 ISDA), each with the
// termination date it sets: only an end on that date keeps February's last day.
var quantLibISDA = map[string]string{
	"2009-08-20": `
2006-08-20 2007-02-20 180
2007-02-20 2007-08-20 180
2007-08-20 2008-02-20 180
2008-02-20 2008-08-20 180
2008-08-20 2009-02-20 180
2009-02-20 2009-08-20 180`,
	"2012-02-29": `
2006-02-28 2006-08-31 180
2006-08-31 2007-02-28 180
2007-02-28 2007-08-31 180
2007-08-31 2008-02-29 180
2008-02-29 2008-08-31 180
2008-08-31 2009-02-28 180
2009-02-28 2009-08-31 180
2009-08-31 2010-02-28 180
2010-02-28 2010-08-31 180
2010-08-31 2011-02-28 180
2011-02-28 2011-08-31 180
2011-08-31 2012-02-29 179`,
	"2008-02-29": `
2006-01-31 2006-02-28 30
2006-01-30 2006-02-28 30
2006-02-28 2006-03-03 3
2006-02-14 2006-02-28 16
2006-09-30 2006-10-31 30
2006-10-31 2006-11-28 28
2007-08-31 2008-02-28 178
2008-02-28 2008-08-28 180
2008-02-28 2008-08-30 182
2008-02-28 2008-08-31 182
2007-02-28 2008-02-28 358
2007-02-28 2008-02-29 359
2008-02-29 2009-02-28 360
2008-02-29 2008-03-30 30
2008-02-29 2008-03-31 30`,
}

// strataEISDA is data_30E360ISDA (lines 732-756): days when the end is not the
// maturity, then when it is.
const strataEISDA = `
2011-12-28 2012-02-28 60 60
2011-12-28 2012-02-29 62 61
2011-12-28 2012-03-01 63 63
2011-12-28 2016-02-28 1500 1500
2011-12-28 2016-02-29 1502 1501
2011-12-28 2016-03-01 1503 1503
2012-02-28 2012-03-28 30 30
2012-02-29 2012-03-28 28 28
2011-02-28 2012-02-28 358 358
2011-02-28 2012-02-29 360 359
2012-02-29 2016-02-29 1440 1439
2012-03-01 2012-03-28 27 27
2012-05-30 2013-08-29 449 449
2012-05-29 2013-08-30 451 451
2012-05-30 2013-08-30 450 450
2012-05-29 2013-08-31 451 451
2012-05-30 2013-08-31 450 450
2012-05-31 2013-08-30 450 450
2012-05-31 2013-08-31 450 450`

// actActISDA is QuantLib's testActualActual (ISDA rows, tolerance 1e-10; the first is
// ISDA's own example, 61/365 + 121/366) and Strata's data_yearFraction ACT_ACT_ISDA
// rows (lines 145-153, published as fractions such as 4/365 + 58/366).
const actActISDA = `
2003-11-01 2004-05-01 0.497724380567
1999-02-01 1999-07-01 0.410958904110
1999-07-01 2000-07-01 1.001377348600
2002-08-15 2003-07-15 0.915068493151
2003-07-15 2004-01-15 0.504004790778
1999-07-30 2000-01-30 0.503892506924
2000-01-30 2000-06-30 0.415300546448
2011-12-28 2012-02-28 0.169428849465
2011-12-28 2012-02-29 0.172161089902
2011-12-28 2012-03-01 0.174893330339
2011-12-28 2016-02-28 4.169428849465
2011-12-28 2016-02-29 4.172161089902
2011-12-28 2016-03-01 4.174893330339
2012-02-29 2012-03-29 0.079234972678
2012-02-29 2012-03-28 0.076502732240
2012-03-01 2012-03-28 0.073770491803`

// strataACT is data_yearFraction's ACT_360 and ACT_365F rows (lines 195-203, 217-225).
const strataACT = `
2011-12-28 2012-02-28 0.172222222222 0.169863013699
2011-12-28 2012-02-29 0.175000000000 0.172602739726
2011-12-28 2012-03-01 0.177777777778 0.175342465753
2011-12-28 2016-02-28 4.230555555556 4.172602739726
2011-12-28 2016-02-29 4.233333333333 4.175342465753
2011-12-28 2016-03-01 4.236111111111 4.178082191781
2012-02-28 2012-03-28 0.080555555556 0.079452054795
2012-02-29 2012-03-28 0.077777777778 0.076712328767
2012-03-01 2012-03-28 0.075000000000 0.073972602740`

type vector struct {
	start, end time.Time
	want       []string
}

func vectors(t *testing.T, table string) []vector {
	t.Helper()
	var out []vector
	for _, line := range strings.Split(strings.TrimSpace(table), "\n") {
		f := strings.Fields(line)
		out = append(out, vector{date(f[0]), date(f[1]), f[2:]})
	}
	if len(out) == 0 {
		t.Fatal("no vectors")
	}
	return out
}

func checkDays(t *testing.T, source string, dc DayCount, maturity time.Time, v vector, want string) {
	t.Helper()
	n, err := strconv.ParseInt(want, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	if got := dc.span(v.start, v.end, maturity); got != n || dc.basisDays() != 360 {
		t.Errorf("%s %s %s → %s: %d days, published %d", source, dc, fmtDate(v.start), fmtDate(v.end), got, n)
	}
}

func TestThirty360AgainstPublishedVectors(t *testing.T) {
	never := date("9999-12-31") // no row ends on the maturity
	for _, v := range vectors(t, quantLibUSA) {
		checkDays(t, "QuantLib USA", Thirty360, never, v, v.want[0])
	}
	for _, v := range vectors(t, strataUSEOM) {
		checkDays(t, "Strata 30U/360 EOM", Thirty360, never, v, v.want[0])
	}
	for _, v := range vectors(t, quantLibEurobond) {
		checkDays(t, "QuantLib Eurobond", Thirty360E, never, v, v.want[0])
	}
	for termination, table := range quantLibISDA {
		for _, v := range vectors(t, table) {
			checkDays(t, "QuantLib ISDA (termination "+termination+")", Thirty360EISDA, date(termination), v, v.want[0])
		}
	}
	for _, v := range vectors(t, strataEISDA) {
		checkDays(t, "Strata 30E/360 ISDA, end not the maturity", Thirty360EISDA, never, v, v.want[0])
		checkDays(t, "Strata 30E/360 ISDA, end is the maturity", Thirty360EISDA, v.end, v, v.want[1])
	}
}

func checkFraction(t *testing.T, source string, dc DayCount, v vector, want string) {
	t.Helper()
	w, err := strconv.ParseFloat(want, 64)
	if err != nil {
		t.Fatal(err)
	}
	got := float64(dc.span(v.start, v.end, v.end)) / float64(dc.basisDays())
	if math.Abs(got-w) > 1e-10 {
		t.Errorf("%s %s %s → %s: %.12f, published %s", source, dc, fmtDate(v.start), fmtDate(v.end), got, want)
	}
}

func TestActualDayCountsAgainstPublishedVectors(t *testing.T) {
	for _, v := range vectors(t, actActISDA) {
		checkFraction(t, "QuantLib/Strata", ACTACTISDA, v, v.want[0])
	}
	for _, v := range vectors(t, strataACT) {
		checkFraction(t, "Strata", ACT360, v, v.want[0])
		checkFraction(t, "Strata", ACT365F, v, v.want[1])
	}
}

// The example: 2011-08-31 to a February maturity, 2012-02-29, is 179 days
// under 30E/360 ISDA and 180 under the legacy whole-month rule (a month end to a month
// end is six whole months), which is why stored "30/360" loans keep that rule's name.
func TestThirty360VariantsDisagreeWhereAgreementsDo(t *testing.T) {
	a, b := date("2011-08-31"), date("2012-02-29")
	for dc, want := range map[DayCount]int64{Thirty360EISDA: 179, Thirty360WholeMonth: 180, Thirty360E: 179, Thirty360: 179} {
		if got := dc.span(a, b, b); got != want {
			t.Errorf("%s: %d, want %d", dc, got, want)
		}
	}
}

func TestParseDayCount(t *testing.T) {
	for in, want := range map[string]DayCount{
		"ACT/365": ACT365F, "act/365f": ACT365F, "Actual/365 Fixed": ACT365F, " ACT/360 ": ACT360, "act/act isda": ACTACTISDA,
		"30/360": Thirty360, "30U/360": Thirty360, "30/360 SIA": Thirty360, "30e/360": Thirty360E, "Eurobond basis": Thirty360E,
		"30E/360  ISDA": Thirty360EISDA, "30/360 Whole-Month": Thirty360WholeMonth,
	} {
		if got := ParseDayCount(in); got != want {
			t.Errorf("ParseDayCount(%q) = %q, want %q", in, got, want)
		}
	}
	for _, unknown := range []string{"ACT/364", "ACT/ACT", "Bond basis", "30/360 ICMA"} {
		if dc := ParseDayCount(unknown); dc.Valid() {
			t.Errorf("%s accepted as %q", unknown, dc)
		}
	}
	if dc := ParseDayCount("ACT/364"); dc.Valid() {
		t.Errorf("ACT/364 accepted as %q", dc)
	}
	err := Terms{DayCount: ParseDayCount("30/365")}.Validate()
	if err == nil || !strings.Contains(err.Error(), "must be one of ACT/360, ACT/365F, ACT/ACT ISDA, 30/360, 30E/360, 30E/360 ISDA, 30/360 whole-month") {
		t.Errorf("an unknown day count: %v", err)
	}
}

// A period cut by events still totals its own length under every convention: the
// spans of [start, t) and [t, end) inside the period add up to [start, end)'s, for
// every day t of periods that start and end on month ends, mid-month and in February.
// Not the legacy whole-month rule, which is kept exactly as stored loans were computed:
// Feb 28 to Aug 31 is 180 days whole, 182 cut on a 28th (one more way no agreement
// would name it).
func TestSpansAddUpAcrossACut(t *testing.T) {
	periods := [][2]string{{"2024-01-15", "2024-02-15"}, {"2024-01-31", "2024-02-29"}, {"2023-12-31", "2024-03-31"},
		{"2006-02-28", "2006-08-31"}, {"2011-08-31", "2012-02-29"}, {"2003-11-01", "2004-05-01"}}
	for _, dc := range DayCounts {
		if dc == Thirty360WholeMonth {
			continue
		}
		for _, p := range periods {
			start, end := date(p[0]), date(p[1])
			l := &ledger{terms: Terms{DayCount: dc, MaturityOn: end}}
			whole := dc.span(start, end, end)
			for c := start.AddDate(0, 0, 1); c.Before(end); c = c.AddDate(0, 0, 1) {
				if got := l.spanIn(start, start, c) + l.spanIn(start, c, end); got != whole {
					t.Errorf("%s %s–%s cut at %s: %d, whole %d", dc, p[0], p[1], fmtDate(c), got, whole)
				}
			}
		}
	}
}
