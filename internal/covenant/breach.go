package covenant

import (
	"time"

	"cartera/internal/platform/civil"
)

// Finding is a period's result and when it was found: the moment the figures that
// decided it were written (a report, an import, a correction).
type Finding struct {
	Result
	FoundAt time.Time
}

// Breach is one breach's life: opened by a breached period, due to be cured by
// CureBy (found + the covenant's cure days), closed by the next period that meets
// the covenant.
type Breach struct {
	Opened   Finding
	CureBy   time.Time
	ClosedBy *Finding // nil while open
}

// Uncured reports whether the breach is still open after its cure deadline on today.
func (b Breach) Uncured(today time.Time) bool {
	return b.ClosedBy == nil && civil.Of(today).After(civil.Of(b.CureBy))
}

// Track derives one covenant's breaches from its findings in period order: a breached
// period opens a breach unless one is open; a met one closes the open breach; a period
// not testable (or waived) changes nothing, since it says nothing of compliance. The
// breaches are so a function of the findings: a corrected period, found again, gives
// the history anew (a breach cured, then reopened by a correction, is tracked as the
// periods now say).
func Track(findings []Finding, cureDays int) []Breach {
	var out []Breach
	open := -1
	for _, f := range findings {
		switch {
		case f.Status == Breached && open < 0:
			out = append(out, Breach{Opened: f, CureBy: civil.Of(f.FoundAt).AddDate(0, 0, cureDays)})
			open = len(out) - 1
		case f.Status == Met && open >= 0:
			closed := f
			out[open].ClosedBy = &closed
			open = -1
		}
	}
	return out
}
