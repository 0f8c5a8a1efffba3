// Package fx holds exchange rates and converts amounts between currencies.
//
// A rate is the units of a currency per one US dollar on a date. Conversion between
// any two currencies goes through USD, with each currency's latest rate on or before
// the date; where there is none, the error names the currency and the date: an
// amount is never converted at a silent 1.0.
package fx

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/govalues/decimal"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"cartera/internal/audit"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/civil"
	"cartera/internal/platform/db"
	"cartera/internal/platform/money"
)

// Rate is units of Currency per one US dollar on Date.
type Rate struct {
	Currency string          `db:"currency" json:"currency"`
	Date     time.Time       `db:"rate_date" json:"date"`
	Rate     decimal.Decimal `db:"rate" json:"rate"`
}

// Service stores rates and converts.
type Service struct {
	conn  *sqlx.DB
	audit *audit.Log
	clock civil.Clock // today, for refusing rates dated after it
	q     struct {
		Upsert  *sqlx.Stmt `query:"upsert-rate"`
		List    *sqlx.Stmt `query:"list-rates"`
		On      *sqlx.Stmt `query:"rate-on"`
		Avg     *sqlx.Stmt `query:"average-rate"`
		RatesOn *sqlx.Stmt `query:"rates-on"`
		Latest  *sqlx.Stmt `query:"latest-rates"`
	}
}

// NewService prepares the FX queries; clock says what today is (nil: the system's).
func NewService(ctx context.Context, conn *sqlx.DB, log *audit.Log, clock civil.Clock) (*Service, error) {
	s := &Service{conn: conn, audit: log, clock: clock}
	if err := db.PrepareQueries(ctx, conn, "fx.sql", &s.q); err != nil {
		return nil, err
	}
	return s, nil
}

// maxRate bounds a rate to what NUMERIC(24,10) stores.
var maxRate = decimal.MustParse("99999999999999")

// Validate checks rates, naming each bad one as rates[i].field (rows from 0).
func Validate(rates []Rate) error {
	var bad apperr.Fields
	if len(rates) == 0 {
		bad.Add("rates", "send at least one rate")
	}
	for i, r := range rates {
		field := func(name string) string { return fmt.Sprintf("rates[%d].%s", i, name) }
		if c, err := money.ParseCurrency(r.Currency); err != nil {
			bad.Add(field("currency"), "%v", err)
		} else if c.Code == "USD" {
			bad.Add(field("currency"), "rates are per US dollar: USD is always 1")
		}
		if r.Date.IsZero() {
			bad.Add(field("date"), "is required (YYYY-MM-DD)")
		}
		switch {
		case !r.Rate.IsPos():
			bad.Add(field("rate"), "must be greater than zero")
		case r.Rate.Cmp(maxRate) > 0:
			bad.Add(field("rate"), "is too large")
		case r.Rate.MinScale() > 10:
			bad.Add(field("rate"), "at most 10 decimals")
		}
	}
	return bad.Err()
}

// ValidateBatch checks rates sent together as one request: each as Validate does,
// none dated after today (a rate is one observed, not a forecast, and the books
// convert at the rate of a day once it has passed), and no currency twice on one
// date (which of the two would be stored would depend on their order).
func ValidateBatch(rates []Rate, today time.Time) error {
	var bad apperr.Fields
	if err := Validate(rates); err != nil {
		e, _ := apperr.As(err)
		bad = e.Fields
	}
	first := map[string]int{}
	for i, r := range rates {
		field := fmt.Sprintf("rates[%d].date", i)
		if r.Date.IsZero() {
			continue
		}
		if r.Date.After(today) {
			bad.Add(field, "is after today (%s): send rates observed, not expected", today.Format(time.DateOnly))
		}
		c, err := money.ParseCurrency(r.Currency)
		if err != nil {
			continue
		}
		key := c.Code + " " + r.Date.Format(time.DateOnly)
		if j, ok := first[key]; ok {
			bad.Add(field, "rates[%d] is already %s on this date: send each currency and date once", j, c.Code)
			continue
		}
		first[key] = i
	}
	return bad.Err()
}

// Put stores rates, replacing any for the same currency and date, all or nothing. The
// rates are checked as one batch (ValidateBatch): every way in (the API, the page's
// form and upload, the command line) refuses a rate dated after today and a currency
// twice on one date.
func (s *Service) Put(ctx context.Context, actor audit.Actor, rates []Rate) error {
	if err := ValidateBatch(rates, s.clock.Today()); err != nil {
		return err
	}
	return db.InTx(ctx, s.conn, func(tx *sqlx.Tx) error {
		upsert := tx.StmtxContext(ctx, s.q.Upsert)
		for _, r := range rates {
			code, _ := money.ParseCurrency(r.Currency)
			r.Currency, r.Date = code.Code, civil.Of(r.Date)
			var previous decimal.NullDecimal
			if err := upsert.GetContext(ctx, &previous, r.Currency, r.Date, r.Rate); err != nil {
				return fmt.Errorf("store rate %s %s: %w", r.Currency, r.Date.Format(civil.Layout), err)
			}
			if previous.Valid && previous.Decimal.Equal(r.Rate) {
				continue // unchanged: nothing to audit
			}
			var before any
			action := audit.Create
			if previous.Valid {
				before, action = Rate{Currency: r.Currency, Date: r.Date, Rate: previous.Decimal}, audit.Update
			}
			id := r.Currency + "/" + r.Date.Format(civil.Layout)
			if err := s.audit.Record(ctx, tx, actor, action, "fx_rate", id, before, r); err != nil {
				return err
			}
		}
		return nil
	})
}

// Load stores many rates at once (a history of daily rates), replacing any for the
// same currency and date, with COPY: one audit entry says what was loaded.
func (s *Service) Load(ctx context.Context, actor audit.Actor, rates []Rate) error {
	if err := Validate(rates); err != nil {
		return err
	}
	return db.InTx(ctx, s.conn, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `CREATE TEMPORARY TABLE fx_load (LIKE fx_rates) ON COMMIT DROP`); err != nil {
			return fmt.Errorf("load rates: %w", err)
		}
		err := db.Copy(ctx, tx, "fx_load", []string{"currency", "rate_date", "rate"}, len(rates), func(i int) []any {
			code, _ := money.ParseCurrency(rates[i].Currency)
			return []any{code.Code, rates[i].Date.Format(civil.Layout), rates[i].Rate.String()}
		})
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO fx_rates (currency, rate_date, rate) SELECT currency, rate_date, rate FROM fx_load
			ON CONFLICT (currency, rate_date) DO UPDATE SET rate = EXCLUDED.rate`); err != nil {
			return db.TranslateError(err, nil)
		}
		codes := map[string]bool{}
		from, to := rates[0].Date, rates[0].Date
		for _, r := range rates {
			codes[r.Currency] = true
			if r.Date.Before(from) {
				from = r.Date
			}
			if r.Date.After(to) {
				to = r.Date
			}
		}
		summary := map[string]any{"rates": len(rates), "currencies": len(codes), "from": from.Format(civil.Layout), "to": to.Format(civil.Layout)}
		return s.audit.Record(ctx, tx, actor, audit.Create, "fx_rates", "load", nil, summary)
	})
}

// Filter selects rates; zero fields select all.
type Filter struct {
	Currency string
	From, To *time.Time
	Limit    int
}

// List returns rates by currency and date.
func (s *Service) List(ctx context.Context, f Filter) ([]Rate, error) {
	if f.Limit <= 0 || f.Limit > 100000 {
		f.Limit = 10000
	}
	rates := []Rate{}
	if err := s.q.List.SelectContext(ctx, &rates, f.Currency, f.From, f.To, f.Limit); err != nil {
		return nil, fmt.Errorf("list rates: %w", err)
	}
	for i := range rates {
		rates[i].Date = civil.Of(rates[i].Date)
	}
	return rates, nil
}

// RateOn is the units of currency per US dollar applying on a date: the latest rate
// on or before it. USD is 1. Without one, the error is a *MissingRate (a 422 on the
// currency field to the API).
func (s *Service) RateOn(ctx context.Context, currency string, on time.Time) (decimal.Decimal, error) {
	if currency == "USD" {
		return decimal.One, nil
	}
	var r Rate
	if err := s.q.On.GetContext(ctx, &r, currency, on); err != nil {
		if db.IsNoRows(err) {
			return decimal.Zero, &MissingRate{Currency: currency, On: civil.Of(on)}
		}
		return decimal.Zero, fmt.Errorf("rate %s on %s: %w", currency, on.Format(civil.Layout), err)
	}
	return r.Rate, nil
}

// ratesOn reads several currencies' rates on a date in one query; those without one
// are left out.
func (s *Service) ratesOn(ctx context.Context, currencies []string, on time.Time) (map[string]decimal.Decimal, error) {
	out := make(map[string]decimal.Decimal, len(currencies))
	rows, err := s.q.RatesOn.QueryContext(ctx, pq.Array(currencies), on)
	if err != nil {
		return nil, fmt.Errorf("rates on %s: %w", on.Format(civil.Layout), err)
	}
	defer rows.Close()
	for rows.Next() {
		var c string
		var r decimal.Decimal
		if err := rows.Scan(&c, &r); err != nil {
			return nil, fmt.Errorf("rates on %s: %w", on.Format(civil.Layout), err)
		}
		out[c] = r
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("rates on %s: %w", on.Format(civil.Layout), err)
	}
	return out, nil
}

// AverageRate is the units of currency per US dollar on average over the period
// (from, to]: the mean of the rates recorded in it. MIX Market converts flows (revenue,
// expense over a period) at the period's average rate, stocks at the period-end rate.
// With no rate recorded within the period, it is the rate applying at its end.
func (s *Service) AverageRate(ctx context.Context, currency string, from, to time.Time) (decimal.Decimal, error) {
	if currency == "USD" {
		return decimal.One, nil
	}
	var avg struct {
		N    int             `db:"n"`
		Mean decimal.Decimal `db:"mean"`
	}
	if err := s.q.Avg.GetContext(ctx, &avg, currency, from, to); err != nil {
		return decimal.Zero, fmt.Errorf("average %s rate %s to %s: %w", currency, from.Format(civil.Layout), to.Format(civil.Layout), err)
	}
	if avg.N == 0 {
		return s.RateOn(ctx, currency, to)
	}
	return avg.Mean, nil
}

// Convert turns an amount in from into to at the rates applying on a date, through
// USD, unrounded (round once, at the end of a computation): Rates.Convert for one
// amount.
func (s *Service) Convert(ctx context.Context, amount decimal.Decimal, from, to string, on time.Time) (decimal.Decimal, error) {
	if from == to {
		return amount, nil
	}
	r, err := s.RatesAt(ctx, on, from, to)
	if err != nil {
		return decimal.Zero, err
	}
	return r.Convert(amount, from, to)
}

// AverageRates are the currencies' average rates over the period (from, to], as
// AverageRate gives them, held as the Rates of its end.
func (s *Service) AverageRates(ctx context.Context, from, to time.Time, currencies ...string) (*Rates, error) {
	r := NewRates(to, nil)
	for _, c := range currencies {
		if r.Has(c) {
			continue
		}
		v, err := s.AverageRate(ctx, c, from, to)
		if err != nil {
			return nil, err
		}
		r.Set(c, v)
	}
	return r, nil
}

// Latest is each currency's latest rate on or before a date, with the date it was
// recorded for; a currency without one is left out (USD, always 1, too).
func (s *Service) Latest(ctx context.Context, currencies []string, on time.Time) (map[string]Rate, error) {
	var ask []string
	for _, c := range currencies {
		if c != "USD" {
			ask = append(ask, c)
		}
	}
	out := map[string]Rate{}
	if len(ask) == 0 {
		return out, nil
	}
	var rates []Rate
	if err := s.q.Latest.SelectContext(ctx, &rates, pq.Array(ask), civil.Of(on)); err != nil {
		return nil, fmt.Errorf("latest rates on %s: %w", on.Format(civil.Layout), err)
	}
	for _, r := range rates {
		r.Currency, r.Date = strings.TrimSpace(r.Currency), civil.Of(r.Date)
		out[r.Currency] = r
	}
	return out, nil
}
