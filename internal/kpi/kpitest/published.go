// Package kpitest holds what tests of ratios share: how far a computed ratio may be
// from one a source published. Only tests import it.
package kpitest

import (
	"math"

	"cartera/internal/kpi"
)

// WithinPublishedRounding reports whether a computed ratio matches one a source
// published, given how sources round: fractions to four decimals (within 0.0005, or
// 0.5 % of the value), debt to equity to two decimals, and counts or amounts per
// client (clients per officer or staff, average loan balance, cost per client) to
// whole numbers (within 1 %, or half a unit).
func WithinPublishedRounding(n kpi.Name, got, published float64) bool {
	diff := math.Abs(got - published)
	switch n {
	case kpi.ClientsPerLoanOfficer, kpi.ClientsPerStaff, kpi.AverageLoanBalance, kpi.CostPerClient:
		return diff <= 0.01*math.Abs(published)+0.5
	case kpi.DebtToEquity:
		return diff <= 0.005
	}
	return diff <= 0.0005 || diff <= 0.005*math.Abs(published)
}
