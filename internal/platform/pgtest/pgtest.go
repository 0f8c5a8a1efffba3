// Package pgtest gives each test its own migrated PostgreSQL database.
//
// With DATABASE_URL unset, the first test that asks starts one throwaway cluster for the
// whole test binary (pgserver, no fsync); with it set, that server is used. Either way
// the migrations are applied once to a template database, and each test gets a
// CREATE DATABASE ... TEMPLATE copy, which takes tens of milliseconds. Databases are not
// dropped per test (each drop costs a checkpoint); Main removes the cluster, or drops
// the copies on an external server, when the binary's tests are done.
//
// A package that uses New must call Main from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
package pgtest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"cartera/internal/platform/db"
	"cartera/internal/platform/pgserver"
)

var (
	mainCalled bool
	setupOnce  sync.Once
	setupErr   error
	cloneMu    sync.Mutex
	h          harness
)

type harness struct {
	server   *pgserver.Server // nil when DATABASE_URL names an external server
	baseDSN  string           // connects to the maintenance database
	admin    *sqlx.DB
	template string
	clones   []string
}

// Main runs the package's tests and then removes what they created.
func Main(m *testing.M) int {
	mainCalled = true
	code := m.Run()
	if err := teardown(); err != nil {
		fmt.Fprintln(os.Stderr, "pgtest: teardown:", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// New returns a pool on a fresh, migrated database of the test's own, closed at the end.
func New(t testing.TB) *sqlx.DB {
	t.Helper()
	conn, _ := open(t)
	return conn
}

// NewDSN is New for tests that need the connection string, e.g. to hand to a process.
func NewDSN(t testing.TB) string {
	t.Helper()
	_, dsn := open(t)
	return dsn
}

func open(t testing.TB) (*sqlx.DB, string) {
	t.Helper()
	if !mainCalled {
		t.Fatal("pgtest: call pgtest.Main from this package's TestMain, so the test cluster is removed afterwards")
	}
	setupOnce.Do(func() { setupErr = setup() })
	if setupErr != nil {
		t.Fatalf("pgtest: %v", setupErr)
	}
	cloneMu.Lock()
	name := fmt.Sprintf("%s_%d", h.template, len(h.clones)+1)
	_, err := h.admin.Exec(fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", name, h.template))
	if err == nil {
		h.clones = append(h.clones, name)
	}
	cloneMu.Unlock()
	if err != nil {
		t.Fatalf("pgtest: clone template: %v", err)
	}
	dsn := withDatabase(h.baseDSN, name)
	conn, err := db.Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn, dsn
}

func setup() error {
	ctx := context.Background()
	if external := os.Getenv("DATABASE_URL"); external != "" {
		h.baseDSN = external
	} else {
		dir, err := os.MkdirTemp("", "cartera-pgtest-")
		if err != nil {
			return err
		}
		// As root the cluster runs as the postgres user, who must reach inside.
		if err := os.Chmod(dir, 0o755); err != nil {
			return err
		}
		h.server, err = pgserver.Start(ctx, pgserver.Options{DataDir: dir, Throwaway: true})
		if err != nil {
			os.RemoveAll(dir)
			return err
		}
		h.baseDSN = h.server.DSN("postgres")
	}
	var err error
	if h.admin, err = db.Open(ctx, h.baseDSN); err != nil {
		return err
	}
	h.template = fmt.Sprintf("cartera_test_%d_%d", os.Getpid(), time.Now().UnixNano()%1e6)
	if _, err := h.admin.Exec("CREATE DATABASE " + h.template); err != nil {
		return fmt.Errorf("create template database: %w", err)
	}
	tpl, err := db.Open(ctx, withDatabase(h.baseDSN, h.template))
	if err != nil {
		return err
	}
	// Cloning needs the template to have no connections: close this pool first.
	defer tpl.Close()
	return db.Migrate(ctx, tpl, nil)
}

func teardown() error {
	if h.admin != nil && h.server == nil {
		for _, name := range append(h.clones, h.template) {
			if _, err := h.admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
				return err
			}
		}
	}
	if h.admin != nil {
		h.admin.Close()
	}
	if h.server != nil {
		if err := h.server.Stop(); err != nil {
			return err
		}
		return h.server.Remove()
	}
	return nil
}

// withDatabase returns dsn (a URL or a key=value string) pointing at database name.
func withDatabase(dsn, name string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err == nil {
			u.Path = "/" + name
			return u.String()
		}
	}
	// In a key=value string the last occurrence of a key wins.
	return dsn + " dbname=" + name
}
