package pgserver

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestFindBinaries(t *testing.T) {
	root := t.TempDir()
	mk := func(dir string, names ...string) {
		t.Helper()
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, n := range names {
			if err := os.WriteFile(filepath.Join(dir, n), []byte("#!/bin/sh\n"), 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	onPath := filepath.Join(root, "path")
	mk(onPath, "initdb", "postgres")
	onlyInitdb := filepath.Join(root, "half")
	mk(onlyInitdb, "initdb")
	debian := filepath.Join(root, "lib", "postgresql")
	mk(filepath.Join(debian, "13", "bin"), "initdb", "postgres")
	mk(filepath.Join(debian, "15", "bin"), "initdb", "postgres")
	mk(filepath.Join(debian, "16", "bin"), "initdb") // incomplete: skipped

	tests := []struct {
		name    string
		path    string
		roots   []string
		wantDir string
	}{
		{"PATH wins", onlyInitdb + ":" + onPath, []string{debian}, onPath},
		{"highest complete Debian version", onlyInitdb, []string{debian}, filepath.Join(debian, "15", "bin")},
		{"nothing anywhere", onlyInitdb, []string{filepath.Join(root, "missing")}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := FindBinaries(tt.path, tt.roots)
			if tt.wantDir == "" {
				if !errors.Is(err, ErrNoBinaries) {
					t.Fatalf("err = %v, want ErrNoBinaries", err)
				}
				if !strings.Contains(err.Error(), "apt-get install postgresql") || !strings.Contains(err.Error(), "DATABASE_URL") {
					t.Errorf("message %q should say what to install or set", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if b.InitDB != filepath.Join(tt.wantDir, "initdb") || b.Postgres != filepath.Join(tt.wantDir, "postgres") {
				t.Errorf("got %+v, want binaries in %s", b, tt.wantDir)
			}
		})
	}
}

// TestSocketDirForLongPaths: a data directory too deep for a unix socket path gets a
// private socket directory elsewhere, recorded so every process finds the same one,
// and a recorded directory that is not private to the owner is never trusted.
func TestSocketDirForLongPaths(t *testing.T) {
	base := reachableTempDir(t)
	s := &Server{dataDir: filepath.Join(base, strings.Repeat("d", 120))}
	s.pgData = filepath.Join(s.dataDir, "postgres")
	if os.Geteuid() == 0 {
		var err error
		if s.owner, err = clusterOwner(); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(s.dataDir, 0o755); err != nil {
		t.Fatal(err)
	}
	first, err := s.socketDir()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(first) })
	if len(first)+len("/.s.PGSQL.5432") > maxSocketPath || strings.HasPrefix(first, s.dataDir) {
		t.Fatalf("fallback %q", first)
	}
	if again, err := s.socketDir(); err != nil || again != first {
		t.Fatalf("second lookup = %q (%v), want the recorded %q", again, err, first)
	}
	// Someone widens the directory's permissions, or swaps it for a link: not trusted.
	if err := os.Chmod(first, 0o755); err != nil {
		t.Fatal(err)
	}
	third, err := s.socketDir()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(third) })
	if third == first {
		t.Error("a socket directory others can enter was trusted")
	}
	short := &Server{dataDir: "/tmp/x", pgData: "/tmp/x/postgres"}
	if got, _ := short.socketDir(); got != "/tmp/x/postgres" {
		t.Errorf("short paths keep the socket in the cluster directory, got %q", got)
	}
}

func reachableTempDir(t *testing.T) string {
	t.Helper()
	// t.TempDir's parent is private to this user; as root the postgres user must reach it.
	dir, err := os.MkdirTemp("", "pgserver-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestUnwritableDataDir(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Start(context.Background(), Options{DataDir: filepath.Join(file, "sub")})
	if err == nil || !strings.Contains(err.Error(), "cannot be created") {
		t.Fatalf("err = %v, want a clear data directory error", err)
	}
}

// TestStartReuseStop starts a real cluster, attaches a second Server to it as a second
// cartera process would, and checks that only the owner stops it.
func TestStartReuseStop(t *testing.T) {
	if _, err := FindBinaries(os.Getenv("PATH"), DebianRoots); err != nil {
		t.Fatal(err) // the machine must have PostgreSQL; .ci/run installs it
	}
	dir := reachableTempDir(t)
	ctx := context.Background()
	first, err := Start(ctx, Options{DataDir: dir, Throwaway: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = first.Stop() })
	if !first.owned {
		t.Fatal("the first Start should own the cluster")
	}
	if os.Geteuid() == 0 {
		info, err := os.Stat(filepath.Join(dir, "postgres"))
		if err != nil {
			t.Fatal(err)
		}
		if uid := info.Sys().(*syscall.Stat_t).Uid; uid == 0 {
			t.Error("as root, the cluster directory must belong to the postgres user, not root")
		}
	}

	second, err := Start(ctx, Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if second.owned {
		t.Fatal("a second Start on a running cluster must reuse it, not own it")
	}
	if err := second.Stop(); err != nil {
		t.Fatal(err)
	}
	assertAnswers(t, first.DSN("postgres"), true)

	if err := first.Stop(); err != nil {
		t.Fatal(err)
	}
	assertAnswers(t, first.DSN("postgres"), false)
	if _, err := os.Stat(filepath.Join(dir, "postgres", "postmaster.pid")); !os.IsNotExist(err) {
		t.Errorf("postmaster.pid still present after a clean stop (err=%v)", err)
	}
}

func assertAnswers(t *testing.T, dsn string, want bool) {
	t.Helper()
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var one int
	err = db.QueryRow("SELECT 1").Scan(&one)
	if got := err == nil; got != want {
		t.Fatalf("cluster answers = %v (err %v), want %v", got, err, want)
	}
}

// TestStartAsRootInPrivateDirectory is a checkout under a private directory such as
// /root: the postgres user cannot reach it, so the cluster lives under FallbackRoot,
// linked from the data directory, and later starts find it through the link.
func TestStartAsRootInPrivateDirectory(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root runs the cluster as another user; as this user the data directory is always reachable")
	}
	private := t.TempDir() // 0700, owned by root
	fallback, err := os.MkdirTemp("", "pgserver-fallback-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(fallback) })
	if err := os.Chmod(fallback, 0o755); err != nil {
		t.Fatal(err)
	}
	dataDir := filepath.Join(private, "checkout", "cartera-data")
	opts := Options{DataDir: dataDir, Throwaway: true, FallbackRoot: filepath.Join(fallback, "clusters")}
	s, err := Start(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Stop() })
	target, err := filepath.EvalSymlinks(filepath.Join(dataDir, "postgres"))
	if err != nil || !strings.HasPrefix(target, opts.FallbackRoot) {
		t.Fatalf("cluster at %q (%v), want under %s", target, err, opts.FallbackRoot)
	}
	assertAnswers(t, s.DSN("postgres"), true)
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}

	again, err := Start(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = again.Stop() })
	if !again.owned {
		t.Fatal("the restart should have started the cluster again")
	}
	if _, err := os.Stat(filepath.Join(target, "PG_VERSION")); err != nil {
		t.Fatalf("the restart lost the cluster: %v", err)
	}
	assertAnswers(t, again.DSN("postgres"), true)
	if err := again.Stop(); err != nil {
		t.Fatal(err)
	}

	// Moving the data directory away and starting afresh in its place makes a new
	// cluster; the moved copy's cluster is left alone.
	if err := os.Rename(dataDir, dataDir+".bak"); err != nil {
		t.Fatal(err)
	}
	fresh, err := Start(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = fresh.Stop() })
	if _, err := os.Stat(filepath.Join(target, "PG_VERSION")); err != nil {
		t.Fatalf("starting in the old place destroyed the moved copy's cluster: %v", err)
	}
	if newTarget, _ := filepath.EvalSymlinks(filepath.Join(dataDir, "postgres")); newTarget == target {
		t.Error("the new data directory reuses the old cluster directory")
	}
}

// TestConcurrentFirstStart: two commands started at once on a new data directory
// (say `cartera serve` and `cartera user add`) share one cluster; neither fails.
func TestConcurrentFirstStart(t *testing.T) {
	dir := reachableTempDir(t)
	type result struct {
		s   *Server
		err error
	}
	results := make(chan result, 2)
	for i := 0; i < 2; i++ {
		go func() {
			s, err := Start(context.Background(), Options{DataDir: dir, Throwaway: true})
			results <- result{s, err}
		}()
	}
	var servers []*Server
	for i := 0; i < 2; i++ {
		r := <-results
		if r.err != nil {
			t.Fatal(r.err)
		}
		servers = append(servers, r.s)
	}
	if servers[0].owned == servers[1].owned {
		t.Fatalf("exactly one start should own the cluster: %v %v", servers[0].owned, servers[1].owned)
	}
	for _, s := range servers {
		assertAnswers(t, s.DSN("postgres"), true)
	}
	for _, s := range servers {
		if err := s.Stop(); err != nil {
			t.Fatal(err)
		}
	}
	assertAnswers(t, servers[0].DSN("postgres"), false)
}

// TestLastOneOutStops: the process that started the cluster stopping first leaves it
// to the one still using it, which stops it when it is done; and a cluster whose
// starter died is stopped by the last process to use it.
func TestLastOneOutStops(t *testing.T) {
	dir := reachableTempDir(t)
	ctx := context.Background()
	starter, err := Start(ctx, Options{DataDir: dir, Throwaway: true})
	if err != nil {
		t.Fatal(err)
	}
	user, err := Start(ctx, Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if err := starter.Stop(); err != nil {
		t.Fatal(err)
	}
	assertAnswers(t, user.DSN("postgres"), true)
	if err := user.Stop(); err != nil {
		t.Fatal(err)
	}
	assertAnswers(t, user.DSN("postgres"), false)

	// A starter that dies without stopping (kill -9) only drops its lock.
	dead, err := Start(ctx, Options{DataDir: dir, Throwaway: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = dead.stopChild() })
	dead.lock.Close()
	next, err := Start(ctx, Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if next.owned {
		t.Fatal("the orphaned cluster should have been reused")
	}
	if err := next.Stop(); err != nil {
		t.Fatal(err)
	}
	assertAnswers(t, next.DSN("postgres"), false)
	if _, err := os.Stat(filepath.Join(dir, "postgres", "postmaster.pid")); !os.IsNotExist(err) {
		t.Errorf("the orphan is still running (postmaster.pid: %v)", err)
	}
}
