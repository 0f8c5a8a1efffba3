package covenant

import (
	"testing"
	"time"
)

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestObligationPeriodsAndDueDates(t *testing.T) {
	cases := []struct {
		o       Obligation
		until   string
		periods []string
		due     string // due date of the first period
	}{
		{Obligation{Frequency: Quarterly, From: day("2025-02-10")}, "2025-12-31",
			[]string{"2025-03-31", "2025-06-30", "2025-09-30", "2025-12-31"}, "2025-05-15"},
		{Obligation{Frequency: Semiannual, From: day("2025-06-30")}, "2026-06-29",
			[]string{"2025-06-30", "2025-12-31"}, "2025-08-14"},
		{Obligation{Frequency: Annual, From: day("2024-01-01")}, "2025-12-31",
			[]string{"2024-12-31", "2025-12-31"}, "2025-04-30"},
		{Obligation{Frequency: Quarterly, From: day("2025-01-01"), DueDays: 30}, "2025-06-30",
			[]string{"2025-03-31", "2025-06-30"}, "2025-04-30"},
	}
	for _, c := range cases {
		got := c.o.Periods(day(c.until))
		if len(got) != len(c.periods) {
			t.Fatalf("%+v: periods %v, want %v", c.o, got, c.periods)
		}
		for i, p := range c.periods {
			if !got[i].Equal(day(p)) {
				t.Errorf("%+v: period %d = %s, want %s", c.o, i, got[i].Format("2006-01-02"), p)
			}
		}
		if due := c.o.DueOn(got[0]); !due.Equal(day(c.due)) {
			t.Errorf("%+v: due %s, want %s", c.o, due.Format("2006-01-02"), c.due)
		}
	}
}

func TestObligationOverdueUntilTheReportArrives(t *testing.T) {
	o := Obligation{Frequency: Quarterly, From: day("2025-01-01")}
	// Q1 reported (on another day of its month), Q2 not; Q2 is due 2025-08-14.
	reported := []time.Time{day("2025-03-30")}
	if late := o.Overdue(reported, day("2025-08-14")); len(late) != 0 {
		t.Fatalf("on the due day nothing is late yet: %v", late)
	}
	late := o.Overdue(reported, day("2025-08-15"))
	if len(late) != 1 || !late[0].PeriodEnd.Equal(day("2025-06-30")) || !late[0].DueOn.Equal(day("2025-08-14")) {
		t.Fatalf("the day after, Q2 is late: %v", late)
	}
	if late := o.Overdue(append(reported, day("2025-06-30")), day("2025-08-15")); len(late) != 0 {
		t.Fatalf("once it arrives it is no longer late: %v", late)
	}
	if (Obligation{}).Overdue(nil, day("2030-01-01")) != nil {
		t.Fatal("no obligation, nothing late")
	}
}

func TestParseReportingFrequency(t *testing.T) {
	for _, s := range []string{"quarterly", " Semiannual ", "ANNUAL"} {
		if _, err := ParseReportingFrequency(s); err != nil {
			t.Errorf("%q: %v", s, err)
		}
	}
	for _, s := range []string{"each_report", "monthly", ""} {
		if _, err := ParseReportingFrequency(s); err == nil {
			t.Errorf("%q accepted", s)
		}
	}
}

func TestFormatThresholdReadsAsWritten(t *testing.T) {
	for _, c := range []struct{ metric, in, want string }{
		{"par30_ratio", "5 %", "5 %"}, {"par30_ratio", "0.05", "5 %"},
		{"operational_self_sufficiency", "110%", "110 %"}, {"operational_self_sufficiency", "1.1", "110 %"},
		{"debt_to_equity", "6", "6"}, {"equity", "1000000.50", "1000000.5"},
	} {
		m, err := ParseMetric(c.metric)
		if err != nil {
			t.Fatal(err)
		}
		d, err := ParseThreshold(m, c.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := FormatThreshold(m, d); got != c.want {
			t.Errorf("%s %q: %q, want %q", c.metric, c.in, got, c.want)
		}
	}
}
