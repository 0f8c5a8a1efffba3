package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	goruntime "runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/valyala/fasthttp"

	"cartera/internal/cli"
	"cartera/internal/demo"
	"cartera/internal/platform/civil"
	"cartera/internal/platform/pgserver"
)

// exposureFlags are the exposure benchmark's flags, parsed.
type exposureFlags struct {
	cli.Common
	url, by, email                  string
	asOf                            []string
	duration                        time.Duration
	concurrency, sequential, rounds int
	writes                          float64
}

func parseExposureFlags(args []string, stdio cli.Stdio) (exposureFlags, error) {
	var f exposureFlags
	fs := cli.NewFlags("cartera-bench exposure", "Drive GET /api/v1/exposure on a running server at several as_of dates: one request at a time "+
		"(latency), in rounds that alternate with the bare SQL computing the same answer in psql on the server's database "+
		"(--data-dir or DATABASE_URL), the baseline; then --concurrency at once for --duration (requests/s, p50, p99).", stdio.Err)
	f.Register(fs, "warn")
	fs.StringVar(&f.url, "url", "http://127.0.0.1:8080", "the running server")
	fs.StringVar(&f.by, "by", "country", "the cut")
	dates := fs.String("dates", "2017-06-30,2018-12-31,2020-03-15,2021-09-30,2023-01-01,2024-06-15,2025-11-30,2026-10-31", "as_of dates, comma-separated")
	fs.DurationVar(&f.duration, "duration", 20*time.Second, "how long to drive the server with concurrent requests")
	fs.IntVar(&f.concurrency, "concurrency", 4, "requests in flight during the load phase")
	fs.IntVar(&f.sequential, "sequential", 10, "requests per date and round, one at a time, for the latency phase and the psql baseline")
	fs.IntVar(&f.rounds, "rounds", 5, "rounds of the latency phase, each followed by the psql baseline")
	fs.Float64Var(&f.writes, "writes", 0, "writes a second during the load phase: statements that change nothing to the rates' "+
		"table, which the exposure reads, so that the server computes again the reports it keeps, as after real writes")
	fs.StringVar(&f.email, "email", demo.AdminEmail, "the user the benchmark's API token acts as (revoked at the end)")
	if err := cli.Parse(fs, args); err != nil {
		return f, err
	}
	for _, d := range strings.Split(*dates, ",") {
		if _, err := civil.Parse(strings.TrimSpace(d)); err != nil {
			fmt.Fprintf(stdio.Err, "--dates: %q is not a date (YYYY-MM-DD)\n", d)
			return f, cli.ErrUsage
		}
		f.asOf = append(f.asOf, strings.TrimSpace(d))
	}
	return f, nil
}

// runBenchExposure is the exposure load benchmark of docs/PERFORMANCE.md: a load
// generator in its own process against a running server (loaded with
// `cartera demo --scale large`), then the same answers computed by the bare SQL in
// psql as the baseline.
func runBenchExposure(ctx context.Context, args []string, stdio cli.Stdio) error {
	f, err := parseExposureFlags(args, stdio)
	if err != nil {
		return err
	}
	rt, err := f.Start(ctx, stdio.Err)
	if err != nil {
		return err
	}
	defer rt.Close()
	tok, secret, err := rt.Svc.Users.CreateToken(ctx, cli.Actor(), f.email, "exposure benchmark "+time.Now().UTC().Format(time.RFC3339))
	if err != nil {
		return fmt.Errorf("a token for the benchmark: %w", err)
	}
	defer func() { _, _ = rt.Svc.Users.RevokeToken(context.WithoutCancel(ctx), cli.Actor(), tok.ID) }()

	// fasthttp's client sends and reads on the calling goroutine; net/http's hands
	// each request to two goroutines of its own, whose wake-ups were 0.1 ms of every
	// request on this VM (GET /api/v1/me: 140 µs against 46 µs): the load
	// generator's cost, not the server's.
	b := &bencher{base: strings.TrimRight(f.url, "/"), by: f.by, token: secret,
		client: &fasthttp.Client{MaxConnsPerHost: f.concurrency + 1, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second}}
	out := stdio.Out
	fmt.Fprintf(out, "exposure by %s at %d dates, %s, %d cores, %s\n", f.by, len(f.asOf), f.url, goruntime.NumCPU(), time.Now().UTC().Format("2006-01-02"))
	currency, err := b.warmUp(ctx, out, f.asOf)
	if err != nil {
		return err
	}
	lat, err := b.latencyRounds(ctx, rt.DSN, f, currency)
	if err != nil {
		return err
	}
	stop, written := writeEvery(ctx, rt.Svc.Conn, f.writes)
	load, failures, took := b.drive(ctx, f.asOf, f.concurrency, f.duration)
	stop()
	if err := lat.print(out, f.concurrency, load, took); err != nil {
		return err
	}
	if f.writes > 0 {
		fmt.Fprintf(out, "during the load, %d writes (%.1f a second) each made the server compute the reports again\n", *written,
			float64(*written)/took.Seconds())
	}
	if failures > 0 {
		return fmt.Errorf("%d requests failed during the load phase", failures)
	}
	return nil
}

// warmUp asks for every date once, checks that each answers (a 4xx would measure
// nothing) and says what it answered; it returns the report's currency.
func (b *bencher) warmUp(ctx context.Context, out io.Writer, asOf []string) (currency string, err error) {
	for _, d := range asOf {
		body, _, err := b.get(ctx, d)
		if err != nil {
			return "", err
		}
		var r struct {
			Currency string `json:"currency"`
			Groups   []any  `json:"groups"`
			Total    struct {
				Outstanding string `json:"outstanding"`
				Loans       int    `json:"loans"`
			} `json:"total"`
		}
		if err := json.Unmarshal(body, &r); err != nil {
			return "", fmt.Errorf("exposure at %s: %w", d, err)
		}
		currency = r.Currency
		fmt.Fprintf(out, "  %s: %d groups, %d loans, %s %s outstanding\n", d, len(r.Groups), r.Total.Loans, r.Total.Outstanding, r.Currency)
	}
	return currency, nil
}

// latency is what the rounds measured: every request's time at the client and the
// server's own, the baseline's, and each round's ratios of p50s.
type latency struct {
	seq, own, baseline []time.Duration
	ratios, ownRatios  []float64
}

// latencyRounds alternates the latency phase and the baseline in rounds, so that both
// see the machine in the same state (on a shared VM the same query's time drifts by
// half from one minute to the next); the ratio is the median of the rounds'.
func (b *bencher) latencyRounds(ctx context.Context, dsn string, f exposureFlags, currency string) (latency, error) {
	var l latency
	for range f.rounds {
		var mine, mineOwn []time.Duration
		for range f.sequential {
			for _, d := range f.asOf {
				began := time.Now()
				_, took, err := b.get(ctx, d)
				if err != nil {
					return l, err
				}
				mine, mineOwn = append(mine, time.Since(began)), append(mineOwn, took)
			}
		}
		sql, err := psqlBaseline(ctx, dsn, f.asOf, currency, f.sequential)
		if err != nil {
			return l, err
		}
		l.seq, l.own, l.baseline = append(l.seq, mine...), append(l.own, mineOwn...), append(l.baseline, sql...)
		sortDurations(mine)
		sortDurations(mineOwn)
		sortDurations(sql)
		l.ratios = append(l.ratios, float64(pct(mine, 50))/float64(pct(sql, 50)))
		l.ownRatios = append(l.ownRatios, float64(pct(mineOwn, 50))/float64(pct(sql, 50)))
	}
	return l, nil
}

// print writes the table of times and the ratios to the baseline.
func (l latency) print(out io.Writer, concurrency int, load []time.Duration, took time.Duration) error {
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "\trequests\treq/s\tp50\tp90\tp99\tmax\t")
	row := func(name string, ds []time.Duration, rate string) {
		sortDurations(ds)
		fmt.Fprintf(w, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t\n", name, len(ds), rate, ms(pct(ds, 50)), ms(pct(ds, 90)), ms(pct(ds, 99)), ms(pct(ds, 100)))
	}
	row("server, one at a time, at the client", l.seq, "")
	row("the same, the server's own time", l.own, "")
	row(fmt.Sprintf("server, %d at once, at the client", concurrency), load, fmt.Sprintf("%.0f", float64(len(load))/took.Seconds()))
	row("bare SQL in psql", l.baseline, "")
	if err := w.Flush(); err != nil {
		return err
	}
	perRound := func(name string, rs []float64) {
		sort.Float64s(rs)
		var each []string
		for _, r := range rs {
			each = append(each, fmt.Sprintf("%.2f", r))
		}
		fmt.Fprintf(out, "%s / SQL p50, per round: %s×; median %.2f×\n", name, strings.Join(each, ", "), rs[len(rs)/2])
	}
	perRound("server p50 at the client", l.ratios)
	perRound("server's own p50", l.ownRatios)
	return nil
}

type bencher struct {
	base, by, token string
	client          *fasthttp.Client
}

// get asks for the exposure at asOf; it returns the answer and the server's own time
// (its Server-Timing header: from the request read to the response ready).
func (b *bencher) get(_ context.Context, asOf string) ([]byte, time.Duration, error) {
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer func() {
		fasthttp.ReleaseRequest(req)
		fasthttp.ReleaseResponse(resp)
	}()
	req.SetRequestURI(b.base + "/api/v1/exposure?by=" + b.by + "&as_of=" + asOf)
	req.Header.Set("Authorization", "Bearer "+b.token)
	if err := b.client.DoTimeout(req, resp, 30*time.Second); err != nil {
		return nil, 0, fmt.Errorf("exposure at %s: %w", asOf, err)
	}
	body := append([]byte(nil), resp.Body()...)
	if resp.StatusCode() != http.StatusOK {
		return nil, 0, fmt.Errorf("exposure at %s: %d: %s", asOf, resp.StatusCode(), body)
	}
	return body, serverTimeIn(string(resp.Header.Peek("Server-Timing"))), nil
}

// writeEvery writes perSecond statements a second that change nothing to a table the
// exposure reads (none when perSecond is 0), until stop is called; written counts them.
func writeEvery(ctx context.Context, conn *sqlx.DB, perSecond float64) (stop func(), written *int) {
	written = new(int)
	if perSecond <= 0 {
		return func() {}, written
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(time.Duration(float64(time.Second) / perSecond))
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				if _, err := conn.ExecContext(ctx, `UPDATE fx_rates SET rate = rate WHERE false`); err == nil {
					*written++
				}
			}
		}
	}()
	return func() { cancel(); <-done }, written
}

// drive keeps n requests in flight for d, cycling through the dates.
func (b *bencher) drive(ctx context.Context, dates []string, n int, d time.Duration) ([]time.Duration, int, time.Duration) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var mu sync.Mutex
	var all []time.Duration
	failures := 0
	var wg sync.WaitGroup
	began := time.Now()
	for w := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			bad := 0
			for i := w; ctx.Err() == nil; i++ {
				t := time.Now()
				if _, _, err := b.get(ctx, dates[i%len(dates)]); err != nil {
					if ctx.Err() == nil {
						bad++
					}
					continue
				}
				mine = append(mine, time.Since(t))
			}
			mu.Lock()
			all, failures = append(all, mine...), failures+bad
			mu.Unlock()
		}()
	}
	wg.Wait()
	return all, failures, time.Since(began)
}

// psqlBaseline runs the bare SQL answering the same question runs times per date in
// psql, prepared as the service's statements are, and reads psql's own timings.
func psqlBaseline(ctx context.Context, dsn string, dates []string, currency string, runs int) ([]time.Duration, error) {
	psql, err := findPsql()
	if err != nil {
		return nil, err
	}
	var script strings.Builder
	script.WriteString(baselineSQL)
	// The generic plan, as the server's statement runs after its fifth execution:
	// left to choose, PostgreSQL kept planning the baseline afresh at some dates
	// (2.4 ms instead of 1.2). A first run per date, untimed, warms the session.
	script.WriteString("SET plan_cache_mode = force_generic_plan;\n")
	for _, d := range dates {
		fmt.Fprintf(&script, "EXECUTE baseline('%s', '%s');\n", d, currency)
	}
	script.WriteString("\\timing on\n")
	for range runs {
		for _, d := range dates {
			fmt.Fprintf(&script, "EXECUTE baseline('%s', '%s');\n", d, currency)
		}
	}
	cmd := exec.CommandContext(ctx, psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", dsn, "-o", os.DevNull)
	cmd.Stdin = strings.NewReader(script.String())
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("psql baseline: %w: %s", err, stderr.String())
	}
	var out []time.Duration
	for _, m := range timing.FindAllStringSubmatch(stdout.String(), -1) {
		f, _ := strconv.ParseFloat(m[1], 64)
		out = append(out, time.Duration(f*float64(time.Millisecond)))
	}
	if len(out) != runs*len(dates) {
		return nil, fmt.Errorf("psql baseline: %d timings for %d statements: %s", len(out), runs*len(dates), stdout.String())
	}
	return out, nil
}

// baselineSQL is the exposure by country computed whole in SQL: the ledger's book by
// country (loan_book_by_country, what the service reads), converted at the date's
// rates (fx_rate_on) and summed per country, rounded to cents.
const baselineSQL = `PREPARE baseline(date, text) AS
WITH b AS MATERIALIZED (SELECT * FROM loan_book_by_country($1, NULL)),
rate AS (
    SELECT c.currency, CASE WHEN c.currency = 'USD' THEN 1 ELSE r.rate END AS rate
    FROM (SELECT DISTINCT currency FROM b WHERE currency NOT IN ('', '!') UNION SELECT $2) c
    LEFT JOIN LATERAL fx_rate_on(c.currency, $1) r ON true)
SELECT b.country, round(sum(b.outstanding / r.rate * t.rate), 2) AS outstanding,
       round(sum(b.undisbursed / r.rate * t.rate), 2) AS undisbursed, round(sum(b.overdue / r.rate * t.rate), 2) AS overdue,
       round(sum(b.par30 / r.rate) / nullif(sum(b.outstanding / r.rate), 0), 6) AS par30,
       round(sum(b.restructured / r.rate * t.rate), 2) AS restructured, sum(b.loans) AS loans, max(p.partners) AS partners
FROM b JOIN rate r ON r.currency = b.currency JOIN rate t ON t.currency = $2
JOIN b p ON p.currency = '' AND p.country = b.country
WHERE b.currency NOT IN ('', '!')
GROUP BY b.country ORDER BY outstanding DESC;
`

var timing = regexp.MustCompile(`Time: ([0-9.]+) ms`)

// findPsql looks in PATH, then beside the PostgreSQL server binaries.
func findPsql() (string, error) {
	if p, err := exec.LookPath("psql"); err == nil {
		return p, nil
	}
	bins, err := pgserver.FindBinaries(os.Getenv("PATH"), pgserver.DebianRoots)
	if err == nil {
		p := filepath.Join(filepath.Dir(bins.Postgres), "psql")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", errors.New("psql not found in PATH or beside the PostgreSQL server binaries: install PostgreSQL's client")
}

func sortDurations(ds []time.Duration) { sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] }) }

func pct(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (len(sorted)*p + 99) / 100
	return sorted[min(max(i-1, 0), len(sorted)-1)]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }
