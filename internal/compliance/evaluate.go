package compliance

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/govalues/decimal"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"cartera/internal/covenant"
	"cartera/internal/fx"
	"cartera/internal/kpi"
	"cartera/internal/platform/civil"
	"cartera/internal/platform/db"
	"cartera/internal/statements"
)

// AfterWrite evaluates, in the transaction that wrote reports, every live covenant of
// each partner touched on every period from the earliest one written (a corrected
// period feeds the averaged and growth ratios of later ones), then reconciles the
// covenants' breaches. It is statements.AfterWrite: set it with SetAfterWrite.
func (s *Service) AfterWrite(ctx context.Context, tx *sqlx.Tx, written []statements.PartnerPeriods) error {
	b := batch{reports: make(map[int64][]kpi.Statement, len(written)), from: make(map[int64]time.Time, len(written))}
	ids := make([]int64, len(written))
	for i, w := range written {
		ids[i] = w.PartnerID
		b.reports[w.PartnerID], b.from[w.PartnerID] = w.Reports, civil.Of(w.From)
	}
	if err := tx.StmtxContext(ctx, s.q.ToEvaluate).SelectContext(ctx, &b.covs, pq.Int64Array(ids)); err != nil {
		return fmt.Errorf("read the covenants of %d partners: %w", len(ids), err)
	}
	return s.run(ctx, tx, b)
}

// ReportingChanged evaluates the partner's live covenants on all its periods in the
// transaction that changed its reporting obligation: the periods overdue are others.
// It is partner.ReportingChanged: set it with SetReportingChanged.
func (s *Service) ReportingChanged(ctx context.Context, tx *sqlx.Tx, partnerID int64) error {
	return s.evaluateFrom(ctx, tx, []int64{partnerID}, nil)
}

// EvaluatePartners evaluates every live covenant of the partners on all their
// periods in tx, in one pass with bulk statements: the demo's large book calls it
// after loading.
func (s *Service) EvaluatePartners(ctx context.Context, tx *sqlx.Tx, partnerIDs []int64) error {
	return s.evaluateFrom(ctx, tx, partnerIDs, nil)
}

// evaluateFrom evaluates the partners' live covenants from each partner's period in
// from (absent: every period). The partners' reports are locked before their
// covenants, in the order of a write of reports and of Update and End.
func (s *Service) evaluateFrom(ctx context.Context, tx *sqlx.Tx, partnerIDs []int64, from map[int64]time.Time) error {
	if len(partnerIDs) == 0 {
		return nil
	}
	if err := s.reports.LockReports(ctx, tx, partnerIDs); err != nil {
		return err
	}
	var b batch
	if err := tx.StmtxContext(ctx, s.q.ToEvaluate).SelectContext(ctx, &b.covs, pq.Int64Array(partnerIDs)); err != nil {
		return fmt.Errorf("read the covenants of %d partners: %w", len(partnerIDs), err)
	}
	if len(b.covs) == 0 {
		return nil
	}
	var err error
	if b.reports, err = s.reports.ReportsForUpdate(ctx, tx, partnerIDs); err != nil {
		return err
	}
	b.from = from
	return s.run(ctx, tx, b)
}

// evaluateCovenants evaluates these covenants (of live loans) on every period: a
// covenant created or changed.
func (s *Service) evaluateCovenants(ctx context.Context, tx *sqlx.Tx, covs []Covenant) error {
	b := batch{}
	var ids []int64
	for _, c := range covs {
		if c.EndedAt == nil {
			b.covs = append(b.covs, c)
			ids = append(ids, c.PartnerID)
		}
	}
	if len(b.covs) == 0 {
		return nil
	}
	var err error
	if b.reports, err = s.reports.ReportsForUpdate(ctx, tx, ids); err != nil {
		return err
	}
	return s.run(ctx, tx, b)
}

// batch is one evaluation: covenants, their partners' reports, and from which period
// end each partner's results are replaced (zero: all).
type batch struct {
	covs    []Covenant
	reports map[int64][]kpi.Statement
	from    map[int64]time.Time
}

// resultRows are covenant results as columns, for one bulk statement.
type resultRows struct {
	fromCov                  pq.Int64Array
	fromEnd                  pq.StringArray
	cov                      pq.Int64Array
	ends, statuses           pq.StringArray
	values, thresholds, miss db.NullableText
}

func (r *resultRows) add(covID int64, res covenant.Result, threshold decimal.Decimal) {
	r.cov = append(r.cov, covID)
	r.ends = append(r.ends, civil.Format(res.PeriodEnd))
	r.statuses = append(r.statuses, string(res.Status))
	t := threshold.String()
	r.thresholds = append(r.thresholds, &t)
	if res.Value != nil {
		v := res.Value.String()
		r.values, r.miss = append(r.values, &v), append(r.miss, nil)
		return
	}
	m := res.Missing
	r.values, r.miss = append(r.values, nil), append(r.miss, &m)
}

// run computes each covenant's results, stores them from each partner's first period
// on, and reconciles the breaches.
func (s *Service) run(ctx context.Context, tx *sqlx.Tx, b batch) error {
	if len(b.covs) == 0 {
		return nil
	}
	obligations, err := s.obligations(ctx, tx, b.covs)
	if err != nil {
		return err
	}
	today, now := s.clock.Today(), s.clock.Now()
	conv := &converter{ctx: ctx, rates: s.rates, memo: map[convKey]convResult{}}
	periods := map[int64]*partnerPeriods{}
	var rows resultRows
	for _, c := range b.covs {
		ps, ok := periods[c.PartnerID]
		if !ok {
			ps = &partnerPeriods{reports: b.reports[c.PartnerID], computed: map[time.Time]kpi.Period{}}
			periods[c.PartnerID] = ps
		}
		from := b.from[c.PartnerID]
		rows.fromCov = append(rows.fromCov, c.ID)
		rows.fromEnd = append(rows.fromEnd, civil.Format(from))
		covenantResults(c, ps, from, obligations[c.PartnerID], today, conv, &rows)
	}
	if conv.err != nil {
		return fmt.Errorf("convert a covenant threshold: %w", conv.err)
	}
	if err := s.storeResults(ctx, tx, &rows, now); err != nil {
		return err
	}
	breached := map[int64]bool{}
	for i, st := range rows.statuses {
		if st == string(covenant.Breached) {
			breached[rows.cov[i]] = true
		}
	}
	return s.reconcile(ctx, tx, b.covs, breached, now)
}

// storeResults replaces the covenants' results from each one's first period on; when
// none is stored from there (new periods), a plain insert does (measured in the
// 10,000-row import: the upsert's 265 ms against 190 ms).
func (s *Service) storeResults(ctx context.Context, tx *sqlx.Tx, rows *resultRows, now time.Time) error {
	var stored bool
	if err := tx.StmtxContext(ctx, s.q.AnyResults).GetContext(ctx, &stored, rows.fromCov, rows.fromEnd); err != nil {
		return fmt.Errorf("read the covenants' stored results: %w", err)
	}
	var err error
	if stored {
		_, err = tx.StmtxContext(ctx, s.q.StoreResults).ExecContext(ctx, rows.fromCov, rows.fromEnd, rows.cov, rows.ends,
			rows.statuses, rows.values, rows.thresholds, rows.miss, now)
	} else {
		_, err = tx.StmtxContext(ctx, s.q.InsertResults).ExecContext(ctx, rows.cov, rows.ends,
			rows.statuses, rows.values, rows.thresholds, rows.miss, now)
	}
	if err != nil {
		return fmt.Errorf("store %d covenant results: %w", len(rows.cov), err)
	}
	return nil
}

// covenantResults adds the covenant's results on the periods from `from` on: each
// stored period it tests, and each period the partner's reporting obligation says is
// overdue (not testable: the report has not arrived).
func covenantResults(c Covenant, ps *partnerPeriods, from time.Time, ob *covenant.Obligation, today time.Time, conv *converter, rows *resultRows) {
	t := c.Terms()
	reported := make([]time.Time, len(ps.reports))
	for i, r := range ps.reports {
		end := civil.Of(r.PeriodEnd)
		reported[i] = end
		if end.Before(from) || !t.Applies(end) {
			continue
		}
		p := ps.period(i, t.Metric.Ratio)
		threshold, missing := conv.threshold(t, p.Currency, end)
		if missing != "" {
			rows.add(c.ID, covenant.Result{PeriodEnd: end, Status: covenant.NotTestable, Missing: missing}, t.Threshold)
			continue
		}
		v, miss := covenant.Value(t.Metric, p)
		rows.add(c.ID, covenant.Evaluate(t, end, v, miss, threshold), threshold)
	}
	if ob == nil {
		return
	}
	for _, late := range ob.Overdue(reported, today) {
		if late.PeriodEnd.Before(from) || !t.Applies(late.PeriodEnd) {
			continue
		}
		rows.add(c.ID, covenant.Result{PeriodEnd: late.PeriodEnd, Status: covenant.NotTestable, Missing: LateMessage(late)}, t.Threshold)
	}
}

// partnerPeriods are a partner's reports, oldest first, and the ratios of the periods
// computed so far: only the periods a covenant tests from the first one written are
// (an import adding a quarter to years of history computes one period, not all).
type partnerPeriods struct {
	reports  []kpi.Statement
	computed map[time.Time]kpi.Period
}

// period is report i as a period, with its ratios when withRatios (a raw figure's
// covenant reads the figures alone).
func (ps *partnerPeriods) period(i int, withRatios bool) kpi.Period {
	r := ps.reports[i]
	if !withRatios {
		return kpi.Period{Statement: r}
	}
	if p, ok := ps.computed[r.PeriodEnd]; ok {
		return p
	}
	p, _ := kpi.PeriodAt(ps.reports, r.PeriodEnd)
	ps.computed[r.PeriodEnd] = p
	return p
}

// LateMessage is what a not-testable result of an overdue period says is missing.
func LateMessage(l covenant.Late) string {
	return fmt.Sprintf("the report for %s was due %s and has not arrived", civil.Format(l.PeriodEnd), civil.Format(l.DueOn))
}

// obligations reads the reporting obligations of the covenants' partners.
func (s *Service) obligations(ctx context.Context, tx *sqlx.Tx, covs []Covenant) (map[int64]*covenant.Obligation, error) {
	seen := map[int64]bool{}
	var ids pq.Int64Array
	for _, c := range covs {
		if !seen[c.PartnerID] {
			seen[c.PartnerID] = true
			ids = append(ids, c.PartnerID)
		}
	}
	var rows []obligationRow
	if err := tx.StmtxContext(ctx, s.q.Obligations).SelectContext(ctx, &rows, ids); err != nil {
		return nil, fmt.Errorf("read reporting obligations: %w", err)
	}
	out := make(map[int64]*covenant.Obligation, len(rows))
	for _, r := range rows {
		out[r.ID] = r.obligation()
	}
	return out, nil
}

type obligationRow struct {
	ID        int64      `db:"id"`
	Frequency *string    `db:"reporting_frequency"`
	From      *time.Time `db:"reporting_from"`
	DueDays   *int       `db:"reporting_due_days"`
}

func (r obligationRow) obligation() *covenant.Obligation {
	if r.Frequency == nil || r.From == nil {
		return nil
	}
	o := &covenant.Obligation{Frequency: covenant.Frequency(*r.Frequency), From: civil.Of(*r.From)}
	if r.DueDays != nil {
		o.DueDays = *r.DueDays
	}
	return o
}

// missingRate starts what a result not testable for want of a rate says: the daily
// sweep evaluates such results again (stale-rate-partners), once the rate is stored.
const missingRate = "no exchange rate"

// converter brings Money thresholds into a report's currency at the period end, each
// conversion read once.
type converter struct {
	ctx   context.Context
	rates Rates
	memo  map[convKey]convResult
	err   error // a failure other than a missing rate: the evaluation fails
}

type convKey struct {
	amount, from, to string
	on               time.Time
}

type convResult struct {
	v       decimal.Decimal
	missing string
}

// threshold is the terms' threshold in currency at the period end, or what is
// missing to convert it.
func (c *converter) threshold(t covenant.Terms, currency string, end time.Time) (decimal.Decimal, string) {
	if t.Metric.Kind != covenant.Money || t.Currency == "" || t.Currency == currency {
		return t.Threshold, ""
	}
	k := convKey{t.Threshold.String(), t.Currency, currency, end}
	if r, ok := c.memo[k]; ok {
		return r.v, r.missing
	}
	v, err := c.rates.Convert(c.ctx, t.Threshold, t.Currency, currency, end)
	r := convResult{v: v}
	if _, missingRate := fx.AsMissingRate(err); err != nil && !missingRate {
		c.err = err
	}
	if err != nil {
		r.v = t.Threshold
		r.missing = fmt.Sprintf(missingRate+" to convert the threshold from %s into %s on %s", t.Currency, currency, civil.Format(end))
	}
	c.memo[k] = r
	return r.v, r.missing
}

// sortedIDs returns the map's keys in order.
func sortedIDs[V any](m map[int64]V) []int64 {
	out := make([]int64, 0, len(m))
	for id := range m {
		out = append(out, id)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
