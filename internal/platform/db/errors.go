package db

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"syscall"

	"github.com/lib/pq"

	"cartera/internal/platform/apperr"
)

// Constraint says, for one named database constraint, which input field it guards and
// what to tell the user when a write breaks it.
type Constraint struct {
	Field   string
	Message string
}

// PostgreSQL error codes the service translates.
const (
	codeUniqueViolation     = "23505"
	codeForeignKeyViolation = "23503"
	codeCheckViolation      = "23514"
	codeNotNullViolation    = "23502"
	// Text PostgreSQL cannot store, e.g. a NUL character.
	codeCharacterNotInRepertoire = "22021"
	codeUntranslatableCharacter  = "22P05"
)

// TranslateError turns a constraint violation into an apperr error: a unique key into a
// conflict, a check, not-null or foreign key into a validation error, using
// constraints (keyed by constraint name) for the field and message. The driver's text
// never reaches a client. Other errors pass through unchanged.
func TranslateError(err error, constraints map[string]Constraint) error {
	var pqErr *pq.Error
	if !errors.As(err, &pqErr) {
		return err
	}
	if pqErr.Code == codeCharacterNotInRepertoire || pqErr.Code == codeUntranslatableCharacter {
		return apperr.Invalid(apperr.FieldError{Field: pqErr.Column, Message: "contains a character that cannot be stored (such as NUL)"})
	}
	c, known := constraints[pqErr.Constraint]
	if !known {
		c = Constraint{Field: pqErr.Column, Message: "is not valid"}
	}
	switch pqErr.Code {
	case codeUniqueViolation:
		if !known {
			c.Message = "already exists"
		}
		return apperr.Conflict(c.Field, c.Message)
	case codeForeignKeyViolation:
		return apperr.Invalid(apperr.FieldError{Field: c.Field, Message: c.Message})
	case codeCheckViolation, codeNotNullViolation:
		if c.Field == "" {
			c.Field = pqErr.Column
		}
		return apperr.Invalid(apperr.FieldError{Field: c.Field, Message: c.Message})
	}
	return err
}

// IsForeignKeyViolation reports whether err is a foreign key violation, e.g. a delete
// of a row that others still reference.
func IsForeignKeyViolation(err error) bool {
	var pqErr *pq.Error
	return errors.As(err, &pqErr) && pqErr.Code == codeForeignKeyViolation
}

// Unavailable reports whether err says the database cannot be reached, rather than
// that a query was wrong: the connection refused, reset or cut, the server shutting
// down, starting up or recovering, a dial that timed out, a connection already closed;
// or that the server lacks the resources to serve it now (class 53: too many
// connections, out of memory, disk full). Such a request may succeed when retried once
// the database is back or relieved; the pool replaces the connections lost.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		return pqErr.Code.Class() == "08" || // connection_exception
			pqErr.Code.Class() == "53" || // insufficient_resources, e.g. 53300 too_many_connections
			pqErr.Code == "57P01" || // admin_shutdown
			pqErr.Code == "57P02" || // crash_shutdown
			pqErr.Code == "57P03" // cannot_connect_now (starting up, recovering)
	}
	var netErr *net.OpError
	switch {
	case errors.Is(err, driver.ErrBadConn),
		errors.Is(err, sql.ErrConnDone),
		errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE),
		errors.As(err, &netErr):
		return true
	}
	return false
}

// RolledBack reports whether the database rolled a transaction back because of
// another one: a deadlock (40P01) or a serialization failure (40001), class 40.
// Nothing was written, and the same request sent again will most likely succeed.
func RolledBack(err error) bool {
	var pqErr *pq.Error
	return errors.As(err, &pqErr) && pqErr.Code.Class() == "40"
}
