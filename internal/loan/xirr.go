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
	if len(flows) < 2 || !bothSigns(flows) {
		return 0, false
	}
	years, span := yearsFromFirst(flows)
	if span == 0 {
		return 0, false // all on one day: every rate fits, none means anything
	}
	npv := npvOf(flows, years)
	// Newton's method converges in a few steps from a sensible guess...
	if r, ok := newtonRoot(npv); ok {
		return r, true
	}
	// ...and where it wanders, bisection between a bracket cannot.
	return bisectRoot(npv)
}

// bothSigns tells whether money moves both ways among the flows.
func bothSigns(flows []CashFlow) bool {
	var pos, neg bool
	for _, f := range flows {
		pos = pos || f.Amount > 0
		neg = neg || f.Amount < 0
	}
	return pos && neg
}

// yearsFromFirst gives each flow's time from the earliest, in years of 365 days, and
// the longest of them.
func yearsFromFirst(flows []CashFlow) (years []float64, span float64) {
	t0 := flows[0].On
	for _, f := range flows {
		if f.On.Before(t0) {
			t0 = f.On
		}
	}
	years = make([]float64, len(flows))
	for i, f := range flows {
		years[i] = f.On.Sub(t0).Hours() / 24 / 365
		span = math.Max(span, years[i])
	}
	return years, span
}

// npvFunc is the flows' present value at a rate, and its derivative.
type npvFunc func(r float64) (v, dv float64)

// npvOf is npv and its derivative, with (1+r)^-t as exp(-t·log(1+r)): one log per rate.
func npvOf(flows []CashFlow, years []float64) npvFunc {
	return func(r float64) (v, dv float64) {
		lg := math.Log1p(r)
		for i, f := range flows {
			disc := math.Exp(-years[i] * lg)
			v += f.Amount * disc
			dv -= years[i] * f.Amount * disc / (1 + r)
		}
		return v, dv
	}
}

// newtonRoot runs Newton's method from 10 %; ok is false when it wanders off.
func newtonRoot(npv npvFunc) (rate float64, ok bool) {
	r := 0.1
	for i := 0; i < 50; i++ {
		v, dv := npv(r)
		if math.Abs(v) < 1e-7 {
			return r, true
		}
		if dv == 0 || math.IsNaN(v) {
			break
		}
		next := r - v/dv
		if next <= -0.9999 || math.IsNaN(next) || math.IsInf(next, 0) {
			break
		}
		if math.Abs(next-r) < 1e-12 {
			return next, true
		}
		r = next
	}
	return 0, false
}

// bisectRoot bisects a bracket of the root from -99.99 % up; ok is false when no
// bracket holds one.
func bisectRoot(npv npvFunc) (rate float64, ok bool) {
	lo, hi := -0.9999, 1.0
	for v, _ := npv(hi); v > 0 && hi < 1e6; v, _ = npv(hi) {
		hi *= 2
	}
	flo, _ := npv(lo)
	fhi, _ := npv(hi)
	if math.IsNaN(flo) || math.IsNaN(fhi) || flo*fhi > 0 {
		return 0, false
	}
	for i := 0; i < 200; i++ {
		mid := (lo + hi) / 2
		fm, _ := npv(mid)
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
