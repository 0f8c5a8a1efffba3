package api_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/jmoiron/sqlx"

	"cartera/internal/notify"
	"cartera/internal/platform/db"
	"cartera/internal/user"
)

const hookSecret = "a-secret-of-24-characters"

func TestWebhookBadInputNamesTheField(t *testing.T) {
	e := newEnv(t)
	ok := map[string]any{"url": "https://example.org/hook", "secret": hookSecret, "events": []string{"breach"}}
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for key, val := range ok {
			m[key] = val
		}
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	for _, c := range []struct {
		name   string
		body   map[string]any
		fields []string
	}{
		{"ftp", with("url", "ftp://example.org/x"), []string{"url"}},
		{"no scheme", with("url", "example.org/hook"), []string{"url"}},
		{"no host", with("url", "http:///hook"), []string{"url"}},
		{"secret of 15", with("secret", "123456789012345"), []string{"secret"}},
		{"unknown event", with("events", []string{"breach", "coffee"}), []string{"events"}},
		{"no event", with("events", []string{}), []string{"events"}},
		{"all at once", map[string]any{"url": "file:///etc/passwd", "secret": "x", "events": []string{"x"}}, []string{"url", "secret", "events"}},
		{"missing url", with("url", nil), []string{"url"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := e.do(user.Admin, http.MethodPost, "/api/v1/webhooks", c.body)
			assertProblem(t, r, http.StatusUnprocessableEntity, c.fields...)
			if c.name == "unknown event" && !strings.Contains(string(r.body), `\"coffee\"`) {
				t.Errorf("the message does not name the unknown event: %s", r.body)
			}
		})
	}
	if n := count(t, e.conn, `SELECT count(*) FROM webhooks`); n != 0 {
		t.Errorf("%d webhooks written by bad input", n)
	}
}

func TestWebhooksAreForAdminsAndNeverShowTheSecret(t *testing.T) {
	e := newEnv(t)
	body := map[string]any{"url": "http://127.0.0.1:9/hook", "secret": hookSecret, "events": []string{"breach", "cure", "breach"}}
	for _, role := range []user.Role{user.Manager, user.Viewer} {
		for _, r := range []response{e.do(role, http.MethodPost, "/api/v1/webhooks", body), e.do(role, http.MethodGet, "/api/v1/webhooks", nil)} {
			assertProblem(t, r, http.StatusForbidden)
		}
	}
	r := e.do(user.Admin, http.MethodPost, "/api/v1/webhooks", body)
	if r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	id := int64(r.json(t)["id"].(float64))
	for _, got := range []response{r, e.do(user.Admin, http.MethodGet, "/api/v1/webhooks", nil),
		e.do(user.Admin, http.MethodGet, fmt.Sprintf("/api/v1/webhooks/%d", id), nil)} {
		if got.status != http.StatusOK && got.status != http.StatusCreated || strings.Contains(string(got.body), hookSecret) ||
			!strings.Contains(string(got.body), `"events":["breach","cure"]`) {
			t.Errorf("%d %s", got.status, got.body)
		}
	}
	if n := count(t, e.conn, `SELECT count(*) FROM audit_log WHERE entity = 'webhook'`); n != 1 {
		t.Errorf("%d audit entries", n)
	}
	if n := count(t, e.conn, `SELECT count(*) FROM audit_log WHERE after::text LIKE '%' || $1 || '%'`, hookSecret); n != 0 {
		t.Error("the audit log holds the secret")
	}
	assertProblem(t, e.do(user.Manager, http.MethodDelete, fmt.Sprintf("/api/v1/webhooks/%d", id), nil), http.StatusForbidden)
	if r := e.do(user.Admin, http.MethodDelete, fmt.Sprintf("/api/v1/webhooks/%d", id), nil); r.status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	assertProblem(t, e.do(user.Admin, http.MethodDelete, fmt.Sprintf("/api/v1/webhooks/%d", id), nil), http.StatusConflict, "id")
	assertProblem(t, e.do(user.Admin, http.MethodGet, "/api/v1/webhooks/99999", nil), http.StatusNotFound)
}

func TestDeliveryLogAndResendThroughTheAPI(t *testing.T) {
	e := newEnv(t)
	var calls atomic.Int32
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	defer rcv.Close()
	r := e.do(user.Admin, http.MethodPost, "/api/v1/webhooks", map[string]any{"url": rcv.URL, "secret": hookSecret, "events": []string{"breach"}})
	hook := int64(r.json(t)["id"].(float64))
	emit(t, e, notify.Event{Kind: notify.Breach, Key: "breach:1:2026-06-30:0", Payload: map[string]string{"value": "0.12"}})
	wk := e.services.Webhooks.NewWorker(slog.New(slog.NewTextHandler(io.Discard, nil)))
	if _, err := wk.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	log := e.do(user.Admin, http.MethodGet, fmt.Sprintf("/api/v1/webhooks/%d/deliveries", hook), nil)
	items := log.json(t)["items"].([]any)
	d := items[0].(map[string]any)
	if d["state"] != "pending" || d["kind"] != "breach" || d["attempts"].(float64) != 1 ||
		d["log"].([]any)[0].(map[string]any)["status"].(float64) != 500 || d["next_at"] == nil {
		t.Fatalf("after a failed attempt: %s", log.body)
	}
	assertProblem(t, e.do(user.Manager, http.MethodPost, fmt.Sprintf("/api/v1/webhooks/deliveries/%v/resend", d["id"]), nil), http.StatusForbidden)
	if r := e.do(user.Admin, http.MethodPost, fmt.Sprintf("/api/v1/webhooks/deliveries/%v/resend", d["id"]), nil); r.status != http.StatusAccepted {
		t.Fatalf("resend: %d %s", r.status, r.body)
	}
	if _, err := wk.RunOnce(context.Background()); err != nil { // due at once: no waiting for the backoff
		t.Fatal(err)
	}
	log = e.do(user.Admin, http.MethodGet, fmt.Sprintf("/api/v1/webhooks/%d/deliveries", hook), nil)
	d = log.json(t)["items"].([]any)[0].(map[string]any)
	if d["state"] != "delivered" || len(d["log"].([]any)) != 2 || calls.Load() != 2 {
		t.Fatalf("after the re-send: %s", log.body)
	}
	assertProblem(t, e.do(user.Admin, http.MethodPost, "/api/v1/webhooks/deliveries/99999/resend", nil), http.StatusNotFound)
}

func emit(t *testing.T, e *env, events ...notify.Event) {
	t.Helper()
	ctx := context.Background()
	if err := db.InTx(ctx, e.conn, func(tx *sqlx.Tx) error { _, err := e.services.Notify.Emit(ctx, tx, events...); return err }); err != nil {
		t.Fatal(err)
	}
}

func TestNotificationReadMarksArePerUser(t *testing.T) {
	e := newEnv(t)
	p := e.do(user.Manager, http.MethodPost, "/api/v1/partners", impro).json(t)
	partner := int64(p["id"].(float64))
	emit(t, e, notify.Event{Kind: notify.Breach, Key: "breach:1:2026-06-30:0", PartnerID: partner, Payload: map[string]string{"value": "0.12"}},
		notify.Event{Kind: notify.ReportOverdue, Key: "report_overdue:1:2026-09-30", PartnerID: partner},
		notify.Event{Kind: notify.WaiverRequested, Key: "waiver_requested:1"})
	list := func(role user.Role, query string) []map[string]any {
		t.Helper()
		r := e.do(role, http.MethodGet, "/api/v1/notifications"+query, nil)
		if r.status != http.StatusOK {
			t.Fatalf("list: %d %s", r.status, r.body)
		}
		var out []map[string]any
		for _, it := range r.json(t)["items"].([]any) {
			out = append(out, it.(map[string]any))
		}
		return out
	}
	assertProblem(t, e.do(user.Viewer, http.MethodGet, "/api/v1/notifications", nil), http.StatusForbidden)
	all := list(user.Manager, "")
	if len(all) != 3 || all[0]["kind"] != "waiver_requested" || all[2]["partner_name"] != "Impro" || all[2]["data"].(map[string]any)["value"] != "0.12" {
		t.Fatalf("list: %v", all)
	}
	if r := e.do(user.Manager, http.MethodPost, fmt.Sprintf("/api/v1/notifications/%v/read", all[1]["id"]), nil); r.status != http.StatusNoContent {
		t.Fatalf("read: %d %s", r.status, r.body)
	}
	assertProblem(t, e.do(user.Manager, http.MethodPost, "/api/v1/notifications/99999/read", nil), http.StatusNotFound)
	for _, c := range []struct {
		role  user.Role
		query string
		want  int
	}{
		{user.Manager, "?unread=true", 2}, {user.Admin, "?unread=true", 3},
		{user.Admin, fmt.Sprintf("?partner_id=%d", partner), 2}, {user.Admin, "?kind=breach", 1},
		{user.Admin, "?limit=2", 2}, {user.Admin, fmt.Sprintf("?before=%v", all[1]["id"]), 1},
	} {
		if got := list(c.role, c.query); len(got) != c.want {
			t.Errorf("%s %s: %d, want %d", c.role, c.query, len(got), c.want)
		}
	}
	assertProblem(t, e.do(user.Admin, http.MethodGet, "/api/v1/notifications?kind=nope&unread=maybe", nil), http.StatusUnprocessableEntity, "unread")
	if r := e.do(user.Admin, http.MethodPost, "/api/v1/notifications/read-all", nil); r.status != http.StatusOK || r.json(t)["marked"].(float64) != 3 {
		t.Fatalf("read-all: %d %s", r.status, r.body)
	}
	if n := len(list(user.Admin, "?unread=true")); n != 0 {
		t.Errorf("admin has %d unread after read-all", n)
	}
	if n := len(list(user.Manager, "?unread=true")); n != 2 {
		t.Errorf("the admin's read-all changed the manager's marks: %d unread", n)
	}
}
