package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"cartera/internal/platform/db"
	"cartera/internal/platform/pgserver"
)

// Backup writes a pg_dump of Cartera's database, in pg_dump's custom format, to file:
// the embedded cluster's (attached to while a `cartera serve` runs on it, started for
// the time it takes otherwise) or DATABASE_URL's. pg_dump reads one snapshot, so the
// backup is consistent while the service keeps writing. The file appears only once
// complete; an existing one is replaced only with force.
func (c *Common) Backup(ctx context.Context, log *slog.Logger, file string, force bool) error {
	if _, err := os.Stat(file); err == nil && !force {
		return fmt.Errorf("%s exists; choose another name, or add --force to replace it", file)
	}
	pgDump, err := clientTool(c.pgBin, "pg_dump")
	if err != nil {
		return err
	}
	dsn := c.databaseURL
	if dsn == "" {
		if !pgserver.HasCluster(c.dataDir) {
			return fmt.Errorf("no Cartera database in %s to back up: point --data-dir (CARTERA_DATA_DIR) at the directory `cartera serve` uses", c.dataDir)
		}
		cluster, err := pgserver.Start(ctx, pgserver.Options{DataDir: c.dataDir, BinDir: c.pgBin, Logger: log})
		if err != nil {
			return err
		}
		defer stopCluster(cluster, log)
		dsn = cluster.DSN(databaseName)
	}
	tmp, err := os.CreateTemp(filepath.Dir(file), "."+filepath.Base(file)+".*.partial")
	if err != nil {
		return fmt.Errorf("backup file: %w", err)
	}
	tmp.Close()
	defer os.Remove(tmp.Name()) // gone already once the backup is in place
	// pg_dump syncs what it wrote to disk before it exits.
	dsn, password := splitPassword(dsn)
	if err := runTool(ctx, pgDump, password, "--format=custom", "--file="+tmp.Name(), "--dbname="+dsn); err != nil {
		return fmt.Errorf("pg_dump: %w", err)
	}
	if force {
		return os.Rename(tmp.Name(), file)
	}
	// A link, unlike a rename, never replaces a file created meanwhile.
	if err := os.Link(tmp.Name(), file); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s exists; choose another name, or add --force to replace it", file)
		}
		return fmt.Errorf("backup file: %w", err)
	}
	return nil
}

// Restore makes a new embedded cluster in the data directory, which must be empty or
// missing, from a file Backup wrote: the database created, the backup restored in one
// transaction (all of it or nothing), then the migrations this version has and the
// backup lacks. What it made is removed again when a step fails.
func (c *Common) Restore(ctx context.Context, log *slog.Logger, file string) (err error) {
	if c.databaseURL != "" {
		return errors.New("restore makes a new embedded cluster and takes no --database-url: to restore into a PostgreSQL server, use pg_restore (see the README's Backups)")
	}
	pgRestore, err := clientTool(c.pgBin, "pg_restore")
	if err != nil {
		return err
	}
	if err := runTool(ctx, pgRestore, "", "--list", file); err != nil {
		return fmt.Errorf("%s is not a backup pg_restore can read: %w", file, err)
	}
	existed, err := emptyOrMissing(c.dataDir)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			removeMade(c.dataDir, existed)
		}
	}()
	cluster, err := pgserver.Start(ctx, pgserver.Options{DataDir: c.dataDir, BinDir: c.pgBin, Logger: log})
	if err != nil {
		return err
	}
	defer stopCluster(cluster, log) // runs before removeMade
	if err := ensureDatabase(ctx, cluster); err != nil {
		return err
	}
	dsn := cluster.DSN(databaseName)
	if err := runTool(ctx, pgRestore, "", "--single-transaction", "--exit-on-error", "--no-owner", "--dbname="+dsn, file); err != nil {
		return fmt.Errorf("pg_restore: %w", err)
	}
	conn, err := db.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close()
	return db.Migrate(ctx, conn, log)
}

// emptyOrMissing refuses a data directory with anything in it: a restore makes a new
// cluster and never writes over one. It says whether the directory existed.
func emptyOrMissing(dir string) (existed bool, err error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("data directory %s: %w", dir, err)
	}
	if len(entries) > 0 {
		return true, fmt.Errorf("data directory %s is not empty: restore makes a new cluster, so give it an empty or new directory with --data-dir", dir)
	}
	return true, nil
}

// removeMade removes what a failed restore made: the directory's contents, and the
// directory itself when it did not exist before.
func removeMade(dir string, existed bool) {
	if !existed {
		_ = os.RemoveAll(dir)
		return
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		_ = os.RemoveAll(filepath.Join(dir, e.Name()))
	}
}

func stopCluster(cluster *pgserver.Server, log *slog.Logger) {
	if err := cluster.Stop(); err != nil {
		log.Error("stopping PostgreSQL", "error", err)
	}
}

// clientTool finds pg_dump or pg_restore beside the server binaries (same version as
// the embedded cluster), or else on PATH (for a server PostgreSQL, with no server
// binaries installed here).
func clientTool(binDir, name string) (string, error) {
	p, err := pgserver.FindTool(binDir, name)
	if err == nil {
		return p, nil
	}
	if onPath, lookErr := exec.LookPath(name); lookErr == nil {
		return onPath, nil
	}
	return "", err
}

// splitPassword takes the password out of a URL connection string, so that it goes to
// pg_dump in its environment (PGPASSWORD) rather than on its command line, which
// every user of the machine can read.
func splitPassword(dsn string) (rest, password string) {
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.User == nil {
		return dsn, ""
	}
	password, set := u.User.Password()
	if !set {
		return dsn, ""
	}
	u.User = url.User(u.User.Username())
	return u.String(), password
}

// runTool runs a PostgreSQL program, with password (when not empty) in PGPASSWORD,
// and, when it fails, returns the end of what it said.
func runTool(ctx context.Context, path, password string, args ...string) error {
	cmd := exec.CommandContext(ctx, path, args...)
	if password != "" {
		cmd.Env = append(os.Environ(), "PGPASSWORD="+password)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		if len(lines) > 8 {
			lines = lines[len(lines)-8:]
		}
		return fmt.Errorf("%w\n%s", err, strings.Join(lines, "\n"))
	}
	return nil
}
