package book

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/govalues/decimal"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"cartera/internal/platform/civil"
)

// The country book sums the book per country, fund and currency, and counts each
// country's partners per fund and over all funds (fund 0): the exposure by country
// reads a few hundred ranges instead of thousands. It is derived from the book and the
// partners' countries: a write to a key rewrites its country's ranges from the first
// date the key changed, and a partner moving country marks both countries stale.

// beginning stands for "from the first range" when a country is derived whole.
var beginning = civil.Date(1, 1, 1)

// keyRange is a stored book range with its key.
type keyRange struct {
	key Key
	Range
}

type fundCurrency struct {
	fund     int64
	currency string
}

type partnerFund struct{ partner, fund int64 }

// countryRanges are a country's ranges from a date on.
type countryRanges struct {
	amounts  map[fundCurrency][]Range
	partners map[int64][]Range // Loans holds the count of partners
}

// sweepCountry sums a country's book ranges open on or after from into its country
// ranges from that date.
func sweepCountry(rs []keyRange, from time.Time) (countryRanges, error) {
	type change struct {
		on   time.Time
		sign int
		r    *keyRange
	}
	changes := make([]change, 0, 2*len(rs))
	for i := range rs {
		r := &rs[i]
		start := r.From
		if start.Before(from) {
			start = from
		}
		changes = append(changes, change{start, 1, r})
		if !r.To.IsZero() {
			changes = append(changes, change{r.To, -1, r})
		}
	}
	sort.SliceStable(changes, func(i, j int) bool { return changes[i].on.Before(changes[j].on) })
	out := countryRanges{amounts: map[fundCurrency][]Range{}, partners: map[int64][]Range{}}
	sums := map[fundCurrency]*Range{}
	live := map[partnerFund]int{} // open ranges per partner and fund (fund 0: any)
	counts := map[int64]int{}     // partners per fund (0: any)
	var err error
	for i := 0; i < len(changes); {
		on := changes[i].on
		touched := map[fundCurrency]bool{}
		funds := map[int64]bool{}
		for ; i < len(changes) && changes[i].on.Equal(on); i++ {
			c := changes[i]
			g := fundCurrency{c.r.key.FundID, c.r.key.Currency}
			sum := sums[g]
			if sum == nil {
				sum = &Range{}
				sums[g] = sum
			}
			apply := func(total *decimal.Decimal, v decimal.Decimal) {
				if c.sign > 0 {
					*total, err = total.Add(v)
				} else if err == nil {
					*total, err = total.Sub(v)
				}
			}
			apply(&sum.Outstanding, c.r.Outstanding)
			apply(&sum.Undisbursed, c.r.Undisbursed)
			apply(&sum.Overdue, c.r.Overdue)
			apply(&sum.PAR30, c.r.PAR30)
			apply(&sum.Restructured, c.r.Restructured)
			if err != nil {
				return out, fmt.Errorf("country book: %w", err)
			}
			sum.Loans += c.sign * c.r.Loans
			touched[g] = true
			for _, f := range []int64{c.r.key.FundID, 0} {
				pf := partnerFund{c.r.key.PartnerID, f}
				before := live[pf]
				live[pf] += c.sign
				if (before == 0) != (live[pf] == 0) {
					counts[f] += c.sign
					funds[f] = true
				}
			}
		}
		for g := range touched {
			out.amounts[g] = extend(out.amounts[g], on, *sums[g])
		}
		for f := range funds {
			out.partners[f] = extend(out.partners[f], on, Range{Loans: counts[f]})
		}
	}
	return out, nil
}

// extend continues a group's ranges with its figures from on: the open range ends
// there unless the figures are the same, and nothing is open while nothing counts.
func extend(rs []Range, on time.Time, figures Range) []Range {
	n := len(rs)
	open := n > 0 && rs[n-1].To.IsZero()
	if open && figures.Loans > 0 && rs[n-1].sameFigures(figures) {
		return rs
	}
	if open {
		rs[n-1].To = on
	}
	if figures.Loans > 0 {
		figures.From, figures.To = on, time.Time{}
		rs = append(rs, figures)
	}
	return rs
}

// refreshCountries rewrites each country's ranges from its date on, from the book as
// it is in tx. Countries are locked in order (after any key locks), so that two writes
// in one country are summed one after the other.
func (s *Store) refreshCountries(ctx context.Context, tx *sqlx.Tx, from map[string]time.Time) error {
	countries := make([]string, 0, len(from))
	var whole []string
	for c, since := range from {
		countries = append(countries, c)
		if since.Equal(beginning) {
			whole = append(whole, c)
		}
	}
	sort.Strings(countries)
	for _, country := range countries {
		if _, err := tx.StmtxContext(ctx, s.q.LockCountry).ExecContext(ctx, country); err != nil {
			return fmt.Errorf("lock country book %s: %w", country, err)
		}
	}
	// Countries derived whole (a load, a rebuild, a move) are read in one scan of the
	// book; the others, a write's, from the ranges still open at their date.
	all := map[string][]keyRange{}
	if len(whole) > 0 {
		var err error
		if all, err = s.rangesOf(ctx, tx, whole); err != nil {
			return err
		}
	}
	for _, country := range countries {
		since := from[country]
		rs, ok := all[country]
		if !since.Equal(beginning) || !ok {
			var err error
			if rs, err = s.openRanges(ctx, tx, country, since); err != nil {
				return err
			}
		}
		cr, err := sweepCountry(rs, since)
		if err != nil {
			return err
		}
		if err := s.writeCountry(ctx, tx, country, since, cr); err != nil {
			return err
		}
	}
	return nil
}

// rangesOf reads every book range of the countries' partners, by country.
func (s *Store) rangesOf(ctx context.Context, tx *sqlx.Tx, countries []string) (map[string][]keyRange, error) {
	rows, err := tx.StmtxContext(ctx, s.q.CountriesRanges).QueryContext(ctx, pq.Array(countries))
	if err != nil {
		return nil, fmt.Errorf("book of %d countries: %w", len(countries), err)
	}
	defer rows.Close()
	out := map[string][]keyRange{}
	for rows.Next() {
		var country string
		var r keyRange
		var to *time.Time
		if err := rows.Scan(&country, &r.key.PartnerID, &r.key.FundID, &r.key.Currency, &r.From, &to, &r.Outstanding, &r.Undisbursed,
			&r.Overdue, &r.PAR30, &r.Restructured, &r.Loans); err != nil {
			return nil, fmt.Errorf("book of %d countries: %w", len(countries), err)
		}
		r.From = civil.Of(r.From)
		if to != nil {
			r.To = civil.Of(*to)
		}
		out[country] = append(out[country], r)
	}
	return out, rows.Err()
}

func (s *Store) openRanges(ctx context.Context, tx *sqlx.Tx, country string, since time.Time) ([]keyRange, error) {
	rows, err := tx.StmtxContext(ctx, s.q.CountryRanges).QueryContext(ctx, country, since)
	if err != nil {
		return nil, fmt.Errorf("book of %s: %w", country, err)
	}
	defer rows.Close()
	var rs []keyRange
	for rows.Next() {
		var r keyRange
		var to *time.Time
		if err := rows.Scan(&r.key.PartnerID, &r.key.FundID, &r.key.Currency, &r.From, &to, &r.Outstanding, &r.Undisbursed,
			&r.Overdue, &r.PAR30, &r.Restructured, &r.Loans); err != nil {
			return nil, fmt.Errorf("book of %s: %w", country, err)
		}
		r.From = civil.Of(r.From)
		if to != nil {
			r.To = civil.Of(*to)
		}
		rs = append(rs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("book of %s: %w", country, err)
	}
	return rs, nil
}

func (s *Store) writeCountry(ctx context.Context, tx *sqlx.Tx, country string, since time.Time, cr countryRanges) error {
	date := civil.Format(since)
	if _, err := tx.StmtxContext(ctx, s.q.CutCountry).ExecContext(ctx, country, date); err != nil {
		return fmt.Errorf("rewrite country book %s: %w", country, err)
	}
	if _, err := tx.StmtxContext(ctx, s.q.CutPartners).ExecContext(ctx, country, date); err != nil {
		return fmt.Errorf("rewrite country book %s: %w", country, err)
	}
	var funds []int64
	var currencies []string
	var froms, tos []*string
	cols := make([][]string, 5)
	var loans []int64
	for g, rs := range cr.amounts {
		for _, r := range rs {
			funds, currencies = append(funds, g.fund), append(currencies, g.currency)
			f, t := dates(r)
			froms, tos = append(froms, f), append(tos, t)
			for i, v := range []decimal.Decimal{r.Outstanding, r.Undisbursed, r.Overdue, r.PAR30, r.Restructured} {
				cols[i] = append(cols[i], v.String())
			}
			loans = append(loans, int64(r.Loans))
		}
	}
	if len(funds) > 0 {
		if _, err := tx.StmtxContext(ctx, s.q.InsertCountry).ExecContext(ctx, country, pq.Array(funds), pq.Array(currencies),
			pq.Array(froms), pq.Array(tos), pq.Array(cols[0]), pq.Array(cols[1]), pq.Array(cols[2]), pq.Array(cols[3]),
			pq.Array(cols[4]), pq.Array(loans)); err != nil {
			return fmt.Errorf("rewrite country book %s: %w", country, err)
		}
	}
	funds, froms, tos, loans = nil, nil, nil, nil
	for f, rs := range cr.partners {
		for _, r := range rs {
			funds = append(funds, f)
			a, b := dates(r)
			froms, tos = append(froms, a), append(tos, b)
			loans = append(loans, int64(r.Loans))
		}
	}
	if len(funds) > 0 {
		if _, err := tx.StmtxContext(ctx, s.q.InsertPartners).ExecContext(ctx, country, pq.Array(funds), pq.Array(froms),
			pq.Array(tos), pq.Array(loans)); err != nil {
			return fmt.Errorf("rewrite country book %s: %w", country, err)
		}
	}
	return nil
}

// dates are a range's bounds as SQL array elements (no end: NULL).
func dates(r Range) (from, to *string) {
	f := civil.Format(r.From)
	if r.To.IsZero() {
		return &f, nil
	}
	t := civil.Format(r.To)
	return &f, &t
}

// countriesOf maps partners to their countries.
func (s *Store) countriesOf(ctx context.Context, tx *sqlx.Tx, partners []int64) (map[int64]string, error) {
	rows, err := tx.StmtxContext(ctx, s.q.PartnerCountries).QueryContext(ctx, pq.Array(partners))
	if err != nil {
		return nil, fmt.Errorf("partners' countries: %w", err)
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var c string
		if err := rows.Scan(&id, &c); err != nil {
			return nil, fmt.Errorf("partners' countries: %w", err)
		}
		out[id] = c
	}
	return out, rows.Err()
}

// FreshenCountries derives again the countries a partner moved out of or into.
func (s *Store) FreshenCountries(ctx context.Context) error {
	tx, err := s.conn.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("country book: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit, a no-op
	var countries []string
	if err := tx.StmtxContext(ctx, s.q.TakeStale).SelectContext(ctx, &countries); err != nil {
		return fmt.Errorf("country book: %w", err)
	}
	from := map[string]time.Time{}
	for _, c := range countries {
		from[c] = beginning
	}
	if err := s.refreshCountries(ctx, tx, from); err != nil {
		return err
	}
	return tx.Commit()
}
