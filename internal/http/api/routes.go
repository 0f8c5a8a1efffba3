package api

import (
	"context"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jmoiron/sqlx"

	"cartera/internal/app"
	"cartera/internal/audit"
	"cartera/internal/exposure"
	"cartera/internal/figures"
	"cartera/internal/fund"
	"cartera/internal/fx"
	"cartera/internal/http/edge"
	"cartera/internal/ledger"
	"cartera/internal/loan"
	"cartera/internal/partner"
	"cartera/internal/platform/civil"
	"cartera/internal/publish"
	"cartera/internal/user"
)

// Deps are the services the API calls.
type Deps = app.Services

type handlers struct {
	conn      *sqlx.DB
	clock     civil.Clock
	audit     *audit.Log
	partners  *partner.Service
	users     *user.Service
	funds     *fund.Service
	loans     *ledger.Service
	fx        *fx.Service
	figures   *figures.Service
	publish   *publish.Service
	exposures *exposure.Service
}

// Register mounts /healthz and /api/v1 on app.
func Register(app *fiber.App, d Deps) {
	h := &handlers{conn: d.Conn, clock: d.Clock, audit: d.Audit, partners: d.Partners, users: d.Users, funds: d.Funds, loans: d.Loans, fx: d.FX, figures: d.Figures, publish: d.Publish, exposures: d.Exposure}
	app.Get("/healthz", h.health)
	app.Get("/api/openapi.json", openAPI)

	v1 := app.Group("/api/v1", authenticate(d.Users), authorizeWrites)
	v1.Get("/me", h.me)

	v1.Get("/partners", h.listPartners)
	v1.Post("/partners", h.createPartner)
	v1.Get("/partners/:id", h.getPartner)
	v1.Patch("/partners/:id", h.patchPartner)
	v1.Delete("/partners/:id", h.deletePartner)

	admin := edge.RequireRole(user.Admin, principal)
	v1.Get("/funds", h.listFunds)
	v1.Post("/funds", admin, h.createFund)

	v1.Post("/partners/:id/loans", h.createLoan)
	v1.Get("/loans", h.listLoans)
	v1.Get("/loans/:id", h.getLoan)
	v1.Patch("/loans/:id", h.patchLoan)
	v1.Get("/loans/:id/owed", h.owedOnLoan)
	v1.Post("/loans/:id/disbursements", h.postEvent(loan.Disbursement))
	v1.Post("/loans/:id/repayments", h.postEvent(loan.Repayment))
	v1.Post("/loans/:id/writeoffs", h.postEvent(loan.WriteOff))
	v1.Post("/loans/:id/reschedule", h.reschedule)

	v1.Get("/partners/:id/reports", h.listReports)
	v1.Get("/partners/:id/reports/:period_end", h.getReport)
	v1.Put("/partners/:id/reports/:period_end", h.putReport)
	v1.Delete("/partners/:id/reports/:period_end", h.deleteReport)
	v1.Get("/partners/:id/kpis", h.partnerKPIs)
	v1.Get("/peers", h.peers)
	v1.Post("/reports/import", h.importReports)
	v1.Get("/reports/export", h.exportReports)

	v1.Get("/partners/:id/profile.pdf", h.partnerProfile)
	v1.Get("/partners/:id/factsheet.pdf", h.partnerFactSheet)
	v1.Get("/factsheets.zip", h.factSheetsZip)

	v1.Get("/exposure", h.exposure)
	v1.Get("/portfolio", h.portfolio)
	v1.Get("/limits", h.listLimits)
	v1.Put("/limits", admin, h.putLimits)

	v1.Get("/fx-rates", h.listRates)
	v1.Put("/fx-rates", h.putRates)

	v1.Get("/users", admin, h.listUsers)
	v1.Post("/users", admin, h.createUser)
	v1.Patch("/users/:id", admin, h.patchUser)
	v1.Get("/tokens", admin, h.listTokens)
	v1.Post("/tokens", admin, h.createToken)
	v1.Delete("/tokens/:id", admin, h.revokeToken)
	v1.Get("/audit", admin, h.listAudit)
}

// health answers 200 when the database does, 503 otherwise; load balancers and
// orchestrators poll it.
func (h *handlers) health(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	if err := h.conn.PingContext(ctx); err != nil {
		return c.Status(http.StatusServiceUnavailable).JSON(fiber.Map{"status": "unavailable", "detail": "the database does not answer"})
	}
	return c.JSON(fiber.Map{"status": "ok"})
}
