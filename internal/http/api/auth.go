package api

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"cartera/internal/audit"
	"cartera/internal/http/edge"
	"cartera/internal/platform/apperr"
	"cartera/internal/user"
)

const (
	principalKey   = "principal"
	myPasswordPath = "/api/v1/me/password"
)

// authenticate admits requests that carry a live API token, as Authorization: Bearer.
func authenticate(users *user.Service) fiber.Handler {
	return func(c *fiber.Ctx) error {
		header := c.Get(fiber.HeaderAuthorization)
		scheme, secret, ok := strings.Cut(header, " ")
		if header == "" {
			return apperr.Unauthenticated("this API needs a token: send Authorization: Bearer <token> (create one with `cartera token create`)")
		}
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(secret) == "" {
			return apperr.Unauthenticated("the Authorization header must be: Bearer <token>")
		}
		p, err := users.Authenticate(c.UserContext(), strings.TrimSpace(secret))
		if err != nil {
			return err
		}
		c.Locals(principalKey, p)
		return c.Next()
	}
}

// authorizeWrites lets every role read and only managers and admins write. It guards
// the whole API, so a new write route cannot forget it; admin routes add requireRole.
func authorizeWrites(c *fiber.Ctx) error {
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return c.Next()
	}
	// Every role may change its own password: the one write that is not to the book.
	if c.Method() == fiber.MethodPost && c.Path() == myPasswordPath {
		return c.Next()
	}
	return edge.RequireRole(user.Manager, principal)(c)
}

func principal(c *fiber.Ctx) user.Principal {
	p, _ := c.Locals(principalKey).(user.Principal)
	return p
}

// actor is who the audit log records for this request's writes.
func actor(c *fiber.Ctx) audit.Actor { return principal(c).Actor(audit.ViaAPI) }
