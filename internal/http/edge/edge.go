// Package edge is what the API and the UI share at the HTTP edge: reading ids, dates,
// languages, years and uploaded files from a request, checking roles, and sending
// documents, with one message per mistake. Handlers in api and ui stay thin: they read
// with edge, call a service, and render their own way.
package edge

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"cartera/internal/platform/apperr"
	"cartera/internal/platform/civil"
	"cartera/internal/publish"
	"cartera/internal/user"
	"cartera/reports"
)

// The messages of the mistakes edge reads for, for the API and the UI alike.
const (
	DateMessage = "must be a date as YYYY-MM-DD"
	YearMessage = "must be a year such as 2014"
)

// PathID reads the numeric :id of the path. Anything else names nothing: a 404, as
// for an unknown id.
func PathID(c *fiber.Ctx, what string) (int64, error) { return PathParamID(c, what, "id") }

// PathParamID reads a numeric path parameter by name (":tid"), as PathID.
func PathParamID(c *fiber.Ctx, what, param string) (int64, error) {
	raw := c.Params(param)
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.NotFound("there is no %s %s", what, raw)
	}
	return id, nil
}

// Date reads the optional query parameter name as a date; absent, it is def. A
// mistake gives def too, with the error: a page can still show itself as of def
// beside the message.
func Date(c *fiber.Ctx, name string, def time.Time) (time.Time, error) {
	s := strings.TrimSpace(c.Query(name))
	if s == "" {
		return def, nil
	}
	d, err := ParseDate(name, s)
	if err != nil {
		return def, err
	}
	return d, nil
}

// ParseDate reads a date the user typed in the field.
func ParseDate(field, s string) (time.Time, error) {
	d, err := civil.Parse(strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, apperr.Invalid(apperr.FieldError{Field: field, Message: DateMessage})
	}
	return d, nil
}

// Lang reads ?lang=en|fr|es (English when absent).
func Lang(c *fiber.Ctx) (reports.Lang, error) {
	l, err := reports.ParseLang(c.Query("lang"))
	if err != nil {
		return l, apperr.Invalid(apperr.FieldError{Field: "lang", Message: err.Error()})
	}
	return l, nil
}

// Year reads the optional query parameter name as a calendar year (0 when absent).
func Year(c *fiber.Ctx, name string) (int, error) { return ParseYear(name, c.Query(name)) }

// ParseYear reads a year the user typed in the field (0 when empty).
func ParseYear(field, s string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	y, err := strconv.Atoi(s)
	if err != nil || y < 1900 || y > 2999 {
		return 0, apperr.Invalid(apperr.FieldError{Field: field, Message: YearMessage})
	}
	return y, nil
}

// Collect adds an invalid input's fields to bad, so that a request's every mistake is
// reported at once, and returns err when it is another kind of error.
func Collect(bad *apperr.Fields, err error) error {
	if err == nil {
		return nil
	}
	if e, ok := apperr.As(err); ok && e.Kind == apperr.KindInvalid {
		*bad = append(*bad, e.Fields...)
		return nil
	}
	return err
}

// Upload reads the form's "file" part: its name and bytes. what says which files are
// expected ("CSV or XLSX").
func Upload(c *fiber.Ctx, what string) (string, []byte, error) {
	fh, err := c.FormFile("file")
	if err != nil || fh.Size == 0 {
		return "", nil, apperr.Invalid(apperr.FieldError{Field: "file", Message: "choose a " + what + " file to upload"})
	}
	f, err := fh.Open()
	if err != nil {
		return "", nil, fmt.Errorf("open the uploaded file: %w", err)
	}
	defer f.Close()
	content, err := io.ReadAll(f)
	if err != nil {
		return "", nil, fmt.Errorf("read the uploaded file: %w", err)
	}
	return fh.Filename, content, nil
}

// SendPDF answers with a document as a download under its file name.
func SendPDF(c *fiber.Ctx, d publish.Document) error {
	return SendFile(c, "application/pdf", d.FileName, d.Bytes)
}

// SendFile answers with a download under its file name. Downloads hold a book's
// figures: no-store keeps them out of shared caches and the browser's disk cache,
// pages' and the API's alike.
func SendFile(c *fiber.Ctx, contentType, fileName string, body []byte) error {
	c.Set(fiber.HeaderContentType, contentType)
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+fileName+`"`)
	return c.Send(body)
}

// RequireRole admits callers whose role allows what needs role r; who says who the
// caller is (the API's token, the UI's session).
func RequireRole(r user.Role, who func(*fiber.Ctx) user.Principal) fiber.Handler {
	return func(c *fiber.Ctx) error {
		p := who(c)
		if !p.Role.Allows(r) {
			return apperr.Forbidden(fmt.Sprintf("this needs the %s role; %s has the %s role", r, p.Email, p.Role))
		}
		return c.Next()
	}
}

// OverTLS reports whether the request came over TLS: directly, or through a trusted
// proxy that says so in X-Forwarded-Proto. It is the one rule for Secure cookies and
// HSTS. Without configured proxies Fiber believes every peer's forwarding headers,
// so then only a direct TLS connection counts: a client on plain HTTP could
// otherwise claim https for itself.
func OverTLS(c *fiber.Ctx) bool {
	if c.Context().IsTLS() {
		return true
	}
	return c.App().Config().EnableTrustedProxyCheck && c.IsProxyTrusted() && c.Protocol() == "https"
}
