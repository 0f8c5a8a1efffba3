package ui_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"cartera/internal/app"
	"cartera/internal/audit"
	"cartera/internal/demo"
	"cartera/internal/http/api"
	"cartera/internal/http/server"
	"cartera/internal/platform/civil"
	"cartera/internal/platform/pgtest"
	"cartera/internal/user"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

const password = "correct horse battery"

// env is the whole application on its own database, with a user per role
// (admin@example.org, manager@…, viewer@…, all with password).
type env struct {
	t    testing.TB
	app  *fiber.App
	deps api.Deps
}

func newEnv(t testing.TB) *env {
	t.Helper()
	return newEnvAt(t, nil)
}

// newEnvAt is newEnv reading the time from clock (nil: the system's).
func newEnvAt(t testing.TB, clock civil.Clock) *env {
	t.Helper()
	ctx := context.Background()
	conn := pgtest.New(t)
	deps, err := app.New(ctx, conn, clock)
	if err != nil {
		t.Fatal(err)
	}
	app, err := server.New(server.Config{Version: "test", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, deps)
	if err != nil {
		t.Fatal(err)
	}
	for _, role := range []user.Role{user.Admin, user.Manager, user.Viewer} {
		if _, err := deps.Users.Create(ctx, audit.System("test"), user.NewUser{Email: string(role) + "@example.org", Name: "Test " + string(role), Role: role, Password: password}); err != nil {
			t.Fatal(err)
		}
	}
	return &env{t: t, app: app, deps: deps}
}

// loadDemo loads the demo partners, fund, loans and figures.
func (e *env) loadDemo() {
	e.t.Helper()
	d := e.deps
	if _, err := demo.Load(context.Background(), d); err != nil {
		e.t.Fatal(err)
	}
}

// client is a browser without JavaScript: it keeps cookies and fills in the CSRF
// token of the last page it read.
type client struct {
	e       *env
	cookies map[string]string
	csrf    string
}

type page struct {
	status   int
	header   http.Header
	body     string
	location string
}

var csrfInput = regexp.MustCompile(`name="csrf_token" value="([^"]*)"`)

func (e *env) client() *client { return &client{e: e, cookies: map[string]string{}} }

// signIn returns a client signed in as the user of role.
func (e *env) signIn(role user.Role) *client {
	e.t.Helper()
	c := e.client()
	c.get("/login")
	p := c.post("/login", url.Values{"email": {string(role) + "@example.org"}, "password": {password}})
	if p.status != http.StatusSeeOther || p.location != "/" {
		e.t.Fatalf("sign in as %s: status %d, location %q\n%s", role, p.status, p.location, p.body)
	}
	c.get("/") // the session's CSRF token
	return c
}

func (c *client) get(path string) page {
	c.e.t.Helper()
	return c.send(httptest.NewRequest(http.MethodGet, path, nil))
}

// post submits a form with the CSRF token of the last page read, unless the form
// sets csrf_token itself.
func (c *client) post(path string, form url.Values) page {
	c.e.t.Helper()
	if _, ok := form["csrf_token"]; !ok {
		form.Set("csrf_token", c.csrf)
	}
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.send(req)
}

func (c *client) send(req *http.Request) page {
	c.e.t.Helper()
	for k, v := range c.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	resp, err := c.e.app.Test(req, -1)
	if err != nil {
		c.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.e.t.Fatal(err)
	}
	for _, ck := range resp.Cookies() {
		if ck.MaxAge < 0 || ck.Value == "" {
			delete(c.cookies, ck.Name)
			continue
		}
		c.cookies[ck.Name] = ck.Value
	}
	p := page{status: resp.StatusCode, header: resp.Header, body: string(b), location: resp.Header.Get("Location")}
	if m := csrfInput.FindStringSubmatch(p.body); m != nil {
		c.csrf = m[1]
	}
	return p
}

// follow GETs the page a redirect points to.
func (c *client) follow(p page) page {
	c.e.t.Helper()
	if p.status != http.StatusSeeOther && p.status != http.StatusFound {
		c.e.t.Fatalf("want a redirect, got %d\n%s", p.status, p.body)
	}
	return c.get(p.location)
}

// must fails the test unless the page has this status and every one of texts.
func (p page) must(t testing.TB, status int, texts ...string) page {
	t.Helper()
	if p.status != status {
		t.Fatalf("status %d, want %d\n%s", p.status, status, p.body)
	}
	for _, s := range texts {
		if !strings.Contains(p.body, s) {
			t.Errorf("page lacks %q\n%s", s, p.body)
		}
	}
	return p
}
