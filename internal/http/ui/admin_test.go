package ui_test

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"cartera/internal/user"
)

// secretOnPage reads the value a page shows once, in its element of class "secret".
var secretOnPage = regexp.MustCompile(`class="secret"[^>]*>([^<]+)<`)

func mustSecret(t *testing.T, p page) string {
	t.Helper()
	m := secretOnPage.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no secret on the page\n%s", p.body)
	}
	return html.UnescapeString(m[1])
}

func userID(t *testing.T, e *env, email string) int64 {
	t.Helper()
	u, err := e.deps.Users.ByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// apiMe calls the API's /me with a bearer token and returns the status and body.
func apiMe(t *testing.T, e *env, token string) (int, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/api/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := e.app.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func TestAdminPagesNeedTheAdminRole(t *testing.T) {
	e := newEnv(t)
	admin := e.signIn(user.Admin)
	manager := e.signIn(user.Manager)
	for path, text := range map[string]string{
		"/admin/users":  "Invite a user",
		"/admin/tokens": "New token",
		"/admin/limits": "Max share (% of the total)",
		"/admin/funds":  "Books closed through",
		"/admin/audit":  "Newest first",
	} {
		admin.get(path).must(t, http.StatusOK, text, `aria-label="Admin"`, `href="/admin/audit"`)
		manager.get(path).must(t, http.StatusForbidden, "needs the admin role")
	}
	manager.post("/admin/users", url.Values{"email": {"sneaky@example.org"}, "role": {"admin"}}).must(t, http.StatusForbidden)
	manager.post("/admin/limits", url.Values{"limits[0].dimension": {"country"}, "limits[0].key": {"BO"}, "limits[0].max_share": {"10"}}).must(t, http.StatusForbidden)
}

func TestInviteAndDeactivateAUser(t *testing.T) {
	e := newEnv(t)
	admin := e.signIn(user.Admin)
	admin.get("/admin/users")

	// A bad email is shown again, marked, with nothing saved.
	p := admin.post("/admin/users", url.Values{"email": {"not an email"}, "name": {"Ana Ruiz"}, "role": {"manager"}})
	p.must(t, http.StatusUnprocessableEntity, `id="e-email"`, "must be an email address", `value="Ana Ruiz"`, "nothing was saved")
	if strings.Contains(p.body, `class="secret"`) {
		t.Error("a failed invitation shows a password")
	}

	p = admin.post("/admin/users", url.Values{"email": {"ana@example.org"}, "name": {"Ana Ruiz"}, "role": {"manager"}})
	p.must(t, http.StatusOK, "ana@example.org can now sign in", "shown only once", "<td>Ana Ruiz</td>")
	pw := mustSecret(t, p)
	if p.header.Get("Cache-Control") != "no-store" {
		t.Errorf("the page with a password may be cached: %q", p.header.Get("Cache-Control"))
	}
	if again := admin.get("/admin/users"); strings.Contains(again.body, pw) {
		t.Error("the password is shown a second time")
	}

	// The new user signs in with it.
	ana := e.client()
	ana.get("/login")
	if p := ana.post("/login", url.Values{"email": {"ana@example.org"}, "password": {pw}}); p.status != http.StatusSeeOther {
		t.Fatalf("the invited user cannot sign in: %d\n%s", p.status, p.body)
	}

	// Deactivated, they no longer can.
	id := strconv.FormatInt(userID(t, e, "ana@example.org"), 10)
	admin.get("/admin/users")
	p = admin.post("/admin/users/"+id, url.Values{"role": {"manager"}, "active": {"false"}})
	admin.follow(p).must(t, http.StatusOK, "ana@example.org is now a manager, deactivated", "deactivated</span>")
	if p := ana.get("/"); p.status != http.StatusSeeOther {
		t.Errorf("a deactivated user's session still works: %d", p.status)
	}
	again := e.client()
	again.get("/login")
	again.post("/login", url.Values{"email": {"ana@example.org"}, "password": {pw}}).must(t, http.StatusUnauthorized)

	// A bad role is marked on that user's row.
	admin.post("/admin/users/"+id, url.Values{"role": {"owner"}, "active": {"true"}}).
		must(t, http.StatusUnprocessableEntity, `id="e-users[`+id+`].role"`, "must be one of admin, manager, viewer")

	// An admin cannot lock themselves out.
	self := strconv.FormatInt(userID(t, e, "admin@example.org"), 10)
	admin.post("/admin/users/"+self, url.Values{"role": {"viewer"}, "active": {"true"}}).
		must(t, http.StatusUnprocessableEntity, `id="e-users[`+self+`].role"`, "you cannot demote your own account")
	admin.post("/admin/users/"+self, url.Values{"role": {"admin"}, "active": {"false"}}).
		must(t, http.StatusUnprocessableEntity, `id="e-users[`+self+`].active"`, "you cannot deactivate your own account")
	if u, _ := e.deps.Users.ByEmail(context.Background(), "admin@example.org"); u.Role != user.Admin || !u.Active {
		t.Fatalf("the admin changed their own account: %+v", u)
	}
}

func TestCreateAndRevokeAToken(t *testing.T) {
	e := newEnv(t)
	admin := e.signIn(user.Admin)
	admin.get("/admin/tokens").must(t, http.StatusOK, "No API tokens yet.", `<option value="manager@example.org"`)

	admin.post("/admin/tokens", url.Values{"email": {"manager@example.org"}, "name": {""}}).
		must(t, http.StatusUnprocessableEntity, `id="e-name"`, "must be 1 to 100 characters")
	admin.post("/admin/tokens", url.Values{"email": {"nobody@example.org"}, "name": {"x"}}).
		must(t, http.StatusUnprocessableEntity, `id="e-email"`, "no user has this email")

	p := admin.post("/admin/tokens", url.Values{"email": {"manager@example.org"}, "name": {"export script"}})
	p.must(t, http.StatusOK, "shown only once", "cannot show it again", "export script")
	secret := mustSecret(t, p)
	if !strings.HasPrefix(secret, "cart_") {
		t.Fatalf("secret %q", secret)
	}
	list := admin.get("/admin/tokens").must(t, http.StatusOK, "export script", "manager@example.org", secret[:11])
	if strings.Contains(list.body, secret) {
		t.Error("the token's secret is shown a second time")
	}

	status, body := apiMe(t, e, secret)
	if status != http.StatusOK || !strings.Contains(body, "manager@example.org") {
		t.Fatalf("the new token does not work: %d %s", status, body)
	}

	tokens, err := e.deps.Users.ListTokens(context.Background(), nil)
	if err != nil || len(tokens) != 1 {
		t.Fatalf("tokens %v, %v", tokens, err)
	}
	id := strconv.FormatInt(tokens[0].ID, 10)
	p = admin.post("/admin/tokens/"+id+"/revoke", url.Values{})
	admin.follow(p).must(t, http.StatusOK, "Token “export script” of manager@example.org revoked", "revoked 2")
	if status, _ := apiMe(t, e, secret); status != http.StatusUnauthorized {
		t.Fatalf("a revoked token still works: %d", status)
	}
	// Revoking twice is refused, not ignored.
	admin.post("/admin/tokens/"+id+"/revoke", url.Values{}).must(t, http.StatusConflict, "already revoked")
}

func TestEditLimits(t *testing.T) {
	e := newEnv(t)
	admin := e.signIn(user.Admin)
	admin.get("/admin/limits").must(t, http.StatusOK, `name="limits[0].dimension"`, `name="limits[2].max_share"`)

	// A share over 100 % and an unknown country: both marked, nothing saved.
	bad := url.Values{
		"limits[0].dimension": {"country"}, "limits[0].key": {"BO"}, "limits[0].max_share": {"150"},
		"limits[1].dimension": {""}, "limits[1].key": {""},
		"limits[2].dimension": {"country"}, "limits[2].key": {"XX"}, "limits[2].max_amount": {"-5"},
	}
	admin.post("/admin/limits", bad).must(t, http.StatusUnprocessableEntity,
		`id="e-limits[0].max_share"`, "must be a percentage above 0 and at most 100, not 150",
		`id="e-limits[2].key"`, "not an ISO 3166-1 alpha-2 country code", `id="e-limits[2].max_amount"`, "cannot be negative",
		`value="150"`, "nothing was saved")
	if ls, err := e.deps.Exposure.Limits(context.Background()); err != nil || len(ls) != 0 {
		t.Fatalf("a bad form saved limits: %v, %v", ls, err)
	}

	good := url.Values{
		"limits[0].dimension": {"country"}, "limits[0].key": {"bo"}, "limits[0].max_share": {"25 %"},
		"limits[1].dimension": {""},
		"limits[2].dimension": {"legal_status"}, "limits[2].key": {"ngo"}, "limits[2].max_amount": {"1,500,000"},
	}
	p := admin.post("/admin/limits", good)
	admin.follow(p).must(t, http.StatusOK, "Limits saved: 2 in force.", `value="BO"`, `value="25"`, `value="1500000`, `name="limits[4].dimension"`)
	ls, err := e.deps.Exposure.Limits(context.Background())
	if err != nil || len(ls) != 2 {
		t.Fatalf("limits %v, %v", ls, err)
	}
	for _, l := range ls {
		if l.Dimension == "country" && (l.MaxShare == nil || l.MaxShare.String() != "0.25") {
			t.Errorf("25 %% was stored as %v", l.MaxShare)
		}
	}

	// Remove one.
	admin.get("/admin/limits")
	p = admin.post("/admin/limits", url.Values{
		"limits[0].dimension": {"country"}, "limits[0].key": {"BO"}, "limits[0].max_share": {"25"}, "limits[0].remove": {"1"},
		"limits[1].dimension": {"legal_status"}, "limits[1].key": {"ngo"}, "limits[1].max_amount": {"1500000"},
	})
	admin.follow(p).must(t, http.StatusOK, "Limits saved: 1 in force.")

	// Two admins edit at once: the second save, from a form opened before the first,
	// is refused and changes nothing; reopened, the form saves.
	other := e.signIn(user.Admin)
	form := other.get("/admin/limits")
	version := regexp.MustCompile(`name="version" value="([0-9a-f]+)"`).FindStringSubmatch(form.body)
	if version == nil {
		t.Fatalf("the limits form carries no version\n%s", form.body)
	}
	admin.get("/admin/limits")
	p = admin.post("/admin/limits", url.Values{"limits[0].dimension": {"country"}, "limits[0].key": {"PE"}, "limits[0].max_share": {"30"}})
	admin.follow(p).must(t, http.StatusOK, "Limits saved: 1 in force.")
	other.post("/admin/limits", url.Values{"version": {version[1]}, "limits[0].dimension": {"country"}, "limits[0].key": {"KE"}, "limits[0].max_share": {"10"}}).
		must(t, http.StatusConflict, "someone changed the limits since this form was opened", `value="KE"`)
	ls, err = e.deps.Exposure.Limits(context.Background())
	if err != nil || len(ls) != 1 || ls[0].Key != "PE" {
		t.Fatalf("the stale form overwrote the limits: %+v, %v", ls, err)
	}
	form = other.get("/admin/limits")
	version = regexp.MustCompile(`name="version" value="([0-9a-f]+)"`).FindStringSubmatch(form.body)
	p = other.post("/admin/limits", url.Values{"version": {version[1]}, "limits[0].dimension": {"country"}, "limits[0].key": {"KE"}, "limits[0].max_share": {"10"}})
	other.follow(p).must(t, http.StatusOK, "Limits saved: 1 in force.", `value="KE"`)
}

func TestAuditLogShowsTheAdminsActions(t *testing.T) {
	e := newEnv(t)
	admin := e.signIn(user.Admin)
	admin.get("/admin/users")
	admin.post("/admin/users", url.Values{"email": {"leo@example.org"}, "role": {"viewer"}}).must(t, http.StatusOK)
	admin.post("/admin/tokens", url.Values{"email": {"viewer@example.org"}, "name": {"reporting"}}).must(t, http.StatusOK)
	admin.post("/admin/limits", url.Values{"limits[0].dimension": {"country"}, "limits[0].key": {"PE"}, "limits[0].max_share": {"30"}})

	all := admin.get("/admin/audit").must(t, http.StatusOK,
		"admin@example.org", "user ", "leo@example.org", "api_token ", "reporting", "exposure_limits all", "Before and after")
	// Newest first: the limits, then the token, then the user.
	if i, j := strings.Index(all.body, "exposure_limits all"), strings.Index(all.body, "<td>api_token "); i < 0 || j < 0 || i > j {
		t.Errorf("entries are not newest first (limits at %d, token at %d)", i, j)
	}

	tok := admin.get("/admin/audit?entity=api_token").must(t, http.StatusOK, "reporting", "<td>api_token ")
	if strings.Contains(tok.body, "exposure_limits all") || strings.Contains(tok.body, "<td>user ") {
		t.Error("the entity filter lets other entities through")
	}
	manager := strconv.FormatInt(userID(t, e, "manager@example.org"), 10)
	admin.get("/admin/audit?user_id="+manager).must(t, http.StatusOK, "No entry matches these filters.")
	admin.get("/admin/audit?from=2000-01-01&to=2000-12-31").must(t, http.StatusOK, "No entry matches these filters.")
	admin.get("/admin/audit?from=yesterday").must(t, http.StatusUnprocessableEntity, `id="e-from"`, "must be a date as YYYY-MM-DD")
}
