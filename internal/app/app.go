// Package app wires the domain services together, in dependency order: the one place
// that knows it. The server, the commands, the demo and the tests all get their
// services from New, as one Services value.
package app

import (
	"context"

	"github.com/jmoiron/sqlx"

	"cartera/internal/audit"
	"cartera/internal/book"
	"cartera/internal/compliance"
	"cartera/internal/exposure"
	"cartera/internal/fund"
	"cartera/internal/fx"
	"cartera/internal/ledger"
	"cartera/internal/notify"
	"cartera/internal/partner"
	"cartera/internal/platform/civil"
	"cartera/internal/publish"
	"cartera/internal/statements"
	"cartera/internal/user"
	"cartera/internal/watchlist"
)

// Services are every domain service of one database, and the clock they all read.
type Services struct {
	Conn *sqlx.DB
	// Clock is the process's one clock: "today" for the services, the API and the UI.
	Clock      civil.Clock
	Audit      *audit.Log
	Partners   *partner.Service
	Users      *user.Service
	Funds      *fund.Service
	Book       *book.Store
	Loans      *ledger.Service
	FX         *fx.Service
	Statements *statements.Service
	Publish    *publish.Service
	Exposure   *exposure.Service
	// Compliance keeps covenants, their results, breaches and waivers; it evaluates a
	// partner's covenants in every transaction that writes its reports.
	Compliance *compliance.Service
	// Notify is the notifications outbox; the covenant and watch-list writes emit to it.
	Notify *notify.Service
	// Webhooks are the events' receivers and their deliveries; Inbox the events as
	// users read them, with their read marks.
	Webhooks *notify.Webhooks
	Inbox    *notify.Inbox
	// Watchlist is the watch list (a read model over covenants, obligations, statements
	// and loans) and the sweep of overdue reports and loans 30 days past due.
	Watchlist *watchlist.Service
	// Sweepers are the domains' daily sweeps for the events time causes (notify.Sweeper).
	Sweepers []notify.Sweeper
}

// New prepares every service on a migrated database, reading the time from clock (nil:
// the system's).
func New(ctx context.Context, conn *sqlx.DB, clock civil.Clock) (d Services, err error) {
	d.Conn, d.Clock = conn, clock
	if d.Audit, err = audit.NewLog(ctx, conn); err != nil {
		return d, err
	}
	if d.Notify, err = notify.NewService(ctx, conn, clock); err != nil {
		return d, err
	}
	if d.Webhooks, err = notify.NewWebhooks(ctx, conn, d.Audit, clock); err != nil {
		return d, err
	}
	if d.Inbox, err = notify.NewInbox(ctx, conn, clock); err != nil {
		return d, err
	}
	if d.Users, err = user.NewService(ctx, conn, d.Audit); err != nil {
		return d, err
	}
	if d.Partners, err = partner.NewService(ctx, conn, d.Audit, clock); err != nil {
		return d, err
	}
	if d.Funds, err = fund.NewService(ctx, conn, d.Audit, clock); err != nil {
		return d, err
	}
	if d.Book, err = book.NewStore(ctx, conn); err != nil {
		return d, err
	}
	if d.Loans, err = ledger.NewService(ctx, conn, d.Audit, d.Funds, d.Book, clock); err != nil {
		return d, err
	}
	if d.FX, err = fx.NewService(ctx, conn, d.Audit, clock); err != nil {
		return d, err
	}
	if d.Statements, err = statements.NewService(ctx, conn, d.Audit, d.Partners, d.FX, clock); err != nil {
		return d, err
	}
	d.Publish = publish.NewService(d.Partners, d.Statements, d.Loans, d.Funds, d.FX, clock)
	if d.Compliance, err = compliance.NewService(ctx, conn, d.Audit, d.Notify, d.Statements, d.FX, clock); err != nil {
		return d, err
	}
	d.Statements.SetAfterWrite(d.Compliance.AfterWrite)
	d.Partners.SetReportingChanged(d.Compliance.ReportingChanged)
	d.Publish.UseCovenants(d.Compliance)
	d.Sweepers = append(d.Sweepers, d.Compliance)
	if d.Exposure, err = exposure.NewService(ctx, conn, d.Audit, d.Loans, d.Book, d.Partners, d.Funds, d.FX); err != nil {
		return d, err
	}
	if d.Watchlist, err = watchlist.NewService(ctx, conn, d.Notify, clock); err != nil {
		return d, err
	}
	d.Sweepers = append(d.Sweepers, d.Watchlist)
	return d, nil
}
