package statements

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/govalues/decimal"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"cartera/internal/audit"
	"cartera/internal/kpi"
	"cartera/internal/partner"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/civil"
	"cartera/internal/platform/db"
)

// Rates converts between currencies at a date or over a period; *fx.Service is one.
type Rates interface {
	RateOn(ctx context.Context, currency string, on time.Time) (decimal.Decimal, error)
	AverageRate(ctx context.Context, currency string, from, to time.Time) (decimal.Decimal, error)
}

// Service stores financial reports and derives ratios, peer tables and exports from
// them. Every write is one transaction with its audit entries.
type Service struct {
	conn     *sqlx.DB
	audit    *audit.Log
	partners *partner.Service
	rates    Rates
	clock    civil.Clock
	recent   recentQueries
	years    yearQueries
	gate     *importGate // imports under way, at most maxImports
	// afterWrite is told, in the writing transaction, of every partner whose periods a
	// write changed (nil: nobody listens). The covenants' store sets it at wiring: it
	// depends on this package, not this package on it.
	afterWrite AfterWrite
	// peerVersions and peerGroups keep peer groups in memory while the statements,
	// partners and rates they are computed from are unchanged (peers.go).
	peerVersions *db.Versions
	peerGroups   *db.Kept[groupKey, *peerGroup]
	q            struct {
		List       *sqlx.Stmt `query:"list-reports"`
		Get        *sqlx.Stmt `query:"get-report"`
		Lock       *sqlx.Stmt `query:"lock-partners"`
		OfPartners *sqlx.Stmt `query:"reports-of-partners"`
		Window     *sqlx.Stmt `query:"reports-in-window"`
		Earlier    *sqlx.Stmt `query:"earlier-stocks"`
		Upsert     *sqlx.Stmt `query:"upsert-reports"`
		Delete     *sqlx.Stmt `query:"delete-report"`
	}
}

// NewService prepares the report queries.
func NewService(ctx context.Context, conn *sqlx.DB, log *audit.Log, partners *partner.Service, rates Rates, clock civil.Clock) (*Service, error) {
	s := &Service{conn: conn, audit: log, partners: partners, rates: rates, clock: clock, gate: newImportGate(maxImports)}
	if err := db.PrepareQueries(ctx, conn, "statements.sql", &s.q); err != nil {
		return nil, err
	}
	if err := db.PrepareQueries(ctx, conn, "statements_recent.sql", &s.recent); err != nil {
		return nil, err
	}
	if err := db.PrepareQueries(ctx, conn, "statements_years.sql", &s.years); err != nil {
		return nil, err
	}
	s.peerGroups = db.NewKept[groupKey](maxKeptMembers, func(g *peerGroup) int { return len(g.members) + 1 })
	var err error
	if s.peerVersions, err = db.NewVersions(ctx, conn, peerTables...); err != nil {
		return nil, err
	}
	return s, nil
}

// PartnerPeriods are one partner's reports after a write, oldest first, and the
// earliest period end the write created, replaced or deleted: periods from From on
// may have changed, and so may the averaged and growth ratios of later ones.
type PartnerPeriods struct {
	PartnerID int64
	Reports   []kpi.Statement
	From      time.Time
}

// AfterWrite runs in the transaction of every write of reports (Put, Delete, an
// import), with each partner touched; an error rolls the write back.
type AfterWrite func(ctx context.Context, tx *sqlx.Tx, written []PartnerPeriods) error

// SetAfterWrite sets the hook every write of reports calls; set it at wiring, before
// serving.
func (s *Service) SetAfterWrite(h AfterWrite) { s.afterWrite = h }

// LockReports takes, in tx, the lock every write of the partners' reports takes
// first (a write of their reports waits for tx, and tx for it). A caller that locks
// rows a write of reports goes on to lock (covenants, breaches) takes this lock
// before them, in the write's order, so the two cannot deadlock.
func (s *Service) LockReports(ctx context.Context, tx *sqlx.Tx, partnerIDs []int64) error {
	ids := append([]int64(nil), partnerIDs...)
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	if _, err := tx.StmtxContext(ctx, s.q.Lock).ExecContext(ctx, pq.Int64Array(ids)); err != nil {
		return fmt.Errorf("lock the reports of %d partners: %w", len(ids), err)
	}
	return nil
}

// ReportsForUpdate locks the reports of the partners (as a write does: a write of
// their reports waits for tx) and returns them, oldest first per partner.
func (s *Service) ReportsForUpdate(ctx context.Context, tx *sqlx.Tx, partnerIDs []int64) (map[int64][]kpi.Statement, error) {
	if err := s.LockReports(ctx, tx, partnerIDs); err != nil {
		return nil, err
	}
	reports, err := s.scan(ctx, tx.StmtxContext(ctx, s.q.OfPartners), pq.Int64Array(partnerIDs))
	if err != nil {
		return nil, err
	}
	out := make(map[int64][]kpi.Statement, len(partnerIDs))
	for _, r := range reports {
		out[r.PartnerID] = append(out[r.PartnerID], r.Statement)
	}
	return out, nil
}

// notify calls the hook with the partners whose reports write changed: each with
// every report it has after the write (existing, by partner and month, merged with
// what was written, so no second read) and the earliest period end written.
func (s *Service) notify(ctx context.Context, tx *sqlx.Tx, existing []Statement, results []stored) error {
	if s.afterWrite == nil {
		return nil
	}
	touched := map[int64]time.Time{}
	merged := make(map[partnerMonth]kpi.Statement, len(existing)+len(results))
	for _, r := range existing {
		merged[keyOf(r.PartnerID, r.PeriodEnd)] = r.Statement
	}
	for _, r := range results {
		if r.conflict != nil || r.invalid != nil {
			return nil // the caller rolls the whole write back
		}
		if r.outcome != Created && r.outcome != Replaced {
			continue
		}
		id, end := r.report.PartnerID, r.report.PeriodEnd
		merged[keyOf(id, end)] = r.report.Statement
		if from, ok := touched[id]; !ok || end.Before(from) {
			touched[id] = end
		}
	}
	if len(touched) == 0 {
		return nil
	}
	byPartner := make(map[int64][]kpi.Statement, len(touched))
	for k, r := range merged {
		if _, ok := touched[k.partner]; ok {
			byPartner[k.partner] = append(byPartner[k.partner], r)
		}
	}
	written := make([]PartnerPeriods, 0, len(touched))
	for id, from := range touched {
		reports := byPartner[id]
		sort.Slice(reports, func(i, j int) bool { return reports[i].PeriodEnd.Before(reports[j].PeriodEnd) })
		written = append(written, PartnerPeriods{PartnerID: id, Reports: reports, From: from})
	}
	sort.Slice(written, func(i, j int) bool { return written[i].PartnerID < written[j].PartnerID })
	return s.afterWrite(ctx, tx, written)
}

// Outcome is what a write did to one report.
type Outcome string

// The outcomes of a write.
const (
	Created   Outcome = "created"
	Replaced  Outcome = "replaced"
	Unchanged Outcome = "unchanged" // identical to what was stored: nothing written, nothing audited
)

// Put stores a partner's report for its period end, replacing the one stored for the
// same period end. A report stored for another day of the same month is a conflict:
// a partner has one report per month, and the caller must say which day it is.
func (s *Service) Put(ctx context.Context, actor audit.Actor, partnerID int64, r kpi.Statement) (Statement, Outcome, error) {
	Normalize(&r)
	if err := Validate(r, s.clock.Today()); err != nil {
		return Statement{}, "", err
	}
	if _, err := s.partners.Get(ctx, partnerID); err != nil {
		return Statement{}, "", err
	}
	var res stored
	err := db.InTx(ctx, s.conn, func(tx *sqlx.Tx) error {
		results, err := s.store(ctx, tx, actor, []Statement{{PartnerID: partnerID, Statement: r}}, nil)
		if err != nil {
			return err
		}
		res = results[0]
		if res.conflict != nil {
			return apperr.Conflict("period_end", conflictMessage(*res.conflict))
		}
		return nil
	})
	return res.report, res.outcome, err
}

func conflictMessage(stored Statement) string {
	end := stored.PeriodEnd.Format(civil.Layout)
	return fmt.Sprintf("a report for %s is stored with period end %s: a partner has one report per month; "+
		"send it to that date to replace it, or delete it first", stored.PeriodEnd.Format("January 2006"), end)
}

// stored is the result of storing one report: its outcome, or the report of the same
// month, another day, that stopped it.
type stored struct {
	report   Statement
	outcome  Outcome
	conflict *Statement
	invalid  error // the report merged with the figures kept breaks a rule
}

// store writes valid reports in tx, all in one statement: each is compared with what
// is stored for its partner and month, and only new or changed ones are written and
// audited. Reports of one call must be for distinct partner-months. A report clashing
// with one stored for another day of its month is not written; its result says so
// and the caller decides (the whole transaction is normally rolled back).
//
// keep lists figures the caller did not send (columns absent from an imported file):
// a replaced report keeps their stored values, when its currency is unchanged.
func (s *Service) store(ctx context.Context, tx *sqlx.Tx, actor audit.Actor, reports []Statement, keep []kpi.Input) ([]stored, error) {
	ids := partnerIDs(reports)
	if _, err := tx.StmtxContext(ctx, s.q.Lock).ExecContext(ctx, pq.Int64Array(ids)); err != nil {
		return nil, fmt.Errorf("lock the reports of %d partners: %w", len(ids), err)
	}
	existing, err := s.scan(ctx, tx.StmtxContext(ctx, s.q.OfPartners), pq.Int64Array(ids))
	if err != nil {
		return nil, err
	}
	byMonth := make(map[partnerMonth]Statement, len(existing))
	for _, r := range existing {
		byMonth[keyOf(r.PartnerID, r.PeriodEnd)] = r
	}
	results := make([]stored, len(reports))
	var write []int // indexes of reports to write
	for i, r := range reports {
		old, ok := byMonth[keyOf(r.PartnerID, r.PeriodEnd)]
		if ok && old.Currency == r.Currency && len(keep) > 0 {
			for _, in := range keep {
				in.Set(&reports[i].Figures, in.Get(&old.Figures))
			}
			r = reports[i]
			if err := Validate(r.Statement, s.clock.Today()); err != nil {
				results[i].invalid = err
				continue
			}
		}
		switch {
		case !ok:
			results[i].outcome = Created
			write = append(write, i)
		case !old.PeriodEnd.Equal(r.PeriodEnd):
			results[i].conflict = &old
		case old.Months == r.Months && old.Currency == r.Currency && old.Figures.Equal(&r.Figures):
			results[i] = stored{report: old, outcome: Unchanged}
		default:
			results[i].outcome = Replaced
			write = append(write, i)
		}
	}
	// Written and audited in batches: 100,000 reports in one statement held every
	// column's array, every audit document and the driver's encoding of them at
	// once, about 300 MB; writeBatch of them at a time hold a twentieth of it.
	for from := 0; from < len(write); from += writeBatch {
		chunk := write[from:min(from+writeBatch, len(write))]
		if err := s.writeChunk(ctx, tx, actor, reports, chunk, byMonth, results); err != nil {
			return nil, err
		}
	}
	if err := s.notify(ctx, tx, existing, results); err != nil {
		return nil, err
	}
	return results, nil
}

// writeBatch is how many reports one statement writes.
const writeBatch = 5000

// writeChunk writes and audits the reports at the indexes write, noting each
// one's stored version in results.
func (s *Service) writeChunk(ctx context.Context, tx *sqlx.Tx, actor audit.Actor, reports []Statement, write []int,
	byMonth map[partnerMonth]Statement, results []stored) error {
	batch := make([]Statement, len(write))
	for j, i := range write {
		batch[j] = reports[i]
	}
	written, err := s.upsert(ctx, tx, batch)
	if err != nil {
		return err
	}
	changes := make([]audit.Change, len(write))
	for j, i := range write {
		after := reports[i]
		after.ID, after.CreatedAt, after.UpdatedAt = written[j].ID, written[j].CreatedAt, written[j].UpdatedAt
		results[i].report = after
		change := audit.Change{Action: audit.Create, Entity: "financial_report", EntityID: after.ID, After: after}
		if results[i].outcome == Replaced {
			change.Action, change.Before = audit.Update, byMonth[keyOf(after.PartnerID, after.PeriodEnd)]
		}
		changes[j] = change
	}
	return s.audit.RecordAll(ctx, tx, actor, changes)
}

// partnerMonth is the key of a report: one per partner and calendar month.
type partnerMonth struct {
	partner int64
	year    int
	month   time.Month
}

func keyOf(partnerID int64, end time.Time) partnerMonth {
	return partnerMonth{partner: partnerID, year: end.Year(), month: end.Month()}
}

func partnerIDs(reports []Statement) []int64 {
	seen := map[int64]bool{}
	var ids []int64
	for _, r := range reports {
		if !seen[r.PartnerID] {
			seen[r.PartnerID] = true
			ids = append(ids, r.PartnerID)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

// upsert writes reports with one statement, an array per column, and returns each
// one's id and timestamps in the order given.
func (s *Service) upsert(ctx context.Context, tx *sqlx.Tx, reports []Statement) ([]Statement, error) {
	n := len(reports)
	partners, months := make(pq.Int64Array, n), make(pq.Int64Array, n)
	ends, currencies := make(pq.StringArray, n), make(pq.StringArray, n)
	figures := make([]db.NullableText, len(kpi.Inputs))
	for k := range figures {
		figures[k] = make(db.NullableText, n)
	}
	for i, r := range reports {
		partners[i], months[i] = r.PartnerID, int64(r.Months)
		ends[i], currencies[i] = r.PeriodEnd.Format(civil.Layout), r.Currency
		for k, in := range kpi.Inputs {
			if v := in.Get(&r.Figures); v != nil {
				text := v.String()
				figures[k][i] = &text
			}
		}
	}
	args := []any{partners, ends, months, currencies}
	for _, f := range figures {
		args = append(args, f)
	}
	rows, err := tx.StmtxContext(ctx, s.q.Upsert).QueryxContext(ctx, args...)
	if err != nil {
		var pqErr *pq.Error
		if errors.As(err, &pqErr) && pqErr.Constraint == "financial_statements_partner_id_fkey" {
			return nil, apperr.NotFound("a partner of these reports does not exist")
		}
		return nil, db.TranslateError(err, constraints)
	}
	defer rows.Close()
	byKey := make(map[partnerMonth]Statement, n)
	for rows.Next() {
		var r Statement
		if err := rows.Scan(&r.ID, &r.PartnerID, &r.PeriodEnd, &r.CreatedAt, &r.UpdatedAt); err != nil {
			return nil, fmt.Errorf("store reports: %w", err)
		}
		byKey[keyOf(r.PartnerID, r.PeriodEnd)] = r
	}
	if err := rows.Err(); err != nil {
		return nil, db.TranslateError(err, constraints)
	}
	out := make([]Statement, n)
	for i, r := range reports {
		out[i] = byKey[keyOf(r.PartnerID, r.PeriodEnd)]
	}
	return out, nil
}

// constraints name the input field each schema rule guards; the service checks them
// all first, so these are the last line of defence.
var constraints = map[string]db.Constraint{
	"financial_statements_partner_month_key":     {Field: "period_end", Message: "the partner already has a report for this month"},
	"financial_statements_months_check":          {Field: "months", Message: "must be 3, 6 or 12"},
	"financial_statements_currency_check":        {Field: "currency", Message: "must be an ISO 4217 code"},
	"financial_statements_par30_within_glp":      {Field: "par30", Message: "cannot exceed gross_loan_portfolio"},
	"financial_statements_women_within_clients":  {Field: "women_clients", Message: "cannot exceed active_clients"},
	"financial_statements_rural_within_clients":  {Field: "rural_clients", Message: "cannot exceed active_clients"},
	"financial_statements_officers_within_staff": {Field: "loan_officers", Message: "cannot exceed total_staff"},
	"financial_statements_personnel_within_opex": {Field: "personnel_expense", Message: "cannot exceed operating_expense"},
}

// scan runs a report query and reads its rows by column name, so the query's column
// order and kpi.Inputs' need not agree.
func (s *Service) scan(ctx context.Context, st *sqlx.Stmt, args ...any) ([]Statement, error) {
	rows, err := st.QueryxContext(ctx, args...)
	if err != nil {
		return nil, fmt.Errorf("read reports: %w", err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	// One set of destinations for every row: the row is copied out after each scan.
	var cur Statement
	values := make([]decimal.NullDecimal, len(cols))
	dest := make([]any, len(cols))
	inputs := make([]*kpi.Input, len(cols))
	for i, c := range cols {
		switch c {
		case "id":
			dest[i] = &cur.ID
		case "partner_id":
			dest[i] = &cur.PartnerID
		case "period_end":
			dest[i] = &cur.PeriodEnd
		case "months":
			dest[i] = &cur.Months
		case "currency":
			dest[i] = &cur.Currency
		case "created_at":
			dest[i] = &cur.CreatedAt
		case "updated_at":
			dest[i] = &cur.UpdatedAt
		default:
			in, ok := kpi.InputByName(c)
			if !ok {
				return nil, fmt.Errorf("read reports: unknown column %q", c)
			}
			inputs[i], dest[i] = &in, &values[i]
		}
	}
	reports := []Statement{}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("read reports: %w", err)
		}
		r := cur
		r.Figures = kpi.Figures{}
		// One allocation for the row's figures, not one per figure: a peer table reads
		// thousands of rows.
		block := make([]decimal.Decimal, len(cols))
		for i, in := range inputs {
			if in != nil && values[i].Valid {
				block[i] = values[i].Decimal
				in.Set(&r.Figures, &block[i])
			}
		}
		r.PeriodEnd = civil.Of(r.PeriodEnd)
		reports = append(reports, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read reports: %w", err)
	}
	return reports, nil
}

// List returns a partner's reports, oldest first.
func (s *Service) List(ctx context.Context, partnerID int64) ([]Statement, error) {
	if _, err := s.partners.Get(ctx, partnerID); err != nil {
		return nil, err
	}
	return s.scan(ctx, s.q.List, partnerID)
}

// Get returns the partner's report for a period end.
func (s *Service) Get(ctx context.Context, partnerID int64, periodEnd time.Time) (Statement, error) {
	if _, err := s.partners.Get(ctx, partnerID); err != nil {
		return Statement{}, err
	}
	reports, err := s.scan(ctx, s.q.Get, partnerID, periodEnd)
	if err != nil {
		return Statement{}, err
	}
	if len(reports) == 0 {
		return Statement{}, apperr.NotFound("partner %d has no report for the period ending %s", partnerID, periodEnd.Format(civil.Layout))
	}
	return reports[0], nil
}

// Delete removes the partner's report for a period end.
func (s *Service) Delete(ctx context.Context, actor audit.Actor, partnerID int64, periodEnd time.Time) error {
	if _, err := s.partners.Get(ctx, partnerID); err != nil {
		return err
	}
	return db.InTx(ctx, s.conn, func(tx *sqlx.Tx) error {
		if _, err := tx.StmtxContext(ctx, s.q.Lock).ExecContext(ctx, pq.Int64Array{partnerID}); err != nil {
			return fmt.Errorf("lock the reports of partner %d: %w", partnerID, err)
		}
		deleted, err := s.scan(ctx, tx.StmtxContext(ctx, s.q.Delete), partnerID, periodEnd)
		if err != nil {
			return err
		}
		if len(deleted) == 0 {
			return apperr.NotFound("partner %d has no report for the period ending %s", partnerID, periodEnd.Format(civil.Layout))
		}
		if err := s.audit.Record(ctx, tx, actor, audit.Delete, "financial_report", deleted[0].ID, deleted[0], nil); err != nil {
			return err
		}
		if s.afterWrite == nil {
			return nil
		}
		left, err := s.scan(ctx, tx.StmtxContext(ctx, s.q.List), partnerID)
		if err != nil {
			return err
		}
		return s.afterWrite(ctx, tx, []PartnerPeriods{{PartnerID: partnerID, Reports: kpiReports(left), From: periodEnd}})
	})
}

// Series returns a partner's periods with their ratios, oldest first.
func (s *Service) Series(ctx context.Context, partnerID int64) ([]kpi.Period, error) {
	reports, err := s.List(ctx, partnerID)
	if err != nil {
		return nil, err
	}
	return kpi.Compute(kpiReports(reports)), nil
}

func kpiReports(reports []Statement) []kpi.Statement {
	out := make([]kpi.Statement, len(reports))
	for i, r := range reports {
		out[i] = r.Statement
	}
	return out
}
