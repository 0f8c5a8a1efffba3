package api

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jmoiron/sqlx"

	"cartera/internal/app"
	"cartera/internal/audit"
	"cartera/internal/compliance"
	"cartera/internal/exposure"
	"cartera/internal/fund"
	"cartera/internal/fx"
	"cartera/internal/http/edge"
	"cartera/internal/ledger"
	"cartera/internal/loan"
	"cartera/internal/notify"
	"cartera/internal/partner"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/civil"
	"cartera/internal/publish"
	"cartera/internal/statements"
	"cartera/internal/user"
	"cartera/internal/watchlist"
)

// Deps are the services the API calls.
type Deps = app.Services

type handlers struct {
	conn       *sqlx.DB
	clock      civil.Clock
	audit      *audit.Log
	partners   *partner.Service
	users      *user.Service
	funds      *fund.Service
	loans      *ledger.Service
	fx         *fx.Service
	statements *statements.Service
	publish    *publish.Service
	exposures  *exposure.Service
	webhooks   *notify.Webhooks
	inbox      *notify.Inbox
	compliance *compliance.Service
	watchlist  *watchlist.Service
}

// Register mounts /api/v1 on app.
func Register(app *fiber.App, d Deps) {
	h := &handlers{conn: d.Conn, clock: d.Clock, audit: d.Audit, partners: d.Partners, users: d.Users, funds: d.Funds, loans: d.Loans, fx: d.FX, statements: d.Statements, publish: d.Publish, exposures: d.Exposure, webhooks: d.Webhooks, inbox: d.Inbox, compliance: d.Compliance, watchlist: d.Watchlist}
	app.Get("/api/openapi.json", openAPI)

	v1 := app.Group("/api/v1", authenticate(d.Users), authorizeWrites)
	v1.Get("/me", h.me)
	v1.Post(strings.TrimPrefix(myPasswordPath, "/api/v1"), h.changeMyPassword) // every role: see authorizeWrites

	v1.Get("/partners", h.listPartners)
	v1.Post("/partners", h.createPartner)
	v1.Get("/partners/:id", h.getPartner)
	v1.Patch("/partners/:id", h.patchPartner)
	v1.Delete("/partners/:id", h.deletePartner)

	admin := edge.RequireRole(user.Admin, principal)
	v1.Get("/funds", h.listFunds)
	v1.Post("/funds", admin, h.createFund)
	v1.Get("/funds/:id", h.getFund)
	v1.Patch("/funds/:id", admin, h.patchFund)

	v1.Post("/partners/:id/loans", h.createLoan)
	v1.Get("/loans", h.listLoans)
	v1.Get("/loans/:id", h.getLoan)
	v1.Patch("/loans/:id", h.patchLoan)
	v1.Get("/loans/:id/owed", h.owedOnLoan)
	v1.Post("/loans/:id/disbursements", h.postEvent(loan.Disbursement))
	v1.Post("/loans/:id/repayments", h.postEvent(loan.Repayment))
	v1.Post("/loans/:id/writeoffs", h.postEvent(loan.WriteOff))
	v1.Post("/loans/:id/recoveries", h.postEvent(loan.Recovery))
	v1.Post("/loans/:id/reschedule", h.reschedule)
	v1.Post("/loans/:id/amendments", h.amend)
	v1.Post("/loans/:id/transactions/:tid/reverse", h.reverse)
	v1.Post("/loans/:id/cancel", h.cancelLoan)

	// Through the method helpers, not Add: Get also answers HEAD.
	statementRoutes := []struct {
		register func(string, ...fiber.Handler) fiber.Router
		path     string
		handler  fiber.Handler
	}{
		{v1.Get, "/partners/:id/statements", h.listStatements},
		{v1.Get, "/partners/:id/statements/:period_end", h.getStatement},
		{v1.Put, "/partners/:id/statements/:period_end", h.putStatement},
		{v1.Delete, "/partners/:id/statements/:period_end", h.deleteStatement},
		{v1.Post, "/statements/import", h.importStatements},
		{v1.Get, "/statements/export", h.exportStatements},
	}
	for _, r := range statementRoutes {
		r.register(r.path, r.handler)
		r.register(legacyPath(r.path), deprecated, r.handler)
	}
	v1.Get("/partners/:id/kpis", h.partnerKPIs)
	v1.Get("/peers", h.peers)

	v1.Get("/partners/:id/profile.pdf", h.partnerProfile)
	v1.Get("/partners/:id/factsheet.pdf", h.partnerFactSheet)
	v1.Get("/factsheets.zip", h.factSheetsZip)

	v1.Get("/exposure", h.exposure)
	v1.Get("/portfolio", h.portfolio)
	v1.Get("/watchlist", h.watchList)
	v1.Get("/limits", h.listLimits)
	v1.Put("/limits", admin, h.putLimits)

	h.registerCovenants(v1, admin)

	v1.Get("/fx-rates", h.listRates)
	v1.Put("/fx-rates", h.putRates)

	v1.Get("/users", admin, h.listUsers)
	v1.Post("/users", admin, h.createUser)
	v1.Patch("/users/:id", admin, h.patchUser)
	v1.Post("/users/:id/password-reset", admin, h.resetPassword)
	v1.Get("/tokens", admin, h.listTokens)
	v1.Post("/tokens", admin, h.createToken)
	v1.Delete("/tokens/:id", admin, h.revokeToken)
	v1.Get("/audit", admin, h.listAudit)
	h.registerNotify(v1, admin)
}

// registerNotify mounts the webhooks (admins) and the notification list (managers
// and admins: each their own read marks).
func (h *handlers) registerNotify(v1 fiber.Router, admin fiber.Handler) {
	v1.Get("/webhooks", admin, h.listWebhooks)
	v1.Post("/webhooks", admin, h.createWebhook)
	v1.Get("/webhooks/:id", admin, h.getWebhook)
	v1.Delete("/webhooks/:id", admin, h.deleteWebhook)
	v1.Get("/webhooks/:id/deliveries", admin, h.listDeliveries)
	v1.Post("/webhooks/deliveries/:id/resend", admin, h.resendDelivery)
	manager := edge.RequireRole(user.Manager, principal)
	v1.Get("/notifications", manager, h.listNotifications)
	v1.Post("/notifications/read-all", manager, h.readAllNotifications)
	v1.Post("/notifications/:id/read", manager, h.readNotification)
}

// health answers 200 when the database does, 503 otherwise; load balancers and
// orchestrators poll it.
// RegisterProbes mounts the orchestrator's probes. /healthz is liveness: it answers
// 200 while the process can serve HTTP and touches nothing else, so a database outage
// never gets a healthy process restarted. /readyz is readiness: ready opens a fresh
// database connection, and a 503 with Retry-After says to send no traffic for now.
func RegisterProbes(app *fiber.App, ready func(context.Context) error) {
	app.Get("/healthz", func(c *fiber.Ctx) error {
		return c.JSON(fiber.Map{"status": "ok"})
	})
	app.Get("/readyz", func(c *fiber.Ctx) error {
		ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
		defer cancel()
		if err := ready(ctx); err != nil {
			c.Set(fiber.HeaderRetryAfter, strconv.Itoa(apperr.RetryAfterSeconds))
			return c.Status(http.StatusServiceUnavailable).JSON(fiber.Map{"status": "unavailable", "detail": "the database does not answer"})
		}
		return c.JSON(fiber.Map{"status": "ok"})
	})
}

// legacyPath is where a statements route answered before issue 15 gave a partner's
// figures at a period end one name: /reports. Those paths stay as aliases, marked
// deprecated in the OpenAPI document and in each answer (see deprecated).
func legacyPath(path string) string {
	return strings.Replace(path, "/statements", "/reports", 1)
}

// deprecatedSince is when the /reports aliases were deprecated, for the Deprecation
// header (RFC 9745: "@" and the Unix time).
var deprecatedSince = time.Date(2026, time.December, 3, 0, 0, 0, 0, time.UTC)

// deprecated marks an alias's answer: a Deprecation header and a Link to the path
// that replaces it, so clients see the move before the alias goes.
func deprecated(c *fiber.Ctx) error {
	c.Set("Deprecation", "@"+strconv.FormatInt(deprecatedSince.Unix(), 10))
	path := c.Path()
	successor := path
	if i := strings.Index(strings.ToLower(path), "/reports"); i >= 0 { // routing ignores case
		successor = path[:i] + "/statements" + path[i+len("/reports"):]
	}
	c.Set(fiber.HeaderLink, "<"+successor+">; rel=\"successor-version\"")
	return c.Next()
}
