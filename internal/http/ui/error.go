package ui

import (
	"errors"
	"net/http"

	"github.com/gofiber/fiber/v2"

	"cartera/internal/platform/apperr"
)

// errorPage is what the error template shows.
type errorPage struct {
	Status    int
	Heading   string
	Message   string
	RequestID string
}

// WriteError renders err as a page in the site's look. Errors nobody anticipated
// become a 500 that shows only the request id; the error itself goes to the log.
func (h *handlers) WriteError(c *fiber.Ctx, err error) error {
	e := errorPage{RequestID: requestID(c)}
	var fe *fiber.Error
	if ae, ok := apperr.As(err); ok {
		e.Status, e.Message = ae.Kind.HTTPStatus(), ae.Message
		if ae.Kind == apperr.KindInvalid && len(ae.Fields) > 0 {
			e.Message = ae.Fields[0].Field + ": " + ae.Fields[0].Message
		}
	} else if errors.As(err, &fe) {
		e.Status, e.Message = fe.Code, fe.Message
	}
	if e.Status == 0 {
		e.Status = http.StatusInternalServerError
		e.Message = "Something went wrong on our side. Nothing was changed by the request that failed; please try again, and quote the request id if it happens again."
		h.cfg.Logger.Error("request failed", "request_id", e.RequestID, "method", c.Method(), "path", c.Path(), "error", err)
	}
	if e.Status == http.StatusUnauthorized {
		return c.Redirect("/login", fiber.StatusSeeOther)
	}
	switch e.Status {
	case http.StatusNotFound:
		e.Heading = "Not found"
		if e.Message == "" || e.Message == "Cannot "+c.Method()+" "+c.Path() {
			e.Message = "There is no page at this address. It may have moved, or the link may be mistyped."
		}
	case http.StatusForbidden:
		e.Heading = "Not allowed"
	case http.StatusInternalServerError:
		e.Heading = "Something went wrong"
	case http.StatusServiceUnavailable:
		e.Heading = "Temporarily unavailable"
		e.Message = "The database cannot be reached at the moment. Nothing was changed; please try again in a few seconds."
	default:
		e.Heading = http.StatusText(e.Status)
	}
	p := h.page(c, e.Heading, "")
	p.Data = e
	return h.render(c, e.Status, "error", p)
}

func requestID(c *fiber.Ctx) string {
	id, _ := c.Locals("requestid").(string)
	return id
}
