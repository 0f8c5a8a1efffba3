package book

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"time"

	"github.com/govalues/decimal"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"cartera/internal/loan"
	"cartera/internal/platform/civil"
	"cartera/internal/platform/money"
)

// Key is what the book is kept per: a partner's loans from one fund in one
// currency. Partner attributes (country, legal status) are joined at query time, so a
// partner's change of country needs no rewrite.
type Key struct {
	PartnerID, FundID int64
	Currency          string
}

func (k Key) String() string { return fmt.Sprintf("%d/%d/%s", k.PartnerID, k.FundID, k.Currency) }

// KeyOf is the book key the loan counts under.
func KeyOf(l loan.Loan) Key {
	return Key{PartnerID: l.PartnerID, FundID: l.FundID, Currency: l.Currency}
}

// Range is a key's figures from a date until another (To zero: from then on).
// Restructured is the part of PAR30 that restructured loans hold (loan.Step's).
type Range struct {
	From, To                                 time.Time
	Outstanding, Undisbursed, Overdue, PAR30 decimal.Decimal
	Restructured                             decimal.Decimal
	Loans                                    int
}

func (r Range) sameFigures(o Range) bool {
	return r.Loans == o.Loans && r.Outstanding.Cmp(o.Outstanding) == 0 && r.Undisbursed.Cmp(o.Undisbursed) == 0 &&
		r.Overdue.Cmp(o.Overdue) == 0 && r.PAR30.Cmp(o.PAR30) == 0 && r.Restructured.Cmp(o.Restructured) == 0
}

func (r Range) same(o Range) bool {
	return r.From.Equal(o.From) && r.To.Equal(o.To) && r.sameFigures(o)
}

// Aggregate sums loans' timelines into ranges of constant figures; dates when no loan
// counts are left out.
func Aggregate(timelines [][]loan.Step) (ranges []Range, err error) {
	defer money.RecoverOverflow(&err)
	type change struct {
		on   time.Time
		loan int
		step loan.Step
	}
	var changes []change
	for i, steps := range timelines {
		for _, s := range steps {
			changes = append(changes, change{s.From, i, s})
		}
	}
	sort.SliceStable(changes, func(a, b int) bool { return changes[a].on.Before(changes[b].on) })
	current := make([]loan.Step, len(timelines))
	var sum Range
	for i := 0; i < len(changes); {
		on := changes[i].on
		for ; i < len(changes) && changes[i].on.Equal(on); i++ {
			c := changes[i]
			old := current[c.loan]
			sum.Outstanding = money.MustAdd(money.MustSub(sum.Outstanding, old.Outstanding), c.step.Outstanding)
			sum.Undisbursed = money.MustAdd(money.MustSub(sum.Undisbursed, old.Undisbursed), c.step.Undisbursed)
			sum.Overdue = money.MustAdd(money.MustSub(sum.Overdue, old.Overdue), c.step.Overdue)
			sum.PAR30 = money.MustAdd(money.MustSub(sum.PAR30, old.PAR30), c.step.PAR30)
			sum.Restructured = money.MustAdd(money.MustSub(sum.Restructured, old.Restructured), c.step.Restructured)
			sum.Loans += count(c.step.Open) - count(old.Open)
			current[c.loan] = c.step
		}
		n := len(ranges)
		open := n > 0 && ranges[n-1].To.IsZero()
		if open && sum.Loans > 0 && ranges[n-1].sameFigures(sum) {
			continue
		}
		if open {
			ranges[n-1].To = on
		}
		if sum.Loans > 0 {
			r := sum
			r.From = on
			ranges = append(ranges, r)
		}
	}
	return ranges, nil
}

func count(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Refresh derives the ranges of keys from their loans' histories and writes what
// changed, inside the write's transaction: the book is never out of step with the
// ledger. Keys are locked in order, so writes to two keys at once cannot deadlock.
func (s *Store) Refresh(ctx context.Context, tx *sqlx.Tx, keys ...Key) error {
	sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
	changed := map[int64]time.Time{} // partner: the first date one of its keys changed
	for i, k := range keys {
		if i > 0 && k == keys[i-1] {
			continue
		}
		if _, err := tx.StmtxContext(ctx, s.q.LockKey).ExecContext(ctx, k.String()); err != nil {
			return fmt.Errorf("lock book %s: %w", k, err)
		}
		ranges, err := s.deriveKey(ctx, tx, k)
		if err != nil {
			return err
		}
		since, ok, err := s.writeKey(ctx, tx, k, ranges)
		if err != nil {
			return err
		}
		if first, seen := changed[k.PartnerID]; ok && (!seen || since.Before(first)) {
			changed[k.PartnerID] = since
		}
	}
	return s.refreshCountriesOf(ctx, tx, changed)
}

// refreshCountriesOf rewrites the country ranges of partners whose book changed, each
// country from the first date one of its partners changed.
func (s *Store) refreshCountriesOf(ctx context.Context, tx *sqlx.Tx, changed map[int64]time.Time) error {
	if len(changed) == 0 {
		return nil
	}
	partners := make([]int64, 0, len(changed))
	for p := range changed {
		partners = append(partners, p)
	}
	countries, err := s.countriesOf(ctx, tx, partners)
	if err != nil {
		return err
	}
	from := map[string]time.Time{}
	for p, since := range changed {
		c := countries[p]
		if first, seen := from[c]; !seen || since.Before(first) {
			from[c] = since
		}
	}
	return s.refreshCountries(ctx, tx, from)
}

// deriveKey replays the key's loans as they are in tx.
func (s *Store) deriveKey(ctx context.Context, tx *sqlx.Tx, k Key) ([]Range, error) {
	var loans []loan.Loan
	if err := tx.StmtxContext(ctx, s.q.KeyLoans).SelectContext(ctx, &loans, k.PartnerID, k.FundID, k.Currency); err != nil {
		return nil, fmt.Errorf("loans of book %s: %w", k, err)
	}
	ids := make([]int64, len(loans))
	for i, l := range loans {
		ids[i] = l.ID
	}
	txs, err := scanTransactions(ctx, tx.StmtxContext(ctx, s.q.LoansTxs), pq.Array(ids))
	if err != nil {
		return nil, err
	}
	var rs []loan.Rescheduling
	if err := tx.StmtxContext(ctx, s.q.LoansResched).SelectContext(ctx, &rs, pq.Array(ids)); err != nil {
		return nil, fmt.Errorf("reschedulings of book %s: %w", k, err)
	}
	txByLoan, rsByLoan := loan.ByLoan(txs, rs)
	timelines := make([][]loan.Step, len(loans))
	for i, l := range loans {
		l = loan.Normalize(l)
		if timelines[i], err = loan.Timeline(l.Terms(), loan.Events(txByLoan[l.ID], rsByLoan[l.ID])); err != nil {
			return nil, fmt.Errorf("timeline of loan %d: %w", l.ID, err)
		}
	}
	return Aggregate(timelines)
}

// storedRange is a row of loan_book.
type storedRange struct {
	From        time.Time       `db:"from_on"`
	To          *time.Time      `db:"to_on"`
	Outstanding decimal.Decimal `db:"outstanding"`
	Undisbursed decimal.Decimal `db:"undisbursed"`
	Overdue     decimal.Decimal `db:"overdue"`
	PAR30       decimal.Decimal `db:"par30"`
	// Restructured is stored from migration 00021 on.
	Restructured decimal.Decimal `db:"restructured"`
	Loans        int             `db:"loans"`
}

// writeKey replaces the key's stored ranges by ranges, writing only those that
// differ: a repayment today changes a range or two, not the key's history. It returns
// the first date whose figures changed (ok false: none did).
func (s *Store) writeKey(ctx context.Context, tx *sqlx.Tx, k Key, ranges []Range) (since time.Time, ok bool, err error) {
	var stored []storedRange
	if err := tx.StmtxContext(ctx, s.q.KeyRanges).SelectContext(ctx, &stored, k.PartnerID, k.FundID, k.Currency); err != nil {
		return since, false, fmt.Errorf("book %s: %w", k, err)
	}
	note := func(d time.Time) {
		if !ok || d.Before(since) {
			since, ok = d, true
		}
	}
	kept := map[time.Time]bool{}
	want := map[time.Time]Range{}
	for _, r := range ranges {
		want[r.From] = r
	}
	var gone []string
	for _, st := range stored {
		r := Range{From: civil.Of(st.From), Outstanding: st.Outstanding, Undisbursed: st.Undisbursed, Overdue: st.Overdue,
			PAR30: st.PAR30, Restructured: st.Restructured, Loans: st.Loans}
		if st.To != nil {
			r.To = civil.Of(*st.To)
		}
		if w, ok := want[r.From]; ok && w.same(r) {
			kept[r.From] = true
			continue
		}
		gone = append(gone, civil.Format(r.From))
		note(r.From)
	}
	if len(gone) > 0 {
		if _, err := tx.StmtxContext(ctx, s.q.DeleteRanges).ExecContext(ctx, k.PartnerID, k.FundID, k.Currency, pq.Array(gone)); err != nil {
			return since, ok, fmt.Errorf("rewrite book %s: %w", k, err)
		}
	}
	var from, to []sql.NullString
	cols := make([][]string, 5)
	var loans []int64
	for _, r := range ranges {
		if kept[r.From] {
			continue
		}
		note(r.From)
		from = append(from, sql.NullString{String: civil.Format(r.From), Valid: true})
		to = append(to, sql.NullString{String: civil.Format(r.To), Valid: !r.To.IsZero()})
		for i, v := range []decimal.Decimal{r.Outstanding, r.Undisbursed, r.Overdue, r.PAR30, r.Restructured} {
			cols[i] = append(cols[i], v.String())
		}
		loans = append(loans, int64(r.Loans))
	}
	if len(from) == 0 {
		return since, ok, nil
	}
	if _, err := tx.StmtxContext(ctx, s.q.InsertRanges).ExecContext(ctx, k.PartnerID, k.FundID, k.Currency,
		pq.Array(from), pq.Array(to), pq.Array(cols[0]), pq.Array(cols[1]), pq.Array(cols[2]), pq.Array(cols[3]),
		pq.Array(cols[4]), pq.Array(loans)); err != nil {
		return since, ok, fmt.Errorf("rewrite book %s: %w", k, err)
	}
	return since, ok, nil
}

// rebuildIfAsked derives every key's ranges when a migration asked for it (the
// marker row is taken in the same transaction, so one process does it, once).
func (s *Store) rebuildIfAsked(ctx context.Context) error {
	tx, err := s.conn.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("rebuild book: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit, a no-op
	var pending []bool
	if err := tx.StmtxContext(ctx, s.q.TakeRebuild).SelectContext(ctx, &pending); err != nil {
		return fmt.Errorf("rebuild book: %w", err)
	}
	if len(pending) == 0 {
		return nil
	}
	var keys []Key
	rows, err := tx.StmtxContext(ctx, s.q.Keys).QueryContext(ctx)
	if err != nil {
		return fmt.Errorf("rebuild book: %w", err)
	}
	for rows.Next() {
		var k Key
		if err := rows.Scan(&k.PartnerID, &k.FundID, &k.Currency); err != nil {
			rows.Close()
			return fmt.Errorf("rebuild book: %w", err)
		}
		keys = append(keys, k)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("rebuild book: %w", err)
	}
	if err := s.Refresh(ctx, tx, keys...); err != nil {
		return err
	}
	return tx.Commit()
}

// Cut is what At groups by.
type Cut string

// The cuts of the book.
const (
	CutCountry     Cut = "country"
	CutLegalStatus Cut = "legal_status"
	CutPartner     Cut = "partner"
	CutFund        Cut = "fund"
	CutCurrency    Cut = "currency"
)

// Sum is a group's figures in one currency, unconverted.
type Sum struct {
	Key, Currency                            string
	Outstanding, Undisbursed, Overdue, PAR30 decimal.Decimal
	Restructured                             decimal.Decimal // inside PAR30
	Loans                                    int
}

// Totals is the book at a date by a cut: sums per group and currency, and the
// partners of each group and of the whole.
type Totals struct {
	Sums        []Sum
	Partners    map[string]int // by group key
	AllPartners int
}

// At sums the book at a date (of one fund, or all when fundID is nil) by a cut: what
// replaying every loan to the date would give. It reads the ranges holding the date
// (one per key with something out or drawable) and sums them here, exactly, per group
// and currency, counting each group's partners once.
func (s *Store) At(ctx context.Context, asOf time.Time, fundID *int64, cut Cut) (Totals, error) {
	if cut == CutCountry {
		return s.countryAt(ctx, asOf, fundID)
	}
	rows, err := s.q.RangesAt.QueryContext(ctx, civil.Of(asOf), fundID, string(cut))
	if err != nil {
		return Totals{}, fmt.Errorf("book at %s: %w", civil.Format(asOf), err)
	}
	defer rows.Close()
	var t tally
	// The amounts are read as text and parsed here: through database/sql's conversion to
	// a Scanner they took a third of the call (7,211 ranges on the large book).
	var key, currency sql.RawBytes
	var raw [5]sql.RawBytes
	for rows.Next() {
		var r Sum
		var partner, loans int64
		if err := rows.Scan(&key, &partner, &currency, &raw[0], &raw[1], &raw[2], &raw[3], &raw[4], &loans); err != nil {
			return Totals{}, fmt.Errorf("book at %s: %w", civil.Format(asOf), err)
		}
		for i, to := range []*decimal.Decimal{&r.Outstanding, &r.Undisbursed, &r.Overdue, &r.PAR30, &r.Restructured} {
			if err := to.UnmarshalText(raw[i]); err != nil {
				return Totals{}, fmt.Errorf("book at %s: %w", civil.Format(asOf), err)
			}
		}
		r.Loans = int(loans)
		if err := t.add(r, key, currency, partner); err != nil {
			return Totals{}, fmt.Errorf("book at %s: %w", civil.Format(asOf), err)
		}
	}
	if err := rows.Err(); err != nil {
		return Totals{}, fmt.Errorf("book at %s: %w", civil.Format(asOf), err)
	}
	return t.totals(), nil
}

// CurrenciesAt are the currencies the book holds at a date, in no order: those of At's
// sums, without reading the sums (a page that only names them read 7,000 ranges).
func (s *Store) CurrenciesAt(ctx context.Context, asOf time.Time) ([]string, error) {
	var out []string
	if err := s.q.CurrenciesAt.SelectContext(ctx, &out, civil.Of(asOf)); err != nil {
		return nil, fmt.Errorf("book currencies at %s: %w", civil.Format(asOf), err)
	}
	return out, nil
}

// tally sums ranges into a Totals.
type tally struct {
	sums     []Sum
	index    map[string]int // key NUL currency: its place in sums
	partners map[groupPartner]bool
	all      map[int64]bool
	buf      []byte
}

type groupPartner struct {
	key     string
	partner int64
}

// add counts a partner's range r, of key and currency (read as bytes: they become
// strings only for a new group).
func (t *tally) add(r Sum, key, currency []byte, partner int64) error {
	if t.index == nil {
		t.index, t.partners, t.all = map[string]int{}, map[groupPartner]bool{}, map[int64]bool{}
	}
	t.buf = append(append(append(t.buf[:0], key...), 0), currency...)
	i, ok := t.index[string(t.buf)]
	if !ok {
		r.Key, r.Currency = string(key), string(currency)
		i = len(t.sums)
		t.index[string(t.buf)] = i
		t.sums = append(t.sums, r)
		t.partners[groupPartner{r.Key, partner}], t.all[partner] = true, true
		return nil
	}
	t.partners[groupPartner{t.sums[i].Key, partner}], t.all[partner] = true, true
	g := &t.sums[i]
	var err error
	for _, c := range []struct{ to, v *decimal.Decimal }{{&g.Outstanding, &r.Outstanding}, {&g.Undisbursed, &r.Undisbursed},
		{&g.Overdue, &r.Overdue}, {&g.PAR30, &r.PAR30}, {&g.Restructured, &r.Restructured}} {
		if *c.to, err = c.to.Add(*c.v); err != nil {
			return err
		}
	}
	g.Loans += r.Loans
	return nil
}

// totals are the sums by key and currency, in the order the ranges came (readers sort
// what they show: sorting 4,500 sums here cost 2 ms), and the partners of each key and
// of all.
func (t *tally) totals() Totals {
	out := Totals{Sums: t.sums, Partners: map[string]int{}, AllPartners: len(t.all)}
	for gp := range t.partners {
		out.Partners[gp.key]++
	}
	return out
}

// countryAt is At by country, from the country book.
func (s *Store) countryAt(ctx context.Context, asOf time.Time, fundID *int64) (Totals, error) {
	for attempt := 0; ; attempt++ {
		out, stale, err := s.readCountryBook(ctx, asOf, fundID)
		if err != nil || !stale || attempt > 0 {
			return out, err
		}
		if err := s.FreshenCountries(ctx); err != nil {
			return Totals{}, err
		}
	}
}

func (s *Store) readCountryBook(ctx context.Context, asOf time.Time, fundID *int64) (out Totals, stale bool, err error) {
	rows, err := s.q.CountryAt.QueryContext(ctx, civil.Of(asOf), fundID)
	if err != nil {
		return Totals{}, false, fmt.Errorf("book at %s: %w", civil.Format(asOf), err)
	}
	defer rows.Close()
	out = Totals{Partners: map[string]int{}}
	for rows.Next() {
		var b Sum
		var loans int64
		var partners int
		if err := rows.Scan(&b.Key, &b.Currency, &b.Outstanding, &b.Undisbursed, &b.Overdue, &b.PAR30, &b.Restructured, &loans,
			&partners); err != nil {
			return Totals{}, false, fmt.Errorf("book at %s: %w", civil.Format(asOf), err)
		}
		switch {
		case b.Key == "!":
			stale = true
		case b.Currency == "":
			out.Partners[b.Key] = partners
			out.AllPartners += partners // a partner is in one country
		default:
			b.Loans = int(loans)
			out.Sums = append(out.Sums, b)
		}
	}
	if err := rows.Err(); err != nil {
		return Totals{}, false, fmt.Errorf("book at %s: %w", civil.Format(asOf), err)
	}
	return out, stale, nil
}
