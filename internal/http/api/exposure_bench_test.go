package api_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"runtime/debug"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"cartera/internal/app"
	"cartera/internal/audit"
	"cartera/internal/demo"
	"cartera/internal/exposure"
	"cartera/internal/http/server"
	"cartera/internal/platform/db"
)

// BenchmarkExposureByCountryLarge measures the exposure by country on the large book
// in process, the server's share of `cartera bench exposure`: the service call alone,
// and the whole request through the application's handler (token check, query,
// rounding, JSON). The large book takes minutes to load, so it is not built here: set
// CARTERA_BENCH_DSN to a database loaded with `cartera demo --scale large`, e.g.
//
//	CARTERA_BENCH_DSN="host=$PWD/data-large/postgres user=cartera dbname=cartera" \
//	    go test -run '^$' -bench ExposureByCountryLarge ./internal/http/api
func BenchmarkExposureByCountryLarge(b *testing.B) {
	dsn := os.Getenv("CARTERA_BENCH_DSN")
	if dsn == "" {
		b.Skip("CARTERA_BENCH_DSN is not set: it names a database loaded with `cartera demo --scale large`")
	}
	if os.Getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(400))
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	conn, err := db.Open(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	svc, err := app.NewServices(ctx, conn)
	if err != nil {
		b.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := svc.Users.WatchAuthChanges(ctx, dsn, quiet); err != nil {
		b.Fatal(err)
	}
	tok, secret, err := svc.Users.CreateToken(ctx, audit.System("bench"), demo.AdminEmail, "in-process exposure benchmark")
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _, _ = svc.Users.RevokeToken(context.WithoutCancel(ctx), audit.System("bench"), tok.ID) }()
	fiberApp, err := server.New(server.Config{Version: "bench", Logger: quiet}, svc)
	if err != nil {
		b.Fatal(err)
	}
	dates := []string{"2017-06-30", "2018-12-31", "2020-03-15", "2021-09-30", "2023-01-01", "2024-06-15", "2025-11-30", "2026-10-31"}

	b.Run("service", func(b *testing.B) {
		asOf := make([]time.Time, len(dates))
		for i, d := range dates {
			asOf[i], _ = time.Parse(time.DateOnly, d)
		}
		i := 0
		for b.Loop() {
			r, err := svc.Exposure.Exposure(ctx, exposure.Query{By: exposure.ByCountry, AsOf: asOf[i%len(asOf)]})
			if err != nil || len(r.Groups) == 0 {
				b.Fatal(err, len(r.Groups))
			}
			i++
		}
	})
	b.Run("request", func(b *testing.B) {
		handler := fiberApp.Handler()
		var fctx fasthttp.RequestCtx
		i := 0
		for b.Loop() {
			fctx.Request.Reset()
			fctx.Response.Reset()
			fctx.Request.SetRequestURI("/api/v1/exposure?by=country&as_of=" + dates[i%len(dates)])
			fctx.Request.Header.Set("Authorization", "Bearer "+secret)
			handler(&fctx)
			if fctx.Response.StatusCode() != http.StatusOK {
				b.Fatal(fctx.Response.StatusCode(), string(fctx.Response.Body()))
			}
			i++
		}
	})
}
