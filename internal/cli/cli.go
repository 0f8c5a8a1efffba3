// Package cli is what cartera's commands share: the flags every command that touches
// the database takes (and their environment variables), opening the database (or the
// private cluster) with every service, the audit actor of the command line, and the
// dispatch of subcommands with their help and exit codes.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"cartera/internal/app"
	"cartera/internal/audit"
	"cartera/internal/platform/db"
	"cartera/internal/platform/pgserver"
)

// databaseName is the database cartera uses on its embedded cluster.
const databaseName = "cartera"

// Common are the flags every command that touches the database takes.
type Common struct {
	databaseURL string
	dataDir     string
	pgBin       string
	logLevel    string
	logFormat   string
}

// NewFlags returns a flag set for one command, with help that names the command as
// typed ("cartera pdf profile").
func NewFlags(name, summary string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: %s [flags]\n\n%s\n\nFlags (each also read from the environment variable shown):\n", name, summary)
		fs.PrintDefaults()
	}
	return fs
}

// Env returns the environment variable's value, or def when it is unset or empty.
func Env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// Register adds the common flags to fs.
func (c *Common) Register(fs *flag.FlagSet, defaultLogLevel string) {
	fs.StringVar(&c.databaseURL, "database-url", Env("DATABASE_URL", ""),
		"PostgreSQL to use (`DATABASE_URL`); when empty, a private cluster runs under --data-dir")
	fs.StringVar(&c.dataDir, "data-dir", Env("CARTERA_DATA_DIR", "cartera-data"),
		"directory of the private PostgreSQL cluster (`CARTERA_DATA_DIR`)")
	fs.StringVar(&c.pgBin, "pg-bin", Env("CARTERA_PG_BIN", ""),
		"directory with initdb and postgres (`CARTERA_PG_BIN`); default: PATH, then /usr/lib/postgresql/<version>/bin")
	fs.StringVar(&c.logLevel, "log-level", Env("CARTERA_LOG_LEVEL", defaultLogLevel),
		"debug, info, warn or error (`CARTERA_LOG_LEVEL`)")
	fs.StringVar(&c.logFormat, "log-format", Env("CARTERA_LOG_FORMAT", "text"),
		"text or json (`CARTERA_LOG_FORMAT`)")
}

// Parse parses flags and no arguments, mapping the flag package's outcomes to Run's
// exit codes.
func Parse(fs *flag.FlagSet, args []string) error { return ParseArgs(fs, args, 0) }

// ParseArgs parses flags followed by exactly n arguments.
func ParseArgs(fs *flag.FlagSet, args []string, n int) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return ErrUsage
	}
	if fs.NArg() != n {
		if fs.NArg() > n {
			fmt.Fprintf(fs.Output(), "unexpected argument %q\n", fs.Arg(n))
		}
		fs.Usage()
		return ErrUsage
	}
	return nil
}

// Logger is the logger the flags ask for, writing to stderr.
func (c *Common) Logger(stderr io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.logLevel)); err != nil {
		return nil, fmt.Errorf("log level %q: use debug, info, warn or error", c.logLevel)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch strings.ToLower(c.logFormat) {
	case "text":
		return slog.New(slog.NewTextHandler(stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(stderr, opts)), nil
	}
	return nil, fmt.Errorf("log format %q: use text or json", c.logFormat)
}

// Start makes the logger and opens the database: the first steps of every command
// that works on the database.
func (c *Common) Start(ctx context.Context, stderr io.Writer) (*Runtime, error) {
	log, err := c.Logger(stderr)
	if err != nil {
		return nil, err
	}
	return c.Open(ctx, log)
}

// Runtime is an open, migrated database, and the cluster behind it when embedded.
type Runtime struct {
	DSN     string
	Conn    *sqlx.DB
	cluster *pgserver.Server // nil with DATABASE_URL
	Log     *slog.Logger
	// Svc are the services, on the system's clock.
	Svc app.Services
}

// Open connects to DATABASE_URL, or starts (or reuses) the embedded cluster, then
// applies pending migrations and prepares every query, so that a broken query fails
// here and not on a request.
func (c *Common) Open(ctx context.Context, log *slog.Logger) (*Runtime, error) {
	rt := &Runtime{Log: log}
	dsn := c.databaseURL
	if dsn == "" {
		cluster, err := pgserver.Start(ctx, pgserver.Options{DataDir: c.dataDir, BinDir: c.pgBin, Logger: log})
		if err != nil {
			return nil, err
		}
		rt.cluster = cluster
		if err := ensureDatabase(ctx, cluster); err != nil {
			rt.Close()
			return nil, err
		}
		dsn = cluster.DSN(databaseName)
	}
	conn, err := db.Open(ctx, dsn)
	if err != nil {
		rt.Close()
		return nil, err
	}
	rt.Conn, rt.DSN = conn, dsn
	if err := db.Migrate(ctx, conn, log); err != nil {
		rt.Close()
		return nil, err
	}
	if err := rt.prepare(ctx); err != nil {
		rt.Close()
		return nil, err
	}
	return rt, nil
}

func (rt *Runtime) prepare(ctx context.Context) error {
	var err error
	if rt.Svc, err = app.New(ctx, rt.Conn, nil); err != nil {
		return err
	}
	// Figures stored under earlier ledger rules are restated before anything reads them.
	_, err = rt.Svc.Loans.Restate(ctx, audit.System("ledger rules"), rt.Log)
	return err
}

// Close closes the pool, then stops the cluster if this process started it.
func (rt *Runtime) Close() {
	if rt.Conn != nil {
		rt.Conn.Close()
	}
	if rt.cluster != nil {
		if err := rt.cluster.Stop(); err != nil {
			rt.Log.Error("stopping PostgreSQL", "error", err)
		}
	}
}

// ensureDatabase creates cartera's database on a new cluster.
func ensureDatabase(ctx context.Context, cluster *pgserver.Server) error {
	conn, err := db.Open(ctx, cluster.DSN("postgres"))
	if err != nil {
		return err
	}
	defer conn.Close()
	_, err = conn.ExecContext(ctx, "CREATE DATABASE "+databaseName)
	var pqErr *pq.Error
	if errors.As(err, &pqErr) && pqErr.Code == "42P04" { // duplicate_database
		return nil
	}
	if err != nil {
		return fmt.Errorf("create database %s: %w", databaseName, err)
	}
	return nil
}

// Actor is who the audit log records for writes made from the command line.
func Actor() audit.Actor {
	name := "operator"
	if u := os.Getenv("USER"); u != "" {
		name = u
	}
	return audit.Actor{Name: "cli:" + name, Via: audit.ViaCLI}
}

// SelfCommand is how to run cartera again, for the hints it prints: under `go run`
// the binary lives in a temporary build directory.
func SelfCommand() string {
	if strings.Contains(os.Args[0], "go-build") {
		return "go run ./cmd/cartera"
	}
	return filepath.Base(os.Args[0])
}

// Embedded says whether the commands run on the private cluster (no DATABASE_URL).
func (c *Common) Embedded() bool { return c.databaseURL == "" }

// ClusterDir is the private cluster's data directory; "" on DATABASE_URL.
func (rt *Runtime) ClusterDir() string {
	if rt.cluster == nil {
		return ""
	}
	return rt.cluster.DataDir()
}

// DataDir is the embedded cluster's data directory as given (--data-dir).
func (c *Common) DataDir() string { return c.dataDir }
