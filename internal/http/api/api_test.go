package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/jmoiron/sqlx"

	"cartera/internal/app"
	"cartera/internal/audit"
	"cartera/internal/http/api"
	"cartera/internal/http/server"
	"cartera/internal/ledger"
	"cartera/internal/platform/civil"
	"cartera/internal/platform/pgtest"
	"cartera/internal/user"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// env is an application on its own database, with a token per role.
type env struct {
	t      testing.TB
	app    *fiber.App
	conn   *sqlx.DB
	users  *user.Service
	loans  *ledger.Service
	tokens map[user.Role]string
	// services are the env's services, for loading the demo data through them.
	services app.Services
}

func newEnv(t testing.TB) *env {
	t.Helper()
	return newEnvClock(t, nil)
}

// newEnvClock is newEnv on a clock the test sets (nil: the system's).
func newEnvClock(t testing.TB, clock civil.Clock) *env {
	t.Helper()
	ctx := context.Background()
	conn := pgtest.New(t)
	services, err := app.New(ctx, conn, clock)
	if err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, err := server.New(server.Config{Version: "test", Logger: quiet},
		services)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, conn: conn, users: services.Users, loans: services.Loans, tokens: map[user.Role]string{}, services: services, app: srv}
	for _, role := range []user.Role{user.Admin, user.Manager, user.Viewer} {
		email := string(role) + "@example.org"
		if _, err := services.Users.Create(ctx, audit.System("test"), user.NewUser{Email: email, Role: role, Password: "correct horse battery"}); err != nil {
			t.Fatal(err)
		}
		_, secret, err := services.Users.CreateToken(ctx, audit.System("test"), email, "test")
		if err != nil {
			t.Fatal(err)
		}
		e.tokens[role] = secret
	}
	return e
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("response is not a JSON object: %v\n%s", err, r.body)
	}
	return m
}

// do sends a request as role ("" for no token) with a JSON body (nil for none).
func (e *env) do(role user.Role, method, path string, body any) response {
	e.t.Helper()
	var reader io.Reader
	if body != nil {
		s, ok := body.(string)
		if !ok {
			b, err := json.Marshal(body)
			if err != nil {
				e.t.Fatal(err)
			}
			s = string(b)
		}
		reader = strings.NewReader(s)
	}
	req := httptest.NewRequest(method, path, reader)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if role != "" {
		req.Header.Set("Authorization", "Bearer "+e.tokens[role])
	}
	return e.send(req)
}

func (e *env) send(req *http.Request) response {
	e.t.Helper()
	resp, err := e.app.Test(req, -1)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// assertProblem checks an error response: status, problem+json, and the fields named.
func assertProblem(t *testing.T, r response, status int, fields ...string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d; body %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Errorf("Content-Type = %q, want application/problem+json", ct)
	}
	p := r.json(t)
	if int(p["status"].(float64)) != status || p["title"] == "" || p["request_id"] == "" {
		t.Errorf("problem document incomplete: %s", r.body)
	}
	got := map[string]bool{}
	if errs, ok := p["errors"].([]any); ok {
		for _, fe := range errs {
			got[fe.(map[string]any)["field"].(string)] = true
		}
	}
	for _, f := range fields {
		if !got[f] {
			t.Errorf("problem does not name field %q: %s", f, r.body)
		}
	}
	if len(got) != len(fields) {
		t.Errorf("problem names fields %v, want exactly %v", got, fields)
	}
}

func count(t *testing.T, conn *sqlx.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := conn.Get(&n, query, args...); err != nil {
		t.Fatal(err)
	}
	return n
}

var impro = map[string]any{
	"name": "Impro", "country": "BO", "region": "Altiplano, El Alto", "legal_status": "ngo",
	"founded": 1995, "partner_since": 2010, "methodology": "individual", "sectors": []string{"dairy", "housing"},
	"description": "Dairy producers programme.", "strengths": "Management.", "risks": "Small.",
}

func TestAuthentication(t *testing.T) {
	e := newEnv(t)
	revokedToken := func() string {
		tok, secret, err := e.users.CreateToken(context.Background(), audit.System("test"), "viewer@example.org", "to revoke")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.users.RevokeToken(context.Background(), audit.System("test"), tok.ID); err != nil {
			t.Fatal(err)
		}
		return secret
	}()
	tests := []struct {
		name   string
		header string
		want   int
	}{
		{"no header", "", http.StatusUnauthorized},
		{"not bearer", "Basic dXNlcjpwYXNz", http.StatusUnauthorized},
		{"empty bearer", "Bearer ", http.StatusUnauthorized},
		{"unknown token", "Bearer cart_doesnotexist", http.StatusUnauthorized},
		{"revoked token", "Bearer " + revokedToken, http.StatusUnauthorized},
		{"live token", "Bearer " + e.tokens[user.Viewer], http.StatusOK},
		{"scheme in lower case", "bearer " + e.tokens[user.Viewer], http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/api/v1/partners", nil)
			if tt.header != "" {
				req.Header.Set("Authorization", tt.header)
			}
			r := e.send(req)
			if tt.want == http.StatusOK {
				if r.status != http.StatusOK {
					t.Fatalf("status = %d: %s", r.status, r.body)
				}
				return
			}
			assertProblem(t, r, tt.want)
			if r.header.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
		})
	}
	var used int
	if err := e.conn.Get(&used, "SELECT count(*) FROM api_tokens WHERE last_used_at IS NOT NULL"); err != nil {
		t.Fatal(err)
	}
	if used != 1 {
		t.Errorf("tokens with last_used_at = %d, want 1 (the viewer's)", used)
	}
}

func TestRolesOnWrites(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		role         user.Role
		method, path string
		body         any
		want         int
	}{
		{user.Viewer, http.MethodGet, "/api/v1/partners", nil, http.StatusOK},
		{user.Viewer, http.MethodPost, "/api/v1/partners", impro, http.StatusForbidden},
		{user.Manager, http.MethodPost, "/api/v1/partners", impro, http.StatusCreated},
		{user.Viewer, http.MethodPatch, "/api/v1/partners/1", map[string]any{"region": "x"}, http.StatusForbidden},
		{user.Viewer, http.MethodDelete, "/api/v1/partners/1", nil, http.StatusForbidden},
		{user.Manager, http.MethodGet, "/api/v1/users", nil, http.StatusForbidden},
		{user.Manager, http.MethodPost, "/api/v1/tokens", map[string]any{"name": "x"}, http.StatusForbidden},
		{user.Viewer, http.MethodGet, "/api/v1/audit", nil, http.StatusForbidden},
		{user.Admin, http.MethodGet, "/api/v1/audit", nil, http.StatusOK},
		{user.Admin, http.MethodGet, "/api/v1/users", nil, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %s %s", tt.role, tt.method, tt.path), func(t *testing.T) {
			r := e.do(tt.role, tt.method, tt.path, tt.body)
			if r.status != tt.want {
				t.Fatalf("status = %d, want %d: %s", r.status, tt.want, r.body)
			}
			if tt.want == http.StatusForbidden {
				assertProblem(t, r, http.StatusForbidden)
			}
		})
	}
	if n := count(t, e.conn, "SELECT count(*) FROM partners"); n != 1 {
		t.Errorf("partners = %d, want 1: forbidden writes must write nothing", n)
	}
}

func TestPartnerLifecycle(t *testing.T) {
	e := newEnv(t)
	created := e.do(user.Manager, http.MethodPost, "/api/v1/partners", impro)
	if created.status != http.StatusCreated {
		t.Fatalf("create: %d %s", created.status, created.body)
	}
	p := created.json(t)
	id := int64(p["id"].(float64))
	if loc := created.header.Get("Location"); loc != fmt.Sprintf("/api/v1/partners/%d", id) {
		t.Errorf("Location = %q", loc)
	}
	for field, want := range impro {
		if got, _ := json.Marshal(p[field]); string(got) != mustJSON(t, want) {
			t.Errorf("%s = %s, want %s", field, got, mustJSON(t, want))
		}
	}
	if p["country_name"] != "Bolivia" {
		t.Errorf("country_name = %v", p["country_name"])
	}

	got := e.do(user.Viewer, http.MethodGet, fmt.Sprintf("/api/v1/partners/%d", id), nil)
	if got.status != http.StatusOK || got.json(t)["name"] != "Impro" {
		t.Fatalf("get: %d %s", got.status, got.body)
	}

	// Merge patch: members present change, null clears, absent ones stay.
	patched := e.do(user.Manager, http.MethodPatch, fmt.Sprintf("/api/v1/partners/%d", id),
		map[string]any{"region": "El Alto", "methodology": nil, "sectors": []string{" Dairy ", "dairy", "Agriculture"}})
	if patched.status != http.StatusOK {
		t.Fatalf("patch: %d %s", patched.status, patched.body)
	}
	pp := patched.json(t)
	if pp["region"] != "El Alto" || pp["methodology"] != nil || pp["name"] != "Impro" || mustJSON(t, pp["sectors"]) != `["dairy","agriculture"]` {
		t.Errorf("patched partner: %s", patched.body)
	}

	var before, after string
	if err := e.conn.QueryRow(`SELECT before->>'region', after->>'region' FROM audit_log
		WHERE entity = 'partner' AND action = 'update' AND entity_id = $1`, fmt.Sprint(id)).Scan(&before, &after); err != nil {
		t.Fatal(err)
	}
	if before != "Altiplano, El Alto" || after != "El Alto" {
		t.Errorf("audit before/after region = %q/%q", before, after)
	}
	var actor string
	if err := e.conn.Get(&actor, `SELECT actor FROM audit_log WHERE entity = 'partner' AND action = 'create'`); err != nil || actor != "manager@example.org" {
		t.Errorf("audit actor = %q (%v), want the token's user", actor, err)
	}

	// A patch that changes nothing writes nothing.
	if r := e.do(user.Manager, http.MethodPatch, fmt.Sprintf("/api/v1/partners/%d", id), map[string]any{"region": " El Alto "}); r.status != http.StatusOK {
		t.Fatalf("no-op patch: %d %s", r.status, r.body)
	}
	if n := count(t, e.conn, "SELECT count(*) FROM audit_log WHERE entity = 'partner' AND action = 'update'"); n != 1 {
		t.Errorf("update audit entries = %d, want 1: a no-op patch must not be audited", n)
	}

	if r := e.do(user.Manager, http.MethodDelete, fmt.Sprintf("/api/v1/partners/%d", id), nil); r.status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	assertProblem(t, e.do(user.Viewer, http.MethodGet, fmt.Sprintf("/api/v1/partners/%d", id), nil), http.StatusNotFound)
	assertProblem(t, e.do(user.Manager, http.MethodDelete, fmt.Sprintf("/api/v1/partners/%d", id), nil), http.StatusNotFound)
	if n := count(t, e.conn, "SELECT count(*) FROM audit_log WHERE entity = 'partner'"); n != 3 {
		t.Errorf("partner audit entries = %d, want 3 (create, update, delete)", n)
	}
}

func TestPartnerBadInput(t *testing.T) {
	e := newEnv(t)
	if r := e.do(user.Manager, http.MethodPost, "/api/v1/partners", impro); r.status != http.StatusCreated {
		t.Fatalf("seed partner: %d %s", r.status, r.body)
	}
	with := func(changes map[string]any) map[string]any {
		m := map[string]any{}
		for k, v := range impro {
			m[k] = v
		}
		for k, v := range changes {
			if v == "<absent>" {
				delete(m, k)
			} else {
				m[k] = v
			}
		}
		return m
	}
	tests := []struct {
		name   string
		body   any
		status int
		fields []string
	}{
		{"every bad field at once",
			map[string]any{"name": " ", "country": "XX", "founded": 2999, "legal_status": "corp"},
			422, []string{"name", "country", "founded", "legal_status"}},
		{"required fields missing", map[string]any{"region": "x"}, 422, []string{"name", "country", "legal_status"}},
		{"duplicate name in the same country, other case", with(map[string]any{"name": "IMPRO"}), 409, []string{"name"}},
		{"wrong types", with(map[string]any{"name": "Other", "founded": "1995", "sectors": "dairy"}), 422, []string{"founded", "sectors"}},
		{"fractional year", with(map[string]any{"name": "Other", "founded": 1995.5}), 422, []string{"founded"}},
		{"unknown field", with(map[string]any{"name": "Other", "colour": "red"}), 422, []string{"colour"}},
		{"partner before founded", with(map[string]any{"name": "Other", "partner_since": 1990}), 422, []string{"partner_since"}},
		{"unknown methodology", with(map[string]any{"name": "Other", "methodology": "lottery"}), 422, []string{"methodology"}},
		{"NUL characters", with(map[string]any{"name": "Bad\u0000Name", "description": "x\u0000", "sectors": []string{"a\u0000"}}), 422, []string{"name", "description", "sectors"}},
		{"malformed JSON", `{"name": "x",`, 400, nil},
		{"JSON array", `[1, 2]`, 400, nil},
		{"empty body", ` `, 400, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertProblem(t, e.do(user.Manager, http.MethodPost, "/api/v1/partners", tt.body), tt.status, tt.fields...)
		})
	}
	t.Run("wrong content type", func(t *testing.T) {
		req := httptest.NewRequest(http.MethodPost, "/api/v1/partners", strings.NewReader("name=Impro"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", "Bearer "+e.tokens[user.Manager])
		assertProblem(t, e.send(req), http.StatusUnsupportedMediaType)
	})
	t.Run("JSON body over 1 MiB", func(t *testing.T) {
		big := with(map[string]any{"name": "Big", "description": strings.Repeat("x", api.MaxJSONBody)})
		assertProblem(t, e.do(user.Manager, http.MethodPost, "/api/v1/partners", big), http.StatusRequestEntityTooLarge)
	})
	t.Run("patch that breaks a rule", func(t *testing.T) {
		assertProblem(t, e.do(user.Manager, http.MethodPatch, "/api/v1/partners/1", map[string]any{"name": nil, "country": "ZZ"}), 422, "name", "country")
	})
	t.Run("unknown country filter", func(t *testing.T) {
		assertProblem(t, e.do(user.Viewer, http.MethodGet, "/api/v1/partners?country=XX", nil), 422, "country")
	})
	t.Run("non-numeric id", func(t *testing.T) {
		assertProblem(t, e.do(user.Viewer, http.MethodGet, "/api/v1/partners/abc", nil), 404)
	})
	t.Run("unknown route", func(t *testing.T) {
		assertProblem(t, e.do(user.Viewer, http.MethodGet, "/api/v1/nothing-here", nil), 404)
	})

	if n := count(t, e.conn, "SELECT count(*) FROM partners"); n != 1 {
		t.Errorf("partners = %d, want 1: bad input must write nothing", n)
	}
	if n := count(t, e.conn, "SELECT count(*) FROM audit_log WHERE entity = 'partner'"); n != 1 {
		t.Errorf("partner audit entries = %d, want 1", n)
	}
	var p map[string]any
	if err := json.Unmarshal(e.do(user.Viewer, http.MethodGet, "/api/v1/partners/1", nil).body, &p); err != nil || p["name"] != "Impro" || p["country"] != "BO" {
		t.Errorf("the failed patch changed the partner: %v %v", p, err)
	}
}

func TestListPartnersFilters(t *testing.T) {
	e := newEnv(t)
	for _, p := range []map[string]any{
		{"name": "Impro", "country": "BO", "legal_status": "ngo", "region": "El Alto"},
		{"name": "Pro Mujer Bolivia", "country": "BO", "legal_status": "ngo", "region": "Cochabamba"},
		{"name": "ADRA Peru", "country": "PE", "legal_status": "ngo", "region": "Puno"},
	} {
		if r := e.do(user.Manager, http.MethodPost, "/api/v1/partners", p); r.status != http.StatusCreated {
			t.Fatalf("create: %s", r.body)
		}
	}
	tests := []struct {
		query string
		want  []string
	}{
		{"", []string{"ADRA Peru", "Impro", "Pro Mujer Bolivia"}},
		{"?country=BO", []string{"Impro", "Pro Mujer Bolivia"}},
		{"?country=pe", []string{"ADRA Peru"}},
		{"?q=mujer", []string{"Pro Mujer Bolivia"}},
		{"?q=alto", []string{"Impro"}},
		{"?country=PE&q=impro", []string{}},
		{"?q=_", []string{}}, // no LIKE wildcards: literal text only
		{"?q=%25", []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			r := e.do(user.Viewer, http.MethodGet, "/api/v1/partners"+tt.query, nil)
			var body struct {
				Items []struct{ Name string } `json:"items"`
			}
			if err := json.Unmarshal(r.body, &body); err != nil || body.Items == nil {
				t.Fatalf("%d %s", r.status, r.body)
			}
			names := []string{}
			for _, it := range body.Items {
				names = append(names, it.Name)
			}
			if strings.Join(names, "|") != strings.Join(tt.want, "|") {
				t.Errorf("got %v, want %v", names, tt.want)
			}
		})
	}
}

func TestDeletePartnerWithLoansIsConflict(t *testing.T) {
	e := newEnv(t)
	if r := e.do(user.Manager, http.MethodPost, "/api/v1/partners", impro); r.status != http.StatusCreated {
		t.Fatal(string(r.body))
	}
	// The loans table arrives with the ledger; any row that references the partner
	// must block its deletion the same way.
	if _, err := e.conn.Exec(`CREATE TABLE loans_stub (partner_id BIGINT NOT NULL REFERENCES partners (id));
		INSERT INTO loans_stub VALUES (1)`); err != nil {
		t.Fatal(err)
	}
	assertProblem(t, e.do(user.Manager, http.MethodDelete, "/api/v1/partners/1", nil), http.StatusConflict)
	if n := count(t, e.conn, "SELECT count(*) FROM partners"); n != 1 {
		t.Error("the partner was deleted")
	}
	if n := count(t, e.conn, "SELECT count(*) FROM audit_log WHERE action = 'delete'"); n != 0 {
		t.Error("a refused delete left an audit entry")
	}
}

func TestTokensAndUsersAPI(t *testing.T) {
	e := newEnv(t)
	r := e.do(user.Admin, http.MethodPost, "/api/v1/users", map[string]any{"email": "ana@example.org", "role": "manager", "password": "long enough pass"})
	if r.status != http.StatusCreated {
		t.Fatalf("create user: %d %s", r.status, r.body)
	}
	// Not "password" alone: the response has must_change_password (issue 17, item 3).
	// A password the admin chose is one-time, and is not sent back.
	if strings.Contains(string(r.body), "long enough pass") || strings.Contains(string(r.body), "one_time_password") || r.json(t)["must_change_password"] != true {
		t.Errorf("the user response shows the password, or it is not one-time: %s", r.body)
	}
	assertProblem(t, e.do(user.Admin, http.MethodPost, "/api/v1/users", map[string]any{"email": "ANA@example.org", "role": "manager", "password": "long enough pass"}), 409, "email")
	assertProblem(t, e.do(user.Admin, http.MethodPost, "/api/v1/users", map[string]any{"email": "nope", "role": "boss", "password": "short"}), 422, "email", "role", "password")

	r = e.do(user.Admin, http.MethodPost, "/api/v1/tokens", map[string]any{"email": "ana@example.org", "name": "laptop"})
	if r.status != http.StatusCreated {
		t.Fatalf("create token: %d %s", r.status, r.body)
	}
	tok := r.json(t)
	secret := tok["token"].(string)
	req := httptest.NewRequest(http.MethodGet, "/api/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+secret)
	if me := e.send(req); me.status != http.StatusOK || me.json(t)["email"] != "ana@example.org" || me.json(t)["role"] != "manager" {
		t.Fatalf("me with the new token: %d %s", me.status, me.body)
	}

	list := e.do(user.Admin, http.MethodGet, "/api/v1/tokens", nil)
	if strings.Contains(string(list.body), secret) {
		t.Error("the token list shows a secret")
	}

	path := fmt.Sprintf("/api/v1/tokens/%d", int64(tok["id"].(float64)))
	if r := e.do(user.Admin, http.MethodDelete, path, nil); r.status != http.StatusNoContent {
		t.Fatalf("revoke: %d %s", r.status, r.body)
	}
	assertProblem(t, e.do(user.Admin, http.MethodDelete, path, nil), http.StatusConflict)
	assertProblem(t, e.send(req), http.StatusUnauthorized)

	// Deactivating a user shuts out their tokens; an admin cannot lock themselves out.
	r = e.do(user.Admin, http.MethodPatch, "/api/v1/users/3", map[string]any{"active": false})
	if r.status != http.StatusOK || r.json(t)["active"] != false {
		t.Fatalf("deactivate viewer: %d %s", r.status, r.body)
	}
	assertProblem(t, e.do(user.Viewer, http.MethodGet, "/api/v1/partners", nil), http.StatusUnauthorized)
	assertProblem(t, e.do(user.Admin, http.MethodPatch, "/api/v1/users/1", map[string]any{"role": "viewer"}), http.StatusConflict, "role")
	if r := e.do(user.Admin, http.MethodPatch, "/api/v1/users/1", map[string]any{"role": " ADMIN ", "name": "Root"}); r.status != http.StatusOK {
		t.Errorf("an admin renaming themselves, role spelled in capitals: %d %s", r.status, r.body)
	}

	audit := e.do(user.Admin, http.MethodGet, "/api/v1/audit?entity=api_token&limit=10", nil)
	var entries struct {
		Items []struct {
			Action string `json:"action"`
			Actor  string `json:"actor"`
		} `json:"items"`
	}
	if err := json.Unmarshal(audit.body, &entries); err != nil {
		t.Fatal(err)
	}
	if len(entries.Items) != 5 { // 3 set-up tokens, the new one, its revocation
		t.Errorf("api_token audit entries = %d, want 5: %s", len(entries.Items), audit.body)
	}
	assertProblem(t, e.do(user.Admin, http.MethodGet, "/api/v1/audit?from=yesterday&limit=0", nil), 422, "from", "limit")
}

// TestHealth: /healthz is liveness and /readyz readiness. Until issue 17 /healthz
// pinged the database and said 503 when it was gone; an orchestrator polling it then
// restarted a process that had nothing wrong and would have recovered by itself. So
// with the database gone /healthz still says 200, and /readyz says 503 with
// Retry-After (the outage itself, on a real cluster stopped and started, is in
// internal/http/server's TestDatabaseOutage).
func TestHealth(t *testing.T) {
	e := newEnv(t)
	for _, probe := range []string{"/healthz", "/readyz"} {
		r := e.do("", http.MethodGet, probe, nil)
		if r.status != http.StatusOK || r.json(t)["status"] != "ok" {
			t.Fatalf("%s healthy: %d %s", probe, r.status, r.body)
		}
	}
	e.conn.Close()
	if r := e.do("", http.MethodGet, "/healthz", nil); r.status != http.StatusOK || r.json(t)["status"] != "ok" {
		t.Errorf("/healthz with the database gone: %d %s, want 200 (the process lives)", r.status, r.body)
	}
	r := e.do("", http.MethodGet, "/readyz", nil)
	if r.status != http.StatusServiceUnavailable || r.json(t)["status"] == "ok" || r.header.Get("Retry-After") == "" {
		t.Errorf("/readyz with the database gone: %d %s Retry-After %q", r.status, r.body, r.header.Get("Retry-After"))
	}
}

func TestRequestIDAndRecovery(t *testing.T) {
	e := newEnv(t)
	e.app.Get("/api/v1/panic", func(*fiber.Ctx) error { panic("boom") })
	r := e.do(user.Viewer, http.MethodGet, "/api/v1/panic", nil)
	assertProblem(t, r, http.StatusInternalServerError)
	if strings.Contains(string(r.body), "boom") {
		t.Error("a 500 shows the internal error")
	}
	if r.header.Get("X-Request-Id") == "" || !strings.Contains(string(r.body), r.header.Get("X-Request-Id")) {
		t.Errorf("the request id is not in both the header and the problem: %s", r.body)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
