// Package compliance is the store of covenants: the terms set on a partner or a loan,
// their results per period (tested the moment a partner's figures are written),
// the breaches those results open and close, and waivers decided with four eyes. The
// rules themselves are the pure core's (internal/covenant); this package keeps them.
package compliance

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/govalues/decimal"
	"github.com/jmoiron/sqlx"

	"cartera/internal/audit"
	"cartera/internal/covenant"
	"cartera/internal/kpi"
	"cartera/internal/notify"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/civil"
	"cartera/internal/platform/db"
	"cartera/internal/platform/money"
)

// Rates converts an amount between currencies on a date; *fx.Service is one.
type Rates interface {
	Convert(ctx context.Context, amount decimal.Decimal, from, to string, on time.Time) (decimal.Decimal, error)
}

// Reports reads and locks partners' reports in a transaction; *statements.Service is one.
type Reports interface {
	ReportsForUpdate(ctx context.Context, tx *sqlx.Tx, partnerIDs []int64) (map[int64][]kpi.Statement, error)
	LockReports(ctx context.Context, tx *sqlx.Tx, partnerIDs []int64) error
}

// Service stores covenants and evaluates them.
type Service struct {
	conn    *sqlx.DB
	audit   *audit.Log
	notify  *notify.Service
	reports Reports
	rates   Rates
	clock   civil.Clock
	q       struct {
		Insert        *sqlx.Stmt `query:"insert-covenant"`
		Update        *sqlx.Stmt `query:"update-covenant"`
		End           *sqlx.Stmt `query:"end-covenant"`
		Get           *sqlx.Stmt `query:"get-covenant"`
		List          *sqlx.Stmt `query:"list-covenants"`
		ToEvaluate    *sqlx.Stmt `query:"covenants-to-evaluate"`
		Obligations   *sqlx.Stmt `query:"obligations"`
		LoanOf        *sqlx.Stmt `query:"loan-of"`
		LockLoan      *sqlx.Stmt `query:"lock-loan"`
		LockCovenant  *sqlx.Stmt `query:"lock-covenant"`
		EndBreaches   *sqlx.Stmt `query:"end-breaches"`
		LapseWaivers  *sqlx.Stmt `query:"lapse-waivers"`
		LapseOfCov    *sqlx.Stmt `query:"lapse-covenant-waivers"`
		StaleRates    *sqlx.Stmt `query:"stale-rate-partners"`
		PartnerExists *sqlx.Stmt `query:"partner-exists"`
		StoreResults  *sqlx.Stmt `query:"store-results"`
		AnyResults    *sqlx.Stmt `query:"any-results-from"`
		InsertResults *sqlx.Stmt `query:"insert-results"`
		Results       *sqlx.Stmt `query:"results-of-covenants"`
		Breaches      *sqlx.Stmt `query:"breaches-of-covenants"`
		InsertBreach  *sqlx.Stmt `query:"insert-breaches"`
		UpdateBreach  *sqlx.Stmt `query:"update-breaches"`
		LinkResults   *sqlx.Stmt `query:"link-results"`
		ListResults   *sqlx.Stmt `query:"list-results"`
		ListBreaches  *sqlx.Stmt `query:"list-breaches"`
		PageIDs       *sqlx.Stmt `query:"breach-ids-page"`
		PageIDsLive   *sqlx.Stmt `query:"breach-ids-page-live"`
		PageIDsClosed *sqlx.Stmt `query:"breach-ids-page-closed"`
		CountBreaches *sqlx.Stmt `query:"count-breaches"`
		BreachesByID  *sqlx.Stmt `query:"breaches-by-id"`
		Waivers       *sqlx.Stmt `query:"waivers-of-breaches"`
		LockBreach    *sqlx.Stmt `query:"lock-breach"`
		InsertWaiver  *sqlx.Stmt `query:"insert-waiver"`
		PendingWaiver *sqlx.Stmt `query:"pending-waiver"`
		DecideWaiver  *sqlx.Stmt `query:"decide-waiver"`
		SweepWaivers  *sqlx.Stmt `query:"sweep-waivers"`
		SweepPartners *sqlx.Stmt `query:"sweep-partners"`
		Periods       *sqlx.Stmt `query:"covenant-periods"`
		Load          *sqlx.Stmt `query:"load-covenants"`
		LoadLoans     *sqlx.Stmt `query:"load-covenant-loans"`
	}
}

// NewService prepares the covenant queries.
func NewService(ctx context.Context, conn *sqlx.DB, log *audit.Log, events *notify.Service, reports Reports, rates Rates, clock civil.Clock) (*Service, error) {
	s := &Service{conn: conn, audit: log, notify: events, reports: reports, rates: rates, clock: clock}
	if err := db.PrepareQueries(ctx, conn, "compliance.sql", &s.q); err != nil {
		return nil, err
	}
	return s, nil
}

// Covenant is a stored covenant.
type Covenant struct {
	ID          int64           `db:"id" json:"id"`
	PartnerID   int64           `db:"partner_id" json:"partner_id"`
	PartnerName string          `db:"partner_name" json:"partner_name"`
	LoanID      *int64          `db:"loan_id" json:"loan_id"`
	LoanRef     string          `db:"loan_ref" json:"loan_reference,omitempty"`
	MetricName  string          `db:"metric" json:"metric"`
	Operator    string          `db:"operator" json:"operator"`
	Threshold   decimal.Decimal `db:"threshold" json:"threshold"`
	Currency    string          `db:"currency" json:"currency,omitempty"`
	From        time.Time       `db:"valid_from" json:"from"`
	To          *time.Time      `db:"valid_to" json:"to"`
	Frequency   string          `db:"frequency" json:"frequency"`
	CureDays    int             `db:"cure_days" json:"cure_days"`
	CreatedAt   time.Time       `db:"created_at" json:"created_at"`
	UpdatedAt   time.Time       `db:"updated_at" json:"updated_at"`
	EndedAt     *time.Time      `db:"ended_at" json:"ended_at"`
}

// maxThreshold is the first threshold too large for covenants.threshold, NUMERIC(28,10).
var maxThreshold = decimal.MustNew(1_000_000_000_000_000_000, 0)

// metrics are covenant.Metrics by name, looked up once per covenant evaluated.
var metrics = func() map[string]covenant.Metric {
	out := map[string]covenant.Metric{}
	for _, m := range covenant.Metrics() {
		out[m.Name] = m
	}
	return out
}()

// Terms are the covenant's terms for the pure core.
func (c Covenant) Terms() covenant.Terms {
	m := metrics[c.MetricName]
	t := covenant.Terms{Metric: m, Operator: covenant.Operator(c.Operator), Threshold: c.Threshold, Currency: c.Currency,
		From: civil.Of(c.From), Frequency: covenant.Frequency(c.Frequency), CureDays: c.CureDays}
	if c.To != nil {
		t.To = civil.Of(*c.To)
	}
	return t
}

// Input is a covenant as written: the threshold as people type it ("5 %", "0.05").
// For a PATCH, a nil field keeps the stored value.
type Input struct {
	Metric, Operator, Threshold, Currency, Frequency *string
	From, To                                         *string // YYYY-MM-DD; To "" clears it
	CureDays                                         *int
}

// apply checks in and writes it over c, reporting every field at fault.
func (in Input) apply(c *Covenant) error {
	var bad apperr.Fields
	set := func(p *string, dst *string) {
		if p != nil {
			*dst = strings.TrimSpace(*p)
		}
	}
	set(in.Metric, &c.MetricName)
	set(in.Operator, &c.Operator)
	set(in.Frequency, &c.Frequency)
	set(in.Currency, &c.Currency)
	m, err := covenant.ParseMetric(c.MetricName)
	if err != nil {
		bad.Add("metric", "%s", err.Error())
	} else {
		c.MetricName = m.Name
	}
	if _, err := covenant.ParseOperator(c.Operator); err != nil {
		bad.Add("operator", "%s", err.Error())
	}
	if f, err := covenant.ParseFrequency(c.Frequency); err != nil {
		bad.Add("frequency", "%s", err.Error())
	} else {
		c.Frequency = string(f)
	}
	if in.Threshold != nil && err == nil {
		if d, terr := covenant.ParseThreshold(m, *in.Threshold); terr != nil {
			bad.Add("threshold", "%s", terr.Error())
		} else if d.Abs().Cmp(maxThreshold) >= 0 {
			// covenants.threshold is NUMERIC(28,10): 18 digits before the point
			bad.Add("threshold", "is too large: a threshold has at most 18 digits before the decimal point")
		} else {
			c.Threshold = d
		}
	}
	if err == nil {
		checkCurrency(m, c, &bad)
	}
	checkDates(in, c, &bad)
	if in.CureDays != nil {
		if *in.CureDays < 0 || *in.CureDays > 3650 {
			bad.Add("cure_days", "must be 0 to 3650 days")
		} else {
			c.CureDays = *in.CureDays
		}
	}
	return bad.Err()
}

func checkCurrency(m covenant.Metric, c *Covenant, bad *apperr.Fields) {
	c.Currency = strings.ToUpper(c.Currency)
	switch {
	case m.Kind == covenant.Money && c.Currency == "":
		bad.Add("currency", "is required: %s is an amount, and its threshold needs a currency", m.Name)
	case m.Kind != covenant.Money && c.Currency != "":
		bad.Add("currency", "must be left out: %s is not an amount", m.Name)
	case c.Currency != "" && !validCurrency(c.Currency):
		bad.Add("currency", "%q is not an ISO 4217 currency code", c.Currency)
	}
}

func checkDates(in Input, c *Covenant, bad *apperr.Fields) {
	if in.From != nil {
		if t, err := civil.Parse(*in.From); err != nil {
			bad.Add("from", "must be a date, YYYY-MM-DD")
		} else {
			c.From = t
		}
	}
	if in.To != nil {
		if *in.To == "" {
			c.To = nil
		} else if t, err := civil.Parse(*in.To); err != nil {
			bad.Add("to", "must be a date, YYYY-MM-DD")
		} else {
			c.To = &t
		}
	}
	if c.From.IsZero() && in.From == nil {
		bad.Add("from", "is required")
	}
	if c.To != nil && !c.From.IsZero() && c.To.Before(c.From) {
		bad.Add("from", "%s is after to (%s)", civil.Format(c.From), civil.Format(*c.To))
	}
}

// Create stores a covenant on a partner (loanID 0) or on a loan (partnerID 0: the
// loan's partner), evaluates it on every period from its start, and audits it.
func (s *Service) Create(ctx context.Context, actor audit.Actor, partnerID, loanID int64, in Input) (Covenant, error) {
	c := Covenant{PartnerID: partnerID}
	if in.CureDays == nil {
		zero := 0
		in.CureDays = &zero
	}
	var id int64
	err := db.InTx(ctx, s.conn, func(tx *sqlx.Tx) error {
		// in the transaction, the loan share-locked: a cancelling at the same time
		// either waits for the covenant or is seen here
		if err := s.owner(ctx, tx, &c, loanID); err != nil {
			return err
		}
		if err := checkRequired(in, in.apply(&c)); err != nil {
			return err
		}
		now := s.clock.Now()
		if err := tx.StmtxContext(ctx, s.q.Insert).GetContext(ctx, &id, c.PartnerID, c.LoanID, c.MetricName, c.Operator,
			c.Threshold, nullText(c.Currency), c.From, c.To, c.Frequency, c.CureDays, now); err != nil {
			return fmt.Errorf("store the covenant: %w", err)
		}
		stored, err := s.getTx(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := s.audit.Record(ctx, tx, actor, audit.Create, "covenant", id, nil, stored); err != nil {
			return err
		}
		return s.evaluateCovenants(ctx, tx, []Covenant{stored})
	})
	if err != nil {
		return Covenant{}, err
	}
	return s.Get(ctx, id)
}

// owner fills the covenant's partner and loan, refusing a missing partner or loan
// and a cancelled loan; in tx (nil: on the pool) with the loan share-locked.
func (s *Service) owner(ctx context.Context, tx *sqlx.Tx, c *Covenant, loanID int64) error {
	if loanID == 0 {
		var ok bool
		if err := s.q.PartnerExists.GetContext(ctx, &ok, c.PartnerID); err != nil {
			return err
		}
		if !ok {
			return apperr.NotFound("partner %d does not exist", c.PartnerID)
		}
		return nil
	}
	var loan struct {
		PartnerID int64  `db:"partner_id"`
		Status    string `db:"status"`
	}
	loanOf := s.q.LoanOf
	if tx != nil {
		loanOf = tx.StmtxContext(ctx, s.q.LockLoan)
	}
	if err := loanOf.GetContext(ctx, &loan, loanID); err != nil {
		if db.IsNoRows(err) {
			return apperr.NotFound("loan %d does not exist", loanID)
		}
		return err
	}
	if loan.Status == "cancelled" {
		return apperr.Invalid(apperr.FieldError{Field: "loan_id", Message: fmt.Sprintf("loan %d is cancelled: a cancelled loan takes no covenant", loanID)})
	}
	c.PartnerID, c.LoanID = loan.PartnerID, &loanID
	return nil
}

// checkRequired reports the terms a new covenant lacks, with the other faults apply
// found (a field missing is reported as missing only).
func checkRequired(in Input, applied error) error {
	var bad apperr.Fields
	missing := map[string]bool{}
	for _, req := range []struct {
		name string
		v    *string
	}{{"metric", in.Metric}, {"operator", in.Operator}, {"threshold", in.Threshold}, {"frequency", in.Frequency}, {"from", in.From}} {
		if req.v == nil {
			missing[req.name] = true
			bad.Add(req.name, "is required")
		}
	}
	if e, ok := apperr.As(applied); ok {
		for _, f := range e.Fields {
			if !missing[f.Field] {
				bad = append(bad, f)
			}
		}
	} else if applied != nil {
		return applied
	}
	return bad.Err()
}

func nullText(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

// Get returns a covenant.
func (s *Service) Get(ctx context.Context, id int64) (Covenant, error) {
	var c Covenant
	if err := s.q.Get.GetContext(ctx, &c, id); err != nil {
		if db.IsNoRows(err) {
			return Covenant{}, apperr.NotFound("covenant %d does not exist", id)
		}
		return Covenant{}, err
	}
	c.tidy()
	return c, nil
}

// tidy drops the column's trailing zeros (NUMERIC(28,10) reads 0.0500000000) and the
// dates' time of day.
func (c *Covenant) tidy() {
	c.Threshold = c.Threshold.Trim(0)
	c.From = civil.Of(c.From)
	if c.To != nil {
		to := civil.Of(*c.To)
		c.To = &to
	}
}

func (s *Service) getTx(ctx context.Context, tx *sqlx.Tx, id int64) (Covenant, error) {
	var c Covenant
	if err := tx.StmtxContext(ctx, s.q.Get).GetContext(ctx, &c, id); err != nil {
		if db.IsNoRows(err) {
			return Covenant{}, apperr.NotFound("covenant %d does not exist", id)
		}
		return Covenant{}, err
	}
	c.tidy()
	return c, nil
}

// ListOfPartner returns a partner's covenants and its loans', live ones first.
func (s *Service) ListOfPartner(ctx context.Context, partnerID int64) ([]Covenant, error) {
	if err := s.owner(ctx, nil, &Covenant{PartnerID: partnerID}, 0); err != nil {
		return nil, err
	}
	return s.list(ctx, partnerID, 0)
}

// ListOfLoan returns a loan's own covenants.
func (s *Service) ListOfLoan(ctx context.Context, loanID int64) ([]Covenant, error) {
	var loan struct {
		PartnerID int64  `db:"partner_id"`
		Status    string `db:"status"`
	}
	if err := s.q.LoanOf.GetContext(ctx, &loan, loanID); err != nil {
		if db.IsNoRows(err) {
			return nil, apperr.NotFound("loan %d does not exist", loanID)
		}
		return nil, err
	}
	return s.list(ctx, 0, loanID)
}

func (s *Service) list(ctx context.Context, partnerID, loanID int64) ([]Covenant, error) {
	out := []Covenant{}
	if err := s.q.List.SelectContext(ctx, &out, partnerID, loanID); err != nil {
		return nil, fmt.Errorf("list covenants: %w", err)
	}
	for i := range out {
		out[i].tidy()
	}
	return out, nil
}

// Update changes a covenant's terms and evaluates it anew on every period from its
// start. An ended covenant is not changed.
func (s *Service) Update(ctx context.Context, actor audit.Actor, id int64, in Input) (Covenant, error) {
	err := db.InTx(ctx, s.conn, func(tx *sqlx.Tx) error {
		before, err := s.lockedCovenant(ctx, tx, id)
		if err != nil {
			return err
		}
		if before.EndedAt != nil {
			return errEnded(id)
		}
		c := before
		if in.Threshold == nil && in.Metric != nil {
			text := c.Threshold.String()
			in.Threshold = &text // checked again against the new metric
		}
		if err := in.apply(&c); err != nil {
			return err
		}
		res, err := tx.StmtxContext(ctx, s.q.Update).ExecContext(ctx, id, c.MetricName, c.Operator, c.Threshold,
			nullText(c.Currency), c.From, c.To, c.Frequency, c.CureDays, s.clock.Now())
		if err != nil {
			return db.TranslateError(err, nil)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errEnded(id)
		}
		after, err := s.getTx(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := s.audit.Record(ctx, tx, actor, audit.Update, "covenant", id, before, after); err != nil {
			return err
		}
		if termsChanged(before, after) {
			if err := s.lapse(ctx, tx, actor, s.q.LapseOfCov, id); err != nil {
				return err
			}
		}
		return s.evaluateCovenants(ctx, tx, []Covenant{after})
	})
	if err != nil {
		return Covenant{}, err
	}
	return s.Get(ctx, id)
}

func errEnded(id int64) error {
	return apperr.Conflict("id", fmt.Sprintf("covenant %d has ended: its terms stay as they were", id))
}

// lockedCovenant reads the covenant under its row lock: Update and End at once apply
// one after the other, each on the other's result. It first takes the lock of the
// partner's reports, as a write of reports does before it locks (FOR SHARE) and
// evaluates the covenants: the same order, so the two cannot deadlock, and an
// evaluation never runs on a covenant being changed or ended (nor on a period half
// written). A covenant's partner never changes: read unlocked, it names the lock.
func (s *Service) lockedCovenant(ctx context.Context, tx *sqlx.Tx, id int64) (Covenant, error) {
	c, err := s.getTx(ctx, tx, id)
	if err != nil {
		return Covenant{}, err
	}
	if err := s.reports.LockReports(ctx, tx, []int64{c.PartnerID}); err != nil {
		return Covenant{}, err
	}
	var got int64
	if err := tx.StmtxContext(ctx, s.q.LockCovenant).GetContext(ctx, &got, id); err != nil {
		if db.IsNoRows(err) {
			return Covenant{}, apperr.NotFound("covenant %d does not exist", id)
		}
		return Covenant{}, err
	}
	return s.getTx(ctx, tx, id)
}

// termsChanged tells whether what a covenant tests changed: its breaches' approved
// waivers were decided on other terms.
func termsChanged(a, b Covenant) bool {
	return a.MetricName != b.MetricName || a.Operator != b.Operator || !a.Threshold.Equal(b.Threshold) || a.Currency != b.Currency
}

// End ends a covenant: it is tested no more, its results stay, and its open breaches
// close with it (withdrawn: nothing can cure them any more), each audited.
func (s *Service) End(ctx context.Context, actor audit.Actor, id int64) error {
	return db.InTx(ctx, s.conn, func(tx *sqlx.Tx) error {
		before, err := s.lockedCovenant(ctx, tx, id)
		if err != nil {
			return err
		}
		if before.EndedAt != nil {
			return apperr.Conflict("id", fmt.Sprintf("covenant %d has already ended", id))
		}
		now := s.clock.Now()
		if _, err := tx.StmtxContext(ctx, s.q.End).ExecContext(ctx, id, now); err != nil {
			return err
		}
		after, err := s.getTx(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := s.audit.Record(ctx, tx, actor, audit.Delete, "covenant", id, before, after); err != nil {
			return err
		}
		var ended []int64
		if err := tx.StmtxContext(ctx, s.q.EndBreaches).SelectContext(ctx, &ended, id, now); err != nil {
			return fmt.Errorf("close the breaches of covenant %d: %w", id, err)
		}
		changes := make([]audit.Change, len(ended))
		for i, b := range ended {
			changes[i] = audit.Change{Action: audit.Update, Entity: "covenant_breach", EntityID: b,
				Before: map[string]any{"withdrawn_at": nil}, After: map[string]any{"withdrawn_at": now, "reason": "covenant ended"}}
		}
		if len(changes) == 0 {
			return nil
		}
		return s.audit.RecordAll(ctx, tx, actor, changes)
	})
}

// lapse makes approved waivers lapse with stmt (lapse-waivers: of breaches; lapse-
// covenant-waivers: of a covenant's breaches), audited.
func (s *Service) lapse(ctx context.Context, tx *sqlx.Tx, actor audit.Actor, stmt *sqlx.Stmt, arg any) error {
	var lapsed []struct {
		ID       int64 `db:"id"`
		BreachID int64 `db:"breach_id"`
	}
	now := s.clock.Now()
	if err := tx.StmtxContext(ctx, stmt).SelectContext(ctx, &lapsed, arg, now); err != nil {
		return fmt.Errorf("lapse waivers: %w", err)
	}
	if len(lapsed) == 0 {
		return nil
	}
	changes := make([]audit.Change, len(lapsed))
	for i, w := range lapsed {
		changes[i] = audit.Change{Action: audit.Update, Entity: "covenant_waiver", EntityID: w.ID,
			Before: map[string]any{"lapsed_at": nil}, After: map[string]any{"lapsed_at": now, "breach_id": w.BreachID}}
	}
	return s.audit.RecordAll(ctx, tx, actor, changes)
}

func validCurrency(code string) bool {
	_, err := money.ParseCurrency(code)
	return err == nil
}
