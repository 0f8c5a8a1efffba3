package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"cartera/internal/app"
	"cartera/internal/audit"
	"cartera/internal/http/server"
	"cartera/internal/platform/db"
	"cartera/internal/platform/pgserver"
	"cartera/internal/user"
)

// privateCluster starts a PostgreSQL cluster of the test's own, which the test may
// stop and start again.
func privateCluster(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "cartera-outage-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil { // as root the cluster runs as postgres
		t.Fatal(err)
	}
	return dir
}

func startCluster(t *testing.T, dir string) *pgserver.Server {
	t.Helper()
	cluster, err := pgserver.Start(context.Background(), pgserver.Options{DataDir: dir, Throwaway: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cluster.Stop() })
	return cluster
}

type answer struct {
	status int
	header http.Header
	body   string
}

func send(t *testing.T, a *fiber.App, path, token, cookie string) answer {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	resp, err := a.Test(req, 30_000)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, string(b)}
}

// TestDatabaseOutage stops the database under a running service and starts it again.
// During the outage the API answers 503 problem+json and the pages a 503 page, both
// with Retry-After (they answered 500, which says the request was at fault and not to
// retry), /readyz says 503 and /healthz still 200; once the database is back the same
// service answers again, with no restart.
func TestDatabaseOutage(t *testing.T) {
	ctx := context.Background()
	dir := privateCluster(t)
	cluster := startCluster(t, dir)
	dsn := cluster.DSN("postgres")
	conn, err := db.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := db.Migrate(ctx, conn, nil); err != nil {
		t.Fatal(err)
	}
	svc, err := app.New(ctx, conn, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Users.Create(ctx, audit.System("test"), user.NewUser{Email: "v@example.org", Role: user.Viewer, Password: "correct horse battery"}); err != nil {
		t.Fatal(err)
	}
	_, token, err := svc.Users.CreateToken(ctx, audit.System("test"), "v@example.org", "test")
	if err != nil {
		t.Fatal(err)
	}
	a, err := server.New(server.Config{Version: "test", Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Ready: func(ctx context.Context) error { return db.Probe(ctx, dsn) }}, svc)
	if err != nil {
		t.Fatal(err)
	}
	if r := send(t, a, "/api/v1/partners", token, ""); r.status != http.StatusOK {
		t.Fatalf("before the outage: %d %s", r.status, r.body)
	}
	if r := send(t, a, "/readyz", "", ""); r.status != http.StatusOK {
		t.Fatalf("/readyz before the outage: %d %s", r.status, r.body)
	}

	if err := cluster.Stop(); err != nil {
		t.Fatal(err)
	}
	api := send(t, a, "/api/v1/partners", token, "")
	if api.status != http.StatusServiceUnavailable || api.header.Get("Retry-After") != "5" ||
		api.header.Get("Content-Type") != "application/problem+json" || !strings.Contains(api.body, "database is unavailable") {
		t.Errorf("API during the outage: %d Retry-After %q %s %s", api.status, api.header.Get("Retry-After"), api.header.Get("Content-Type"), api.body)
	}
	page := send(t, a, "/partners", "", "cartera_session=abc")
	if page.status != http.StatusServiceUnavailable || page.header.Get("Retry-After") != "5" || !strings.Contains(page.body, "Temporarily unavailable") {
		t.Errorf("page during the outage: %d Retry-After %q\n%.300s", page.status, page.header.Get("Retry-After"), page.body)
	}
	if r := send(t, a, "/readyz", "", ""); r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") == "" {
		t.Errorf("/readyz during the outage: %d %s", r.status, r.body)
	}
	if r := send(t, a, "/healthz", "", ""); r.status != http.StatusOK {
		t.Errorf("/healthz during the outage: %d %s (the process is alive)", r.status, r.body)
	}

	startCluster(t, dir)
	if r := send(t, a, "/readyz", "", ""); r.status != http.StatusOK {
		t.Errorf("/readyz after the restart: %d %s", r.status, r.body)
	}
	// The pool's connections died with the database; the pool must replace them
	// itself: every request after the restart succeeds.
	for i := range 3 {
		if r := send(t, a, "/api/v1/partners", token, ""); r.status != http.StatusOK {
			t.Errorf("request %d after the restart: %d %s", i+1, r.status, r.body)
		}
	}
	if r := send(t, a, "/partners", "", "cartera_session=abc"); r.status != http.StatusSeeOther {
		t.Errorf("page after the restart: %d (want the sign-in redirect)", r.status)
	}
}
