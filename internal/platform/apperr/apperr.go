// Package apperr defines the typed errors that domain packages return and that the
// HTTP layer maps to status codes in exactly one place.
package apperr

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Kind classifies an error by what the caller can do about it.
type Kind int

const (
	// KindInvalid means the input breaks a rule; Fields says which.
	KindInvalid Kind = iota + 1
	// KindNotFound means the entity addressed does not exist.
	KindNotFound
	// KindConflict means the input is valid on its own but clashes with stored state.
	KindConflict
	// KindUnauthenticated means no valid credentials were presented.
	KindUnauthenticated
	// KindForbidden means the credentials are valid but do not allow the action.
	KindForbidden
	// KindStale means the write was made on a version of the entity that is no longer
	// the current one (an If-Match the entity's ETag does not meet).
	KindStale
	// KindUnavailable means a dependency (the database) cannot be reached for now;
	// the same request may succeed when it is retried a little later.
	KindUnavailable
	// KindBusy means the server is doing as much of this work as it allows at once:
	// the same request may succeed after RetryAfter.
	KindBusy
)

// RetryAfterSeconds is how long a client is told to wait (Retry-After) before
// retrying a request that failed as KindUnavailable: long enough for a restarted
// database to accept connections, short enough that a person is not kept waiting.
const RetryAfterSeconds = 5

// FieldError names one input field and what is wrong with it. For a file (an
// import), Row and Column place the problem: the spreadsheet row (the header is row
// 1) and the column's header; Field is then the column too.
type FieldError struct {
	Row     int    `json:"row,omitempty"`
	Column  string `json:"column,omitempty"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is the one error type domain rules return. Message is safe to show to a user.
type Error struct {
	Kind    Kind
	Message string
	Fields  []FieldError
	// RetryAfter is, for KindBusy and KindUnavailable, when to try again (an HTTP
	// Retry-After header).
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return e.Message
	}
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		if f.Row > 0 {
			parts[i] = fmt.Sprintf("row %d, %s: %s", f.Row, f.Field, f.Message)
			continue
		}
		parts[i] = f.Field + ": " + f.Message
	}
	return e.Message + " (" + strings.Join(parts, "; ") + ")"
}

// Invalid returns a validation error listing the fields at fault.
func Invalid(fields ...FieldError) *Error {
	return &Error{Kind: KindInvalid, Message: "the input is not valid", Fields: fields}
}

// NotFound returns a not-found error with a formatted, user-safe message.
func NotFound(format string, args ...any) *Error {
	return &Error{Kind: KindNotFound, Message: fmt.Sprintf(format, args...)}
}

// Conflict returns a conflict error; field may be empty when no single field is at fault.
func Conflict(field, message string) *Error {
	e := &Error{Kind: KindConflict, Message: message}
	if field != "" {
		e.Fields = []FieldError{{Field: field, Message: message}}
	}
	return e
}

// Unauthenticated returns an error for missing or bad credentials.
func Unauthenticated(message string) *Error {
	return &Error{Kind: KindUnauthenticated, Message: message}
}

// Forbidden returns an error for an action the caller's role does not allow.
func Forbidden(message string) *Error {
	return &Error{Kind: KindForbidden, Message: message}
}

// Stale returns the error of a conditional write whose condition (the version the
// caller read) the entity no longer meets.
func Stale(message string) *Error {
	return &Error{Kind: KindStale, Message: message}
}

// Unavailable returns an error for a request that failed because the database (or
// another dependency) cannot be reached for now.
func Unavailable(message string) *Error {
	return &Error{Kind: KindUnavailable, Message: message, RetryAfter: RetryAfterSeconds * time.Second}
}

// Busy returns the error of work refused because as much of it as allowed is under
// way; retryAfter says when to try again.
func Busy(message string, retryAfter time.Duration) *Error {
	return &Error{Kind: KindBusy, Message: message, RetryAfter: retryAfter}
}

// As returns the *Error inside err, if any.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// IsKind reports whether err carries an *Error of the given kind.
func IsKind(err error, kind Kind) bool {
	e, ok := As(err)
	return ok && e.Kind == kind
}

// Fields collects field errors while validating input, so that every bad field is
// reported at once rather than the first one only.
type Fields []FieldError

// Add records a problem with one field.
func (f *Fields) Add(field, format string, args ...any) {
	*f = append(*f, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Err returns nil when nothing was recorded, or the validation error.
func (f Fields) Err() error {
	if len(f) == 0 {
		return nil
	}
	return Invalid(f...)
}

// HTTPStatus is the status code every HTTP surface (API and pages) answers an error
// of this kind with; 0 for an unknown kind.
func (k Kind) HTTPStatus() int {
	switch k {
	case KindInvalid:
		return 422
	case KindNotFound:
		return 404
	case KindConflict:
		return 409
	case KindUnauthenticated:
		return 401
	case KindForbidden:
		return 403
	case KindStale:
		return 412
	case KindUnavailable:
		return 503
	case KindBusy:
		return 429
	}
	return 0
}
