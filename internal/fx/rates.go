package fx

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/govalues/decimal"

	"cartera/internal/platform/apperr"
	"cartera/internal/platform/civil"
)

// Rates are some currencies' units per US dollar at a date (or on average over a
// period ending on it): everything a conversion on that date needs, read once. It is
// the one way amounts change currency, in exposure, peers and the documents, with one
// rounding order: the factor from one currency into another (its rate over the
// other's) is divided once, to the decimal type's 19 digits, and every amount is then
// multiplied by it, unrounded; a computation rounds once, at its end. (Dividing each
// amount was a sixth of an exposure request's time.)
//
// A Rates is not safe for concurrent use: it remembers the factors it divided.
type Rates struct {
	On      time.Time
	perUSD  map[string]decimal.Decimal
	factors map[[2]string]decimal.Decimal
}

// NewRates holds rates (units per US dollar) at a date; USD is always 1.
func NewRates(on time.Time, perUSD map[string]decimal.Decimal) *Rates {
	r := &Rates{On: civil.Of(on), perUSD: make(map[string]decimal.Decimal, len(perUSD)+1)}
	for c, v := range perUSD {
		r.perUSD[c] = v
	}
	r.perUSD["USD"] = decimal.One
	return r
}

// MissingRate is the error of a conversion that needs a rate there is none of: no
// rate of Currency on or before On.
type MissingRate struct {
	Currency string
	On       time.Time
}

func (e *MissingRate) Error() string {
	return fmt.Sprintf("no %s rate on or before %s", e.Currency, e.On.Format(civil.Layout))
}

// Unwrap makes a missing rate the API's 422 on the currency field, unless the caller
// names another field (exposure names as_of).
func (e *MissingRate) Unwrap() error {
	return apperr.Invalid(apperr.FieldError{Field: "currency", Message: e.Error()})
}

// AsMissingRate finds a MissingRate in err's chain.
func AsMissingRate(err error) (*MissingRate, bool) {
	var m *MissingRate
	ok := errors.As(err, &m)
	return m, ok
}

// Has says whether the rate of currency is held.
func (r *Rates) Has(currency string) bool {
	_, ok := r.perUSD[currency]
	return ok
}

// Rate is currency's units per US dollar.
func (r *Rates) Rate(currency string) (decimal.Decimal, error) {
	v, ok := r.perUSD[currency]
	if !ok {
		return decimal.Zero, &MissingRate{Currency: currency, On: r.On}
	}
	return v, nil
}

// Set holds one more rate (units per US dollar).
func (r *Rates) Set(currency string, perUSD decimal.Decimal) { r.perUSD[currency] = perUSD }

// Factor is the units of to per unit of from: to's rate over from's.
func (r *Rates) Factor(from, to string) (decimal.Decimal, error) {
	if from == to {
		return decimal.One, nil
	}
	k := [2]string{from, to}
	if f, ok := r.factors[k]; ok {
		return f, nil
	}
	src, err := r.Rate(from)
	if err != nil {
		return decimal.Zero, err
	}
	dst, err := r.Rate(to)
	if err != nil {
		return decimal.Zero, err
	}
	f, err := dst.Quo(src)
	if err != nil {
		return decimal.Zero, fmt.Errorf("%s per %s: %w", to, from, err)
	}
	if r.factors == nil {
		r.factors = map[[2]string]decimal.Decimal{}
	}
	r.factors[k] = f
	return f, nil
}

// Convert turns an amount in from into to, unrounded.
func (r *Rates) Convert(amount decimal.Decimal, from, to string) (decimal.Decimal, error) {
	if from == to || amount.IsZero() {
		return amount, nil
	}
	f, err := r.Factor(from, to)
	if err != nil {
		return decimal.Zero, err
	}
	v, err := amount.Mul(f)
	if err != nil {
		return decimal.Zero, fmt.Errorf("%s %s in %s: %w", amount, from, to, err)
	}
	return v, nil
}

// RatesAt reads the rates of the currencies at a date (the latest on or before it),
// in one query. A currency without one is a *MissingRate: the first in the order
// given.
func (s *Service) RatesAt(ctx context.Context, on time.Time, currencies ...string) (*Rates, error) {
	r := NewRates(on, nil)
	return r, s.Complete(ctx, r, currencies...)
}

// Complete reads into r the rates of those currencies it does not hold yet.
func (s *Service) Complete(ctx context.Context, r *Rates, currencies ...string) error {
	var ask []string
	for _, c := range currencies {
		if !r.Has(c) && !slices.Contains(ask, c) {
			ask = append(ask, c)
		}
	}
	if len(ask) == 0 {
		return nil
	}
	got, err := s.ratesOn(ctx, ask, r.On)
	if err != nil {
		return err
	}
	for _, c := range ask {
		v, ok := got[c]
		if !ok {
			return &MissingRate{Currency: c, On: r.On}
		}
		r.Set(c, v)
	}
	return nil
}
