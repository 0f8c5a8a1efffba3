package ui_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"

	"cartera/internal/audit"
	"cartera/internal/notify"
	"cartera/internal/partner"
	"cartera/internal/platform/db"
	"cartera/internal/user"
)

func (e *env) emit(events ...notify.Event) {
	e.t.Helper()
	ctx := context.Background()
	if err := db.InTx(ctx, e.deps.Conn, func(tx *sqlx.Tx) error { _, err := e.deps.Notify.Emit(ctx, tx, events...); return err }); err != nil {
		e.t.Fatal(err)
	}
}

var badge = regexp.MustCompile(`class="badge"[^>]*>([^<]*)<`)

func badgeOf(p page) string {
	if m := badge.FindStringSubmatch(p.body); m != nil {
		return m[1]
	}
	return ""
}

func TestNotificationsPageWithReadMarksAndTheMenuBadge(t *testing.T) {
	e := newEnv(t)
	p, err := e.deps.Partners.Create(context.Background(), audit.System("test"), partner.Fields{Name: "ADRA Peru", Country: "PE", LegalStatus: "ngo"})
	if err != nil {
		t.Fatal(err)
	}
	e.emit(notify.Event{Kind: notify.Breach, Key: "breach:1:2026-06-30:0", PartnerID: p.ID,
		Payload: map[string]string{"metric": "operational_self_sufficiency", "value": "0.93", "threshold": "1", "period_end": "2026-06-30", "breach_id": "1"}},
		notify.Event{Kind: notify.LoanPastDue30, Key: "loan_past_due_30:1:2026-11-30", PartnerID: p.ID, Payload: map[string]string{"reference": "L-1"}})
	manager, admin, viewer := e.signIn(user.Manager), e.signIn(user.Admin), e.signIn(user.Viewer)

	list := manager.get("/notifications").must(t, http.StatusOK, "A covenant was breached", "A loan is more than 30 days past due",
		fmt.Sprintf(`<a href="/partners/%d">ADRA Peru</a>`, p.ID), "value: 0.93", "period end: 2026-06-30", "Mark all read")
	if strings.Index(list.body, "<strong>A loan is more") > strings.Index(list.body, "<strong>A covenant was breached") {
		t.Error("not newest first")
	}
	if got := badgeOf(list); got != "2" {
		t.Errorf("badge %q, want 2", got)
	}
	if strings.Contains(viewer.get("/").body, `href="/notifications"`) {
		t.Error("a viewer's menu links to the notifications")
	}
	viewer.get("/notifications").must(t, http.StatusForbidden)

	var first int64
	if err := e.deps.Conn.Get(&first, `SELECT min(id) FROM notification_events`); err != nil {
		t.Fatal(err)
	}
	manager.follow(manager.post(fmt.Sprintf("/notifications/%d/read", first), url.Values{"back": {"/notifications?unread=true"}}))
	unread := manager.get("/notifications?unread=true").must(t, http.StatusOK, "<strong>A loan is more")
	if strings.Contains(unread.body, "<strong>A covenant was breached") || badgeOf(unread) != "1" {
		t.Errorf("after reading the breach: badge %q\n%s", badgeOf(unread), unread.body)
	}
	if got := badgeOf(admin.get("/")); got != "2" {
		t.Errorf("the manager's read mark changed the admin's badge: %q", got)
	}
	manager.follow(manager.post("/notifications/read-all", url.Values{})).must(t, http.StatusOK, "1 notifications marked read")
	if got := badgeOf(manager.get("/")); got != "" {
		t.Errorf("badge after read-all: %q", got)
	}
	manager.get("/notifications?before=x").must(t, http.StatusUnprocessableEntity, "must be a notification id")
}

func TestAdminWebhooksPage(t *testing.T) {
	e := newEnv(t)
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusBadGateway) }))
	defer rcv.Close()
	admin, manager := e.signIn(user.Admin), e.signIn(user.Manager)
	manager.get("/admin/webhooks").must(t, http.StatusForbidden)
	admin.get("/admin/webhooks").must(t, http.StatusOK, "Register a webhook", `type="password"`, "No webhooks yet")

	bad := admin.post("/admin/webhooks", url.Values{"url": {"ftp://example.org/x"}, "secret": {"short"}, "events": {"breach", "cure"}})
	bad.must(t, http.StatusUnprocessableEntity, `value="ftp://example.org/x"`, "must be an http or https URL", "must be at least 16 characters",
		`value="breach" checked`, `value="cure" checked`)
	if strings.Contains(bad.body, `value="short"`) {
		t.Error("the secret was filled in again")
	}
	admin.post("/admin/webhooks", url.Values{"url": {rcv.URL}, "secret": {"0123456789abcdef0"}}).
		must(t, http.StatusUnprocessableEntity, "name at least one event")

	done := admin.follow(admin.post("/admin/webhooks", url.Values{"url": {rcv.URL}, "secret": {"0123456789abcdef0"}, "events": {"breach"}}))
	done.must(t, http.StatusOK, "registered", rcv.URL, "Delivery log")
	if strings.Contains(done.body, "0123456789abcdef0") {
		t.Error("the secret is shown")
	}
	hooks, err := e.deps.Webhooks.List(context.Background())
	if err != nil || len(hooks) != 1 {
		t.Fatal(hooks, err)
	}
	e.emit(notify.Event{Kind: notify.Breach, Key: "breach:9:2026-06-30:0"})
	if _, err := e.deps.Webhooks.NewWorker(slog.New(slog.NewTextHandler(io.Discard, nil))).RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	admin.get(fmt.Sprintf("/admin/webhooks/%d", hooks[0].ID)).must(t, http.StatusOK, "HTTP 502", "pending, next", "Resend")
	ds, _ := e.deps.Webhooks.Deliveries(context.Background(), hooks[0].ID, 0, 10)
	admin.follow(admin.post(fmt.Sprintf("/admin/webhooks/deliveries/%d/resend", ds[0].ID), url.Values{})).must(t, http.StatusOK, "queued again")
	manager.post(fmt.Sprintf("/admin/webhooks/deliveries/%d/resend", ds[0].ID), url.Values{}).must(t, http.StatusForbidden)
	admin.follow(admin.post(fmt.Sprintf("/admin/webhooks/%d/delete", hooks[0].ID), url.Values{})).must(t, http.StatusOK, "deleted")
}
