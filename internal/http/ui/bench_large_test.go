package ui_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/valyala/fasthttp"

	"cartera/internal/app"
	"cartera/internal/demo"
	"cartera/internal/http/server"
	"cartera/internal/platform/db"
)

// BenchmarkPagesLarge times the slowest pages of `cartera-bench pages` on the large
// book in process, through the application's handler (session, handler, template), for
// -cpuprofile. The large book takes minutes to load, so it is not built here: set
// CARTERA_BENCH_DSN to a database loaded with `cartera demo --scale large`, e.g.
//
//	CARTERA_BENCH_DSN="host=/tmp/cartera-large/postgres user=cartera dbname=cartera" \
//	    go test -run '^$' -bench PagesLarge -benchtime 20x ./internal/http/ui/
//
// CARTERA_BENCH_PAGES, comma-separated, replaces the pages timed.
func BenchmarkPagesLarge(b *testing.B) {
	dsn := os.Getenv("CARTERA_BENCH_DSN")
	if dsn == "" {
		b.Skip("CARTERA_BENCH_DSN is not set: it names a database loaded with `cartera demo --scale large`")
	}
	if os.Getenv("GOGC") == "" { // as cartera serve runs
		old := debug.SetGCPercent(400)
		b.Cleanup(func() { debug.SetGCPercent(old) })
	}
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	conn, err := db.Open(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { conn.Close() })
	svc, err := app.New(ctx, conn, nil)
	if err != nil {
		b.Fatal(err)
	}
	fiberApp, err := server.New(server.Config{Version: "bench", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, svc)
	if err != nil {
		b.Fatal(err)
	}
	u, err := svc.Users.ByEmail(ctx, demo.AdminEmail)
	if err != nil {
		b.Fatal(err)
	}
	secret, err := svc.Users.StartSession(ctx, u.ID)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = svc.Users.EndSession(context.Background(), secret) })
	pages := []string{"/", "/partners", "/partners?watch=yes", "/loans?overdue=true&sort=-outstanding", "/watchlist",
		"/exposure?by=partner", "/exposure?by=currency", "/breaches", "/notifications"}
	if p := os.Getenv("CARTERA_BENCH_PAGES"); p != "" {
		pages = strings.Split(p, ",")
	}
	handler := fiberApp.Handler()
	for _, path := range pages {
		b.Run(path, func(b *testing.B) {
			var fctx fasthttp.RequestCtx
			size := 0
			for b.Loop() {
				fctx.Request.Reset()
				fctx.Response.Reset()
				fctx.Request.SetRequestURI(path)
				fctx.Request.Header.SetCookie("cartera_session", secret)
				handler(&fctx)
				if fctx.Response.StatusCode() != http.StatusOK {
					b.Fatalf("GET %s: %d", path, fctx.Response.StatusCode())
				}
				size = len(fctx.Response.Body())
			}
			b.ReportMetric(float64(size)/1024, "KB")
		})
	}
}
