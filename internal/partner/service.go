package partner

import (
	"context"
	"fmt"
	"reflect"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"cartera/internal/audit"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/civil"
	"cartera/internal/platform/db"
)

// Filter selects partners; empty fields select all.
type Filter struct {
	Country     string       // ISO code
	Query       string       // part of the name or region, any letter case
	LegalStatus LegalStatus  // one legal form
	Methodology Methodology  // one lending methodology
	WorldRegion *WorldRegion // partners whose country lies in this UN M.49 group
}

// args are the filter's query parameters, $1 to $5 of list-partners and list-refs.
func (f Filter) args() []any {
	var countries any // NULL: any country
	if f.WorldRegion != nil {
		countries = pq.StringArray(f.WorldRegion.Countries())
	}
	return []any{f.Country, f.Query, string(f.LegalStatus), string(f.Methodology), countries}
}

// Ref is the little of a partner that lists of other things show beside it.
type Ref struct {
	ID          int64        `db:"id"`
	Name        string       `db:"name"`
	Country     string       `db:"country"`
	LegalStatus LegalStatus  `db:"legal_status"`
	Methodology *Methodology `db:"methodology"`
}

// Service reads and writes partners. Every write is one transaction with its audit entry.
type Service struct {
	conn  *sqlx.DB
	audit *audit.Log
	clock civil.Clock
	// reportingChanged is told, in the updating transaction, of a partner whose
	// reporting obligation changed (nil: nobody listens). The covenants' store sets it
	// at wiring: its results of overdue periods follow the obligation.
	reportingChanged ReportingChanged
	q                struct {
		List      *sqlx.Stmt      `query:"list-partners"`
		Refs      *sqlx.Stmt      `query:"list-partner-refs"`
		Get       *sqlx.Stmt      `query:"get-partner"`
		ForUpdate *sqlx.Stmt      `query:"get-partner-for-update"`
		Insert    *sqlx.NamedStmt `query:"insert-partner"`
		Update    *sqlx.NamedStmt `query:"update-partner"`
		Delete    *sqlx.Stmt      `query:"delete-partner"`
	}
}

var constraints = map[string]db.Constraint{
	"partners_country_name_key":          {Field: "name", Message: "a partner with this name already exists in this country"},
	"partners_name_check":                {Field: "name", Message: "must be 1 to 200 characters without surrounding spaces"},
	"partners_country_check":             {Field: "country", Message: "must be an ISO 3166-1 alpha-2 country code"},
	"partners_legal_status_check":        {Field: "legal_status", Message: "must be one of ngo, cooperative, nbfi, bank, other"},
	"partners_founded_check":             {Field: "founded", Message: "must be a year between 1800 and 2200"},
	"partners_partner_since_check":       {Field: "partner_since", Message: "must be a year between 1900 and 2200"},
	"partners_since_after_founded":       {Field: "partner_since", Message: "cannot be before the year founded"},
	"partners_methodology_check":         {Field: "methodology", Message: "must be one of individual, solidarity_group, village_banking, mixed"},
	"partners_reporting_frequency_check": {Field: "reporting_frequency", Message: "must be one of quarterly, semiannual, annual"},
	"partners_reporting_due_days_check":  {Field: "reporting_due_days", Message: "must be a number of days from 1 to 365"},
	"partners_reporting_complete":        {Field: "reporting_from", Message: "a reporting frequency and start date go together"},
}

// NewService prepares the partner queries.
func NewService(ctx context.Context, conn *sqlx.DB, log *audit.Log, clock civil.Clock) (*Service, error) {
	s := &Service{conn: conn, audit: log, clock: clock}
	if err := db.PrepareQueries(ctx, conn, "partner.sql", &s.q); err != nil {
		return nil, err
	}
	return s, nil
}

// List returns the partners matching f, by name.
func (s *Service) List(ctx context.Context, f Filter) ([]Partner, error) {
	rows, err := s.q.List.QueryContext(ctx, f.args()...)
	if err != nil {
		return nil, fmt.Errorf("list partners: %w", err)
	}
	defer rows.Close()
	partners := []Partner{}
	for rows.Next() {
		// Scanned by hand: sqlx's per-row reflection was a fifth of the list's time
		// with 2,000 partners (BenchmarkListPartners2000).
		var p Partner
		if err := rows.Scan(&p.ID, &p.Name, &p.Country, &p.Region, &p.LegalStatus, &p.Founded, &p.PartnerSince,
			&p.Methodology, &p.Sectors, &p.Description, &p.Strengths, &p.Risks, &p.ReportingFrequency, &p.ReportingFrom,
			&p.ReportingDueDays, &p.CreatedAt, &p.UpdatedAt); err != nil {
			return nil, fmt.Errorf("list partners: %w", err)
		}
		partners = append(partners, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list partners: %w", err)
	}
	return partners, nil
}

// Refs returns the id, name and kind of the partners matching f, by name: for tables
// over many partners, without their long texts.
func (s *Service) Refs(ctx context.Context, f Filter) ([]Ref, error) {
	rows, err := s.q.Refs.QueryContext(ctx, f.args()...)
	if err != nil {
		return nil, fmt.Errorf("list partners: %w", err)
	}
	defer rows.Close()
	refs := []Ref{}
	for rows.Next() {
		var r Ref
		if err := rows.Scan(&r.ID, &r.Name, &r.Country, &r.LegalStatus, &r.Methodology); err != nil {
			return nil, fmt.Errorf("list partners: %w", err)
		}
		refs = append(refs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list partners: %w", err)
	}
	return refs, nil
}

// Get returns one partner.
func (s *Service) Get(ctx context.Context, id int64) (Partner, error) {
	var p Partner
	if err := s.q.Get.GetContext(ctx, &p, id); err != nil {
		if db.IsNoRows(err) {
			return Partner{}, apperr.NotFound("partner %d does not exist", id)
		}
		return Partner{}, fmt.Errorf("get partner %d: %w", id, err)
	}
	return p, nil
}

// Create validates and stores a new partner.
func (s *Service) Create(ctx context.Context, actor audit.Actor, f Fields) (Partner, error) {
	var p Partner
	err := db.InTx(ctx, s.conn, func(tx *sqlx.Tx) (err error) {
		p, err = s.CreateInTx(ctx, tx, actor, f)
		return err
	})
	return p, err
}

// CreateInTx validates and stores a new partner inside the caller's transaction, for
// writes that create partners along with other records, all or nothing (an import).
func (s *Service) CreateInTx(ctx context.Context, tx *sqlx.Tx, actor audit.Actor, f Fields) (Partner, error) {
	f.Normalize()
	if err := f.Validate(s.clock.Today().Year()); err != nil {
		return Partner{}, err
	}
	var p Partner
	if err := tx.NamedStmtContext(ctx, s.q.Insert).GetContext(ctx, &p, f); err != nil {
		return Partner{}, db.TranslateError(err, constraints)
	}
	return p, s.audit.Record(ctx, tx, actor, audit.Create, "partner", p.ID, nil, p)
}

// Update applies change to the stored partner's fields, validates the result and
// stores it. The row is locked for the change, so concurrent updates do not lose writes.
func (s *Service) Update(ctx context.Context, actor audit.Actor, id int64, change func(*Fields) error) (Partner, error) {
	return s.update(ctx, actor, id, nil, change)
}

// ErrChanged is the conflict UpdateIfUnchanged returns when the partner is no longer
// the version the caller read.
var ErrChanged = apperr.Conflict("updated_at", "someone changed this partner since you read it: check the current values, then apply your change again")

// UpdateIfUnchanged is Update for a change decided on the partner as it was at
// version (its UpdatedAt): if it has changed since, nothing is written and the error
// is ErrChanged. A form opened before someone else's save is so never applied blindly.
func (s *Service) UpdateIfUnchanged(ctx context.Context, actor audit.Actor, id int64, version time.Time, change func(*Fields) error) (Partner, error) {
	return s.update(ctx, actor, id, func(before Partner) error {
		if !before.UpdatedAt.Equal(version) {
			return ErrChanged
		}
		return nil
	}, change)
}

// ETag names the partner's stored version for HTTP's conditional requests: it
// changes with every write of the partner (each sets updated_at), and only then.
func ETag(p Partner) string {
	return `"p` + strconv.FormatInt(p.UpdatedAt.UnixMicro(), 36) + `"`
}

// UpdateIfMatch is Update under an HTTP If-Match: match tells whether the partner's
// current ETag is one the caller read; if not, nothing is written (412).
func (s *Service) UpdateIfMatch(ctx context.Context, actor audit.Actor, id int64, match func(etag string) bool, change func(*Fields) error) (Partner, error) {
	return s.update(ctx, actor, id, func(before Partner) error {
		if !match(ETag(before)) {
			return apperr.Stale(fmt.Sprintf("partner %d changed since the version If-Match names (it is now %s): read it again, then apply your change", id, ETag(before)))
		}
		return nil
	}, change)
}

// update applies change under the partner's row lock; check, when set, decides on
// the partner as locked whether the change may go ahead.
func (s *Service) update(ctx context.Context, actor audit.Actor, id int64, check func(Partner) error, change func(*Fields) error) (Partner, error) {
	var after Partner
	err := db.InTx(ctx, s.conn, func(tx *sqlx.Tx) error {
		var before Partner
		if err := tx.StmtxContext(ctx, s.q.ForUpdate).GetContext(ctx, &before, id); err != nil {
			if db.IsNoRows(err) {
				return apperr.NotFound("partner %d does not exist", id)
			}
			return fmt.Errorf("load partner %d: %w", id, err)
		}
		if check != nil {
			if err := check(before); err != nil {
				return err
			}
		}
		fields := before.Fields
		fields.Sectors = append([]string(nil), before.Sectors...)
		if err := change(&fields); err != nil {
			return err
		}
		fields.Normalize()
		if err := fields.Validate(s.clock.Today().Year()); err != nil {
			return err
		}
		if reflect.DeepEqual(fields, normalized(before.Fields)) {
			after = before // nothing changes: no write, no audit entry
			return nil
		}
		arg := Partner{ID: id, Fields: fields}
		if err := tx.NamedStmtContext(ctx, s.q.Update).GetContext(ctx, &after, arg); err != nil {
			return db.TranslateError(err, constraints)
		}
		if err := s.audit.Record(ctx, tx, actor, audit.Update, "partner", id, before, after); err != nil {
			return err
		}
		if s.reportingChanged != nil && !sameObligation(before.Fields, after.Fields) {
			return s.reportingChanged(ctx, tx, id)
		}
		return nil
	})
	return after, err
}

// ReportingChanged is called in the transaction that changed a partner's reporting
// obligation; an error rolls the change back.
type ReportingChanged func(ctx context.Context, tx *sqlx.Tx, partnerID int64) error

// SetReportingChanged sets the hook a change of a partner's reporting obligation
// calls; set it at wiring, before serving.
func (s *Service) SetReportingChanged(h ReportingChanged) { s.reportingChanged = h }

// sameObligation tells whether the reporting_* fields are the same in a and b.
func sameObligation(a, b Fields) bool {
	return reflect.DeepEqual(a.ReportingFrequency, b.ReportingFrequency) && reflect.DeepEqual(a.ReportingDueDays, b.ReportingDueDays) &&
		((a.ReportingFrom == nil) == (b.ReportingFrom == nil)) && (a.ReportingFrom == nil || civil.Of(*a.ReportingFrom).Equal(civil.Of(*b.ReportingFrom)))
}

func normalized(f Fields) Fields {
	f.Sectors = append([]string(nil), f.Sectors...)
	f.Normalize()
	return f
}

// Delete removes a partner. A partner that other records still refer to (its loans)
// cannot be deleted: that is a conflict, and nothing changes.
func (s *Service) Delete(ctx context.Context, actor audit.Actor, id int64) error {
	return db.InTx(ctx, s.conn, func(tx *sqlx.Tx) error {
		var before Partner
		if err := tx.StmtxContext(ctx, s.q.ForUpdate).GetContext(ctx, &before, id); err != nil {
			if db.IsNoRows(err) {
				return apperr.NotFound("partner %d does not exist", id)
			}
			return fmt.Errorf("load partner %d: %w", id, err)
		}
		if _, err := tx.StmtxContext(ctx, s.q.Delete).ExecContext(ctx, id); err != nil {
			if db.IsForeignKeyViolation(err) {
				return apperr.Conflict("", fmt.Sprintf("partner %d has loans or other records and cannot be deleted", id))
			}
			return fmt.Errorf("delete partner %d: %w", id, err)
		}
		return s.audit.Record(ctx, tx, actor, audit.Delete, "partner", id, before, nil)
	})
}
