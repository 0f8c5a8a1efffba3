package db

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"

	"github.com/jmoiron/sqlx"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	sqlfs "cartera/sql"
)

// Migrate applies the embedded migrations not yet applied, each in its own transaction.
// A session lock lets two processes start at once without applying anything twice.
func Migrate(ctx context.Context, conn *sqlx.DB, log *slog.Logger) error {
	migrations, err := fs.Sub(sqlfs.Migrations, "migrations")
	if err != nil {
		return err
	}
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return err
	}
	provider, err := goose.NewProvider(goose.DialectPostgres, conn.DB, migrations,
		goose.WithSessionLocker(locker), goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return fmt.Errorf("load migrations: %w", err)
	}
	results, err := provider.Up(ctx)
	if err != nil {
		return fmt.Errorf("apply migrations: %w", err)
	}
	for _, r := range results {
		if log != nil {
			log.Info("applied migration", "source", r.Source.Path, "took", r.Duration)
		}
	}
	return nil
}
