package exposure

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/govalues/decimal"
	"github.com/jmoiron/sqlx"

	"cartera/internal/audit"
	"cartera/internal/partner"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/db"
	"cartera/internal/platform/money"
)

// Limit caps one cut of the exposure: a share of the total outstanding, an amount, or
// both (the tighter one binds).
type Limit struct {
	Dimension Dimension        `db:"dimension" json:"dimension"`
	Key       string           `db:"key" json:"key"`
	MaxShare  *decimal.Decimal `db:"max_share" json:"max_share"`
	MaxAmount *decimal.Decimal `db:"max_amount" json:"max_amount"`
	Currency  *string          `db:"currency" json:"currency"` // of MaxAmount
}

// Limits returns the limits by dimension, then key.
func (s *Service) Limits(ctx context.Context) ([]Limit, error) {
	out := []Limit{}
	if err := s.q.ListLimits.SelectContext(ctx, &out); err != nil {
		return nil, fmt.Errorf("list limits: %w", err)
	}
	return normalizeLimits(out), nil
}

// normalizeLimits trims what the columns pad: CHAR(3) codes, NUMERIC scales.
func normalizeLimits(out []Limit) []Limit {
	for i := range out {
		if out[i].MaxShare != nil {
			t := out[i].MaxShare.Trim(0)
			out[i].MaxShare = &t
		}
		if out[i].Currency != nil {
			c := strings.TrimSpace(*out[i].Currency)
			out[i].Currency = &c
			if cur, err := money.ParseCurrency(c); err == nil && out[i].MaxAmount != nil {
				a := out[i].MaxAmount.Trim(cur.Scale)
				out[i].MaxAmount = &a
			}
		}
	}
	return out
}

// normalizeKey checks a limit's key against its dimension and returns it canonical
// (upper-case codes, a region as its M.49 code).
func (s *Service) normalizeKey(ctx context.Context, d Dimension, key string, funds map[string]bool) (string, error) {
	key = strings.TrimSpace(key)
	switch d {
	case ByCountry:
		key = strings.ToUpper(key)
		if !partner.IsCountryCode(key) {
			return "", fmt.Errorf("%q is not an ISO 3166-1 alpha-2 country code", key)
		}
	case ByRegion:
		wr, err := partner.ParseWorldRegion(key)
		if err != nil {
			return "", err
		}
		if !partner.IsPeerRegion(wr.Code) {
			return "", fmt.Errorf("%s (%s) is not one of the regions the exposure is cut by: use 419 (Latin America), 202 (Sub-Saharan Africa), 015, 145, 143, 030, 034, 035, 151, 150, 021 or 009", wr.Code, wr.Name)
		}
		key = wr.Code
	case ByCurrency:
		c, err := money.ParseCurrency(key)
		if err != nil {
			return "", err
		}
		key = c.Code
	case ByLegalStatus:
		key = strings.ToLower(key)
		if !slicesContains(partner.LegalStatuses, partner.LegalStatus(key)) {
			return "", fmt.Errorf("%q is not a legal status (ngo, cooperative, nbfi, bank, other)", key)
		}
	case ByPartner:
		id, err := strconv.ParseInt(key, 10, 64)
		if err != nil || id <= 0 {
			return "", fmt.Errorf("%q is not a partner id", key)
		}
		if _, err := s.partners.Get(ctx, id); err != nil {
			if apperr.IsKind(err, apperr.KindNotFound) {
				return "", fmt.Errorf("partner %d does not exist", id)
			}
			return "", serverError{err}
		}
		key = strconv.FormatInt(id, 10)
	case ByFund:
		if !funds[key] {
			return "", fmt.Errorf("fund %q does not exist", key)
		}
	}
	return key, nil
}

func slicesContains[T comparable](s []T, v T) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// PutLimits replaces every limit with the given set, in one transaction with its audit
// entry. Amounts without a currency are in the base currency of the first fund.
func (s *Service) PutLimits(ctx context.Context, actor audit.Actor, limits []Limit) ([]Limit, error) {
	return s.PutLimitsIfUnchanged(ctx, actor, "", limits)
}

// ErrLimitsChanged refuses a set of limits edited from a copy that is no longer the
// stored one.
var ErrLimitsChanged = apperr.Conflict("version", "someone changed the limits since this form was opened: reload it to see theirs, then apply your change again")

// PutLimitsIfUnchanged is PutLimits for a set edited from the stored one whose
// LimitsVersion was version: it is refused with ErrLimitsChanged if another write came
// in between (checked under the table's lock). An empty version checks nothing.
func (s *Service) PutLimitsIfUnchanged(ctx context.Context, actor audit.Actor, version string, limits []Limit) ([]Limit, error) {
	if err := s.CheckLimits(ctx, limits); err != nil {
		return nil, err
	}
	return s.store(ctx, actor, version, limits)
}

// LimitsVersion names a stored set of limits (as Limits returns it): any change to
// any limit changes it.
func LimitsVersion(limits []Limit) string {
	h := sha256.New()
	text := func(d *decimal.Decimal) string {
		if d == nil {
			return "-"
		}
		return d.Trim(0).String()
	}
	for _, l := range limits {
		cur := "-"
		if l.Currency != nil {
			cur = *l.Currency
		}
		fmt.Fprintf(h, "%s\x1f%s\x1f%s\x1f%s\x1f%s\n", l.Dimension, l.Key, text(l.MaxShare), text(l.MaxAmount), cur)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// CheckLimits checks a set of limits and puts them in canonical form (codes in upper
// case, a region as its M.49 code, the amount's currency set), reporting every
// problem as limits[i].field.
func (s *Service) CheckLimits(ctx context.Context, limits []Limit) error {
	c, err := s.newLimitCheck(ctx)
	if err != nil {
		return err
	}
	for i := range limits {
		if err := c.check(ctx, i, &limits[i]); err != nil {
			return err
		}
	}
	return c.bad.Err()
}

// limitCheck checks a set of limits one by one, collecting their problems.
type limitCheck struct {
	s       *Service
	fundIDs map[string]bool // the funds' ids as keys
	base    string          // the first fund's base currency: an amount's by default
	seen    map[string]int  // dimension/key: the limit's index
	bad     apperr.Fields
}

func (s *Service) newLimitCheck(ctx context.Context) (*limitCheck, error) {
	funds, err := s.funds.List(ctx)
	if err != nil {
		return nil, err
	}
	c := &limitCheck{s: s, fundIDs: map[string]bool{}, base: "USD", seen: map[string]int{}}
	for i, f := range funds {
		c.fundIDs[strconv.FormatInt(f.ID, 10)] = true
		if i == 0 {
			c.base = f.BaseCurrency
		}
	}
	return c, nil
}

func limitField(i int, name string) string { return fmt.Sprintf("limits[%d].%s", i, name) }

// check checks limits[i] and puts it in canonical form; it returns only a failure of
// ours (the client's problems go to c.bad).
func (c *limitCheck) check(ctx context.Context, i int, l *Limit) error {
	d, err := ParseDimension(string(l.Dimension))
	if err != nil {
		c.bad.Add(limitField(i, "dimension"), "%v", err)
		return nil
	}
	l.Dimension = d
	if err := c.checkKey(ctx, i, l); err != nil {
		return err
	}
	c.checkShare(i, l)
	c.checkAmount(i, l)
	return nil
}

// checkKey checks the key against the dimension and the keys before it.
func (c *limitCheck) checkKey(ctx context.Context, i int, l *Limit) error {
	key, err := c.s.normalizeKey(ctx, l.Dimension, l.Key, c.fundIDs)
	if se, ok := err.(serverError); ok {
		return se.error // not the client's mistake
	}
	if err != nil {
		c.bad.Add(limitField(i, "key"), "%v", err)
	}
	l.Key = key
	if j, dup := c.seen[string(l.Dimension)+"/"+key]; dup && err == nil {
		c.bad.Add(limitField(i, "key"), "%s %s already has a limit (limits[%d])", l.Dimension, key, j)
	}
	c.seen[string(l.Dimension)+"/"+key] = i
	return nil
}

// checkShare checks that the limit caps something, and its share.
func (c *limitCheck) checkShare(i int, l *Limit) {
	if l.MaxShare == nil && l.MaxAmount == nil {
		c.bad.Add(limitField(i, "max_share"), "set max_share, max_amount or both")
	}
	if l.MaxShare != nil && (l.MaxShare.Cmp(decimal.Zero) <= 0 || l.MaxShare.Cmp(decimal.One) > 0) {
		c.bad.Add(limitField(i, "max_share"), "must be a fraction above 0 and at most 1 (0.25 is 25 %%), not %s", l.MaxShare)
	}
	if l.MaxShare != nil && l.MaxShare.Scale() > 6 {
		c.bad.Add(limitField(i, "max_share"), "has more than 6 decimals")
	}
}

// checkAmount checks the amount in its currency (the base currency by default), and
// sets the currency: none without an amount.
func (c *limitCheck) checkAmount(i int, l *Limit) {
	if l.MaxAmount == nil {
		if l.Currency != nil && *l.Currency != "" {
			c.bad.Add(limitField(i, "currency"), "is the currency of max_amount, which is not set")
		} else {
			l.Currency = nil
		}
		return
	}
	if l.MaxAmount.IsNeg() {
		c.bad.Add(limitField(i, "max_amount"), "cannot be negative")
	}
	if l.MaxAmount.Abs().Cmp(decimal.MustNew(1_000_000_000_000_000, 0)) >= 0 {
		c.bad.Add(limitField(i, "max_amount"), "must be below 10^18")
	}
	code := c.base
	if l.Currency != nil && *l.Currency != "" {
		code = *l.Currency
	}
	cur, err := money.ParseCurrency(code)
	if err != nil {
		c.bad.Add(limitField(i, "currency"), "%v", err)
	} else if err := cur.CheckAmount(*l.MaxAmount); err != nil {
		c.bad.Add(limitField(i, "max_amount"), "%v", err)
	}
	l.Currency = &cur.Code
}

func (s *Service) store(ctx context.Context, actor audit.Actor, version string, limits []Limit) ([]Limit, error) {
	err := db.InTx(ctx, s.conn, func(tx *sqlx.Tx) error {
		if _, err := tx.Stmtx(s.q.Lock).ExecContext(ctx); err != nil {
			return err
		}
		// What is replaced, read under the lock: two PUTs at once audit in order.
		before := []Limit{}
		if err := tx.Stmtx(s.q.ListLimits).SelectContext(ctx, &before); err != nil {
			return err
		}
		if version != "" && LimitsVersion(normalizeLimits(before)) != version {
			return ErrLimitsChanged
		}
		if _, err := tx.Stmtx(s.q.Delete).ExecContext(ctx); err != nil {
			return err
		}
		var dims, keys []string
		var shares, amounts, currencies db.NullableText
		for _, l := range limits {
			dims, keys = append(dims, string(l.Dimension)), append(keys, l.Key)
			shares = append(shares, decimalText(l.MaxShare))
			amounts = append(amounts, decimalText(l.MaxAmount))
			currencies = append(currencies, l.Currency)
		}
		if len(limits) > 0 {
			if _, err := tx.Stmtx(s.q.Insert).ExecContext(ctx, pqArray(dims), pqArray(keys), shares, amounts, currencies); err != nil {
				return err
			}
		}
		return s.audit.Record(ctx, tx, actor, audit.Update, "exposure_limits", "all", before, limits)
	})
	if err != nil {
		return nil, fmt.Errorf("store limits: %w", err)
	}
	return s.Limits(ctx)
}

// serverError marks a failure of ours met while checking input, so that it is not
// reported as the client's mistake.
type serverError struct{ error }

func decimalText(d *decimal.Decimal) *string {
	if d == nil {
		return nil
	}
	s := d.String()
	return &s
}
