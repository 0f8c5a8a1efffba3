package ui_test

import (
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"cartera/internal/user"
)

var shownPassword = regexp.MustCompile(`<code class="secret" id="new-password">([^<]+)</code>`)

func TestAccountPageChangesPassword(t *testing.T) {
	e := newEnv(t)
	c := e.signIn(user.Viewer)
	other := e.signIn(user.Viewer)
	c.get("/").must(t, http.StatusOK, `href="/account"`)
	c.get("/account").must(t, http.StatusOK, "Change your password", "viewer@example.org")

	tests := []struct {
		name          string
		form          url.Values
		field, reason string
	}{
		{"wrong current", url.Values{"current_password": {"not it at all"}, "new_password": {"a brand new passphrase"}, "repeat_password": {"a brand new passphrase"}}, "current_password", "is not your current password"},
		{"repeat differs", url.Values{"current_password": {password}, "new_password": {"a brand new passphrase"}, "repeat_password": {"a brand new passphrasE"}}, "repeat_password", "does not match the new password"},
		{"too short", url.Values{"current_password": {password}, "new_password": {"aaaaaaaaaa"}, "repeat_password": {"aaaaaaaaaa"}}, "new_password", "at least 12 characters"},
		{"common", url.Values{"current_password": {password}, "new_password": {"Qwerty123456"}, "repeat_password": {"Qwerty123456"}}, "new_password", "most common passwords"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := c.post("/account/password", tt.form).must(t, http.StatusUnprocessableEntity, `id="e-`+tt.field+`"`, tt.reason)
			for _, v := range []string{password, "a brand new passphrase", "aaaaaaaaaa", "Qwerty123456", "not it at all"} {
				if strings.Contains(p.body, `value="`+v+`"`) {
					t.Errorf("the page shows a password back: %q", v)
				}
			}
		})
	}
	stolen := &client{e: e, cookies: maps.Clone(c.cookies), csrf: c.csrf} // a copy of this session's cookie
	p := c.post("/account/password", url.Values{"current_password": {password}, "new_password": {"a brand new passphrase"}, "repeat_password": {"a brand new passphrase"}})
	if p.status != http.StatusSeeOther || p.location != "/account" {
		t.Fatalf("change: %d %q\n%s", p.status, p.location, p.body)
	}
	c.follow(p).must(t, http.StatusOK, "Your password is changed.")
	// This browser goes on with a new session; a copy of its old cookie (stolen,
	// perhaps: a reason to change a password) no longer works.
	if p := stolen.get("/"); p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/login") {
		t.Errorf("the old session cookie outlived the change: %d %q", p.status, p.location)
	}
	// The other session has ended; this one goes on.
	if p := other.get("/"); p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/login") {
		t.Errorf("the other session outlived the change: %d %q", p.status, p.location)
	}
	c.get("/partners").must(t, http.StatusOK)
	if n := countAudit(t, e, "password_change"); n != 1 {
		t.Errorf("%d password changes in the audit log", n)
	}
	// Signing out is in the audit log too.
	before := countAudit(t, e, "sign_out")
	c.post("/logout", url.Values{})
	if n := countAudit(t, e, "sign_out") - before; n != 1 {
		t.Errorf("%d sign-outs in the audit log, want 1", n)
	}
}

// An invitation's password is one-time: until it is changed, the session reaches
// only the account page.
func TestOneTimePasswordReachesOnlyTheAccountPage(t *testing.T) {
	e := newEnv(t)
	admin := e.signIn(user.Admin)
	admin.get("/admin/users")
	p := admin.post("/admin/users", url.Values{"email": {"leo@example.org"}, "role": {"manager"}}).must(t, http.StatusOK, "one-time password")
	m := shownPassword.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no password shown:\n%s", p.body)
	}
	admin.get("/admin/users").must(t, http.StatusOK, `<span class="tag">one-time password</span>`)

	leo := e.client()
	leo.get("/login")
	p = leo.post("/login", url.Values{"email": {"leo@example.org"}, "password": {m[1]}, "next": {"/partners"}})
	if p.status != http.StatusSeeOther || p.location != "/account" {
		t.Fatalf("sign in with a one-time password: %d %q", p.status, p.location)
	}
	leo.follow(p).must(t, http.StatusOK, "one-time password", "Change your password")
	for _, path := range []string{"/", "/partners", "/loans", "/exposure", "/admin/users"} {
		if p := leo.get(path); p.status != http.StatusSeeOther || p.location != "/account" {
			t.Errorf("GET %s with a one-time password: %d %q", path, p.status, p.location)
		}
	}
	leo.get("/account")
	if p := leo.post("/partners/new", url.Values{"name": {"Sneaky"}, "country": {"PE"}}); p.status != http.StatusSeeOther || p.location != "/account" {
		t.Errorf("POST with a one-time password: %d %q", p.status, p.location)
	}
	leo.get("/account")
	p = leo.post("/account/password", url.Values{"current_password": {m[1]}, "new_password": {"leo's own passphrase"}, "repeat_password": {"leo's own passphrase"}})
	if p.status != http.StatusSeeOther || p.location != "/" {
		t.Fatalf("change: %d %q\n%s", p.status, p.location, p.body)
	}
	leo.get("/partners").must(t, http.StatusOK)
}

func TestAdminResetsAPassword(t *testing.T) {
	e := newEnv(t)
	viewer := e.signIn(user.Viewer)
	admin := e.signIn(user.Admin)
	id := strconv.FormatInt(userID(t, e, "viewer@example.org"), 10)
	self := strconv.FormatInt(userID(t, e, "admin@example.org"), 10)
	users := admin.get("/admin/users").must(t, http.StatusOK, `action="/admin/users/`+id+`/password-reset"`)
	if strings.Contains(users.body, `action="/admin/users/`+self+`/password-reset"`) {
		t.Error("an admin is offered to reset their own password")
	}
	p := admin.post("/admin/users/"+id+"/password-reset", url.Values{}).must(t, http.StatusOK, "password is reset")
	m := shownPassword.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no password shown:\n%s", p.body)
	}
	if p := viewer.get("/"); p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/login") {
		t.Errorf("the viewer's session outlived the reset: %d %q", p.status, p.location)
	}
	c := e.client()
	c.get("/login")
	if p := c.post("/login", url.Values{"email": {"viewer@example.org"}, "password": {m[1]}}); p.status != http.StatusSeeOther || p.location != "/account" {
		t.Errorf("sign in with the reset password: %d %q", p.status, p.location)
	}
	if n := countAudit(t, e, "password_reset"); n != 1 {
		t.Errorf("%d resets in the audit log", n)
	}
	// Their own: the account page. Not an admin: refused.
	if p := admin.post("/admin/users/"+self+"/password-reset", url.Values{}); p.status != http.StatusSeeOther || p.location != "/account" {
		t.Errorf("self reset: %d %q", p.status, p.location)
	}
	manager := e.signIn(user.Manager)
	manager.post("/admin/users/"+id+"/password-reset", url.Values{}).must(t, http.StatusForbidden)

	// The audit page shows sign-ins and the reset in words.
	stranger := e.client()
	stranger.get("/login")
	stranger.post("/login", url.Values{"email": {"nobody@example.org"}, "password": {"a guess at it"}}).must(t, http.StatusUnauthorized)
	admin.get("/admin/audit?entity=user").must(t, http.StatusOK, "<td>sign in</td>", "<td>password reset</td>",
		"<td>sign in failed</td>", "nobody@example.org")
}
