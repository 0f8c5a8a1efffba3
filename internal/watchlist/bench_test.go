package watchlist_test

import (
	"testing"

	"cartera/internal/watchlist"
)

// bookOfLargeSize fills the world's database as `cartera demo --scale large` does in
// size, by SQL (the real load takes minutes): 2,000 partners, each with 20 quarterly
// statements and a quarterly reporting obligation (the large book has none: the
// harder case), and 50,000 loans, of which about 7 % are more than 30 days past due and
// 1.6 % restructured, as on the large book; a few dozen open breaches.
func bookOfLargeSize(b *testing.B, w *world) {
	b.Helper()
	_, err := w.conn.Exec(`
INSERT INTO partners (name, country, legal_status, reporting_frequency, reporting_from)
SELECT 'MFI ' || n, (ARRAY['BO','PE','KE','PH','MM','GT'])[1 + n % 6], 'ngo', 'quarterly', DATE '2021-01-01'
FROM generate_series(1, 2000) n;
INSERT INTO financial_statements (partner_id, period_end, months, currency, gross_loan_portfolio, par30,
    financial_revenue, financial_expense, provision_expense, operating_expense)
SELECT p.id, (DATE '2021-04-01' + make_interval(months => 3 * k))::date - 1, 3, 'USD', g, round(g * random()::numeric * 0.1, 2),
       round(g * (0.05 + random()::numeric * 0.04), 2), round(g * 0.01, 2), round(g * 0.002, 2), round(g * (0.03 + random()::numeric * 0.04), 2)
FROM partners p, generate_series(0, 19) k, LATERAL (SELECT round((1e6 + random() * 1e7)::numeric, 2) AS g) x
WHERE p.id % 50 <> 0 OR k < 19;
INSERT INTO loans (fund_id, partner_id, reference, currency, committed_amount, interest_rate, day_count, signed_on, first_due_on,
    maturity_on, amortization, frequency, status, oldest_unpaid_due_on, restructured_on)
SELECT 1, 1 + n % 2000, 'S-' || n, 'USD', 100000, 0.1, 'ACT/365F', s, s + 30, s + 1095, 'annuity', 'monthly',
       CASE WHEN n % 3 = 0 THEN 'repaid' ELSE 'active' END,
       CASE WHEN n % 3 <> 0 AND n % 14 = 1 THEN DATE '2026-10-01' - (n % 2000)
            WHEN n % 3 <> 0 THEN DATE '2026-12-20' END,
       CASE WHEN n % 3 <> 0 AND n % 60 = 7 THEN s + 400 END
FROM generate_series(1, 50000) n, LATERAL (SELECT DATE '2019-01-01' + n % 2500 AS s) x;
INSERT INTO covenants (partner_id, metric, operator, threshold, valid_from, frequency, cure_days)
SELECT id, 'par30_ratio', '<=', 0.05, '2021-01-01', 'each_report', 90 FROM partners;
INSERT INTO covenant_breaches (covenant_id, period_end, value, threshold, found_at, cure_by)
SELECT id, '2025-12-31', 0.08, 0.05, '2026-02-01', '2026-05-01' FROM covenants WHERE id % 40 = 0;`)
	ok(b, err)
	_, err = w.conn.Exec(`VACUUM ANALYZE partners, financial_statements, loans, covenants, covenant_breaches`)
	ok(b, err)
}

// BenchmarkWatchlistLargeBook is the watch list (every reason, every partner; then
// each reason alone) on a book of the large synthetic book's size, built here: the
// service's part of the request (the queries and the assembly). On the real large
// book, see BenchmarkWatchlistLarge (internal/http/api).
func BenchmarkWatchlistLargeBook(b *testing.B) {
	w := newWorldB(b, date("2026-12-03"))
	bookOfLargeSize(b, w)
	l, err := w.d.Watchlist.List(w.ctx, watchlist.Filter{})
	ok(b, err)
	reasons := 0
	for _, e := range l.Entries {
		reasons += len(e.Reasons)
	}
	b.Logf("%d partners on the list, %d reasons", len(l.Entries), reasons)
	// The service keeps the list while nothing it reads changes: a statement that
	// changes nothing to the loans before each call (untimed) makes each compute it.
	touch := func(b *testing.B) {
		b.StopTimer()
		_, err := w.conn.Exec(`UPDATE loans SET status = status WHERE false`)
		ok(b, err)
		b.StartTimer()
	}
	b.Run("all", func(b *testing.B) {
		for b.Loop() {
			touch(b)
			if _, err := w.d.Watchlist.List(w.ctx, watchlist.Filter{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	// Each reason alone, computed for itself (the service cuts a filtered list from the
	// whole one): the whole list waits for the slowest, as they are read at once.
	for _, r := range watchlist.Reasons {
		b.Run(string(r), func(b *testing.B) {
			for b.Loop() {
				if _, err := w.d.Watchlist.ComputeList(w.ctx, watchlist.Filter{Reason: r}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
