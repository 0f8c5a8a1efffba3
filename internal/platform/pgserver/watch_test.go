package pgserver

import (
	"bytes"
	"context"
	"database/sql"
	"log/slog"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// syncBuffer is a log destination the watch may write to while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// TestRestartAfterCrash kills the postmaster as the kernel's OOM killer would
// (SIGKILL): the process that started it restarts it, within a bound, and the same
// connection string answers again; twice in a row, so the delay grows but a second
// crash is survived too. After Stop the cluster stays down: no restart of a
// shutdown that was asked for.
func TestRestartAfterCrash(t *testing.T) {
	dir := reachableTempDir(t)
	var logs syncBuffer
	s, err := Start(context.Background(), Options{DataDir: dir, Throwaway: true,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Stop() })
	dsn := s.DSN("postgres")
	for crash := 1; crash <= 2; crash++ {
		killed := s.child()
		if err := syscall.Kill(killed.Process.Pid, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		begin := time.Now()
		if !answersWithin(dsn, 20*time.Second) {
			t.Fatalf("crash %d: the cluster did not answer again within 20 s; log:\n%s", crash, logs.String())
		}
		// The watch records its new child a moment after the cluster answers.
		for s.child() == killed && time.Since(begin) < 20*time.Second {
			time.Sleep(10 * time.Millisecond)
		}
		if c := s.child(); c == nil || c == killed {
			t.Fatalf("crash %d: no new postmaster recorded; log:\n%s", crash, logs.String())
		}
		t.Logf("crash %d: answering again after %s", crash, time.Since(begin).Round(time.Millisecond))
	}
	if n := strings.Count(logs.String(), "PostgreSQL exited unexpectedly"); n != 2 {
		t.Errorf("logged %d unexpected exits, want 2:\n%s", n, logs.String())
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * restartFirst)
	assertAnswers(t, dsn, false)
	if strings.Count(logs.String(), "PostgreSQL exited unexpectedly") != 2 {
		t.Errorf("Stop was taken for a crash:\n%s", logs.String())
	}
}

func answersWithin(dsn string, limit time.Duration) bool {
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		return false
	}
	defer db.Close()
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := db.PingContext(ctx)
		cancel()
		if err == nil {
			return true
		}
	}
	return false
}
