// Package server assembles the HTTP application: middleware, the error handler that
// maps every error to a response in one place, the API and the pages.
package server

import (
	"bytes"
	"context"
	"encoding/json"
	"html/template"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/gofiber/fiber/v2/middleware/requestid"

	"cartera/internal/http/api"
	"cartera/web"
)

// MaxBody is the largest request body the server reads (JSON bodies have a lower
// limit of their own); larger requests get a 413 before any handler runs.
const MaxBody = 16 << 20

// Config is what the application needs besides its services.
type Config struct {
	Version    string
	AdminEmail string // shown on the home page as the account to make a token for
	Logger     *slog.Logger
}

// New returns the application with every route mounted.
func New(cfg Config, deps api.Deps) *fiber.App {
	log := cfg.Logger
	app := fiber.New(fiber.Config{
		AppName:               "cartera",
		BodyLimit:             MaxBody,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          2 * time.Minute,
		IdleTimeout:           2 * time.Minute,
		DisableStartupMessage: true,
		JSONEncoder:           encodeJSON,
		ErrorHandler: func(c *fiber.Ctx, err error) error {
			return api.WriteError(c, err, log)
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

	api.Register(app, deps)

	home := template.Must(template.ParseFS(web.Templates, "templates/home.html"))
	app.Get("/", func(c *fiber.Ctx) error {
		var buf bytes.Buffer
		err := home.Execute(&buf, map[string]any{"Version": cfg.Version, "AdminEmail": cfg.AdminEmail, "BaseURL": c.BaseURL()})
		if err != nil {
			return err
		}
		c.Type("html", "utf-8")
		return c.Send(buf.Bytes())
	})
	app.Use("/static", filesystem.New(filesystem.Config{Root: http.FS(web.Static), PathPrefix: "static", MaxAge: 3600}))
	return app
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
		log.LogAttrs(context.Background(), slog.LevelInfo, "request",
			slog.String("method", c.Method()),
			slog.String("path", c.Path()),
			slog.Int("status", c.Response().StatusCode()),
			slog.Duration("took", time.Since(start)),
			slog.Any("request_id", c.Locals("requestid")),
		)
		return nil
	}
}
