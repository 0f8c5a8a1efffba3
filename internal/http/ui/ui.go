// Package ui serves the credit managers' web UI: server-rendered pages and forms that
// post back to their own URL, then redirect (POST-redirect-GET). Handlers are thin:
// they parse the form, call one service method, and render or redirect.
package ui

import (
	"bytes"
	"crypto/subtle"
	"errors"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"cartera/internal/app"
	"cartera/internal/audit"
	"cartera/internal/http/edge"
	"cartera/internal/loan"
	"cartera/internal/notify"
	"cartera/internal/platform/apperr"
	"cartera/internal/publish"
	"cartera/internal/statements"
	"cartera/internal/user"
	"cartera/internal/view"
	"cartera/web"
)

// Deps are the services the pages call.
type Deps = app.Services

// Config is how the UI behaves in its deployment.
type Config struct {
	Version string
	Logger  *slog.Logger
	// CookieSecure marks the session cookie Secure. Requests that arrived over TLS
	// (directly, or through a trusted proxy's X-Forwarded-Proto) get it anyway.
	CookieSecure bool
}

const (
	sessionCookie = "cartera_session"
	// loginCSRFCookie protects the sign-in form itself (double-submit), before a session exists.
	loginCSRFCookie = "cartera_login_csrf"
	csrfField       = "csrf_token"
	sessionKey      = "session"
)

type handlers struct {
	Deps
	cfg     Config
	view    *view.Engine
	limiter *user.SignInLimiter
	jobs    *publish.Jobs
	uploads *statements.Stash // files previewed for import, until confirmed
}

// Register mounts the pages on app and returns the renderer of their errors. It fails
// when a template does not parse.
func Register(app *fiber.App, cfg Config, d Deps) (func(*fiber.Ctx, error) error, error) {
	engine, err := view.New(web.Templates)
	if err != nil {
		return nil, err
	}
	h := &handlers{Deps: d, cfg: cfg, view: engine, limiter: user.NewSignInLimiter(d.Clock.Now), jobs: publish.NewJobs(), uploads: statements.NewImportStash()}

	app.Get("/login", checkText, h.loginForm)
	app.Post("/login", checkText, h.login)
	app.Post("/logout", h.logout)

	pages := app.Group("", h.signedIn, h.checkCSRF, checkText)
	write := edge.RequireRole(user.Manager, principal)
	admin := edge.RequireRole(user.Admin, principal)
	pages.Get("/", h.dashboard)

	pages.Get(accountPath, h.accountPage)
	pages.Post(accountPath+"/password", h.changePassword)

	pages.Get("/partners", h.listPartners)
	pages.Get("/partners/new", write, h.newPartnerForm)
	pages.Post("/partners/new", write, h.createPartner)
	pages.Get("/partners/:id", h.showPartner)
	pages.Get("/partners/:id/edit", write, h.editPartnerForm)
	pages.Post("/partners/:id/edit", write, h.updatePartner)
	pages.Get("/partners/:id/profile.pdf", h.profilePDF)
	pages.Get("/partners/:id/factsheet.pdf", h.factSheetPDF)

	h.registerLoans(pages, write)

	pages.Get("/partners/:id/statements", write, h.statementForm)
	pages.Post("/partners/:id/statements", write, h.putStatement)
	pages.Get("/statements/import", write, h.importForm)
	pages.Post("/statements/import", write, h.importStatements)
	// The paths before statements were named (issue 15) answer with a redirect, so
	// bookmarks and a form left open across an upgrade still land.
	pages.All("/partners/:id/figures", movedTo(func(c *fiber.Ctx) string { return "/partners/" + c.Params("id") + "/statements" }))
	pages.All("/figures/import", movedTo(func(*fiber.Ctx) string { return "/statements/import" }))

	h.registerCovenants(pages, write, admin)

	pages.Get("/exposure", h.exposurePage)
	pages.Get("/watchlist", h.watchlistPage)
	pages.Get("/fx", h.fxRates)
	pages.Post("/fx", write, h.recordRate)
	pages.Post("/fx/import", write, h.importRates)

	pages.Get("/newsletter", h.newsletterForm)
	pages.Post("/newsletter", h.startNewsletter)
	pages.Get("/newsletter/:job", h.newsletterJob)
	pages.Get("/newsletter/:job/download", h.newsletterDownload)

	pages.Get("/admin/users", admin, h.listUsers)
	pages.Post("/admin/users", admin, h.inviteUser)
	pages.Post("/admin/users/:id", admin, h.updateUser)
	pages.Post("/admin/users/:id/password-reset", admin, h.resetPassword)
	pages.Get("/admin/tokens", admin, h.listTokens)
	pages.Post("/admin/tokens", admin, h.createToken)
	pages.Post("/admin/tokens/:id/revoke", admin, h.revokeToken)
	pages.Get("/admin/limits", admin, h.limitsForm)
	pages.Post("/admin/limits", admin, h.putLimits)
	pages.Get("/admin/funds", admin, h.fundsSettings)
	pages.Post("/admin/funds/:id", admin, h.updateFundSettings)
	pages.Get("/admin/audit", admin, h.auditLog)
	h.registerNotify(pages, write, admin)
	return h.WriteError, nil
}

// registerLoans mounts the loans' pages: the list, a loan, its events and edits.
func (h *handlers) registerLoans(pages fiber.Router, write fiber.Handler) {
	pages.Get("/partners/:id/loans/new", write, h.newLoanForm)
	pages.Post("/partners/:id/loans/new", write, h.createLoan)
	pages.Get("/loans", h.listLoans)
	pages.Get("/loans/:id", h.showLoan)
	pages.Post("/loans/:id/disbursements", write, h.postLoanEvent(loan.Disbursement))
	pages.Post("/loans/:id/repayments", write, h.postLoanEvent(loan.Repayment))
	pages.Post("/loans/:id/writeoffs", write, h.postLoanEvent(loan.WriteOff))
	pages.Post("/loans/:id/recoveries", write, h.postLoanEvent(loan.Recovery))
	pages.Post("/loans/:id/reschedule", write, h.reschedule)
	pages.Post("/loans/:id/amendments", write, h.amend)
	pages.Post("/loans/:id/cancel", write, h.cancelLoan)
	pages.Get("/loans/:id/edit", write, h.editLoanForm)
	pages.Post("/loans/:id/edit", write, h.updateLoan)
	pages.Get("/loans/:id/transactions/:tid/reverse", write, h.reverseForm)
	pages.Post("/loans/:id/transactions/:tid/reverse", write, h.reverseEvent)
}

// Page is what every template gets: the layout's needs, the form being edited and
// its errors, and the page's own data.
type Page struct {
	Title   string
	Nav     string // the menu entry to mark as current
	Session *user.Session
	Flash   string
	// Form holds the values a form shows: the user's own after a failed submit.
	Form map[string]string
	// Errors holds a message per field; Problem one for the whole form.
	Errors  map[string]string
	Problem string
	Data    any
	Version string
	// Unread counts the user's unread notifications, up to notify.MaxUnreadCount, for
	// the menu's badge (managers and admins).
	Unread int
}

// UnreadLabel is the badge's text: the count, or "99+" beyond.
func (p Page) UnreadLabel() string {
	if p.Unread >= notify.MaxUnreadCount {
		return strconv.Itoa(notify.MaxUnreadCount-1) + "+"
	}
	return strconv.Itoa(p.Unread)
}

// CSRF is the token this session's forms carry.
func (p Page) CSRF() string {
	if p.Session == nil {
		return ""
	}
	return p.Session.CSRFToken
}

// CanWrite reports whether the user may change partners, loans and figures.
func (p Page) CanWrite() bool { return p.Session != nil && p.Session.Role.Allows(user.Manager) }

// IsAdmin reports whether the user may manage users, tokens and limits.
func (p Page) IsAdmin() bool { return p.Session != nil && p.Session.Role.Allows(user.Admin) }

// Value is the form's value for a field.
func (p Page) Value(field string) string { return p.Form[field] }

// Error is the message for a field, if any.
func (p Page) Error(field string) string { return p.Errors[field] }

// principal is who the signed-in user is, for the role checks.
func principal(c *fiber.Ctx) user.Principal { return session(c).Principal() }

func session(c *fiber.Ctx) *user.Session {
	s, _ := c.Locals(sessionKey).(*user.Session)
	return s
}

func (h *handlers) actor(c *fiber.Ctx) audit.Actor {
	return session(c).Principal().Actor(audit.ViaUI)
}

// page starts the page data for this request.
func (h *handlers) page(c *fiber.Ctx, title, nav string) Page {
	s := session(c)
	p := Page{Title: title, Nav: nav, Session: s, Version: h.cfg.Version, Form: map[string]string{}, Errors: map[string]string{}}
	if s != nil {
		p.Flash = s.Flash
	}
	p.Unread = h.unreadBadge(c, s)
	return p
}

func (h *handlers) render(c *fiber.Ctx, status int, name string, p Page) error {
	c.Status(status)
	c.Type("html", "utf-8")
	c.Set(fiber.HeaderCacheControl, "no-store")
	return h.view.Render(c.Response().BodyWriter(), name, p)
}

// formFailed shows the form again with the user's values and the messages of a
// validation error beside their fields. Other errors go to the error handler.
func (h *handlers) formFailed(c *fiber.Ctx, name string, p Page, err error) error {
	var e *apperr.Error
	if !errors.As(err, &e) || (e.Kind != apperr.KindInvalid && e.Kind != apperr.KindConflict) {
		return err
	}
	var unplaced []string // messages with no field to stand beside
	for _, f := range e.Fields {
		key := f.Field
		if f.Row > 0 {
			continue // import rows are listed by the import page itself
		}
		if key == "" {
			unplaced = append(unplaced, f.Message)
			continue
		}
		if p.Errors[key] == "" {
			p.Errors[key] = f.Message
		}
	}
	switch {
	case len(e.Fields) == 0 || e.Kind == apperr.KindConflict:
		p.Problem = e.Message
	case len(unplaced) > 0:
		p.Problem = "Nothing was saved: " + strings.Join(unplaced, "; ") + "."
	default:
		p.Problem = "Please correct the fields marked below; nothing was saved."
	}
	return h.render(c, e.Kind.HTTPStatus(), name, p)
}

// redirect ends a successful POST: a message for the next page, then 303 See Other.
func (h *handlers) redirect(c *fiber.Ctx, to, flash string) error {
	if s := session(c); s != nil && flash != "" {
		if err := h.Users.SetFlash(c.UserContext(), s.ID, flash); err != nil {
			return err
		}
	}
	return c.Redirect(to, fiber.StatusSeeOther)
}

// formValues copies the posted fields, to show them again if the form fails.
func formValues(c *fiber.Ctx) map[string]string {
	out := map[string]string{}
	for k, v := range c.Request().PostArgs().All() {
		key := string(k)
		if key == csrfField {
			continue
		}
		if prev, ok := out[key]; ok {
			out[key] = prev + "," + string(v)
			continue
		}
		out[key] = string(v)
	}
	return out
}

// signedIn admits requests with a live session; others go to sign in, then back.
// The pages' group has no prefix, so its middleware sees every request that no
// earlier route answered: the API's unknown paths pass through to their 404.
func (h *handlers) signedIn(c *fiber.Ctx) error {
	if notAPage(c.Path()) {
		return c.Next()
	}
	s, err := h.Users.SessionBySecret(c.UserContext(), c.Cookies(sessionCookie))
	if err != nil {
		if apperr.IsKind(err, apperr.KindUnauthenticated) {
			next := c.OriginalURL()
			if c.Method() != fiber.MethodGet {
				next = c.Get(fiber.HeaderReferer)
				if u, err := url.Parse(next); err == nil {
					next = u.RequestURI()
				}
			}
			return c.Redirect("/login?next="+url.QueryEscape(safeNext(next)), fiber.StatusSeeOther)
		}
		return err
	}
	c.Locals(sessionKey, &s)
	// A one-time password (an invitation's, a reset's) is known to an admin: until the
	// user chooses their own, their session reaches only the account page.
	if s.MustChangePassword && c.Path() != accountPath && c.Path() != accountPath+"/password" {
		return h.redirect(c, accountPath, mustChangeMessage)
	}
	return c.Next()
}

// checkCSRF refuses a write whose form does not carry this session's token.
func (h *handlers) checkCSRF(c *fiber.Ctx) error {
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead:
		return c.Next()
	}
	if notAPage(c.Path()) {
		return c.Next()
	}
	// From the body (or the header scripts use), never the URL: a token in a URL
	// ends up in logs and Referer headers.
	sent := string(c.Request().PostArgs().Peek(csrfField))
	if form, err := c.MultipartForm(); sent == "" && err == nil && len(form.Value[csrfField]) > 0 {
		sent = form.Value[csrfField][0]
	}
	if sent == "" {
		sent = c.Get("X-CSRF-Token")
	}
	if subtle.ConstantTimeCompare([]byte(sent), []byte(session(c).CSRFToken)) != 1 {
		return apperr.Forbidden("this form is out of date or did not come from Cartera: reload the page and try again")
	}
	return c.Next()
}

// checkText refuses parameters that are not text: a NUL byte or bytes that are not
// UTF-8 (PostgreSQL refuses both, which would surface as a 500). The message names
// the field; nothing is done with the request.
func checkText(c *fiber.Ctx) error {
	if notAPage(c.Path()) {
		return c.Next()
	}
	var bad apperr.Fields
	check := func(k, v []byte) {
		if bytes.IndexByte(v, 0) >= 0 || !utf8.Valid(v) || !utf8.Valid(k) {
			bad.Add(strings.ToValidUTF8(string(k), "?"), "must be text: it contains a NUL character or bytes that are not UTF-8")
		}
	}
	for k, v := range c.Request().URI().QueryArgs().All() {
		check(k, v)
	}
	for k, v := range c.Request().PostArgs().All() {
		check(k, v)
	}
	if form, err := c.MultipartForm(); err == nil {
		for k, vs := range form.Value {
			for _, v := range vs {
				check([]byte(k), []byte(v))
			}
		}
	}
	if err := bad.Err(); err != nil {
		return err
	}
	return c.Next()
}

// notAPage reports whether a path belongs to the API or the static files, which
// have their own authentication (tokens) or need none.
func notAPage(path string) bool {
	return strings.HasPrefix(path, "/api/") || path == "/healthz" || path == "/readyz" || strings.HasPrefix(path, "/static/")
}

// safeNext keeps a post-login redirect on this site: a plain path (with its query),
// never another host, a scheme, or a control character (a CR or LF would split the
// Location header; a tab is dropped by browsers, turning "/\t/evil" into "//evil").
func safeNext(next string) string {
	for _, r := range next {
		if r < 0x20 || r == 0x7f || r == '\\' {
			return "/"
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") ||
		strings.HasPrefix(u.Path, "/login") || strings.HasPrefix(u.Path, "/logout") {
		return "/"
	}
	return next
}

// movedTo answers a renamed path: 301 for a GET or HEAD, 308 for anything else so
// a posted form keeps its method and body; the query string goes along.
func movedTo(path func(*fiber.Ctx) string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		to := path(c)
		if q := c.Context().QueryArgs().QueryString(); len(q) > 0 {
			to += "?" + string(q)
		}
		if c.Method() == fiber.MethodGet || c.Method() == fiber.MethodHead {
			return c.Redirect(to, fiber.StatusMovedPermanently)
		}
		return c.Redirect(to, fiber.StatusPermanentRedirect)
	}
}
