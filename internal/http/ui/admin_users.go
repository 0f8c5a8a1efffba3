package ui

import (
	"cartera/internal/http/edge"
	"cartera/internal/platform/apperr"
	"cartera/internal/user"
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// The admin pages (users here; API tokens, exposure limits and the audit log beside):
// the routes in ui.go admit admins only; these handlers do not check the role again.

func roleOptions() []Option {
	return []Option{
		{string(user.Viewer), "Viewer: reads everything"},
		{string(user.Manager), "Manager: also writes partners, loans, figures"},
		{string(user.Admin), "Admin: also users, tokens, limits"},
	}
}

// ---- Users ----

type usersPage struct {
	Users  []user.User
	Roles  []Option
	SelfID int64
	// Invited is the account just created (or whose password was just reset, when
	// Reset) and Password its one-time password. There is no mail server to send it and
	// only its hash is stored, so this page is the one time anyone sees it; its holder
	// must choose their own at the first sign-in.
	Invited  *user.User
	Password string
	Reset    bool
}

func (h *handlers) usersData(c *fiber.Ctx) (usersPage, error) {
	users, err := h.Users.List(c.UserContext())
	return usersPage{Users: users, Roles: roleOptions(), SelfID: session(c).UserID}, err
}

func (h *handlers) listUsers(c *fiber.Ctx) error {
	p := h.page(c, "Users", "admin")
	p.Form["role"] = string(user.Viewer)
	data, err := h.usersData(c)
	if err != nil {
		return err
	}
	p.Data = data
	return h.render(c, fiber.StatusOK, "admin_users", p)
}

// inviteUser creates an account with a random one-time password, shown once on the
// page this POST answers with (not in a flash, which is stored with the session, and
// not after a redirect, which a reload would show again). A generated password is
// never a weak or reused one, and no admin has to invent and type it; since the admin
// sees it, the user must change it at the first sign-in.
func (h *handlers) inviteUser(c *fiber.Ctx) error {
	p := h.page(c, "Users", "admin")
	p.Form = formValues(c)
	password, err := user.NewOneTimePassword()
	if err != nil {
		return err
	}
	in := user.NewUser{Email: p.Form["email"], Name: p.Form["name"], Role: user.Role(strings.ToLower(strings.TrimSpace(p.Form["role"]))), Password: password, OneTime: true}
	created, err := h.Users.Create(c.UserContext(), h.actor(c), in)
	data, lerr := h.usersData(c)
	if lerr != nil {
		return lerr
	}
	p.Data = data
	if err != nil {
		return h.formFailed(c, "admin_users", p, err)
	}
	data.Invited, data.Password = &created, password
	p.Data = data
	p.Form = map[string]string{"role": string(user.Viewer)} // a fresh form for the next invitation
	return h.render(c, fiber.StatusOK, "admin_users", p)
}

// resetPassword gives a user a new one-time password, shown once like an
// invitation's; their sessions end. Admins change their own on the account page.
func (h *handlers) resetPassword(c *fiber.Ctx) error {
	id, err := edge.PathID(c, "user")
	if err != nil {
		return err
	}
	if id == session(c).UserID {
		return h.redirect(c, accountPath, "Change your own password here, with your current one.")
	}
	u, password, err := h.Users.ResetPassword(c.UserContext(), h.actor(c), id)
	if err != nil {
		return err
	}
	p := h.page(c, "Users", "admin")
	p.Form["role"] = string(user.Viewer)
	data, err := h.usersData(c)
	if err != nil {
		return err
	}
	data.Invited, data.Password, data.Reset = &u, password, true
	p.Data = data
	return h.render(c, fiber.StatusOK, "admin_users", p)
}

// userField names a field of one user's row, so its message shows beside that row.
func userField(id int64, field string) string { return fmt.Sprintf("users[%d].%s", id, field) }

// updateUser changes a user's role and whether the account is active. An admin may
// not demote or deactivate their own account: the last admin could lock everyone out.
func (h *handlers) updateUser(c *fiber.Ctx) error {
	id, err := edge.PathID(c, "user")
	if err != nil {
		return err
	}
	form := formValues(c)
	self := id == session(c).UserID
	u, err := h.Users.Update(c.UserContext(), h.actor(c), id, func(ch *user.Changes) error {
		var bad apperr.Fields
		if s, ok := form["role"]; ok {
			if r, err := user.ParseRole(s); err != nil {
				bad.Add("role", "must be one of admin, manager, viewer")
			} else {
				ch.Role = r
			}
		}
		if s, ok := form["active"]; ok {
			switch s {
			case "true":
				ch.Active = true
			case "false":
				ch.Active = false
			default:
				bad.Add("active", "must be true or false")
			}
		}
		if self && bad == nil && ch.Role != user.Admin {
			bad.Add("role", "you cannot demote your own account; ask another admin")
		}
		if self && bad == nil && !ch.Active {
			bad.Add("active", "you cannot deactivate your own account; ask another admin")
		}
		return bad.Err()
	})
	if err != nil {
		p := h.page(c, "Users", "admin")
		p.Form["role"] = string(user.Viewer)
		for k, v := range form {
			p.Form[userField(id, k)] = v
		}
		data, lerr := h.usersData(c)
		if lerr != nil {
			return lerr
		}
		p.Data = data
		return h.formFailed(c, "admin_users", p, prefixFields(err, func(f string) string { return userField(id, f) }))
	}
	state := "active"
	if !u.Active {
		state = "deactivated: they are signed out and can no longer sign in, and their API tokens stop working"
	}
	return h.redirect(c, "/admin/users", fmt.Sprintf("%s is now a %s, %s.", u.Email, u.Role, state))
}

// prefixFields renames the fields of a validation error, leaving other errors as they are.
func prefixFields(err error, rename func(string) string) error {
	e, ok := apperr.As(err)
	if !ok || len(e.Fields) == 0 {
		return err
	}
	out := *e
	out.Fields = make([]apperr.FieldError, len(e.Fields))
	for i, f := range e.Fields {
		f.Field = rename(f.Field)
		out.Fields[i] = f
	}
	return &out
}

// ---- API tokens ----
