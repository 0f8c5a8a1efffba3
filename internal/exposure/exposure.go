// Package exposure answers risk and finance: what the fund has out, by country and
// every other cut, against its concentration limits, and the portfolio's summary. It
// stands above the ledger: the book's sums come from book.Store, positions from
// ledger.Service, names from the partner and fund services, rates from fx; it owns only
// the limits table.
package exposure

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/govalues/decimal"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"cartera/internal/audit"
	"cartera/internal/book"
	"cartera/internal/fund"
	"cartera/internal/fx"
	"cartera/internal/ledger"
	"cartera/internal/partner"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/civil"
	"cartera/internal/platform/db"
	"cartera/internal/platform/money"
)

// Dimension is a cut of the exposure.
type Dimension string

// The cuts.
const (
	ByCountry     Dimension = "country"
	ByRegion      Dimension = "region" // UN M.49 world region, as peer groups use
	ByPartner     Dimension = "partner"
	ByCurrency    Dimension = "currency"
	ByLegalStatus Dimension = "legal_status"
	ByFund        Dimension = "fund"
)

// Dimensions lists the cuts.
var Dimensions = []Dimension{ByCountry, ByRegion, ByPartner, ByCurrency, ByLegalStatus, ByFund}

// ParseDimension reads a cut's name.
func ParseDimension(s string) (Dimension, error) {
	d := Dimension(strings.ToLower(strings.TrimSpace(s)))
	if slicesContains(Dimensions, d) {
		return d, nil
	}
	names := make([]string, len(Dimensions))
	for i, d := range Dimensions {
		names[i] = string(d)
	}
	return "", fmt.Errorf("%q is not a cut: use %s", s, strings.Join(names, ", "))
}

// Service computes exposure and stores limits.
type Service struct {
	conn     *sqlx.DB
	audit    *audit.Log
	loans    *ledger.Service
	book     *book.Store
	partners *partner.Service
	funds    *fund.Service
	fx       *fx.Service
	versions *db.Versions
	kept     *db.Kept[reportKey, Report]
	q        struct {
		ListLimits *sqlx.Stmt `query:"list-limits"`
		ByCountry  *sqlx.Stmt `query:"exposure-by-country"`
		Lock       *sqlx.Stmt `query:"lock-limits"`
		Delete     *sqlx.Stmt `query:"delete-limits"`
		Insert     *sqlx.Stmt `query:"insert-limits"`
	}
}

// NewService prepares the limits queries.
func NewService(ctx context.Context, conn *sqlx.DB, log *audit.Log, loans *ledger.Service, bk *book.Store, partners *partner.Service,
	funds *fund.Service, rates *fx.Service) (*Service, error) {
	s := &Service{conn: conn, audit: log, loans: loans, book: bk, partners: partners, funds: funds, fx: rates, kept: newKeptReports()}
	if err := db.PrepareQueries(ctx, conn, "exposure.sql", &s.q); err != nil {
		return nil, err
	}
	var err error
	if s.versions, err = db.NewVersions(ctx, conn, exposureTables...); err != nil {
		return nil, err
	}
	return s, nil
}

func pqArray(s []string) pq.StringArray { return pq.StringArray(s) }

// Query selects an exposure report.
type Query struct {
	By       Dimension
	AsOf     time.Time
	Currency string // empty: the fund's base currency (the first fund's without FundID)
	FundID   *int64
}

// Report is the exposure at a date in one currency, cut one way.
type Report struct {
	AsOf     time.Time
	Currency string
	By       Dimension
	Total    Totals
	Groups   []Group // largest outstanding first
}

// Totals are the book's (or the group's) figures.
type Totals struct {
	Outstanding decimal.Decimal // principal disbursed, not repaid or written off
	Undisbursed decimal.Decimal // commitments still to draw on open loans
	Overdue     decimal.Decimal // principal fallen due and unpaid
	// Restructured is the outstanding of restructured loans (a rescheduling moved
	// overdue amounts): at risk, inside PAR30, shown apart.
	Restructured decimal.Decimal
	Partners     int
	Loans        int
}

// Group is one cut's line.
type Group struct {
	Key, Label string
	Totals
	Share float64  // of the total outstanding
	PAR30 *float64 // outstanding of its loans over 30 days past due, over its outstanding; nil without any
	Limit *Limit
	// Headroom is what may still be lent before the tighter limit binds (negative in
	// breach); nil without a limit.
	Headroom *decimal.Decimal
	Breach   bool
}

// target resolves the report's currency (the fund's base currency by default) and
// checks the fund filter; it returns the funds' names.
func (s *Service) target(ctx context.Context, currency string, fundID *int64) (string, map[int64]string, error) {
	funds, err := s.funds.List(ctx)
	if err != nil {
		return "", nil, err
	}
	return resolveTarget(funds, currency, fundID)
}

// resolveTarget is target over the funds (in fund.Service.List's order).
func resolveTarget(funds []fund.Fund, currency string, fundID *int64) (string, map[int64]string, error) {
	fundNames := map[int64]string{}
	base := "USD"
	for i, f := range funds {
		fundNames[f.ID] = f.Name
		if i == 0 || (fundID != nil && f.ID == *fundID) {
			base = f.BaseCurrency
		}
	}
	if fundID != nil {
		if _, ok := fundNames[*fundID]; !ok {
			return "", nil, apperr.Invalid(apperr.FieldError{Field: "fund_id", Message: fmt.Sprintf("fund %d does not exist", *fundID)})
		}
	}
	if currency == "" {
		currency = base
	}
	return currency, fundNames, nil
}

// ratesFor holds the rates at asOf for converting the currencies in need (those there
// is something to convert from) into target: an empty book, or one all in the target
// currency, needs none. known are rates already read (with the book, by country).
func (s *Service) ratesFor(ctx context.Context, asOf time.Time, target string, need map[string]bool, known *fx.Rates) (*fx.Rates, error) {
	rates := known
	if rates == nil {
		rates = fx.NewRates(asOf, nil)
	}
	delete(need, target)
	if len(need) == 0 {
		return rates, nil
	}
	// In a fixed order, so that the same request names the same missing rate.
	codes := append(slices.Sorted(maps.Keys(need)), target)
	if err := s.fx.Complete(ctx, rates, codes...); err != nil {
		if m, ok := fx.AsMissingRate(err); ok {
			return nil, missingRate(m.Currency, asOf)
		}
		return nil, err
	}
	return rates, nil
}

func missingRate(currency string, asOf time.Time) error {
	return apperr.Invalid(apperr.FieldError{Field: "as_of", Message: fmt.Sprintf(
		"no %s rate on or before %s, needed to convert the exposure: record it (PUT /api/v1/fx-rates)", currency, asOf.Format(civil.Layout))})
}

// countryBook is the exposure by country at a date, converted and summed per country
// in SQL, with the rates, the funds and the limits, in one query over the ledger's,
// FX's and the funds' published SQL: the exposure by country is the benchmarked
// request, and a round trip or a Go-side conversion of each currency's sum is a tenth
// of it. Its sums come back in the target currency (whose code it returns): converting
// them again is the identity.
func (s *Service) countryBook(ctx context.Context, asOf time.Time, fundID *int64, target string) (countryAnswer, error) {
	for attempt := 0; ; attempt++ {
		var row countryRow
		err := s.q.ByCountry.QueryRowContext(ctx, asOf, fundID, target).Scan(
			&row.Target, &row.Stale, &row.Countries, &row.Rates, &row.Funds, &row.Limits)
		if err != nil {
			return countryAnswer{}, fmt.Errorf("exposure by country at %s: %w", asOf.Format(civil.Layout), err)
		}
		if row.Stale && attempt == 0 {
			if err := s.book.FreshenCountries(ctx); err != nil {
				return countryAnswer{}, err
			}
			continue
		}
		out, held, err := row.decode()
		if err != nil {
			return countryAnswer{}, fmt.Errorf("exposure by country at %s: %w", asOf.Format(civil.Layout), err)
		}
		// A currency without a rate leaves its countries' sums empty: say which, the
		// first in order, as the other cuts do.
		sort.Strings(held)
		for _, c := range held {
			if _, ok := out.rates[c]; !ok {
				return out, missingRate(c, asOf)
			}
		}
		if _, ok := out.rates[out.currency]; !ok && len(held) > 0 {
			return out, missingRate(out.currency, asOf)
		}
		return out, nil
	}
}

// countryRow is the exposure-by-country query's one row (sql/queries/exposure.sql).
type countryRow struct {
	Target, Countries, Rates string
	Stale                    bool
	Funds, Limits            []byte // JSON arrays
}

// decode reads the row's text: a line per country and per currency, comma-separated
// codes and plain decimals. It returns the currencies the book holds.
func (row countryRow) decode() (out countryAnswer, held []string, err error) {
	countries := strings.Count(row.Countries, "\n") + 1
	out = countryAnswer{currency: strings.TrimSpace(row.Target),
		book:  book.Totals{Sums: make([]book.Sum, 0, countries), Partners: make(map[string]int, countries)},
		rates: map[string]decimal.Decimal{"USD": decimal.One}}
	var f [8]string
	for line := range strings.SplitSeq(row.Countries, "\n") {
		if line == "" {
			continue
		}
		if err := splitFields(line, f[:8]); err != nil {
			return out, nil, err
		}
		loans, err1 := strconv.Atoi(f[6])
		partners, err2 := strconv.Atoi(f[7])
		if err := errors.Join(err1, err2); err != nil {
			return out, nil, fmt.Errorf("country %s: %w", f[0], err)
		}
		if f[1] != "" { // a country with partners and nothing out has no figures
			sum := book.Sum{Key: f[0], Currency: out.currency, Loans: loans}
			for i, to := range []*decimal.Decimal{&sum.Outstanding, &sum.Undisbursed, &sum.Overdue, &sum.PAR30, &sum.Restructured} {
				if *to, err = decimal.Parse(f[1+i]); err != nil {
					return out, nil, fmt.Errorf("country %s: %w", f[0], err)
				}
			}
			out.book.Sums = append(out.book.Sums, sum)
		}
		if partners > 0 {
			out.book.Partners[f[0]] = partners
			out.book.AllPartners += partners // a partner is in one country
		}
	}
	for line := range strings.SplitSeq(row.Rates, "\n") {
		if line == "" {
			continue
		}
		if err := splitFields(line, f[:3]); err != nil {
			return out, nil, err
		}
		code := strings.TrimSpace(f[0])
		if f[2] == "1" {
			held = append(held, code)
		}
		if f[1] != "" {
			if out.rates[code], err = decimal.Parse(f[1]); err != nil {
				return out, nil, fmt.Errorf("rate of %s: %w", code, err)
			}
		}
	}
	if err := json.Unmarshal(row.Funds, &out.funds); err != nil {
		return out, nil, fmt.Errorf("funds: %w", err)
	}
	for i := range out.funds {
		out.funds[i].BaseCurrency = strings.TrimSpace(out.funds[i].BaseCurrency)
	}
	if err := json.Unmarshal(row.Limits, &out.limits); err != nil {
		return out, nil, fmt.Errorf("limits: %w", err)
	}
	// In fund.Service.List's order and Limits' (the first fund's currency is the
	// default; limits are listed by dimension and key).
	slices.SortFunc(out.funds, func(a, b fund.Fund) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	})
	slices.SortFunc(out.limits, func(a, b Limit) int {
		return cmp.Or(strings.Compare(string(a.Dimension), string(b.Dimension)), strings.Compare(a.Key, b.Key))
	})
	out.limits = normalizeLimits(out.limits)
	return out, held, nil
}

// splitFields cuts a comma-separated line into exactly len(into) fields.
func splitFields(line string, into []string) error {
	rest := line
	for i := range len(into) - 1 {
		var ok bool
		if into[i], rest, ok = strings.Cut(rest, ","); !ok {
			return fmt.Errorf("%q has %d fields, not %d", line, i+1, len(into))
		}
	}
	if strings.Contains(rest, ",") {
		return fmt.Errorf("%q has more than %d fields", line, len(into))
	}
	into[len(into)-1] = rest
	return nil
}

// countryAnswer is countryBook's.
type countryAnswer struct {
	book     book.Totals // sums already in currency
	currency string      // the target the sums are in
	rates    map[string]decimal.Decimal
	funds    []fund.Fund
	limits   []Limit
}

// labeller names a cut's groups by their keys.
func (s *Service) labeller(ctx context.Context, by Dimension, fundNames map[int64]string) (func(key string) string, error) {
	switch by {
	case ByCountry:
		return countryName, nil
	case ByRegion:
		return func(code string) string {
			if wr, err := partner.ParseWorldRegion(code); err == nil && code != "" {
				return wr.Name
			}
			return "Unknown region"
		}, nil
	case ByPartner:
		refs, err := s.partners.Refs(ctx, partner.Filter{})
		if err != nil {
			return nil, err
		}
		names := make(map[string]string, len(refs))
		for _, r := range refs {
			names[strconv.FormatInt(r.ID, 10)] = r.Name
		}
		return func(key string) string { return names[key] }, nil
	case ByLegalStatus:
		return func(key string) string { return legalStatusLabel(partner.LegalStatus(key)) }, nil
	case ByFund:
		return func(key string) string {
			id, _ := strconv.ParseInt(key, 10, 64)
			return fundNames[id]
		}, nil
	}
	return func(key string) string { return key }, nil
}

// exact are a group's unrounded sums.
type exact struct {
	key, label                        string
	outstanding, undisbursed, overdue decimal.Decimal
	par30, restructured               decimal.Decimal
	partners, loans                   int
}

// bookCut is the book's cut a dimension is summed by (regions from countries).
var bookCut = map[Dimension]book.Cut{
	ByCountry: book.CutCountry, ByRegion: book.CutCountry, ByPartner: book.CutPartner, ByCurrency: book.CutCurrency,
	ByLegalStatus: book.CutLegalStatus, ByFund: book.CutFund,
}

// Exposure computes the report from the ledger's book at the date, summed by group and
// currency in one query. Each sum is converted at the date's rates and the groups'
// totals are kept exact; they are then rounded to the currency's minor unit so that
// they add up to the rounded total exactly (largest remainders take the odd cents).
// The report is kept in memory while the data it is computed from stays the same
// (cache.go).
func (s *Service) Exposure(ctx context.Context, q Query) (Report, error) {
	q.AsOf = civil.Of(q.AsOf)
	cut, ok := bookCut[q.By]
	if !ok {
		return Report{}, apperr.Invalid(apperr.FieldError{Field: "by", Message: fmt.Sprintf("%q is not a cut", q.By)})
	}
	return s.cached(ctx, q, func() (Report, error) { return s.compute(ctx, q, cut) })
}

// compute is the report, computed from the data.
func (s *Service) compute(ctx context.Context, q Query, cut book.Cut) (Report, error) {
	in, err := s.readInputs(ctx, q, cut)
	if err != nil {
		return Report{}, err
	}
	rates, err := s.ratesFor(ctx, q.AsOf, in.currency, currenciesOf(in.book.Sums), in.known)
	if err != nil {
		return Report{}, err
	}
	label, err := s.labeller(ctx, q.By, in.fundNames)
	if err != nil {
		return Report{}, err
	}
	list, err := groupBook(in.book, q.By, label, rates, in.currency)
	if err != nil {
		return Report{}, err
	}
	r, exactTotal := roundedReport(q, in.currency, list, in.book.AllPartners)
	if err := s.applyLimits(ctx, in.limits, &r, rates, list, exactTotal); err != nil {
		return Report{}, err
	}
	r.Groups = sortedByOutstanding(r.Groups)
	return r, nil
}

// exposureInputs are what an exposure report is computed from.
type exposureInputs struct {
	book      book.Totals
	known     *fx.Rates // rates read with the book (by country); nil by the other cuts
	currency  string    // the report's
	fundNames map[int64]string
	limits    []Limit
}

// readInputs reads the book at the date by the cut, the report's currency, the
// funds' names and the limits.
func (s *Service) readInputs(ctx context.Context, q Query, cut book.Cut) (exposureInputs, error) {
	// By country (the benchmarked request) the book, its rates, the funds and the limits
	// come in one query; by the other cuts the book comes from the ledger, then the
	// funds and the limits. (Reading those beside the book, on other connections, made
	// the answer slower on two cores: docs/PERFORMANCE.md.)
	var in exposureInputs
	if cut == book.CutCountry {
		ans, err := s.countryBook(ctx, q.AsOf, q.FundID, q.Currency)
		if err != nil {
			return exposureInputs{}, err
		}
		if in.currency, in.fundNames, err = resolveTarget(ans.funds, q.Currency, q.FundID); err != nil {
			return exposureInputs{}, err
		}
		in.book, in.limits = ans.book, ans.limits
		in.known = fx.NewRates(q.AsOf, ans.rates) // the book's, the target's and the limits' currencies
		return in, nil
	}
	var err error
	if in.book, err = s.book.At(ctx, q.AsOf, q.FundID, cut); err != nil {
		return exposureInputs{}, err
	}
	if in.currency, in.fundNames, err = s.target(ctx, q.Currency, q.FundID); err != nil {
		return exposureInputs{}, err
	}
	if in.limits, err = s.Limits(ctx); err != nil {
		return exposureInputs{}, err
	}
	return in, nil
}

// currenciesOf are the currencies the sums are in.
func currenciesOf(sums []book.Sum) map[string]bool {
	need := map[string]bool{}
	for _, sum := range sums {
		need[sum.Currency] = true
	}
	return need
}

// groupBook sums the book into the cut's groups (regions from countries), converted
// into currency and exact, in the order the groups first appear.
func groupBook(bt book.Totals, by Dimension, label func(key string) string, rates *fx.Rates, currency string) ([]*exact, error) {
	groups := map[string]*exact{}
	var list []*exact
	group := func(bookKey string) *exact {
		key := bookKey
		if by == ByRegion {
			key = ""
			if wr, ok := partner.PeerRegionOf(bookKey); ok {
				key = wr.Code
			}
		}
		g := groups[key]
		if g == nil {
			g = &exact{key: key, label: label(key)}
			groups[key] = g
			list = append(list, g)
		}
		return g
	}
	for i := range bt.Sums {
		sum := &bt.Sums[i]
		if err := addSum(group(sum.Key), sum, rates, currency); err != nil {
			return nil, err
		}
	}
	for key, n := range bt.Partners {
		group(key).partners += n // a partner is in one country, so regions add up
	}
	return list, nil
}

// addSum adds a sum of the book, converted into currency, to its group.
func addSum(g *exact, sum *book.Sum, rates *fx.Rates, currency string) error {
	for _, c := range []struct{ from, to *decimal.Decimal }{
		{&sum.Outstanding, &g.outstanding}, {&sum.Undisbursed, &g.undisbursed}, {&sum.Overdue, &g.overdue}, {&sum.PAR30, &g.par30},
		{&sum.Restructured, &g.restructured},
	} {
		v, err := rates.Convert(*c.from, sum.Currency, currency)
		if err != nil {
			return err
		}
		if *c.to, err = c.to.Add(v); err != nil {
			return err
		}
	}
	g.loans += sum.Loans
	return nil
}

// roundedReport is the report of the exact groups, rounded to the currency's minor
// unit, without limits and in the groups' order; it returns the exact total
// outstanding too, which the shares are of.
func roundedReport(q Query, currency string, list []*exact, allPartners int) (Report, decimal.Decimal) {
	cur := money.MustCurrency(currency)
	outs := roundTogether(list, cur.Scale, func(e *exact) decimal.Decimal { return e.outstanding })
	unds := roundTogether(list, cur.Scale, func(e *exact) decimal.Decimal { return e.undisbursed })
	overs := roundTogether(list, cur.Scale, func(e *exact) decimal.Decimal { return e.overdue })
	restr := roundTogether(list, cur.Scale, func(e *exact) decimal.Decimal { return e.restructured })
	r := Report{AsOf: q.AsOf, Currency: currency, By: q.By, Groups: make([]Group, len(list))}
	for i, e := range list {
		g := Group{Key: e.key, Label: e.label,
			Totals: Totals{Outstanding: outs.parts[i], Undisbursed: unds.parts[i], Overdue: overs.parts[i], Restructured: restr.parts[i],
				Partners: e.partners, Loans: e.loans}}
		if e.outstanding.IsPos() {
			g.PAR30 = ratio(e.par30, e.outstanding)
		}
		r.Total.Loans += e.loans
		r.Groups[i] = g
	}
	r.Total.Outstanding, r.Total.Undisbursed, r.Total.Overdue, r.Total.Restructured = outs.total, unds.total, overs.total, restr.total
	r.Total.Partners = allPartners
	exactTotal := outs.exact
	for i := range r.Groups {
		if exactTotal.IsPos() {
			r.Groups[i].Share = *ratio(list[i].outstanding, exactTotal)
		}
	}
	return r, exactTotal
}

// sortedByOutstanding are the groups, largest outstanding first, then largest
// undisbursed, then by key.
func sortedByOutstanding(groups []Group) []Group {
	// Sorted through pointers: a Group is a dozen words to move, and a reflective
	// swap of each was a tenth of the request's CPU.
	byPlace := make([]*Group, len(groups))
	for i := range groups {
		byPlace[i] = &groups[i]
	}
	slices.SortStableFunc(byPlace, func(a, b *Group) int {
		if c := b.Outstanding.Cmp(a.Outstanding); c != 0 {
			return c
		}
		if c := b.Undisbursed.Cmp(a.Undisbursed); c != 0 {
			return c
		}
		return strings.Compare(a.Key, b.Key)
	})
	sorted := make([]Group, len(byPlace))
	for i, g := range byPlace {
		sorted[i] = *g
	}
	return sorted
}

// ratio is a/b as a fraction rounded to 6 decimals.
// (In binary floating point: a share is reported as a number to 6 decimals, and the
// decimal quotient of two 19-digit amounts was a tenth of an exposure request.)
func ratio(a, b decimal.Decimal) *float64 {
	x, y := float(a), float(b)
	if y == 0 {
		return nil
	}
	f := math.Round(x/y*1e6) / 1e6
	return &f
}

// float is d in binary floating point, from its coefficient and scale: Decimal.Float64
// goes through text (a tenth of the request's CPU). Beyond 2^53 the coefficient
// rounds, a relative error of 1e-16, far below a ratio's 6 decimals.
func float(d decimal.Decimal) float64 {
	f := float64(d.Coef()) / math.Pow10(d.Scale())
	if d.IsNeg() {
		return -f
	}
	return f
}

// applyLimits sets each group's limit, headroom and breach. Headroom is what the group
// may still add before a limit binds (negative: what it must shed). Under an amount
// limit that is the limit, converted at the date, less the outstanding; under a share
// s it is (s·T − O)/(1 − s), since what the group adds raises the total T too. The
// tighter of the two counts; a share of 1 caps nothing.
func (s *Service) applyLimits(ctx context.Context, limits []Limit, r *Report, rates *fx.Rates, list []*exact, total decimal.Decimal) error {
	byKey := map[string]Limit{}
	for _, l := range limits {
		if l.Dimension == r.By {
			byKey[l.Key] = l
		}
	}
	scale := money.MustCurrency(r.Currency).Scale
	for i := range r.Groups {
		g := &r.Groups[i]
		l, ok := byKey[g.Key]
		if !ok {
			continue
		}
		g.Limit = &l
		outstanding := list[indexOf(list, g.Key)].outstanding
		var room *decimal.Decimal
		if l.MaxShare != nil && l.MaxShare.Cmp(decimal.One) < 0 {
			cap, err := l.MaxShare.Mul(total)
			if err != nil {
				return err
			}
			over, err := cap.Sub(outstanding)
			if err != nil {
				return err
			}
			rest, _ := decimal.One.Sub(*l.MaxShare)
			h, err := over.Quo(rest)
			if err != nil {
				return err
			}
			room = &h
		}
		if l.MaxAmount != nil {
			cur := *l.Currency
			if cur != r.Currency {
				if err := s.fx.Complete(ctx, rates, cur, r.Currency); err != nil {
					return err
				}
			}
			a, err := rates.Convert(*l.MaxAmount, cur, r.Currency)
			if err != nil {
				return err
			}
			h, err := a.Sub(outstanding)
			if err != nil {
				return err
			}
			if room == nil || h.Cmp(*room) < 0 {
				room = &h
			}
		}
		if room == nil {
			continue
		}
		h := room.Round(scale).Pad(scale)
		g.Headroom = &h
		g.Breach = h.IsNeg()
	}
	return nil
}

func indexOf(list []*exact, key string) int {
	for i, e := range list {
		if e.key == key {
			return i
		}
	}
	return -1
}

// pow10 are the powers of ten up to the decimal type's scale.
var pow10 = func() (p [decimal.MaxScale + 1]uint64) {
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// rounded are parts rounded so that they add up to their rounded total.
type rounded struct {
	exact, total decimal.Decimal
	parts        []decimal.Decimal
}

// roundTogether rounds each part down to the scale, then gives one minor unit to each
// of the parts with the largest remainders until the parts add up to the rounded
// total: every part is within one unit of its exact value, and the column adds up.
func roundTogether(list []*exact, scale int, of func(*exact) decimal.Decimal) rounded {
	var r rounded
	r.parts = make([]decimal.Decimal, len(list))
	// A remainder is under one unit, so at the decimal type's 19 places it is an
	// integer below 10^19: sorting those integers is a tenth of sorting decimals.
	type rem struct {
		i int
		r uint64
	}
	rems := make([]rem, len(list))
	floorSum := decimal.Zero
	for i, e := range list {
		v := of(e)
		r.exact, _ = r.exact.Add(v)
		f := v.Floor(scale)
		r.parts[i] = f
		floorSum, _ = floorSum.Add(f)
		d, _ := v.Sub(f)
		rems[i] = rem{i, d.Coef() * pow10[decimal.MaxScale-d.Scale()]}
	}
	r.total = r.exact.Round(scale)
	unit := decimal.MustNew(1, scale)
	left, _ := r.total.Sub(floorSum)
	if left.IsPos() {
		// Equal remainders are common (the SQL path sums to 6 decimals): the odd cent
		// goes to the group whose key sorts first, so the answer does not depend on
		// the order the groups arrived in (the SQL's is unspecified).
		slices.SortFunc(rems, func(a, b rem) int {
			return cmp.Or(cmp.Compare(b.r, a.r), strings.Compare(list[a.i].key, list[b.i].key), cmp.Compare(a.i, b.i))
		})
	}
	for k := 0; left.IsPos() && k < len(rems); k++ {
		r.parts[rems[k].i], _ = r.parts[rems[k].i].Add(unit)
		left, _ = left.Sub(unit)
	}
	for i := range r.parts {
		r.parts[i] = r.parts[i].Pad(scale)
	}
	r.total = r.total.Pad(scale)
	return r
}
