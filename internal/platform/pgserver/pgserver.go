// Package pgserver runs a private PostgreSQL cluster under a data directory, using the
// PostgreSQL binaries installed on the machine. It is what lets `cartera` run with no
// database configured: the cluster listens on a unix socket only, trusts local
// connections (the socket directory is private to the cluster's owner), and is reused
// by a second cartera process that finds it running.
package pgserver

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	_ "github.com/lib/pq" // the driver readiness checks connect with
)

const (
	// SuperUser is the bootstrap role initdb creates; cartera connects as it.
	SuperUser = "cartera"
	port      = 5432
	// maxSocketPath is the room in sockaddr_un.sun_path (108 bytes with the NUL).
	maxSocketPath = 107
)

// Options configure Start.
type Options struct {
	// DataDir holds the cluster (DataDir/postgres) and its log (DataDir/postgres.log).
	DataDir string
	// BinDir, when set, is where initdb and postgres are; otherwise they are searched.
	BinDir string
	// Throwaway trades durability for speed (no fsync); for test clusters only.
	Throwaway bool
	// FallbackRoot is where the cluster goes when running as root and the postgres
	// user cannot reach DataDir (e.g. under a private /root): linked from
	// DataDir/postgres. Default /var/lib/cartera.
	FallbackRoot string
	Logger       *slog.Logger
}

// Server is a running cluster, started by this process or found running.
type Server struct {
	dataDir string
	pgData  string
	sockDir string
	bins    Binaries
	owned   bool
	owner   *syscall.Credential
	lock    *os.File // .users.lock, held shared while this process uses the cluster
	proc    *exec.Cmd
	exited  chan struct{}
	log     *slog.Logger

	// The watch on a cluster this process started (see watch).
	throwaway bool
	startedAt time.Time
	quit      chan struct{} // closed by Stop: an exit from now on is asked for
	quitOnce  sync.Once
	watchDone chan struct{} // closed when the watch has ended
	mu        sync.Mutex    // guards proc and exited, which the watch replaces
}

// Start starts the cluster under opts.DataDir, creating it with initdb the first time,
// or attaches to it when another process already runs it.
//
// Every cartera process that uses a data directory holds a shared lock on it for as
// long as it does; the last one to Stop stops the cluster, whichever process started
// it (even one that died without stopping it). Deciding whether to start it is done
// under an exclusive lock, so two commands started at once do not both run initdb.
func Start(ctx context.Context, opts Options) (*Server, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	dataDir, err := filepath.Abs(opts.DataDir)
	if err != nil {
		return nil, fmt.Errorf("data directory %q: %w", opts.DataDir, err)
	}
	if err := ensureWritableDir(dataDir); err != nil {
		return nil, err
	}
	owner, err := clusterOwner()
	if err != nil {
		return nil, err
	}
	s := &Server{dataDir: dataDir, pgData: filepath.Join(dataDir, "postgres"), owner: owner, log: log, throwaway: opts.Throwaway}
	startLock, err := lockFile(dataDir, ".start.lock", syscall.LOCK_EX)
	if err != nil {
		return nil, err
	}
	defer startLock.Close()
	if target, err := filepath.EvalSymlinks(s.pgData); err == nil {
		s.pgData = target // relocated by an earlier start; see relocate
	}
	if s.sockDir, err = s.socketDir(); err != nil {
		return nil, err
	}

	if s.answers(ctx) {
		log.Info("reusing the PostgreSQL cluster already running", "data_dir", s.pgData)
	} else if err := s.create(ctx, opts); err != nil {
		return nil, err
	}
	// Held, shared, for as long as this process uses the cluster.
	if s.lock, err = lockFile(dataDir, ".users.lock", syscall.LOCK_SH); err != nil {
		return nil, err
	}
	s.quit, s.watchDone = make(chan struct{}), make(chan struct{})
	if s.proc != nil {
		go s.watch()
	} else {
		close(s.watchDone)
	}
	return s, nil
}

// create starts the cluster, with initdb first when there is none yet.
func (s *Server) create(ctx context.Context, opts Options) (err error) {
	if opts.BinDir != "" {
		s.bins, err = binariesIn(opts.BinDir)
	} else {
		s.bins, err = FindBinaries(os.Getenv("PATH"), DebianRoots)
	}
	if err != nil {
		return err
	}
	if s.owner != nil {
		// The postgres user must be able to pass through the data directory to reach
		// its cluster inside; the directory is cartera's, so granting search is ours to do.
		if info, err := os.Stat(s.dataDir); err == nil && info.Mode().Perm()&0o011 != 0o011 {
			if err := os.Chmod(s.dataDir, info.Mode().Perm()|0o011); err != nil {
				return fmt.Errorf("let the postgres user reach %s: %w", s.dataDir, err)
			}
		}
		if !reachable(s.owner, filepath.Dir(s.pgData)) {
			if err := s.relocate(opts.FallbackRoot); err != nil {
				return err
			}
		}
	}
	if err := s.initIfNeeded(ctx, s.owner, opts.Throwaway); err != nil {
		return err
	}
	return s.start(ctx, s.owner, opts.Throwaway)
}

// lockFile opens one of the data directory's lock files and flocks it (how may add
// LOCK_NB, to fail rather than wait). Two locks: .start.lock, exclusive while a process
// decides to start or stop the cluster; .users.lock, shared by every process using it.
func lockFile(dataDir, name string, how int) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dataDir, name), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("data directory %s: %w", dataDir, err)
	}
	if err := syscall.Flock(int(f.Fd()), how); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// DSN returns a lib/pq connection string for database dbname on this cluster.
func (s *Server) DSN(dbname string) string {
	return fmt.Sprintf("host=%s port=%d user=%s dbname=%s sslmode=disable",
		quoteDSN(s.sockDir), port, SuperUser, quoteDSN(dbname))
}

// DataDir is the absolute directory that holds the cluster.
func (s *Server) DataDir() string { return s.dataDir }

// Stop releases this process's hold on the cluster and, when no other cartera process
// holds it, shuts the cluster down and waits for it to exit.
func (s *Server) Stop() error {
	if s.lock == nil {
		return nil
	}
	// The watch ends first: from here on the cluster exiting is what was asked for.
	s.quitOnce.Do(func() { close(s.quit) })
	<-s.watchDone
	defer func() { s.lock.Close(); s.lock = nil }()
	// No process may decide to reuse the cluster while this one decides to stop it.
	startLock, err := lockFile(s.dataDir, ".start.lock", syscall.LOCK_EX)
	if err != nil {
		return fmt.Errorf("lock %s: %w", s.dataDir, err)
	}
	defer startLock.Close()
	if err := syscall.Flock(int(s.lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		if errors.Is(err, syscall.EWOULDBLOCK) {
			s.log.Info("PostgreSQL left running for the other cartera processes using it", "data_dir", s.pgData)
			return nil
		}
		return fmt.Errorf("lock %s: %w", s.dataDir, err)
	}
	if s.proc != nil {
		return s.stopChild()
	}
	return s.stopOrphan()
}

func (s *Server) stopChild() error {
	// SIGINT is PostgreSQL's "fast" shutdown: roll back open transactions, checkpoint, exit.
	if err := s.proc.Process.Signal(syscall.SIGINT); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("stop postgres: %w", err)
	}
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		_ = s.proc.Process.Signal(syscall.SIGQUIT)
		<-s.exited
		return errors.New("postgres did not stop within 30 s; sent SIGQUIT")
	}
	s.log.Info("PostgreSQL stopped", "data_dir", s.pgData)
	return nil
}

// stopOrphan stops a cluster this process did not start (its starter has exited, or
// died), by the process id PostgreSQL keeps in postmaster.pid.
func (s *Server) stopOrphan() error {
	pidFile := filepath.Join(s.pgData, "postmaster.pid")
	b, err := os.ReadFile(pidFile)
	if err != nil {
		return nil // not running
	}
	pid, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0]))
	if err != nil || pid <= 0 {
		return fmt.Errorf("unreadable %s", pidFile)
	}
	if err := syscall.Kill(pid, syscall.SIGINT); err != nil {
		return nil // already gone
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		// PostgreSQL removes its pid file on a clean exit; the process may linger as a
		// zombie where nothing reaps orphans, so the file is what says it is done.
		if _, err := os.Stat(pidFile); os.IsNotExist(err) {
			s.log.Info("PostgreSQL stopped", "data_dir", s.pgData)
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	_ = syscall.Kill(pid, syscall.SIGQUIT)
	return errors.New("postgres did not stop within 30 s; sent SIGQUIT")
}

// Remove deletes the data directory; for throwaway clusters after Stop.
func (s *Server) Remove() error { return os.RemoveAll(s.dataDir) }

func (s *Server) initIfNeeded(ctx context.Context, owner *syscall.Credential, throwaway bool) error {
	if _, err := os.Stat(filepath.Join(s.pgData, "PG_VERSION")); err == nil {
		return nil
	}
	if entries, err := os.ReadDir(s.pgData); err == nil && len(entries) > 0 {
		return fmt.Errorf("%s exists but holds no PostgreSQL cluster; move it away or choose another --data-dir", s.pgData)
	}
	if err := os.MkdirAll(s.pgData, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", s.pgData, err)
	}
	if err := chownTo(owner, s.pgData); err != nil {
		return err
	}
	start := time.Now()
	args := []string{"-D", s.pgData, "-U", SuperUser, "-A", "trust", "-E", "UTF8", "--locale=C", "--no-instructions"}
	if throwaway {
		args = append(args, "--no-sync")
	}
	cmd := exec.CommandContext(ctx, s.bins.InitDB, args...)
	cmd.Dir = filepath.Dir(s.pgData) // reachable by the cluster owner, unlike a relocated cluster's data dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: owner}
	out, err := cmd.CombinedOutput()
	if err != nil {
		_ = os.RemoveAll(s.pgData) // a half-made cluster would block the next attempt
		hint := ""
		if owner != nil && strings.Contains(err.Error()+string(out), "ermission denied") {
			hint = fmt.Sprintf(" (running as root, initdb runs as the postgres user, which must be able to reach %s)", s.dataDir)
		}
		return fmt.Errorf("initdb failed%s: %w\n%s", hint, err, lastLines(string(out), 8))
	}
	s.log.Info("created PostgreSQL cluster", "data_dir", s.pgData, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

func (s *Server) start(ctx context.Context, owner *syscall.Credential, throwaway bool) error {
	logPath := filepath.Join(s.dataDir, "postgres.log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("open %s: %w", logPath, err)
	}
	defer logFile.Close() // the child keeps its own descriptor

	args := []string{"-D", s.pgData, "-p", strconv.Itoa(port), "-k", s.sockDir,
		"-c", "listen_addresses=", "-c", "unix_socket_permissions=0700"}
	if throwaway {
		args = append(args, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
			"-c", "wal_buffers=16MB", "-c", "max_wal_size=4GB")
	}
	cmd := exec.Command(s.bins.Postgres, args...)
	cmd.Dir = filepath.Dir(s.pgData) // reachable by the cluster owner, unlike a relocated cluster's data dir
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Its own process group, so a Ctrl-C at the terminal reaches cartera only, and
	// cartera stops the cluster after the HTTP server has drained.
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: owner, Setpgid: true}
	begin := time.Now()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()

	return s.awaitReady(ctx, cmd, exited, begin, logPath)
}

// startTimeout is how long a starting postmaster may take to answer before it is
// taken for stuck, unless it says it is still starting (see stillStarting). A variable
// so that a test can shorten it (while a restart may read it).
var startTimeout atomic.Int64 // a time.Duration; atomic, as a watcher may be starting

func init() { startTimeout.Store(int64(60 * time.Second)) }

func startTimeoutNow() time.Duration { return time.Duration(startTimeout.Load()) }

// awaitReady waits for the postmaster just started to answer, and records it as this
// process's child once it does. A postmaster that outlives startTimeout while still
// starting, i.e. replaying WAL after a crash, which takes as long as there is WAL, is
// given more time rather than killed, which would only make it start over; ctx, which
// Stop cancels for a restart, bounds the wait.
func (s *Server) awaitReady(ctx context.Context, cmd *exec.Cmd, exited chan struct{}, begin time.Time, logPath string) error {
	timeout := startTimeoutNow()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-exited:
			// Another cartera may have won a race to start the same cluster.
			if s.answers(ctx) {
				s.log.Info("reusing the PostgreSQL cluster another process started", "data_dir", s.pgData)
				return nil
			}
			return fmt.Errorf("postgres exited while starting; its log (%s) ends:\n%s", logPath, tailFile(logPath, 8))
		case <-deadline.C:
			if s.stillStarting(cmd.Process.Pid) {
				s.log.Info("PostgreSQL is still starting (recovering after a crash?); waiting", "data_dir", s.pgData,
					"for", time.Since(begin).Round(time.Second), "log", logPath)
				deadline.Reset(timeout)
				continue
			}
			quitChild(cmd, exited)
			return fmt.Errorf("postgres was not ready within %s; see %s", timeout, logPath)
		case <-ctx.Done():
			quitChild(cmd, exited)
			return ctx.Err()
		case <-tick.C:
			if s.answers(ctx) {
				s.mu.Lock()
				s.owned, s.proc, s.exited, s.startedAt = true, cmd, exited, time.Now()
				s.mu.Unlock()
				s.log.Info("PostgreSQL started", "data_dir", s.pgData, "took", time.Since(begin).Round(time.Millisecond))
				return nil
			}
		}
	}
}

// quitChild stops a postmaster that is not to run (PostgreSQL's immediate shutdown,
// SIGQUIT) and waits for it to exit, so that nothing of it is left when the caller
// returns: not a next start refused for its postmaster.pid, nor a cluster running
// after Stop.
func quitChild(cmd *exec.Cmd, exited chan struct{}) {
	_ = cmd.Process.Signal(syscall.SIGQUIT)
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
	}
}

// stillStarting reports whether the postmaster with this pid runs the cluster and says,
// on the status line of its postmaster.pid, that it is recovering: "starting" until a
// crash recovery is over; "standby" through an archive recovery (recovery.signal)
// without hot standby. Either way it does not answer yet (the caller checks that).
func (s *Server) stillStarting(pid int) bool {
	b, err := os.ReadFile(filepath.Join(s.pgData, "postmaster.pid"))
	if err != nil {
		return false
	}
	lines := strings.Split(string(b), "\n")
	const statusLine = 7 // LOCK_FILE_LINE_PM_STATUS, counted from 0
	if len(lines) <= statusLine || strings.TrimSpace(lines[0]) != strconv.Itoa(pid) {
		return false
	}
	status := strings.TrimSpace(lines[statusLine])
	return status == "starting" || status == "standby"
}

// answers reports whether a cluster accepts queries on this data directory's socket.
func (s *Server) answers(ctx context.Context) bool {
	if _, err := os.Stat(filepath.Join(s.sockDir, fmt.Sprintf(".s.PGSQL.%d", port))); err != nil {
		return false
	}
	db, err := sql.Open("postgres", s.DSN("postgres"))
	if err != nil {
		return false
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	return db.PingContext(ctx) == nil
}

// relocate puts a new cluster under root (default /var/lib/cartera), named after the
// data directory, and links it from DataDir/postgres: the data directory stays the
// one place that says which cluster is cartera's. Used when running as root in a
// directory the postgres user cannot reach, such as a checkout under /root.
func (s *Server) relocate(root string) error {
	if root == "" {
		root = "/var/lib/cartera"
	}
	link := filepath.Join(s.dataDir, "postgres")
	if _, err := os.Lstat(link); err == nil {
		return fmt.Errorf("the postgres user cannot reach %s, where the cluster is; make its parent directories searchable (chmod o+x) or use another --data-dir", link)
	}
	// A fresh name every time: a data directory moved or removed leaves its cluster
	// behind, linked from the moved copy, and nothing may overwrite it.
	target := filepath.Join(root, "cluster-"+randomHex(8))
	if err := os.MkdirAll(root, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", root, err)
	}
	if !reachable(s.owner, root) {
		return fmt.Errorf("the postgres user can reach neither %s nor %s; make one of them searchable (chmod o+x) or use another --data-dir", s.dataDir, root)
	}
	if err := os.Symlink(target, link); err != nil {
		return fmt.Errorf("link %s to %s: %w", link, target, err)
	}
	s.log.Info("the postgres user cannot reach the data directory; keeping the cluster elsewhere, linked from it",
		"data_dir", s.dataDir, "cluster", target)
	s.pgData = target
	var err error
	s.sockDir, err = s.socketDir()
	return err
}

// reachable reports whether the user of cred may search every directory from the root
// down to dir (supplementary groups are not considered).
func reachable(cred *syscall.Credential, dir string) bool {
	for d := dir; ; d = filepath.Dir(d) {
		info, err := os.Stat(d)
		if err != nil {
			return false
		}
		st, ok := info.Sys().(*syscall.Stat_t)
		if !ok {
			return false
		}
		perm := info.Mode().Perm()
		var bit os.FileMode = 0o001
		if st.Uid == cred.Uid {
			bit = 0o100
		} else if st.Gid == cred.Gid {
			bit = 0o010
		}
		if perm&bit == 0 {
			return false
		}
		if d == filepath.Dir(d) {
			return true
		}
	}
}

// socketDir is the cluster directory itself when its socket path fits in a
// sockaddr_un. Otherwise it is a fresh private directory under the temp dir, recorded
// in the data directory so that every process finds the same one, and trusted only
// while it is a real directory owned by the cluster's owner with no access for others.
func (s *Server) socketDir() (string, error) {
	if len(s.pgData)+len("/.s.PGSQL.5432") <= maxSocketPath {
		return s.pgData, nil
	}
	record := filepath.Join(s.dataDir, ".socket-dir")
	if b, err := os.ReadFile(record); err == nil {
		dir := strings.TrimSpace(string(b))
		if s.ownsPrivately(dir) {
			return dir, nil
		}
	}
	dir, err := os.MkdirTemp("", "cartera-pg-")
	if err != nil {
		return "", fmt.Errorf("socket directory: %w", err)
	}
	if err := chownTo(s.owner, dir); err != nil {
		return "", err
	}
	if err := os.WriteFile(record, []byte(dir+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("record the socket directory: %w", err)
	}
	return dir, nil
}

func (s *Server) ownsPrivately(dir string) bool {
	info, err := os.Lstat(dir)
	if err != nil || !info.IsDir() || info.Mode().Perm()&0o077 != 0 {
		return false
	}
	uid := uint32(os.Getuid())
	if s.owner != nil {
		uid = s.owner.Uid
	}
	st, ok := info.Sys().(*syscall.Stat_t)
	return ok && st.Uid == uid
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	return hex.EncodeToString(b)
}

// clusterOwner returns the credential to run PostgreSQL under: nil (this process's
// own) normally; the postgres system user when running as root, which initdb refuses.
func clusterOwner() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, errors.New("running as root: PostgreSQL refuses to run as root and there is no 'postgres' user to run it as; install the postgresql package (which creates it) or run cartera as an ordinary user")
	}
	uid, _ := strconv.ParseUint(u.Uid, 10, 32)
	gid, _ := strconv.ParseUint(u.Gid, 10, 32)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), NoSetGroups: true}, nil
}

func chownTo(owner *syscall.Credential, path string) error {
	if owner == nil {
		return nil
	}
	if err := os.Chown(path, int(owner.Uid), int(owner.Gid)); err != nil {
		return fmt.Errorf("give %s to the postgres user: %w", path, err)
	}
	return nil
}

func ensureWritableDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("data directory %s cannot be created: %w", dir, unwrapPathError(err))
	}
	probe, err := os.CreateTemp(dir, ".write-test-*")
	if err != nil {
		return fmt.Errorf("data directory %s is not writable: %w", dir, unwrapPathError(err))
	}
	probe.Close()
	return os.Remove(probe.Name())
}

func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// quoteDSN quotes a value for a libpq key=value connection string.
func quoteDSN(v string) string {
	if v != "" && !strings.ContainsAny(v, ` '\`) {
		return v
	}
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func tailFile(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(log unreadable: " + err.Error() + ")"
	}
	return lastLines(string(b), n)
}

// HasCluster reports whether dataDir holds a cluster made by Start (running or not).
func HasCluster(dataDir string) bool {
	_, err := os.Stat(filepath.Join(dataDir, "postgres", "PG_VERSION"))
	return err == nil
}
