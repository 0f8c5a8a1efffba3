package kpi

import "math"

// WithinPublishedRounding reports whether a computed ratio matches one a source
// published, given how sources round: fractions to four decimals (within 0.0005, or
// 0.5 % of the value), debt to equity to two decimals, and counts or amounts per
// client (clients per officer or staff, average loan balance, cost per client) to
// whole numbers (within 1 %, or half a unit).
func WithinPublishedRounding(n Name, got, published float64) bool {
	diff := math.Abs(got - published)
	switch n {
	case ClientsPerLoanOfficer, ClientsPerStaff, AverageLoanBalance, CostPerClient:
		return diff <= 0.01*math.Abs(published)+0.5
	case DebtToEquity:
		return diff <= 0.005
	}
	return diff <= 0.0005 || diff <= 0.005*math.Abs(published)
}
