package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"cartera/internal/audit"
	"cartera/internal/http/edge"
	"cartera/internal/platform/apperr"
	"cartera/internal/user"
)

func (h *handlers) me(c *fiber.Ctx) error {
	p := principal(c)
	return c.JSON(fiber.Map{"user_id": p.UserID, "email": p.Email, "role": p.Role, "token_id": p.TokenID, "token_name": p.TokenName})
}

func (h *handlers) listUsers(c *fiber.Ctx) error {
	users, err := h.users.List(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": each(users, toUserJSON)})
}

func (h *handlers) createUser(c *fiber.Ctx) error {
	o, err := decodeObject(c)
	if err != nil {
		return err
	}
	var in user.NewUser
	var role string
	o.text("email", &in.Email)
	o.text("name", &in.Name)
	o.text("role", &role)
	o.text("password", &in.Password)
	if err := o.done(); err != nil {
		return err
	}
	in.Role = user.Role(strings.ToLower(role))
	// The admin knows the password, given or generated: it is one-time either way.
	in.OneTime = true
	var generated string
	if in.Password == "" {
		if generated, err = user.NewOneTimePassword(); err != nil {
			return err
		}
		in.Password = generated
	}
	u, err := h.users.Create(c.UserContext(), actor(c), in)
	if err != nil {
		return err
	}
	c.Location("/api/v1/users/" + strconv.FormatInt(u.ID, 10))
	return c.Status(http.StatusCreated).JSON(newUserJSON{toUserJSON(u), generated})
}

// resetPassword gives the user a new one-time password, in this answer only; the
// user's sessions end. API tokens are not sessions: theirs keep working.
func (h *handlers) resetPassword(c *fiber.Ctx) error {
	id, err := edge.PathID(c, "user")
	if err != nil {
		return err
	}
	if id == principal(c).UserID {
		return apperr.Conflict("id", "change your own password with POST /api/v1/me/password")
	}
	u, password, err := h.users.ResetPassword(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(newUserJSON{toUserJSON(u), password})
}

// changeMyPassword sets the caller's password, given the current one. The API
// authenticates by token, not by session: every browser session of the user ends.
func (h *handlers) changeMyPassword(c *fiber.Ctx) error {
	o, err := decodeObject(c)
	if err != nil {
		return err
	}
	var current, next string
	o.require("current_password", "new_password")
	o.text("current_password", &current)
	o.text("new_password", &next)
	if err := o.done(); err != nil {
		return err
	}
	if err := h.users.ChangePassword(c.UserContext(), actor(c), principal(c).UserID, 0, current, next); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}

func (h *handlers) patchUser(c *fiber.Ctx) error {
	id, o, err := idAndBody(c, "user")
	if err != nil {
		return err
	}
	self := id == principal(c).UserID
	u, err := h.users.Update(c.UserContext(), actor(c), id, func(ch *user.Changes) error {
		role := string(ch.Role)
		o.text("name", &ch.Name)
		o.text("role", &role)
		o.get("active", &ch.Active, "true or false")
		o.ignore("id", "email", "created_at", "updated_at")
		ch.Role = user.Role(strings.ToLower(strings.TrimSpace(role)))
		if err := o.done(); err != nil {
			return err
		}
		if self && (!ch.Active || ch.Role != user.Admin) {
			return apperr.Conflict("role", "you cannot demote or deactivate your own account")
		}
		return nil
	})
	if err != nil {
		return err
	}
	return c.JSON(toUserJSON(u))
}

func (h *handlers) listTokens(c *fiber.Ctx) error {
	var userID *int64
	if s := c.Query("user_id"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return apperr.Invalid(apperr.FieldError{Field: "user_id", Message: "must be a user id"})
		}
		userID = &id
	}
	tokens, err := h.users.ListTokens(c.UserContext(), userID)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": each(tokens, toTokenJSON)})
}

// createToken issues a token for the user named by email (by default the caller).
// The response is the only time the secret is shown.
func (h *handlers) createToken(c *fiber.Ctx) error {
	o, err := decodeObject(c)
	if err != nil {
		return err
	}
	email, name := principal(c).Email, ""
	o.text("email", &email)
	o.text("name", &name)
	if err := o.done(); err != nil {
		return err
	}
	t, secret, err := h.users.CreateToken(c.UserContext(), actor(c), email, name)
	if err != nil {
		return err
	}
	c.Location("/api/v1/tokens/" + strconv.FormatInt(t.ID, 10))
	return c.Status(http.StatusCreated).JSON(newTokenJSON{toTokenJSON(t), secret})
}

func (h *handlers) revokeToken(c *fiber.Ctx) error {
	id, err := edge.PathID(c, "API token")
	if err != nil {
		return err
	}
	if _, err := h.users.RevokeToken(c.UserContext(), actor(c), id); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}

func (h *handlers) listAudit(c *fiber.Ctx) error {
	var bad apperr.Fields
	f := audit.Filter{Entity: c.Query("entity"), EntityID: c.Query("entity_id")}
	if s := c.Query("user_id"); s != "" {
		if id, err := strconv.ParseInt(s, 10, 64); err == nil {
			f.UserID = &id
		} else {
			bad.Add("user_id", "must be a user id")
		}
	}
	if s := c.Query("before_id"); s != "" {
		if id, err := strconv.ParseInt(s, 10, 64); err == nil {
			f.BeforeID = &id
		} else {
			bad.Add("before_id", "must be an audit entry id")
		}
	}
	for _, d := range []struct {
		name string
		dst  **time.Time
	}{{"from", &f.From}, {"to", &f.To}} {
		if s := c.Query(d.name); s != "" {
			t, err := time.Parse(time.DateOnly, s)
			if err != nil {
				bad.Add(d.name, edge.DateMessage)
				continue
			}
			if d.name == "to" {
				t = t.AddDate(0, 0, 1) // the whole of the "to" day
			}
			*d.dst = &t
		}
	}
	if s := c.Query("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1000 {
			bad.Add("limit", "must be a number from 1 to 1000")
		}
		f.Limit = n
	}
	if err := bad.Err(); err != nil {
		return err
	}
	entries, err := h.audit.List(c.UserContext(), f)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": each(entries, toAuditEntryJSON)})
}
