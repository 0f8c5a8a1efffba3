package db

import (
	"context"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Copy writes n rows into table with COPY, inside tx: row(i) gives the values of row
// i in the order of columns (strings, numbers, nil for NULL). For bulk loads, where
// an INSERT per row would be the whole cost.
func Copy(ctx context.Context, tx *sqlx.Tx, table string, columns []string, n int, row func(i int) []any) error {
	quoted := make([]string, len(columns))
	for i, c := range columns {
		quoted[i] = pq.QuoteIdentifier(c)
	}
	stmt, err := tx.PrepareContext(ctx, "COPY "+pq.QuoteIdentifier(table)+" ("+strings.Join(quoted, ", ")+") FROM STDIN")
	if err != nil {
		return fmt.Errorf("copy into %s: %w", table, err)
	}
	for i := range n {
		if _, err := stmt.ExecContext(ctx, row(i)...); err != nil {
			stmt.Close()
			return fmt.Errorf("copy into %s, row %d: %w", table, i+1, err)
		}
	}
	if _, err := stmt.ExecContext(ctx); err != nil {
		stmt.Close()
		return fmt.Errorf("copy into %s: %w", table, err)
	}
	if err := stmt.Close(); err != nil {
		return fmt.Errorf("copy into %s: %w", table, err)
	}
	return nil
}

// WithoutIndexes runs fn, a bulk load of table, with the table's secondary indexes
// (those backing neither a primary key, a unique index nor a constraint) dropped, and
// builds them again from their own definitions after: maintaining a GiST index row by
// row costs ten times building it once, sorted. Only when the load adds more rows
// than the table holds (adds is its estimate); otherwise fn just runs.
func WithoutIndexes(ctx context.Context, tx *sqlx.Tx, table string, adds int, fn func() error) error {
	var holds float64
	if err := tx.GetContext(ctx, &holds, `SELECT greatest(reltuples, 0) FROM pg_class WHERE oid = $1::regclass`, table); err != nil {
		return fmt.Errorf("indexes of %s: %w", table, err)
	}
	if float64(adds) <= holds {
		return fn()
	}
	var defs []struct {
		Name string `db:"name"`
		Def  string `db:"def"`
	}
	if err := tx.SelectContext(ctx, &defs, `
		SELECT i.relname AS name, pg_get_indexdef(i.oid) AS def
		FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
		WHERE x.indrelid = $1::regclass AND NOT x.indisunique AND NOT x.indisprimary
		  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
		ORDER BY i.relname`, table); err != nil {
		return fmt.Errorf("indexes of %s: %w", table, err)
	}
	for _, d := range defs {
		if _, err := tx.ExecContext(ctx, `DROP INDEX `+pq.QuoteIdentifier(d.Name)); err != nil {
			return fmt.Errorf("drop index %s: %w", d.Name, err)
		}
	}
	if err := fn(); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `SET LOCAL maintenance_work_mem = '256MB'`); err != nil {
		return fmt.Errorf("indexes of %s: %w", table, err)
	}
	for _, d := range defs {
		if _, err := tx.ExecContext(ctx, d.Def); err != nil {
			return fmt.Errorf("build index %s: %w", d.Name, err)
		}
	}
	return nil
}
