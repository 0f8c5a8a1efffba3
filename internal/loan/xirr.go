package loan

import (
	"math"
	"time"
)

// CashFlow is money moving on a loan from the fund's side: negative out, positive in.
type CashFlow struct {
	On     time.Time
	Amount float64
}

// XIRR is the annual rate r at which the flows' present value is zero, with each flow
// discounted by (1+r)^(days/365) from the first. It is a rate of return, not an
// amount, so float64 is the right tool here. ok is false when there is no answer (all
// flows one sign, or no convergence).
func XIRR(flows []CashFlow) (rate float64, ok bool) {
	if len(flows) < 2 {
		return 0, false
	}
	var pos, neg bool
	for _, f := range flows {
		pos = pos || f.Amount > 0
		neg = neg || f.Amount < 0
	}
	if !pos || !neg {
		return 0, false
	}
	t0 := flows[0].On
	for _, f := range flows {
		if f.On.Before(t0) {
			t0 = f.On
		}
	}
	years := make([]float64, len(flows))
	for i, f := range flows {
		years[i] = f.On.Sub(t0).Hours() / 24 / 365
	}
	npv := func(r float64) float64 {
		v := 0.0
		for i, f := range flows {
			v += f.Amount / math.Pow(1+r, years[i])
		}
		return v
	}
	// Bracket a root between -99.99 % and a rate high enough, then bisect: slower than
	// Newton's method but it cannot wander off or divide by a zero derivative.
	lo, hi := -0.9999, 1.0
	for npv(hi) > 0 && hi < 1e6 {
		hi *= 2
	}
	flo, fhi := npv(lo), npv(hi)
	if math.IsNaN(flo) || math.IsNaN(fhi) || flo*fhi > 0 {
		return 0, false
	}
	for i := 0; i < 200; i++ {
		mid := (lo + hi) / 2
		fm := npv(mid)
		if math.Abs(fm) < 1e-9 || hi-lo < 1e-12 {
			return mid, true
		}
		if (fm > 0) == (flo > 0) {
			lo, flo = mid, fm
		} else {
			hi = mid
		}
	}
	return (lo + hi) / 2, true
}
