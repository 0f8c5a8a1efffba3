package db_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"

	"github.com/lib/pq"

	"cartera/internal/platform/db"
)

func TestUnavailable(t *testing.T) {
	dial := &net.OpError{Op: "dial", Net: "unix", Err: syscall.ENOENT}
	cases := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"no rows", sql.ErrNoRows, false},
		{"unique violation", &pq.Error{Code: "23505"}, false},
		{"syntax error", &pq.Error{Code: "42601"}, false},
		{"query cancelled", context.Canceled, false},
		{"admin shutdown", &pq.Error{Code: "57P01"}, true},
		{"crash shutdown", &pq.Error{Code: "57P02"}, true},
		{"starting up", &pq.Error{Code: "57P03"}, true},
		{"connection failure", &pq.Error{Code: "08006"}, true},
		{"too many connections", &pq.Error{Code: "53300"}, true},
		{"out of memory", &pq.Error{Code: "53200"}, true},
		{"disk full", &pq.Error{Code: "53100"}, true},
		{"connection done, wrapped", fmt.Errorf("begin: %w", sql.ErrConnDone), true},
		{"transaction done", sql.ErrTxDone, false},
		{"bad connection, wrapped", fmt.Errorf("list partners: %w", driver.ErrBadConn), true},
		{"dial refused", fmt.Errorf("find session: %w", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}), true},
		{"socket gone", dial, true},
		{"cut mid-answer", io.ErrUnexpectedEOF, true},
		{"reset", fmt.Errorf("x: %w", syscall.ECONNRESET), true},
		{"other", errors.New("boom"), false},
	}
	for _, c := range cases {
		if got := db.Unavailable(c.err); got != c.want {
			t.Errorf("%s: Unavailable = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestRolledBack(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{fmt.Errorf("update covenant: %w", &pq.Error{Code: "40P01"}), true}, // deadlock
		{&pq.Error{Code: "40001"}, true},                                    // serialization failure
		{&pq.Error{Code: "23505"}, false},
		{&pq.Error{Code: "08006"}, false},
		{errors.New("boom"), false},
		{nil, false},
	} {
		if got := db.RolledBack(c.err); got != c.want {
			t.Errorf("RolledBack(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}
