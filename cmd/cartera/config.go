package main

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

// common are the flags every command that touches the database takes.
type common struct {
	databaseURL string
	dataDir     string
	pgBin       string
	logLevel    string
	logFormat   string
}

// newFlags returns a flag set for one command, with help that names the command.
func newFlags(name, summary string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("cartera "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: cartera %s [flags]\n\n%s\n\nFlags (each also read from the environment variable shown):\n", name, summary)
		fs.PrintDefaults()
	}
	return fs
}

// env returns the environment variable's value, or def when it is unset or empty.
func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func (c *common) register(fs *flag.FlagSet, defaultLogLevel string) {
	fs.StringVar(&c.databaseURL, "database-url", env("DATABASE_URL", ""),
		"PostgreSQL to use (`DATABASE_URL`); when empty, a private cluster runs under --data-dir")
	fs.StringVar(&c.dataDir, "data-dir", env("CARTERA_DATA_DIR", "cartera-data"),
		"directory of the private PostgreSQL cluster (`CARTERA_DATA_DIR`)")
	fs.StringVar(&c.pgBin, "pg-bin", env("CARTERA_PG_BIN", ""),
		"directory with initdb and postgres (`CARTERA_PG_BIN`); default: PATH, then /usr/lib/postgresql/<version>/bin")
	fs.StringVar(&c.logLevel, "log-level", env("CARTERA_LOG_LEVEL", defaultLogLevel),
		"debug, info, warn or error (`CARTERA_LOG_LEVEL`)")
	fs.StringVar(&c.logFormat, "log-format", env("CARTERA_LOG_FORMAT", "text"),
		"text or json (`CARTERA_LOG_FORMAT`)")
}

// parse parses flags and no arguments, mapping the flag package's outcomes to run's
// exit codes.
func parse(fs *flag.FlagSet, args []string) error { return parseArgs(fs, args, 0) }

// parseArgs parses flags followed by exactly n arguments.
func parseArgs(fs *flag.FlagSet, args []string, n int) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() != n {
		if fs.NArg() > n {
			fmt.Fprintf(fs.Output(), "unexpected argument %q\n", fs.Arg(n))
		}
		fs.Usage()
		return errUsage
	}
	return nil
}

func (c *common) logger(stderr io.Writer) (*slog.Logger, error) {
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

// start makes the logger and opens the database: the first steps of every command
// that works on the database.
func (c *common) start(ctx context.Context, stderr io.Writer) (*runtime, error) {
	log, err := c.logger(stderr)
	if err != nil {
		return nil, err
	}
	return c.open(ctx, log)
}

// runtime is an open, migrated database, and the cluster behind it when embedded.
type runtime struct {
	dsn     string
	conn    *sqlx.DB
	cluster *pgserver.Server // nil with DATABASE_URL
	log     *slog.Logger
	// svc are the services, on the system's clock.
	svc app.Services
}

// open connects to DATABASE_URL, or starts (or reuses) the embedded cluster, then
// applies pending migrations and prepares every query, so that a broken query fails
// here and not on a request.
func (c *common) open(ctx context.Context, log *slog.Logger) (*runtime, error) {
	rt := &runtime{log: log}
	dsn := c.databaseURL
	if dsn == "" {
		cluster, err := pgserver.Start(ctx, pgserver.Options{DataDir: c.dataDir, BinDir: c.pgBin, Logger: log})
		if err != nil {
			return nil, err
		}
		rt.cluster = cluster
		if err := ensureDatabase(ctx, cluster); err != nil {
			rt.close()
			return nil, err
		}
		dsn = cluster.DSN(databaseName)
	}
	conn, err := db.Open(ctx, dsn)
	if err != nil {
		rt.close()
		return nil, err
	}
	rt.conn, rt.dsn = conn, dsn
	if err := db.Migrate(ctx, conn, log); err != nil {
		rt.close()
		return nil, err
	}
	if err := rt.prepare(ctx); err != nil {
		rt.close()
		return nil, err
	}
	return rt, nil
}

func (rt *runtime) prepare(ctx context.Context) error {
	var err error
	rt.svc, err = app.New(ctx, rt.conn, nil)
	return err
}

// close closes the pool, then stops the cluster if this process started it.
func (rt *runtime) close() {
	if rt.conn != nil {
		rt.conn.Close()
	}
	if rt.cluster != nil {
		if err := rt.cluster.Stop(); err != nil {
			rt.log.Error("stopping PostgreSQL", "error", err)
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

// cliActor is who the audit log records for writes made from the command line.
func cliActor() audit.Actor {
	name := "operator"
	if u := os.Getenv("USER"); u != "" {
		name = u
	}
	return audit.Actor{Name: "cli:" + name, Via: audit.ViaCLI}
}

// selfCommand is how to run cartera again, for the hints it prints: under `go run`
// the binary lives in a temporary build directory.
func selfCommand() string {
	if strings.Contains(os.Args[0], "go-build") {
		return "go run ./cmd/cartera"
	}
	return filepath.Base(os.Args[0])
}
