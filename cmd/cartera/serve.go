package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"cartera/internal/cli"
	"cartera/internal/demo"
	"cartera/internal/http/server"
	"cartera/internal/notify"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/db"
)

// demoCredentialsFile keeps the demo admin's generated password beside the embedded
// cluster, so every start can say how to log in.
const demoCredentialsFile = "demo-admin.txt"

// serveFlags are serve's own flags, parsed.
type serveFlags struct {
	cli.Common
	addr          string
	loadDemo      bool
	secureCookies bool
	proxies       []string
	// sessionIdle and sessionMax end a browser session: idle for that long, or that
	// long after sign-in.
	sessionIdle, sessionMax time.Duration
	// webhookWorkers deliver webhooks in this process (0: none here, another server
	// of the same database delivers).
	webhookWorkers int
}

func parseServeFlags(args []string, io cli.Stdio) (serveFlags, error) {
	var f serveFlags
	var demoMode, cookieSecure, trustedProxies string
	fs := cli.NewFlags("cartera serve", "Run the HTTP service: the JSON API under /api/v1 and /healthz.", io.Err)
	f.Register(fs, "info")
	fs.StringVar(&f.addr, "addr", cli.Env("CARTERA_ADDR", ":8080"), "address to listen on (`CARTERA_ADDR`)")
	fs.StringVar(&demoMode, "demo", cli.Env("CARTERA_DEMO", "auto"),
		"load the demo data on first start: auto (only on the embedded cluster), true or false (`CARTERA_DEMO`)")
	fs.StringVar(&cookieSecure, "cookie-secure", cli.Env("CARTERA_COOKIE_SECURE", "false"),
		"mark session cookies Secure even on plain HTTP, when TLS ends at a proxy (`CARTERA_COOKIE_SECURE`)")
	fs.StringVar(&trustedProxies, "trusted-proxies", cli.Env("CARTERA_TRUSTED_PROXIES", ""),
		"comma-separated proxy addresses or CIDRs whose X-Forwarded-For/-Proto are believed (`CARTERA_TRUSTED_PROXIES`)")
	var sessionIdle, sessionMax string
	fs.StringVar(&sessionIdle, "session-idle", cli.Env("CARTERA_SESSION_IDLE", "30m"),
		"a browser session ends after this long without a request (`CARTERA_SESSION_IDLE`)")
	fs.StringVar(&sessionMax, "session-max", cli.Env("CARTERA_SESSION_MAX", "12h"),
		"a browser session ends this long after sign-in, however active (`CARTERA_SESSION_MAX`)")
	var webhookWorkers string
	fs.StringVar(&webhookWorkers, "webhook-workers", cli.Env("CARTERA_WEBHOOK_WORKERS", "1"),
		"webhook delivery workers in this process, each sending 8 at a time; 0 delivers none here "+
			"(servers sharing a database share the deliveries) (`CARTERA_WEBHOOK_WORKERS`)")
	if err := cli.Parse(fs, args); err != nil {
		return f, err
	}
	var err error
	if f.webhookWorkers, err = strconv.Atoi(webhookWorkers); err != nil || f.webhookWorkers < 0 || f.webhookWorkers > 64 {
		fmt.Fprintf(io.Err, "--webhook-workers must be a whole number from 0 to 64, not %q\n", webhookWorkers)
		return f, cli.ErrUsage
	}
	if f.sessionIdle, f.sessionMax, err = parseSessionLimits(sessionIdle, sessionMax); err != nil {
		fmt.Fprintln(io.Err, err)
		return f, cli.ErrUsage
	}
	if f.secureCookies, err = strconv.ParseBool(cookieSecure); err != nil {
		fmt.Fprintf(io.Err, "--cookie-secure must be true or false, not %q\n", cookieSecure)
		return f, cli.ErrUsage
	}
	for _, p := range strings.Split(trustedProxies, ",") {
		if p = strings.TrimSpace(p); p != "" {
			f.proxies = append(f.proxies, p)
		}
	}
	f.loadDemo, err = demoWanted(demoMode, f.Embedded())
	return f, err
}

// minSessionIdle is the shortest idle limit: a session notes a request at most once a
// minute (user.SessionBySecret), so a shorter limit would end sessions in use.
const minSessionIdle = 5 * time.Minute

// parseSessionLimits reads --session-idle and --session-max: Go durations (30m, 12h),
// the idle limit at least minSessionIdle and no longer than the maximum.
func parseSessionLimits(idle, max string) (time.Duration, time.Duration, error) {
	i, err := time.ParseDuration(strings.TrimSpace(idle))
	if err != nil || i < minSessionIdle {
		return 0, 0, fmt.Errorf("--session-idle must be a duration of at least %v, such as 30m, not %q", minSessionIdle, idle)
	}
	m, err := time.ParseDuration(strings.TrimSpace(max))
	if err != nil || m <= 0 {
		return 0, 0, fmt.Errorf("--session-max must be a positive duration such as 12h, not %q", max)
	}
	if i > m {
		return 0, 0, fmt.Errorf("--session-idle (%v) must not be longer than --session-max (%v)", i, m)
	}
	return i, m, nil
}

func runServe(ctx context.Context, args []string, io cli.Stdio) error {
	f, err := parseServeFlags(args, io)
	if err != nil {
		return err
	}
	log, err := f.Logger(io.Err)
	if err != nil {
		return err
	}
	tuneGC()

	// Claim the port before starting anything, so "port in use" costs nothing to learn.
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %v (choose another with --addr or CARTERA_ADDR)", f.addr, unwrapOp(err))
	}
	defer ln.Close()

	started := time.Now()
	rt, err := f.Open(ctx, log)
	if err != nil {
		return err
	}
	defer rt.Close()
	if err := rt.Svc.Users.SetSessionLimits(f.sessionIdle, f.sessionMax); err != nil {
		return err
	}
	// Verified API tokens are remembered while the server hears every revocation.
	if err := rt.Svc.Users.WatchAuthChanges(ctx, rt.DSN, log); err != nil {
		return err
	}
	var signIn string
	if f.loadDemo {
		if signIn, err = loadDemo(ctx, rt); err != nil {
			return err
		}
	}
	app, err := server.New(server.Config{Version: version(), Logger: log, CookieSecure: f.secureCookies, TrustedProxies: f.proxies,
		Ready: func(ctx context.Context) error { return db.Probe(ctx, rt.DSN) }}, rt.Svc)
	if err != nil {
		return err
	}
	background := startBackground(ctx, rt, f.webhookWorkers)
	drainer := server.NewDrainer(app)
	served := make(chan error, 1)
	go func() { served <- app.Listener(ln) }()
	printReady(io, rt, "http://"+displayHost(ln.Addr()), time.Since(started), f.loadDemo, signIn)

	select {
	case err := <-served:
		return fmt.Errorf("HTTP server: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests in flight")
	if err := drainer.Shutdown(shutdownGrace); err != nil {
		log.Error("HTTP shutdown: requests still running were cut", "grace", shutdownGrace, "error", err)
	}
	background.stop(shutdownGrace)
	return nil
}

// shutdownGrace is how long requests in flight may run once a stop is asked for.
// Connections with no request are closed at once, so a stop takes this long only
// when a request does.
const shutdownGrace = 10 * time.Second

// background is the work serve does besides answering requests: webhook delivery
// and the daily sweeps.
type background struct {
	cancel context.CancelFunc
	done   sync.WaitGroup
	log    *slog.Logger
}

// startBackground starts the webhook workers and the daily sweep runner (every
// sweeper of the services at start, then at each change of the clock's date).
func startBackground(ctx context.Context, rt *cli.Runtime, workers int) *background {
	ctx, cancel := context.WithCancel(ctx)
	b := &background{cancel: cancel, log: rt.Log}
	run := func(f func(context.Context)) {
		b.done.Add(1)
		go func() { defer b.done.Done(); f(ctx) }()
	}
	for range workers {
		run(rt.Svc.Webhooks.NewWorker(rt.Log).Run)
	}
	sweeps := &notify.SweepRunner{Clock: rt.Svc.Clock, Sweepers: rt.Svc.Sweepers, Log: rt.Log, Every: time.Minute}
	run(sweeps.Run)
	return b
}

// stop ends the background work and waits up to grace for deliveries in flight to
// be recorded (each takes at most notify.DeliveryTimeout).
func (b *background) stop(grace time.Duration) {
	b.cancel()
	done := make(chan struct{})
	go func() { b.done.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(grace):
		b.log.Error("shutdown: background work still running was cut", "grace", grace)
	}
}

// loadDemo loads the demo (once) and returns how to sign in as the demo admin.
func loadDemo(ctx context.Context, rt *cli.Runtime) (string, error) {
	res, err := demo.Load(ctx, rt.Svc)
	if err != nil {
		return "", fmt.Errorf("load demo data: %w", err)
	}
	if !res.AlreadyLoaded {
		rt.Log.Info("loaded demo data", "partners", res.Partners, "loans", res.Loans, "reports", res.Reports)
	}
	for _, s := range res.Skipped {
		rt.Log.Warn("demo data skipped", "what", s)
	}
	return demoSignIn(ctx, rt, res.AdminPassword), nil
}

// printReady says where the service answers and, with the demo, how to sign in.
func printReady(io cli.Stdio, rt *cli.Runtime, url string, took time.Duration, withDemo bool, signIn string) {
	fmt.Fprintf(io.Out, "Cartera %s is ready at %s (started in %s)\n", version(), url, took.Round(time.Millisecond))
	if dir := rt.ClusterDir(); dir != "" {
		fmt.Fprintf(io.Out, "  Database: private PostgreSQL cluster in %s\n", dir)
	}
	if withDemo {
		fmt.Fprintf(io.Out, "  Sign in:  %s  %s\n", demo.AdminEmail, signIn)
		fmt.Fprintf(io.Out, "  API:      TOKEN=$(%s token create --email %s --name my-token)\n", cli.SelfCommand(), demo.AdminEmail)
		fmt.Fprintf(io.Out, "            curl -H \"Authorization: Bearer $TOKEN\" %s/api/v1/partners\n", url)
	}
	fmt.Fprintln(io.Out, "  Stop with Ctrl-C.")
}

// serveGCPercent is the GOGC `cartera serve` runs with unless GOGC is set. The
// server's live heap is small, so at Go's default of 100 it collects after every few
// megabytes allocated: a 2,000-partner list (1.2 MB of JSON) then spends a quarter of
// its time in the collector (BenchmarkListPartners2000, docs/PERFORMANCE.md), and a
// PDF, whose rendering allocates several megabytes inside fpdf, more than half
// (BenchmarkRenderProfile). The pdf commands run with it too.
const serveGCPercent = 400

// serveMemoryLimit is the soft memory limit `cartera serve` runs with unless
// GOMEMLIMIT is set. With GOGC at 400 the heap may grow to five times what is live:
// an import at the caps (about 230 MB live) then took the server to 1.8 GB resident.
// Near the limit the collector runs as often as needed instead, so such an import
// peaks under 500 MB (TestImportLimitsBoundServerMemory), while small heaps keep
// the cheap collections GOGC=400 gives.
const serveMemoryLimit = 320 << 20

func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(serveGCPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(serveMemoryLimit)
	}
}

func demoWanted(mode string, embedded bool) (bool, error) {
	switch strings.ToLower(mode) {
	case "auto", "":
		return embedded, nil
	case "true", "1", "yes", "on":
		return true, nil
	case "false", "0", "no", "off":
		return false, nil
	}
	return false, fmt.Errorf("--demo %q: use auto, true or false", mode)
}

// demoSignIn says how to sign in as the demo admin. The password is shown on the
// start that generated it only (terminal output is often kept: scrollback, logs, a
// shared screen); it is saved beside an embedded cluster, readable by its owner only,
// and later starts say where.
func demoSignIn(ctx context.Context, rt *cli.Runtime, generated string) string {
	path := saveDemoPassword(ctx, rt, generated)
	switch {
	case generated != "":
		return "password " + generated + " (shown this once)"
	case path != "":
		return "password in " + path
	}
	return "with the password shown when the demo was loaded (or the one chosen since)"
}

// saveDemoPassword keeps a just generated demo admin password beside the embedded
// cluster and returns the file's path; "" without an embedded cluster, or when the
// file is neither written now nor there from before.
// A saved password the admin has changed since is removed: it would only mislead.
func saveDemoPassword(ctx context.Context, rt *cli.Runtime, generated string) string {
	if rt.ClusterDir() == "" {
		return ""
	}
	path := filepath.Join(rt.ClusterDir(), demoCredentialsFile)
	if generated != "" {
		// A new file renamed into place: writing over one already there would keep its
		// mode, and the password would be readable to others until a chmod.
		tmp := path + ".new"
		_ = os.Remove(tmp)
		err := os.WriteFile(tmp, []byte(generated+"\n"), 0o600)
		if err == nil {
			err = os.Rename(tmp, path)
		}
		if err != nil {
			rt.Log.Warn("could not save the demo admin password", "path", path, "error", err)
			return ""
		}
		return path
	}
	saved, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	if _, err := rt.Svc.Users.CheckPassword(ctx, demo.AdminEmail, strings.TrimSpace(string(saved))); apperr.IsKind(err, apperr.KindUnauthenticated) {
		if err := os.Remove(path); err != nil {
			rt.Log.Warn("could not remove the outdated demo admin password", "path", path, "error", err)
		}
		return ""
	}
	return path
}

// displayHost is the address to print: localhost for a wildcard listener.
func displayHost(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return a.String()
	}
	host := tcp.IP.String()
	if tcp.IP.IsUnspecified() {
		host = "localhost"
	}
	return net.JoinHostPort(host, strconv.Itoa(tcp.Port))
}

func unwrapOp(err error) error {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err
	}
	return err
}
