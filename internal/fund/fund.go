// Package fund holds the lending vehicles whose loans Cartera tracks.
package fund

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"cartera/internal/audit"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/db"
	"cartera/internal/platform/money"
)

// Fund is a lending vehicle with the currency it reports in.
type Fund struct {
	ID           int64     `db:"id" json:"id"`
	Name         string    `db:"name" json:"name"`
	BaseCurrency string    `db:"base_currency" json:"base_currency"`
	CreatedAt    time.Time `db:"created_at" json:"created_at"`
}

// Service reads and writes funds.
type Service struct {
	conn  *sqlx.DB
	audit *audit.Log
	q     struct {
		Insert *sqlx.Stmt `query:"insert-fund"`
		List   *sqlx.Stmt `query:"list-funds"`
	}
}

var constraints = map[string]db.Constraint{
	"funds_name_key": {Field: "name", Message: "a fund with this name already exists"},
}

// NewService prepares the fund queries.
func NewService(ctx context.Context, conn *sqlx.DB, log *audit.Log) (*Service, error) {
	s := &Service{conn: conn, audit: log}
	if err := db.PrepareQueries(ctx, conn, "fund.sql", &s.q); err != nil {
		return nil, err
	}
	return s, nil
}

// Create stores a new fund.
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
	return f, err
}

// List returns every fund by name.
func (s *Service) List(ctx context.Context) ([]Fund, error) {
	funds := []Fund{}
	if err := s.q.List.SelectContext(ctx, &funds); err != nil {
		return nil, fmt.Errorf("list funds: %w", err)
	}
	return funds, nil
}
