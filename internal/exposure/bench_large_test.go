package exposure

import (
	"context"
	"os"
	"runtime/debug"
	"testing"

	"cartera/internal/audit"
	"cartera/internal/book"
	"cartera/internal/fund"
	"cartera/internal/fx"
	"cartera/internal/ledger"
	"cartera/internal/partner"
	"cartera/internal/platform/civil"
	"cartera/internal/platform/db"
)

// BenchmarkComputeLarge computes each cut of the exposure on the large book at the
// book's last day, without the reports kept in memory: what a report costs the first
// time it is asked after a write. Set CARTERA_BENCH_DSN to a database loaded with
// `cartera demo --scale large` (see BenchmarkExposureByCountryLarge in internal/http/api).
func BenchmarkComputeLarge(b *testing.B) {
	dsn := os.Getenv("CARTERA_BENCH_DSN")
	if dsn == "" {
		b.Skip("CARTERA_BENCH_DSN is not set: it names a database loaded with `cartera demo --scale large`")
	}
	if os.Getenv("GOGC") == "" { // as cartera serve runs
		old := debug.SetGCPercent(400)
		b.Cleanup(func() { debug.SetGCPercent(old) })
	}
	ctx := context.Background()
	conn, err := db.Open(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { conn.Close() })
	log, err := audit.NewLog(ctx, conn)
	must(b, err)
	partners, err := partner.NewService(ctx, conn, log, nil)
	must(b, err)
	funds, err := fund.NewService(ctx, conn, log, nil)
	must(b, err)
	bk, err := book.NewStore(ctx, conn)
	must(b, err)
	loans, err := ledger.NewService(ctx, conn, log, funds, bk, nil)
	must(b, err)
	rates, err := fx.NewService(ctx, conn, log, nil)
	must(b, err)
	s, err := NewService(ctx, conn, log, loans, bk, partners, funds, rates)
	must(b, err)
	asOf := civil.Date(2026, 10, 31)
	for _, by := range Dimensions {
		b.Run(string(by), func(b *testing.B) {
			for b.Loop() {
				if _, err := s.compute(ctx, Query{By: by, AsOf: asOf}, bookCut[by]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
