package api_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"cartera/internal/user"
)

func TestChangeMyPassword(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	u, err := e.users.ByEmail(ctx, "viewer@example.org")
	if err != nil {
		t.Fatal(err)
	}
	browser, err := e.users.StartSession(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	// Wrong current password, weak new one: 422 naming the field; nothing changes.
	assertProblem(t, e.do(user.Viewer, http.MethodPost, "/api/v1/me/password", map[string]any{"current_password": "nope", "new_password": "a brand new passphrase"}), 422, "current_password")
	assertProblem(t, e.do(user.Viewer, http.MethodPost, "/api/v1/me/password", map[string]any{"current_password": "correct horse battery", "new_password": "aaaaaaaaaa"}), 422, "new_password")
	assertProblem(t, e.do(user.Viewer, http.MethodPost, "/api/v1/me/password", map[string]any{"current_password": "correct horse battery", "new_password": "password1234"}), 422, "new_password")
	assertProblem(t, e.do(user.Viewer, http.MethodPost, "/api/v1/me/password", map[string]any{"new_password": "a brand new passphrase"}), 422, "current_password")
	if _, err := e.users.SessionBySecret(ctx, browser); err != nil {
		t.Fatal("a refused change ended the browser session")
	}
	// A viewer may change their own password (the one write every role may make).
	if r := e.do(user.Viewer, http.MethodPost, "/api/v1/me/password", map[string]any{"current_password": "correct horse battery", "new_password": "a brand new passphrase"}); r.status != http.StatusNoContent {
		t.Fatalf("change: %d %s", r.status, r.body)
	}
	if _, err := e.users.CheckPassword(ctx, "viewer@example.org", "a brand new passphrase"); err != nil {
		t.Errorf("the new password does not sign in: %v", err)
	}
	// The browser session ends; the API token (not a session) goes on.
	if _, err := e.users.SessionBySecret(ctx, browser); err == nil {
		t.Error("the browser session outlived the change")
	}
	if r := e.do(user.Viewer, http.MethodGet, "/api/v1/me", nil); r.status != http.StatusOK {
		t.Errorf("the token stopped working: %d", r.status)
	}
	if n := count(t, e.conn, `SELECT count(*) FROM audit_log WHERE action = 'password_change' AND entity_id = $1 AND via = 'api'`, itoa(u.ID)); n != 1 {
		t.Errorf("%d audit entries for the change", n)
	}
}

func TestAdminResetAndInvite(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	viewer, _ := e.users.ByEmail(ctx, "viewer@example.org")
	browser, err := e.users.StartSession(ctx, viewer.ID)
	if err != nil {
		t.Fatal(err)
	}
	path := "/api/v1/users/" + itoa(viewer.ID) + "/password-reset"
	assertProblem(t, e.do(user.Manager, http.MethodPost, path, nil), http.StatusForbidden)
	r := e.do(user.Admin, http.MethodPost, path, nil)
	if r.status != http.StatusOK {
		t.Fatalf("reset: %d %s", r.status, r.body)
	}
	doc := r.json(t)
	otp, _ := doc["one_time_password"].(string)
	if len(otp) < user.MinPasswordLength || doc["must_change_password"] != true || doc["email"] != "viewer@example.org" {
		t.Fatalf("reset answer: %s", r.body)
	}
	if _, err := e.users.SessionBySecret(ctx, browser); err == nil {
		t.Error("the user's session outlived the reset")
	}
	if u, err := e.users.CheckPassword(ctx, "viewer@example.org", otp); err != nil || !u.MustChangePassword {
		t.Errorf("one-time password: %+v, %v", u, err)
	}
	assertProblem(t, e.do(user.Admin, http.MethodPost, "/api/v1/users/999/password-reset", nil), http.StatusNotFound)
	assertProblem(t, e.do(user.Admin, http.MethodPost, "/api/v1/users/1/password-reset", nil), http.StatusConflict, "id")

	// An invitation without a password gets a generated one-time password, once.
	r = e.do(user.Admin, http.MethodPost, "/api/v1/users", map[string]any{"email": "new@example.org", "role": "viewer"})
	if r.status != http.StatusCreated {
		t.Fatalf("invite: %d %s", r.status, r.body)
	}
	otp, _ = r.json(t)["one_time_password"].(string)
	if u, err := e.users.CheckPassword(ctx, "new@example.org", otp); err != nil || !u.MustChangePassword {
		t.Errorf("invited: %+v, %v (%s)", u, err, r.body)
	}
	if list := e.do(user.Admin, http.MethodGet, "/api/v1/users", nil); strings.Contains(string(list.body), otp) {
		t.Error("the user list shows the one-time password")
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
