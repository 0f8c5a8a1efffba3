package loan

import (
	"time"

	"github.com/govalues/decimal"

	"cartera/internal/platform/civil"
)

// Status is where a loan stands.
type Status string

// The loan statuses.
const (
	Pipeline   Status = "pipeline"    // signed, nothing disbursed yet
	Active     Status = "active"      // principal or interest still owed
	Repaid     Status = "repaid"      // everything paid
	WrittenOff Status = "written_off" // nothing left to collect, some of it written off
	// Cancelled: entered, then cancelled before anything was disbursed. Still listed,
	// out of exposure, the portfolio and every total. Set by the ledger, not a replay.
	Cancelled Status = "cancelled"
)

// InstallmentStatus is where an installment stands at the as-of date.
type InstallmentStatus string

// The installment statuses.
const (
	InstallmentPaid        InstallmentStatus = "paid"
	InstallmentPartial     InstallmentStatus = "partially_paid" // not yet due, some paid
	InstallmentDue         InstallmentStatus = "due"            // not yet due
	InstallmentLate        InstallmentStatus = "late"           // due before the as-of date, not fully paid
	InstallmentRescheduled InstallmentStatus = "rescheduled"
	InstallmentWrittenOff  InstallmentStatus = "written_off"
)

// Balances are a loan's figures at the as-of date.
type Balances struct {
	Committed, Disbursed, Undisbursed              decimal.Decimal
	PrincipalRepaid, InterestPaid, WrittenOff      decimal.Decimal
	Recovered                                      decimal.Decimal // on written-off principal
	Outstanding, OverduePrincipal, OverdueInterest decimal.Decimal
	DaysPastDue                                    int
	AgingBucket                                    string
	Status                                         Status
	NextDueOn                                      *time.Time
	NextDueAmount                                  decimal.Decimal
	// Restructured: a rescheduling moved overdue amounts (State.RestructuredOn).
	Restructured bool
	// AccruedInterest is earned since the last due date and not yet due (the month-end
	// accrual); LateInterest is interest on overdue principal, due at once and unpaid.
	AccruedInterest, LateInterest decimal.Decimal
}

// AtRisk reports whether the loan's outstanding counts in PAR30: more than 30 days
// past due, or restructured and not yet repaid.
func (b Balances) AtRisk() bool {
	return b.Outstanding.IsPos() && (b.DaysPastDue > 30 || b.Restructured)
}

// Balances computes the figures at s.AsOf. Overdue is what fell due before the as-of
// date and is unpaid; days past due count from the oldest such installment.
func (s *State) Balances() Balances {
	b := Balances{
		Committed: s.Terms.Committed, Disbursed: s.Disbursed, PrincipalRepaid: s.PrincipalRepaid,
		InterestPaid: s.InterestPaid, WrittenOff: s.WrittenOff, Recovered: s.Recovered, Outstanding: s.Outstanding,
		AccruedInterest: s.AccruedInterest, LateInterest: s.LateInterestDue(),
	}
	oldest, unsettled := s.scheduleBalances(&b)
	if oldest != nil {
		b.DaysPastDue = civil.Days(*oldest, s.AsOf)
	}
	b.AgingBucket = AgingBucket(b.DaysPastDue)
	b.Restructured = s.RestructuredOn != nil && !s.RestructuredOn.After(s.AsOf) && (s.CuredOn == nil || !s.CuredOn.Before(s.AsOf))
	b.Status = s.status(unsettled)
	// A commitment can still be drawn while the loan is open and not yet at maturity.
	if (b.Status == Pipeline || b.Status == Active) && s.AsOf.Before(s.Terms.MaturityOn) {
		b.Undisbursed = sub(s.Terms.Committed, s.Disbursed)
	}
	return b
}

// LateInterestDue is the late interest accrued and still to pay at AsOf.
func (s *State) LateInterestDue() decimal.Decimal {
	return sub(sub(s.LateInterest, s.LateInterestPaid), s.lateSettled)
}

// scheduleBalances sets b's overdue figures and next due installment from the
// schedule, rescheduled installments left out. It returns the due date of the oldest
// overdue installment (nil when none is) and whether any installment is unpaid.
func (s *State) scheduleBalances(b *Balances) (oldest *time.Time, unsettled bool) {
	for i := range s.Installments {
		in := &s.Installments[i]
		if in.Rescheduled {
			continue
		}
		p, it := in.unpaidPrincipal(), in.unpaidInterest()
		if p.IsPos() || it.IsPos() {
			unsettled = true
		}
		if in.DueOn.Before(s.AsOf) {
			b.OverduePrincipal = add(b.OverduePrincipal, p)
			b.OverdueInterest = add(b.OverdueInterest, it)
			if (p.IsPos() || it.IsPos()) && oldest == nil {
				d := in.DueOn
				oldest = &d
			}
		} else if b.NextDueOn == nil && (p.IsPos() || it.IsPos()) {
			d := in.DueOn
			b.NextDueOn = &d
			b.NextDueAmount = add(p, it)
		}
	}
	return oldest, unsettled
}

// status is the loan's status at s.AsOf; unsettled is whether any installment is unpaid.
func (s *State) status(unsettled bool) Status {
	switch {
	case s.Disbursed.IsZero():
		return Pipeline
	case s.Outstanding.IsZero() && !unsettled && s.WrittenOff.IsPos():
		return WrittenOff
	case s.Outstanding.IsZero() && !unsettled:
		return Repaid
	}
	return Active
}

// AgingBuckets are the arrears buckets, from current to the oldest.
var AgingBuckets = []string{"current", "1-30", "31-60", "61-90", "91-180", "180+"}

// AgingBucket names the arrears bucket of a number of days past due.
func AgingBucket(dpd int) string {
	switch {
	case dpd <= 0:
		return "current"
	case dpd <= 30:
		return "1-30"
	case dpd <= 60:
		return "31-60"
	case dpd <= 90:
		return "61-90"
	case dpd <= 180:
		return "91-180"
	}
	return "180+"
}

// StatusOf returns the installment's status at asOf.
func (in *Installment) StatusOf(asOf time.Time) InstallmentStatus {
	p, it := in.unpaidPrincipal(), in.unpaidInterest()
	switch {
	case in.Rescheduled:
		return InstallmentRescheduled
	case p.IsZero() && it.IsZero() && (in.WrittenOffPrincipal.IsPos() || in.WrittenOffInterest.IsPos()):
		return InstallmentWrittenOff
	case p.IsZero() && it.IsZero():
		return InstallmentPaid
	case in.DueOn.Before(asOf):
		return InstallmentLate
	case in.PaidPrincipal.IsPos() || in.PaidInterest.IsPos():
		return InstallmentPartial
	}
	return InstallmentDue
}
