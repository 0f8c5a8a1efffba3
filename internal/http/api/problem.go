// Package api serves the JSON API under /api/v1: DTOs in and out, domain services in
// between, every error as application/problem+json (RFC 9457).
package api

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"cartera/internal/platform/apperr"
)

// Problem is an RFC 9457 problem document, with the fields at fault in Errors.
type Problem struct {
	Type      string              `json:"type"`
	Title     string              `json:"title"`
	Status    int                 `json:"status"`
	Detail    string              `json:"detail,omitempty"`
	Instance  string              `json:"instance,omitempty"`
	RequestID string              `json:"request_id,omitempty"`
	Errors    []apperr.FieldError `json:"errors,omitempty"`
}

// ProblemContentType is the media type of error responses.
const ProblemContentType = "application/problem+json"

// WriteError renders err as a problem document. Errors the service did not anticipate
// become a 500 that shows only the request id; the error itself goes to the log.
func WriteError(c *fiber.Ctx, err error, log *slog.Logger) error {
	p := Problem{Type: "about:blank", Instance: c.Path(), RequestID: requestID(c)}
	var fe *fiber.Error
	if ae, ok := apperr.As(err); ok {
		p.Status, p.Detail, p.Errors = ae.Kind.HTTPStatus(), ae.Message, ae.Fields
		if ae.RetryAfter > 0 {
			c.Set(fiber.HeaderRetryAfter, strconv.Itoa(max(1, int(ae.RetryAfter.Seconds()))))
		}
	} else if errors.As(err, &fe) {
		p.Status, p.Detail = fe.Code, fe.Message
	}
	if p.Status == 0 {
		p.Status = http.StatusInternalServerError
		p.Detail = "an unexpected error occurred; quote the request id when reporting it"
		log.Error("request failed", "request_id", p.RequestID, "method", c.Method(), "path", c.Path(), "error", err)
	}
	p.Title = http.StatusText(p.Status)
	if p.Status == http.StatusUnauthorized {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="cartera"`)
	}
	c.Status(p.Status)
	if err := c.JSON(p); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, ProblemContentType)
	return nil
}

func requestID(c *fiber.Ctx) string {
	if id, ok := c.Locals("requestid").(string); ok {
		return id
	}
	return ""
}
