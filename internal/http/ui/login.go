package ui

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"net"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"cartera/internal/http/edge"
	"cartera/internal/platform/apperr"
	"cartera/internal/user"
)

func (h *handlers) loginForm(c *fiber.Ctx) error {
	if s, err := h.Users.SessionBySecret(c.UserContext(), c.Cookies(sessionCookie)); err == nil && s.ID != 0 {
		return c.Redirect(safeNext(c.Query("next")), fiber.StatusSeeOther)
	}
	p := h.page(c, "Sign in", "")
	p.Form["next"] = safeNext(c.Query("next"))
	if c.Query("next") != "" {
		p.Flash = "Please sign in to continue."
	}
	return h.renderLogin(c, fiber.StatusOK, p)
}

// renderLogin shows the sign-in form with a fresh double-submit token: the form and a
// cookie carry the same random value, which a forged cross-site form cannot know.
func (h *handlers) renderLogin(c *fiber.Ctx, status int, p Page) error {
	token, err := newToken()
	if err != nil {
		return err
	}
	c.Cookie(&fiber.Cookie{Name: loginCSRFCookie, Value: token, Path: "/login", HTTPOnly: true, SameSite: "Lax", Secure: h.secure(c), MaxAge: 3600})
	p.Form[csrfField] = token
	return h.render(c, status, "login", p)
}

func (h *handlers) login(c *fiber.Ctx) error {
	p := h.page(c, "Sign in", "")
	email := strings.TrimSpace(c.FormValue("email"))
	p.Form["email"] = email
	p.Form["next"] = safeNext(c.FormValue("next"))

	cookie := c.Cookies(loginCSRFCookie)
	if cookie == "" || subtle.ConstantTimeCompare([]byte(cookie), []byte(c.FormValue(csrfField))) != 1 {
		p.Problem = "The sign-in form had expired. Please try again."
		return h.renderLogin(c, fiber.StatusForbidden, p)
	}
	if email == "" {
		p.Errors["email"] = "enter your email address"
	}
	password := c.FormValue("password")
	if password == "" {
		p.Errors["password"] = "enter your password"
	}
	if len(p.Errors) > 0 {
		return h.renderLogin(c, fiber.StatusUnprocessableEntity, p)
	}
	old := c.Cookies(sessionCookie)
	u, secret, err := h.Users.SignIn(c.UserContext(), h.limiter,
		user.SignInAttempt{Email: email, Password: password, Address: clientAddress(c), Device: c.Cookies(user.DeviceCookie)})
	if throttled := (*user.ThrottledError)(nil); errors.As(err, &throttled) {
		p.Problem = "Too many failed sign-in attempts. Please wait " + waitText(throttled.Wait) + " and try again."
		c.Set(fiber.HeaderRetryAfter, fmt.Sprint(int(math.Ceil(throttled.Wait.Seconds()))))
		return h.renderLogin(c, fiber.StatusTooManyRequests, p)
	}
	if apperr.IsKind(err, apperr.KindUnauthenticated) {
		p.Problem = "Wrong email or password."
		return h.renderLogin(c, fiber.StatusUnauthorized, p)
	}
	if err != nil {
		return err
	}
	// A new session on every sign-in; the one the browser had, if any, ends.
	if old != "" {
		if err := h.Users.EndSession(c.UserContext(), old); err != nil {
			return err
		}
	}
	h.setSessionCookie(c, secret, int(h.Users.SessionMax()/time.Second))
	if err := h.setDeviceCookie(c, u.Email); err != nil {
		return err
	}
	// The sign-in form's token is spent: expire its cookie (on its own path).
	c.Cookie(&fiber.Cookie{Name: loginCSRFCookie, Path: "/login", MaxAge: -1, Expires: time.Unix(0, 0), HTTPOnly: true, SameSite: "Lax", Secure: h.secure(c)})
	if u.MustChangePassword {
		return c.Redirect(accountPath, fiber.StatusSeeOther)
	}
	return c.Redirect(p.Form["next"], fiber.StatusSeeOther)
}

// waitText is a wait as a person reads it: seconds up to a minute and a half, then minutes.
func waitText(d time.Duration) string {
	if s := int(math.Ceil(d.Seconds())); s <= 90 {
		if s == 1 {
			return "1 second"
		}
		return fmt.Sprintf("%d seconds", s)
	}
	return fmt.Sprintf("%d minutes", int(math.Ceil(d.Minutes())))
}

func (h *handlers) logout(c *fiber.Ctx) error {
	secret := c.Cookies(sessionCookie)
	if secret != "" {
		s, err := h.Users.SessionBySecret(c.UserContext(), secret)
		if err == nil && subtle.ConstantTimeCompare([]byte(c.FormValue(csrfField)), []byte(s.CSRFToken)) != 1 {
			return apperr.Forbidden("this form is out of date or did not come from Cartera: reload the page and try again")
		}
		if err := h.Users.EndSession(c.UserContext(), secret); err != nil {
			return err
		}
	}
	h.setSessionCookie(c, "", -1)
	return c.Redirect("/login", fiber.StatusSeeOther)
}

// setDeviceCookie marks the browser as one the account signed in on: the limiter
// then counts its attempts apart from strangers' (user.DeviceCookie) for
// user.DeviceCookieAge, renewed at each sign-in. Only the sign-in form reads it.
func (h *handlers) setDeviceCookie(c *fiber.Ctx, email string) error {
	token, err := h.Users.DeviceToken(email, h.Clock.Now())
	if err != nil {
		return err
	}
	c.Cookie(&fiber.Cookie{Name: user.DeviceCookie, Value: token, Path: "/login", HTTPOnly: true, SameSite: "Lax", Secure: h.secure(c),
		MaxAge: int(user.DeviceCookieAge / time.Second)})
	return nil
}

func (h *handlers) setSessionCookie(c *fiber.Ctx, value string, maxAge int) {
	c.Cookie(&fiber.Cookie{Name: sessionCookie, Value: value, Path: "/", HTTPOnly: true, SameSite: "Lax", Secure: h.secure(c), MaxAge: maxAge})
}

// secure reports whether cookies must be Secure: by configuration, or because the
// request came over TLS (edge.OverTLS: X-Forwarded-Proto only from trusted proxies).
func (h *handlers) secure(c *fiber.Ctx) bool { return h.cfg.CookieSecure || edge.OverTLS(c) }

// clientAddress is who the sign-in limit counts: the peer's address, or behind a
// trusted proxy the address that proxy saw (the last X-Forwarded-For entry: the ones
// before it are whatever the client sent). An IPv6 client counts by its /64, which
// it can otherwise rotate through at will.
func clientAddress(c *fiber.Ctx) string {
	addr := c.Context().RemoteIP()
	if c.App().Config().EnableTrustedProxyCheck && c.IsProxyTrusted() { // without the check, Fiber trusts everyone
		if ips := c.IPs(); len(ips) > 0 {
			if ip := net.ParseIP(strings.TrimSpace(ips[len(ips)-1])); ip != nil {
				addr = ip
			}
		}
	}
	if addr.To4() == nil && len(addr) == net.IPv6len {
		return addr.Mask(net.CIDRMask(64, 128)).String() + "/64"
	}
	return addr.String()
}

func newToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
