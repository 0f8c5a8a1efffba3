package pgserver

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
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

// startLogged starts a throwaway cluster whose log the test reads, stopped at the end.
func startLogged(t *testing.T) (*Server, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	s, err := Start(context.Background(), Options{DataDir: reachableTempDir(t), Throwaway: true,
		Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Stop() })
	return s, logs
}

// TestRestartAfterCrash kills the postmaster as the kernel's OOM killer would
// (SIGKILL): the process that started it restarts it, within a bound, and the same
// connection string answers again; twice in a row, so the delay grows but a second
// crash is survived too. After Stop the cluster stays down: no restart of a
// shutdown that was asked for.
func TestRestartAfterCrash(t *testing.T) {
	s, logs := startLogged(t)
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

// TestRestartWaitsForRecovery makes a restarted postmaster take longer than
// startTimeout to recover, as a crash recovery of much WAL does (here: an archive
// recovery whose restore_command takes 2 s a file, hot standby off so that the cluster
// answers only once recovered): the restart waits for it rather
// than killing it at startTimeout, and the same postmaster answers once recovered.
// Then Stop, called while such a restart waits (a restore_command of 10 minutes),
// returns promptly and leaves no postmaster behind.
func TestRestartWaitsForRecovery(t *testing.T) {
	saved := startTimeout.Load()
	t.Cleanup(func() { startTimeout.Store(saved) })
	startTimeout.Store(int64(time.Second))
	s, logs := startLogged(t)
	appendConf(t, s, "hot_standby = off")

	slow, begin := crashIntoRecovery(t, s, logs, "sleep 2; exit 1")
	if !answersWithin(s.DSN("postgres"), 60*time.Second) {
		t.Fatalf("the recovered cluster does not answer; log:\n%s", logs.String())
	}
	for (s.child() == nil || s.child().Process.Pid != slow) && time.Since(begin) < 70*time.Second {
		time.Sleep(10 * time.Millisecond)
	}
	took := time.Since(begin)
	if c := s.child(); c == nil || c.Process.Pid != slow {
		t.Fatalf("the slowly recovering postmaster %d is not the one that answers; log:\n%s", slow, logs.String())
	}
	if took < 2*startTimeoutNow() || !strings.Contains(logs.String(), "still starting") {
		t.Fatalf("recovery took %s, too little to test a wait beyond %s; log:\n%s", took, startTimeoutNow(), logs.String())
	}
	if strings.Contains(logs.String(), "restarting PostgreSQL failed") {
		t.Errorf("a restart failed on the way:\n%s", logs.String())
	}
	t.Logf("recovered and answering after %s", took.Round(time.Millisecond))

	startTimeout.Store(int64(10 * time.Minute)) // Stop must not wait for it
	stuck, _ := crashIntoRecovery(t, s, logs, "sleep 600; exit 1")
	stopped := make(chan error, 1)
	begin = time.Now()
	go func() { stopped <- s.Stop() }()
	select {
	case err := <-stopped:
		if err != nil {
			t.Errorf("Stop: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("Stop still waits for a restart after 15 s; log:\n%s", logs.String())
	}
	t.Logf("Stop during a restart took %s", time.Since(begin).Round(time.Millisecond))
	if err := syscall.Kill(stuck, 0); err == nil {
		t.Errorf("the restarting postmaster (%d) is left running after Stop", stuck)
	}
}

// crashIntoRecovery kills the cluster's postmaster with an archive recovery to do on
// restart (recovery.signal, restore_command), and returns the pid of the restarted
// postmaster once it says it is recovering, and when it was killed.
func crashIntoRecovery(t *testing.T, s *Server, logs *syncBuffer, restoreCommand string) (int, time.Time) {
	t.Helper()
	appendConf(t, s, "restore_command = '"+restoreCommand+"'")
	if err := os.WriteFile(filepath.Join(s.pgData, "recovery.signal"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	killed := s.child()
	if err := syscall.Kill(killed.Process.Pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	begin := time.Now()
	for time.Since(begin) < 20*time.Second {
		if pid, status := pidFileStatus(s.pgData); pid != 0 && pid != killed.Process.Pid && (status == "starting" || status == "standby") {
			return pid, begin
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no restarted postmaster starting within 20 s; log:\n%s", logs.String())
	return 0, begin
}

// pidFileStatus reads the pid and the status line of the cluster's postmaster.pid.
func pidFileStatus(pgData string) (int, string) {
	b, err := os.ReadFile(filepath.Join(pgData, "postmaster.pid"))
	if err != nil {
		return 0, ""
	}
	lines := strings.Split(string(b), "\n")
	if len(lines) < 8 {
		return 0, ""
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(lines[0]))
	return pid, strings.TrimSpace(lines[7])
}

// appendConf adds a setting to the cluster's postgresql.conf, read at its next start.
func appendConf(t *testing.T, s *Server, setting string) {
	t.Helper()
	conf, err := os.OpenFile(filepath.Join(s.pgData, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer conf.Close()
	if _, err := conf.WriteString("\n" + setting + "\n"); err != nil {
		t.Fatal(err)
	}
}

// TestStillStarting reads postmaster.pid's status line: a postmaster of another pid,
// a ready one and a missing or short file are not taken for one recovering.
func TestStillStarting(t *testing.T) {
	pidFile := func(pid int, status string) string {
		return fmt.Sprintf("%d\n/data/postgres\n1796322774\n5432\n/data/postgres\n\n 10167299   2981946\n%-8s\n", pid, status)
	}
	cases := []struct {
		name, content string
		want          bool
	}{
		{"crash recovery", pidFile(4242, "starting"), true},
		{"archive recovery, no hot standby", pidFile(4242, "standby"), true},
		{"ready", pidFile(4242, "ready"), false},
		{"stopping", pidFile(4242, "stopping"), false},
		{"another postmaster", pidFile(4343, "starting"), false},
		{"no status line yet", "4242\n/data/postgres\n1796322774\n", false},
		{"no file", "", false},
	}
	for _, c := range cases {
		s := &Server{pgData: t.TempDir()}
		if c.content != "" {
			if err := os.WriteFile(filepath.Join(s.pgData, "postmaster.pid"), []byte(c.content), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		if got := s.stillStarting(4242); got != c.want {
			t.Errorf("%s: stillStarting = %v, want %v", c.name, got, c.want)
		}
	}
}
