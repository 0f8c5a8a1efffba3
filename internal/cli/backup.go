package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"

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
	env, err := connEnv(dsn)
	if err != nil {
		return err
	}
	// pg_dump syncs what it wrote to disk before it exits.
	if err := runTool(ctx, pgDump, env, "--format=custom", "--file="+tmp.Name()); err != nil {
		return fmt.Errorf("pg_dump: %w", err)
	}
	return placeBackup(tmp.Name(), file, force)
}

// link is os.Link, a variable so that a test can play a filesystem without hard links.
var link = os.Link

// placeBackup moves the complete backup from tmp to file, replacing an existing file
// only with force, and syncs the directory so that the name survives a crash too.
func placeBackup(tmp, file string, force bool) error {
	if err := moveInto(tmp, file, force); err != nil {
		return err
	}
	dir, err := os.Open(filepath.Dir(file))
	if err != nil {
		return fmt.Errorf("backup file: %w", err)
	}
	defer dir.Close()
	if err := dir.Sync(); err != nil {
		return fmt.Errorf("backup file: sync %s: %w", filepath.Dir(file), err)
	}
	return nil
}

func moveInto(tmp, file string, force bool) error {
	exists := fmt.Errorf("%s exists; choose another name, or add --force to replace it", file)
	if force {
		return os.Rename(tmp, file)
	}
	// A link, unlike a rename, never replaces a file created meanwhile.
	err := link(tmp, file)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, fs.ErrExist):
		return exists
	case !noHardLinks(err):
		return fmt.Errorf("backup file: %w", err)
	}
	// No hard links here (some network and FAT filesystems): a check, then a rename,
	// which leaves only a moment for another file to appear under that name.
	if _, err := os.Lstat(file); err == nil {
		return exists
	}
	return os.Rename(tmp, file)
}

// noHardLinks reports whether a link failed because the filesystem has none.
func noHardLinks(err error) bool {
	return errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.ENOTSUP) ||
		errors.Is(err, syscall.EOPNOTSUPP) || errors.Is(err, syscall.EXDEV) || errors.Is(err, syscall.ENOSYS)
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
	if err := runTool(ctx, pgRestore, nil, "--list", file); err != nil {
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
	env, err := connEnv(dsn)
	if err != nil {
		return err
	}
	// Neither owners nor privileges: a backup of a server database may name roles this
	// new cluster lacks, and one failed GRANT would undo the whole restore.
	if err := runTool(ctx, pgRestore, env, "--single-transaction", "--exit-on-error", "--no-owner", "--no-privileges",
		"--dbname="+databaseName, file); err != nil {
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
// directory itself when it did not exist before; and the cluster itself when, running
// as root, pgserver put it elsewhere and linked it from DIR/postgres.
func removeMade(dir string, existed bool) {
	pgData := filepath.Join(dir, "postgres")
	if info, err := os.Lstat(pgData); err == nil && info.Mode()&fs.ModeSymlink != 0 {
		if target, err := filepath.EvalSymlinks(pgData); err == nil {
			_ = os.RemoveAll(target)
		}
	}
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

// runTool runs a PostgreSQL program with env (the connection's PG* variables) added
// to its environment and, when it fails, returns the end of what it said.
func runTool(ctx context.Context, path string, env []string, args ...string) error {
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = append(os.Environ(), env...) // the last of a repeated name wins
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
