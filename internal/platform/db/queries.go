package db

import (
	"bufio"
	"context"
	"fmt"
	"reflect"
	"strings"

	"github.com/jmoiron/sqlx"

	sqlfs "cartera/sql"
)

// LoadQueries parses sql/queries/<file>: each query follows a "-- name: some-name" line.
func LoadQueries(file string) (map[string]string, error) {
	body, err := sqlfs.Queries.ReadFile("queries/" + file)
	if err != nil {
		return nil, fmt.Errorf("read queries %s: %w", file, err)
	}
	queries := map[string]string{}
	var name string
	var text strings.Builder
	flush := func() error {
		if name == "" {
			return nil
		}
		q := strings.TrimSpace(text.String())
		if q == "" {
			return fmt.Errorf("%s: query %q is empty", file, name)
		}
		if _, dup := queries[name]; dup {
			return fmt.Errorf("%s: query %q defined twice", file, name)
		}
		queries[name] = q
		text.Reset()
		return nil
	}
	sc := bufio.NewScanner(strings.NewReader(string(body)))
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "-- name:"); ok {
			if err := flush(); err != nil {
				return nil, err
			}
			name = strings.TrimSpace(rest)
			continue
		}
		if name != "" {
			text.WriteString(line)
			text.WriteByte('\n')
		}
	}
	return queries, flush()
}

// PrepareQueries fills the *sqlx.Stmt and *sqlx.NamedStmt fields of the struct dst
// points to, each tagged `query:"name"`, by preparing the named queries of file. A query
// that fails to prepare, a field without its query, or a query no field uses fails
// here, at start-up, instead of on some later request.
func PrepareQueries(ctx context.Context, conn *sqlx.DB, file string, dst any) error {
	queries, err := LoadQueries(file)
	if err != nil {
		return err
	}
	v := reflect.ValueOf(dst).Elem()
	used := map[string]bool{}
	for i := 0; i < v.NumField(); i++ {
		field := v.Type().Field(i)
		name := field.Tag.Get("query")
		if name == "" {
			continue
		}
		q, ok := queries[name]
		if !ok {
			return fmt.Errorf("%s: no query named %q (field %s)", file, name, field.Name)
		}
		used[name] = true
		switch field.Type {
		case reflect.TypeFor[*sqlx.Stmt]():
			stmt, err := conn.PreparexContext(ctx, q)
			if err != nil {
				return fmt.Errorf("%s: prepare %q: %w", file, name, err)
			}
			v.Field(i).Set(reflect.ValueOf(stmt))
		case reflect.TypeFor[*sqlx.NamedStmt]():
			stmt, err := conn.PrepareNamedContext(ctx, q)
			if err != nil {
				return fmt.Errorf("%s: prepare %q: %w", file, name, err)
			}
			v.Field(i).Set(reflect.ValueOf(stmt))
		default:
			return fmt.Errorf("field %s tagged query:%q must be *sqlx.Stmt or *sqlx.NamedStmt", field.Name, name)
		}
	}
	for name := range queries {
		if !used[name] {
			return fmt.Errorf("%s: query %q is not used by %T", file, name, dst)
		}
	}
	return nil
}
