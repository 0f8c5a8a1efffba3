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

	"github.com/gofiber/fiber/v2"
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
	ctx := context.Background()
	svc, secret, fiberApp := largeBook(b)
	dates := []string{"2017-06-30", "2018-12-31", "2020-03-15", "2021-09-30", "2023-01-01", "2024-06-15", "2025-11-30", "2026-10-31"}
	// The service keeps reports while the book, partners, funds, rates and limits are
	// unchanged (issue 19): "computed" writes a statement that changes nothing to the
	// rates before each call (untimed), so each computes its report; "kept" gives the
	// kept ones.
	for _, computed := range []bool{true, false} {
		name := map[bool]string{true: "computed", false: "kept"}[computed]
		before := func(b *testing.B) {
			if !computed {
				return
			}
			b.StopTimer()
			if _, err := svc.Conn.ExecContext(ctx, `UPDATE fx_rates SET rate = rate WHERE false`); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		b.Run("service "+name, func(b *testing.B) {
			asOf := make([]time.Time, len(dates))
			for i, d := range dates {
				asOf[i], _ = time.Parse(time.DateOnly, d)
			}
			i := 0
			for b.Loop() {
				before(b)
				r, err := svc.Exposure.Exposure(ctx, exposure.Query{By: exposure.ByCountry, AsOf: asOf[i%len(asOf)]})
				if err != nil || len(r.Groups) == 0 {
					b.Fatal(err, len(r.Groups))
				}
				i++
			}
		})
		b.Run("request "+name, func(b *testing.B) {
			handler := fiberApp.Handler()
			var fctx fasthttp.RequestCtx
			i := 0
			for b.Loop() {
				before(b)
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
}

// BenchmarkPortfolioLarge measures the portfolio summary on the large book (see
// BenchmarkExposureByCountryLarge for CARTERA_BENCH_DSN), the service call alone.
func BenchmarkPortfolioLarge(b *testing.B) {
	svc, _, _ := largeBook(b)
	asOf := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	for b.Loop() {
		p, err := svc.Exposure.Portfolio(context.Background(), asOf, "", nil)
		if err != nil || p.Loans == 0 {
			b.Fatal(err, p.Loans)
		}
	}
}

// largeBook connects to the large book named by CARTERA_BENCH_DSN (skipping without
// one) and returns its services, an API token's secret (revoked at the end) and the
// application, as `cartera serve` builds them.
func largeBook(b *testing.B) (app.Services, string, *fiber.App) {
	b.Helper()
	dsn := os.Getenv("CARTERA_BENCH_DSN")
	if dsn == "" {
		b.Skip("CARTERA_BENCH_DSN is not set: it names a database loaded with `cartera demo --scale large`")
	}
	if os.Getenv("GOGC") == "" {
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
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := svc.Users.WatchAuthChanges(ctx, dsn, quiet); err != nil {
		b.Fatal(err)
	}
	tok, secret, err := svc.Users.CreateToken(ctx, audit.System("bench"), demo.AdminEmail, "in-process benchmark")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _, _ = svc.Users.RevokeToken(context.Background(), audit.System("bench"), tok.ID) })
	fiberApp, err := server.New(server.Config{Version: "bench", Logger: quiet}, svc)
	if err != nil {
		b.Fatal(err)
	}
	return svc, secret, fiberApp
}
