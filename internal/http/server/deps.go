package server

import (
	"context"

	"github.com/jmoiron/sqlx"

	"cartera/internal/audit"
	"cartera/internal/exposure"
	"cartera/internal/figures"
	"cartera/internal/fund"
	"cartera/internal/fx"
	"cartera/internal/http/api"
	"cartera/internal/loan"
	"cartera/internal/partner"
	"cartera/internal/publish"
	"cartera/internal/user"
)

// NewDeps prepares every service on a migrated database, in dependency order.
func NewDeps(ctx context.Context, conn *sqlx.DB) (d api.Deps, err error) {
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
