// Package db opens the PostgreSQL pool, applies migrations, runs transactions, loads
// the named queries of sql/queries, and translates driver errors into apperr errors.
package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Open connects to the database at dsn (a URL or key=value string) and checks that it
// answers, so a bad DATABASE_URL fails at start with one clear line.
func Open(ctx context.Context, dsn string) (*sqlx.DB, error) {
	if _, err := pq.NewConnector(dsn); err != nil {
		// A URL parse error quotes the whole URL, password included: keep only its reason.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("database address is not valid: %v", err)
	}
	conn, err := sqlx.Open("postgres", dsn)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	conn.SetMaxOpenConns(20)
	// As many kept idle as may be open: closing and reopening connections under load
	// costs a backend start and every statement prepared again.
	conn.SetMaxIdleConns(20)
	conn.SetConnMaxIdleTime(5 * time.Minute)
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := conn.PingContext(pingCtx); err != nil {
		conn.Close()
		return nil, fmt.Errorf("cannot reach the database (%s): %w", Redact(dsn), err)
	}
	return conn, nil
}

// kvPassword matches a password in a key=value string as libpq reads it: spaces
// around "=", and a value either single-quoted or running to the next unescaped space.
var kvPassword = regexp.MustCompile(`password\s*=\s*(?:'(?:\\.|[^'\\])*'|(?:\\.|[^\s\\])*)`)

// Redact hides the password of a connection string, for messages and logs.
func Redact(dsn string) string {
	if i := strings.Index(dsn, "://"); i >= 0 {
		rest := dsn[i+3:]
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			if colon := strings.Index(rest[:at], ":"); colon >= 0 {
				dsn = dsn[:i+3] + rest[:colon] + ":***" + rest[at:]
			}
		}
		// A URL may also carry the password as a parameter.
		if base, query, ok := strings.Cut(dsn, "?"); ok {
			params := strings.Split(query, "&")
			for j, p := range params {
				if strings.HasPrefix(p, "password=") {
					params[j] = "password=***"
				}
			}
			dsn = base + "?" + strings.Join(params, "&")
		}
		return dsn
	}
	return kvPassword.ReplaceAllLiteralString(dsn, "password=***")
}

// InTx runs fn in one transaction: committed when fn returns nil, rolled back otherwise.
// Every write of the service goes through here, with its audit record inside fn.
func InTx(ctx context.Context, conn *sqlx.DB, fn func(tx *sqlx.Tx) error) (err error) {
	tx, err := conn.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// IsNoRows reports whether err is sql.ErrNoRows.
func IsNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// Probe opens a new connection to dsn, outside any pool, checks that it answers a
// query and closes it: whether a new client could work with the database now. A
// pooled connection would hide a database that accepts no new connections (starting,
// shutting down, out of slots) behind one opened earlier.
func Probe(ctx context.Context, dsn string) error {
	connector, err := pq.NewConnector(dsn)
	if err != nil {
		return fmt.Errorf("database address is not valid: %w", err)
	}
	conn, err := connector.Connect(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	pinger, ok := conn.(driver.Pinger)
	if !ok {
		return errors.New("the driver cannot ping")
	}
	return pinger.Ping(ctx)
}
