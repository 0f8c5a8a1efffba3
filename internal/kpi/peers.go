package kpi

import (
	"math"
	"slices"
)

// Direction says which way a ratio is good.
type Direction string

// The directions; a ratio like growth or average loan balance has none.
const (
	HigherIsGood Direction = "higher"
	LowerIsGood  Direction = "lower"
	NoDirection  Direction = ""
)

// DirectionOf returns which way n is good.
func DirectionOf(n Name) Direction {
	higher, ok := HigherIsBetter[n]
	switch {
	case !ok:
		return NoDirection
	case higher:
		return HigherIsGood
	}
	return LowerIsGood
}

// Summary is the distribution of one ratio over a peer group, as a rating agency's
// comparison table shows it. Quartiles are interpolated between the closest ranks
// (spreadsheets' QUARTILE.INC), so Q1 of 1, 2, 3, 4 is 1.75.
type Summary struct {
	N                              int
	Min, Q1, Mean, Median, Q3, Max float64 // meaningful only when N > 0
}

// Summarize describes values; it does not keep or reorder the slice.
func Summarize(values []float64) Summary {
	if len(values) == 0 {
		return Summary{}
	}
	sorted := slices.Clone(values)
	slices.Sort(sorted)
	var sum float64
	for _, v := range sorted {
		sum += v
	}
	return Summary{
		N: len(sorted), Min: sorted[0], Max: sorted[len(sorted)-1], Mean: sum / float64(len(sorted)),
		Q1: quantile(sorted, 0.25), Median: quantile(sorted, 0.5), Q3: quantile(sorted, 0.75),
	}
}

// quantile is QUARTILE.INC / PERCENTILE.INC on sorted values: the value at rank
// (n−1)·p, interpolated linearly between the two closest ranks.
func quantile(sorted []float64, p float64) float64 {
	h := float64(len(sorted)-1) * p
	lo := math.Floor(h)
	i := int(lo)
	if i+1 >= len(sorted) {
		return sorted[len(sorted)-1]
	}
	return sorted[i] + (h-lo)*(sorted[i+1]-sorted[i])
}

// Position is where one value stands in a peer group.
type Position struct {
	// Rank is 1 for the best, counting the peers strictly better (ties share a rank);
	// 0 when the ratio has no better side.
	Rank int
	// Quartile is 1 to 4: the best quarter is 1 for a ratio with a direction; for one
	// without, quarters count from the lowest values.
	Quartile int
}

// PositionOf places value among peers (which may or may not include it), using the
// group's summary for the quartile boundaries.
func PositionOf(value float64, peers []float64, s Summary, d Direction) Position {
	var p Position
	if d != NoDirection {
		p.Rank = 1
		for _, v := range peers {
			if (d == HigherIsGood && v > value) || (d == LowerIsGood && v < value) {
				p.Rank++
			}
		}
	}
	if s.N == 0 {
		return p
	}
	// The quarter from the bottom of the distribution: 1 at or below Q1 ... 4 above Q3.
	fromBottom := 4
	switch {
	case value <= s.Q1:
		fromBottom = 1
	case value <= s.Median:
		fromBottom = 2
	case value <= s.Q3:
		fromBottom = 3
	}
	switch d {
	case HigherIsGood:
		// Best is the top: at or above Q3 is the first quarter.
		switch {
		case value >= s.Q3:
			p.Quartile = 1
		case value >= s.Median:
			p.Quartile = 2
		case value >= s.Q1:
			p.Quartile = 3
		default:
			p.Quartile = 4
		}
	default: // lower is good, or no direction: quarters from the bottom
		p.Quartile = fromBottom
	}
	return p
}
