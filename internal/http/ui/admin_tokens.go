package ui

import (
	"cartera/internal/http/edge"
	"cartera/internal/user"
	"fmt"

	"github.com/gofiber/fiber/v2"
)

// The admin page of API tokens: created and shown once, revoked.

type tokensPage struct {
	Tokens []user.Token
	Emails []Option // the active users, who may get a token
	// Created is the token just made and Secret its secret, shown on this page only:
	// only its hash is stored.
	Created *user.Token
	Secret  string
}

func (h *handlers) tokensData(c *fiber.Ctx) (tokensPage, error) {
	tokens, err := h.Users.ListTokens(c.UserContext(), nil)
	if err != nil {
		return tokensPage{}, err
	}
	users, err := h.Users.List(c.UserContext())
	if err != nil {
		return tokensPage{}, err
	}
	data := tokensPage{Tokens: tokens}
	for _, u := range users {
		if u.Active {
			label := u.Email
			if u.Name != "" {
				label += " (" + u.Name + ")"
			}
			data.Emails = append(data.Emails, Option{u.Email, label})
		}
	}
	return data, nil
}

func (h *handlers) listTokens(c *fiber.Ctx) error {
	p := h.page(c, "API tokens", "admin")
	p.Form["email"] = session(c).Email
	data, err := h.tokensData(c)
	if err != nil {
		return err
	}
	p.Data = data
	return h.render(c, fiber.StatusOK, "admin_tokens", p)
}

// createToken answers the POST with the page itself, secret included, rather than a
// redirect: the secret must not be stored anywhere (a flash is), nor shown by a reload.
func (h *handlers) createToken(c *fiber.Ctx) error {
	p := h.page(c, "API tokens", "admin")
	p.Form = formValues(c)
	t, secret, err := h.Users.CreateToken(c.UserContext(), h.actor(c), p.Form["email"], p.Form["name"])
	data, lerr := h.tokensData(c)
	if lerr != nil {
		return lerr
	}
	p.Data = data
	if err != nil {
		return h.formFailed(c, "admin_tokens", p, err)
	}
	data.Created, data.Secret = &t, secret
	p.Data = data
	p.Form = map[string]string{"email": session(c).Email}
	return h.render(c, fiber.StatusOK, "admin_tokens", p)
}

func (h *handlers) revokeToken(c *fiber.Ctx) error {
	id, err := edge.PathID(c, "API token")
	if err != nil {
		return err
	}
	t, err := h.Users.RevokeToken(c.UserContext(), h.actor(c), id)
	if err != nil {
		return err
	}
	return h.redirect(c, "/admin/tokens", fmt.Sprintf("Token “%s” of %s revoked: it no longer works.", t.Name, t.UserEmail))
}

// ---- Exposure limits ----
