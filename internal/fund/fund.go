// Package fund holds the lending vehicles whose loans Cartera tracks, and each fund's
// settings: the defaults its new loans take and the close of its books.
package fund

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"cartera/internal/audit"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/civil"
	"cartera/internal/platform/db"
	"cartera/internal/platform/money"
)

// Fund is a lending vehicle with the currency it reports in, and its settings.
type Fund struct {
	ID           int64     `db:"id" json:"id"`
	Name         string    `db:"name" json:"name"`
	BaseCurrency string    `db:"base_currency" json:"base_currency"`
	CreatedAt    time.Time `db:"created_at" json:"created_at"`
	Settings
}

// Service reads and writes funds.
type Service struct {
	conn  *sqlx.DB
	audit *audit.Log
	clock civil.Clock
	q     struct {
		Insert    *sqlx.Stmt `query:"insert-fund"`
		List      *sqlx.Stmt `query:"list-funds"`
		Get       *sqlx.Stmt `query:"get-fund"`
		ForUpdate *sqlx.Stmt `query:"get-fund-for-update"`
		Lock      *sqlx.Stmt `query:"lock-fund-settings"`
		Update    *sqlx.Stmt `query:"update-fund-settings"`
	}
	// cureChanged re-derives the fund's loans when its cure of restructured loans
	// changes, once the change is committed (the ledger registers it: OnCureChange).
	cureChanged func(ctx context.Context, fundID int64) error
}

// OnCureChange registers what re-derives a fund's loans when its cure setting changes
// (the ledger's figures depend on it; the fund package cannot call the ledger).
func (s *Service) OnCureChange(f func(ctx context.Context, fundID int64) error) { s.cureChanged = f }

var constraints = map[string]db.Constraint{
	"funds_name_key":                             {Field: "name", Message: "a fund with this name already exists"},
	"funds_allocation_order_check":               {Field: "allocation_order", Message: allocationOrderMessage},
	"funds_restructured_cure_installments_check": {Field: "restructured_cure_installments", Message: cureMessage},
}

// NewService prepares the fund queries; clock gives "today" for the settings' rules
// (nil: the system's).
func NewService(ctx context.Context, conn *sqlx.DB, log *audit.Log, clock civil.Clock) (*Service, error) {
	s := &Service{conn: conn, audit: log, clock: clock}
	if err := db.PrepareQueries(ctx, conn, "fund.sql", &s.q); err != nil {
		return nil, err
	}
	return s, nil
}

// Create stores a new fund, with the default settings.
func (s *Service) Create(ctx context.Context, actor audit.Actor, name, baseCurrency string) (Fund, error) {
	name = strings.TrimSpace(name)
	baseCurrency = strings.ToUpper(strings.TrimSpace(baseCurrency))
	var bad apperr.Fields
	if name == "" || len([]rune(name)) > 200 {
		bad.Add("name", "must be 1 to 200 characters")
	}
	if _, err := money.ParseCurrency(baseCurrency); err != nil {
		bad.Add("base_currency", "must be an ISO 4217 code such as USD or EUR")
	}
	if err := bad.Err(); err != nil {
		return Fund{}, err
	}
	var f Fund
	err := db.InTx(ctx, s.conn, func(tx *sqlx.Tx) error {
		if err := tx.StmtxContext(ctx, s.q.Insert).GetContext(ctx, &f, name, baseCurrency); err != nil {
			return db.TranslateError(err, constraints)
		}
		return s.audit.Record(ctx, tx, actor, audit.Create, "fund", f.ID, nil, f)
	})
	return normalize(f), err
}

// List returns every fund by name.
func (s *Service) List(ctx context.Context) ([]Fund, error) {
	funds := []Fund{}
	if err := s.q.List.SelectContext(ctx, &funds); err != nil {
		return nil, fmt.Errorf("list funds: %w", err)
	}
	for i := range funds {
		funds[i] = normalize(funds[i])
	}
	return funds, nil
}

// Get returns one fund; an unknown id is a 404.
func (s *Service) Get(ctx context.Context, id int64) (Fund, error) {
	var f Fund
	if err := s.q.Get.GetContext(ctx, &f, id); err != nil {
		if db.IsNoRows(err) {
			return Fund{}, notFound(id)
		}
		return Fund{}, fmt.Errorf("get fund %d: %w", id, err)
	}
	return normalize(f), nil
}

// normalize makes the stored date a calendar date (the driver gives it a location).
func normalize(f Fund) Fund {
	f.Settings = f.Settings.normalize()
	return f
}

func notFound(id int64) error { return apperr.NotFound("fund %d does not exist", id) }
