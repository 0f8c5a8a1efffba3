package main

import (
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestInterruptWithAnIdleConnection is Ctrl-C with a browser tab open: the browser
// keeps its connections open between requests (and may open one it has not used
// yet). The server used to wait its whole 15 s shutdown budget for them, then log an
// error. It must stop within 2 s and log no error.
func TestInterruptWithAnIdleConnection(t *testing.T) {
	srv := startServer(t, dataDir(t), "--demo=false")
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2, IdleConnTimeout: time.Minute}}
	defer client.CloseIdleConnections()
	resp, err := client.Get(srv.url + "/login")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close() // the connection stays open, idle, in the client's pool
	// A connection opened ahead of need, which has sent nothing yet.
	preconnect, err := net.Dial("tcp", strings.TrimPrefix(srv.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer preconnect.Close()
	time.Sleep(200 * time.Millisecond)

	begin := time.Now()
	if err := srv.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("exit: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("cartera serve did not stop within 10 s of SIGINT:\n%s", srv.stderr)
	}
	t.Logf("stopped in %s", time.Since(begin).Round(time.Millisecond))
	if took := time.Since(begin); took > 2*time.Second {
		t.Errorf("stopping took %s with an idle connection open, want at most 2 s", took.Round(time.Millisecond))
	}
	for _, line := range strings.Split(srv.stderr.String(), "\n") {
		if strings.Contains(line, "level=ERROR") || strings.Contains(line, `"level":"ERROR"`) {
			t.Errorf("an error was logged while stopping: %s", line)
		}
	}
}

// TestServeSurvivesPostgresCrash kills the embedded cluster's postmaster under a
// running `cartera serve`: /readyz says 503 while it is down, the server restarts it,
// and /readyz says 200 again, all without restarting the service.
func TestServeSurvivesPostgresCrash(t *testing.T) {
	data := dataDir(t)
	srv := startServer(t, data, "--demo=false")
	pidFile, err := os.ReadFile(filepath.Join(data, "postgres", "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.SplitN(string(pidFile), "\n", 2)[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	sawDown := false
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		code, _, header := get(t, srv.url+"/readyz", "")
		if code == http.StatusServiceUnavailable && header.Get("Retry-After") != "" {
			sawDown = true
		}
		// The restart is logged once pg_ctl's wait returns, which may be a moment
		// after the cluster first answers /readyz (seen on a loaded machine).
		if code == http.StatusOK && sawDown && strings.Contains(srv.stderr.String(), "PostgreSQL restarted") {
			srv.stop(t)
			return
		}
	}
	t.Fatalf("/readyz did not go 503 then 200 with the restart logged within 30 s (saw 503: %v):\n%s", sawDown, srv.stderr)
}
