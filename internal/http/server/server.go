// Package server assembles the HTTP application: middleware, the error handler that
// maps every error to a response in one place, the API and the pages.
package server

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/gofiber/fiber/v2/middleware/requestid"

	"cartera/internal/http/api"
	"cartera/internal/http/edge"
	"cartera/internal/http/ui"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/db"
	"cartera/web"
)

// MaxBody is the largest request body the server reads (JSON bodies have a lower
// limit of their own); larger requests get a 413 before any handler runs.
const MaxBody = 16 << 20

// Config is what the application needs besides its services.
type Config struct {
	Version string
	Logger  *slog.Logger
	// CookieSecure marks session cookies Secure even on plain HTTP (TLS ends before us).
	CookieSecure bool
	// TrustedProxies are the addresses whose X-Forwarded-For and X-Forwarded-Proto
	// headers are believed (for the client's address in rate limits, and for TLS).
	TrustedProxies []string
	// Ready tells /readyz whether the database takes new connections; nil: a fresh
	// connection to the services' pool's database cannot be opened without its
	// address, so the pool is pinged instead.
	Ready func(context.Context) error
}

// New returns the application with every route mounted. It fails when a page
// template does not parse.
func New(cfg Config, deps api.Deps) (*fiber.App, error) {
	log := cfg.Logger
	var pageError func(*fiber.Ctx, error) error
	app := fiber.New(fiber.Config{
		// c.IP() stays the socket's peer; the sign-in limit reads the forwarded
		// address itself, and only from a trusted proxy.
		EnableTrustedProxyCheck: len(cfg.TrustedProxies) > 0,
		TrustedProxies:          cfg.TrustedProxies,
		AppName:                 "cartera",
		BodyLimit:               MaxBody,
		ReadTimeout:             30 * time.Second,
		WriteTimeout:            2 * time.Minute,
		IdleTimeout:             2 * time.Minute,
		DisableStartupMessage:   true,
		JSONEncoder:             encodeJSON,
		// A response up to 64 KB (every API answer but the largest lists) leaves in
		// one write: with fasthttp's 4 KB default, a 13 KB exposure went out in
		// pieces, each a wake-up of the client.
		WriteBufferSize: 64 << 10,
		// The API answers problem+json; pages answer a page in the site's look.
		ErrorHandler: func(c *fiber.Ctx, err error) error {
			err = unavailable(c, err, log)
			if isAPI(c.Path()) || pageError == nil {
				return api.WriteError(c, err, log)
			}
			return pageError(c, err)
		},
	})
	app.Use(requestid.New())
	app.Use(accessLog(log))
	app.Use(recover.New(recover.Config{
		EnableStackTrace: true,
		StackTraceHandler: func(c *fiber.Ctx, e any) {
			log.Error("panic while serving a request", "request_id", c.Locals("requestid"), "path", c.Path(), "panic", e)
		},
	}))

	app.Use(securityHeaders)

	ready := cfg.Ready
	if ready == nil {
		ready = deps.Conn.PingContext
	}
	api.RegisterProbes(app, ready)
	api.Register(app, deps)
	app.Use("/static", filesystem.New(filesystem.Config{Root: http.FS(web.Static), PathPrefix: "static", MaxAge: 3600}))
	var err error
	pageError, err = ui.Register(app, ui.Config{Version: cfg.Version, Logger: log, CookieSecure: cfg.CookieSecure}, deps)
	if err != nil {
		return nil, err
	}
	return app, nil
}

// unavailable turns an error that says the database cannot be reached (it is
// stopped, restarting, or the network to it is down) into a 503 with Retry-After:
// the request was fine and may be sent again shortly, which a 500 would not say. The
// pool drops the broken connections, so requests succeed again once it is back.
//
// A transaction the database rolled back for another (a deadlock, a serialization
// failure) is a 503 with Retry-After too: nothing was written, and sent again it goes.
func unavailable(c *fiber.Ctx, err error, log *slog.Logger) error {
	if db.RolledBack(err) {
		log.Warn("transaction rolled back by the database", "request_id", c.Locals("requestid"), "method", c.Method(), "path", c.Path(), "error", err)
		return apperr.Unavailable("another change to the same records got in the way; nothing was written: send it again")
	}
	if !db.Unavailable(err) {
		return err
	}
	log.Warn("database unavailable", "request_id", c.Locals("requestid"), "method", c.Method(), "path", c.Path(), "error", err)
	c.Set(fiber.HeaderRetryAfter, strconv.Itoa(apperr.RetryAfterSeconds))
	return apperr.Unavailable("the database is unavailable; try again shortly")
}

func isAPI(path string) bool {
	return strings.HasPrefix(path, "/api/") || path == "/healthz" || path == "/readyz"
}

// securityHeaders keeps pages out of other sites' frames and stops browsers from
// guessing content types; pages load nothing from elsewhere. A request that came over
// TLS gets HSTS, so the browser never tries plain HTTP again (sent on plain HTTP it
// would be ignored, and wrong where TLS is not served). API answers are figures and
// tokens: no cache keeps them (downloads say so themselves, in edge.SendFile).
func securityHeaders(c *fiber.Ctx) error {
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderXFrameOptions, "DENY")
	c.Set(fiber.HeaderReferrerPolicy, "same-origin")
	if edge.OverTLS(c) {
		c.Set(fiber.HeaderStrictTransportSecurity, "max-age=31536000")
	}
	if strings.HasPrefix(c.Path(), "/api/") {
		c.Set(fiber.HeaderCacheControl, "no-store")
	}
	if !isAPI(c.Path()) {
		c.Set(fiber.HeaderContentSecurityPolicy, "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'; form-action 'self'")
	}
	return c.Next()
}

// encodeJSON is encoding/json without HTML escaping (API clients should read "<",
// not "\u003c"), into a pooled buffer: growing a fresh buffer to the size of a large
// list was a tenth of BenchmarkListPartners2000. Fiber keeps the returned slice, so it
// is a copy of exactly the encoded size.
func encodeJSON(v any) ([]byte, error) {
	buf := jsonBuffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= 8<<20 { // keep no giant buffer alive between requests
			buf.Reset()
			jsonBuffers.Put(buf)
		}
	}()
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return append([]byte(nil), bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...), nil
}

var jsonBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// accessLog writes one structured line per request.
func accessLog(log *slog.Logger) fiber.Handler {
	return func(c *fiber.Ctx) error {
		start := time.Now()
		if err := c.Next(); err != nil {
			// Render the error now, so the line below logs the status actually sent.
			if err := c.App().Config().ErrorHandler(c, err); err != nil {
				return err
			}
		}
		took := time.Since(start)
		// Server-Timing shows the server's own time in the browser's developer tools,
		// and lets `cartera-bench pages` tell it apart from the network's.
		c.Set("Server-Timing", "app;dur="+strconv.FormatFloat(float64(took.Microseconds())/1000, 'f', 2, 64))
		log.LogAttrs(context.Background(), slog.LevelInfo, "request",
			slog.String("method", c.Method()),
			slog.String("path", c.Path()),
			slog.Int("status", c.Response().StatusCode()),
			slog.Duration("took", took),
			slog.Any("request_id", c.Locals("requestid")),
		)
		return nil
	}
}
