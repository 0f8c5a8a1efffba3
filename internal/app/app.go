// Package app wires the domain services together, in dependency order: the one place
// that knows it, for the server, the commands and the tests.
package app

import (
	"context"

	"github.com/jmoiron/sqlx"

	"cartera/internal/audit"
	"cartera/internal/exposure"
	"cartera/internal/figures"
	"cartera/internal/fund"
	"cartera/internal/fx"
	"cartera/internal/loan"
	"cartera/internal/partner"
	"cartera/internal/publish"
	"cartera/internal/user"
)

// Services are every domain service of one database.
type Services struct {
	Conn     *sqlx.DB
	Audit    *audit.Log
	Partners *partner.Service
	Users    *user.Service
	Funds    *fund.Service
	Loans    *loan.Service
	FX       *fx.Service
	Figures  *figures.Service
	Publish  *publish.Service
	Exposure *exposure.Service
}

// NewServices prepares every service on a migrated database.
func NewServices(ctx context.Context, conn *sqlx.DB) (d Services, err error) {
	d.Conn = conn
	if d.Audit, err = audit.NewLog(ctx, conn); err != nil {
		return d, err
	}
	if d.Users, err = user.NewService(ctx, conn, d.Audit); err != nil {
		return d, err
	}
	if d.Partners, err = partner.NewService(ctx, conn, d.Audit); err != nil {
		return d, err
	}
	if d.Funds, err = fund.NewService(ctx, conn, d.Audit); err != nil {
		return d, err
	}
	if d.Loans, err = loan.NewService(ctx, conn, d.Audit, d.Funds); err != nil {
		return d, err
	}
	if d.FX, err = fx.NewService(ctx, conn, d.Audit); err != nil {
		return d, err
	}
	if d.Figures, err = figures.NewService(ctx, conn, d.Audit, d.Partners, d.FX); err != nil {
		return d, err
	}
	d.Publish = publish.NewService(d.Partners, d.Figures, d.Loans, d.Funds, d.FX)
	d.Exposure, err = exposure.NewService(ctx, conn, d.Audit, d.Loans, d.Partners, d.Funds, d.FX)
	return d, err
}
