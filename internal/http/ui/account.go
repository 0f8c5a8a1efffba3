package ui

import (
	"cartera/internal/platform/apperr"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
)

// The account page: who you are, and a form to change your password.

const (
	accountPath       = "/account"
	mustChangeMessage = "Please choose your own password to continue: the one you signed in with was a one-time password."
)

func (h *handlers) accountPage(c *fiber.Ctx) error {
	p := h.page(c, "Your account", "account")
	if session(c).MustChangePassword && p.Flash == "" {
		p.Flash = mustChangeMessage
	}
	return h.render(c, fiber.StatusOK, "account", p)
}

// changePassword takes the current password, the new one and its repeat. Success
// ends the user's other sessions (this one goes on) and, for a one-time password,
// opens the other pages again. The passwords are never shown back in the form.
func (h *handlers) changePassword(c *fiber.Ctx) error {
	p := h.page(c, "Your account", "account")
	s := session(c)
	current, next, repeat := c.FormValue("current_password"), c.FormValue("new_password"), c.FormValue("repeat_password")
	switch {
	case current == "":
		p.Errors["current_password"] = "enter your current password"
	case next == "":
		p.Errors["new_password"] = "enter a new password"
	case repeat != next:
		p.Errors["repeat_password"] = "does not match the new password"
	}
	if len(p.Errors) > 0 {
		p.Problem = "Please correct the fields marked below; your password is unchanged."
		return h.render(c, fiber.StatusUnprocessableEntity, "account", p)
	}
	// Every session ends, this one too: if its cookie was stolen (a reason to change a
	// password), the thief's copy must stop working. The browser gets a new one.
	secret, err := h.Users.ChangePasswordNewSession(c.UserContext(), h.actor(c), s.UserID, current, next)
	if err != nil {
		if apperr.IsKind(err, apperr.KindBusy) {
			e, _ := apperr.As(err)
			c.Set(fiber.HeaderRetryAfter, strconv.Itoa(max(1, int(e.RetryAfter.Seconds()))))
			p.Problem = e.Message
			return h.render(c, fiber.StatusTooManyRequests, "account", p)
		}
		return h.formFailed(c, "account", p, err)
	}
	h.setSessionCookie(c, secret, int(h.Users.SessionMax()/time.Second))
	if err := h.setDeviceCookie(c, s.Email); err != nil {
		return err
	}
	to := accountPath
	if s.MustChangePassword {
		to = "/"
	}
	// The flash goes with the new session: the old one is gone.
	fresh, err := h.Users.SessionBySecret(c.UserContext(), secret)
	if err != nil {
		return err
	}
	if err := h.Users.SetFlash(c.UserContext(), fresh.ID, "Your password is changed. Your other sessions, if any, have ended."); err != nil {
		return err
	}
	return c.Redirect(to, fiber.StatusSeeOther)
}
