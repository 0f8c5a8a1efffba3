package covenant

import (
	"fmt"
	"strings"
	"time"

	"cartera/internal/platform/civil"
)

// Obligation is a partner's duty to report its figures: every quarter, half-year or
// year from the period ending at or after From, each period's figures due DueDays
// after its end (0: the default, 45 days for quarters and half-years, 120 for years,
// as loan agreements in the field usually write them).
type Obligation struct {
	Frequency Frequency // Quarterly, Semiannual or Annual
	From      time.Time
	DueDays   int
}

// ParseReportingFrequency reads how often a partner reports: quarterly, semiannual
// or annual (each_report is a covenant's frequency, not a reporting one).
func ParseReportingFrequency(s string) (Frequency, error) {
	f := Frequency(strings.ToLower(strings.TrimSpace(s)))
	switch f {
	case Quarterly, Semiannual, Annual:
		return f, nil
	}
	return "", fmt.Errorf("%q is no reporting frequency: use quarterly, semiannual or annual", s)
}

// Days is the days after a period end its figures are due.
func (o Obligation) Days() int {
	switch {
	case o.DueDays > 0:
		return o.DueDays
	case o.Frequency == Annual:
		return 120
	default:
		return 45
	}
}

// DueOn is the day the figures of the period ending periodEnd are due.
func (o Obligation) DueOn(periodEnd time.Time) time.Time {
	return civil.Of(periodEnd).AddDate(0, 0, o.Days())
}

// Periods lists the period ends the obligation covers, from the first at or after
// From through until: the last day of each March, June, September and December
// (quarterly), June and December (semiannual) or December (annual).
func (o Obligation) Periods(until time.Time) []time.Time {
	if o.From.IsZero() || !o.Frequency.reporting() {
		return nil
	}
	from, until := civil.Of(o.From), civil.Of(until)
	var out []time.Time
	// Month ends from From's month on; at most one a month, so the loop is short.
	for m := time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC); ; m = m.AddDate(0, 1, 0) {
		end := m.AddDate(0, 1, -1)
		if end.After(until) {
			return out
		}
		if !end.Before(from) && o.Frequency.Tests(end) {
			out = append(out, end)
		}
	}
}

func (f Frequency) reporting() bool { return f == Quarterly || f == Semiannual || f == Annual }

// Late is a period whose figures were due and have not arrived.
type Late struct {
	PeriodEnd time.Time
	DueOn     time.Time
}

// Overdue lists the covered periods whose figures were due before today and for
// whose month no report is stored (reported: the stored reports' period ends; a
// partner has one report a month, whatever its day), oldest first.
func (o Obligation) Overdue(reported []time.Time, today time.Time) []Late {
	have := make(map[[2]int]bool, len(reported))
	for _, r := range reported {
		have[[2]int{r.Year(), int(r.Month())}] = true
	}
	today = civil.Of(today)
	var out []Late
	for _, end := range o.Periods(today) {
		due := o.DueOn(end)
		if today.After(due) && !have[[2]int{end.Year(), int(end.Month())}] {
			out = append(out, Late{PeriodEnd: end, DueOn: due})
		}
	}
	return out
}
