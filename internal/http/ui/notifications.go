package ui

import (
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"cartera/internal/http/edge"
	"cartera/internal/notify"
	"cartera/internal/user"
)

// The notification list (managers and admins): every event, newest first, each as a
// sentence, with the reader's own read marks; and the menu's unread badge.

const notificationsPageSize = 50

type notificationsPage struct {
	Items []notificationItem
	Kinds []Option
	More  string // the next, older page; empty at the end
}

type notificationItem struct {
	notify.Notification
	Sentence string
	Facts    []fact
}

type fact struct{ Name, Value string }

// kindSentences say what happened, for a reader scanning the list.
var kindSentences = map[notify.Kind]string{
	notify.Breach:          "A covenant was breached",
	notify.Cure:            "A breach was cured",
	notify.Uncured:         "A breach is still open past its cure deadline",
	notify.WaiverRequested: "A waiver of a breach was requested",
	notify.WaiverApproved:  "A waiver was approved",
	notify.WaiverRejected:  "A waiver was rejected",
	notify.WaiverExpiring:  "A waiver ends within 14 days",
	notify.WaiverExpired:   "A waiver ended: the breach is open again",
	notify.ReportOverdue:   "A period's figures are overdue",
	notify.LoanPastDue30:   "A loan is more than 30 days past due",
}

// sentence is how a kind reads; an unknown one reads as its name.
func sentence(k notify.Kind) string {
	if s, ok := kindSentences[k]; ok {
		return s
	}
	return strings.ReplaceAll(string(k), "_", " ")
}

// payloadFacts lists a payload's members as name and value, ids last: the facts a
// reader wants (the metric, the value, the period, the dates) before the keys.
func payloadFacts(payload string) []fact {
	var m map[string]any
	// Numbers as written: ids and amounts read as float64 would print 1.234567e+06.
	dec := json.NewDecoder(strings.NewReader(payload))
	dec.UseNumber()
	if dec.Decode(&m) != nil {
		return nil
	}
	var out []fact
	for k, v := range m {
		val := fmt.Sprint(v)
		if s, ok := v.(string); ok {
			val = s
		}
		out = append(out, fact{strings.ReplaceAll(k, "_", " "), val})
	}
	isID := func(f fact) bool { return strings.HasSuffix(f.Name, " id") || f.Name == "id" }
	sort.Slice(out, func(i, j int) bool {
		if isID(out[i]) != isID(out[j]) {
			return !isID(out[i])
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// registerNotify mounts the notification list (managers and admins) and the admin
// pages of webhooks.
func (h *handlers) registerNotify(pages fiber.Router, write, admin fiber.Handler) {
	pages.Get("/admin/webhooks", admin, h.listWebhooks)
	pages.Post("/admin/webhooks", admin, h.createWebhook)
	pages.Get("/admin/webhooks/:id", admin, h.webhookDeliveries)
	pages.Post("/admin/webhooks/:id/delete", admin, h.deleteWebhook)
	pages.Post("/admin/webhooks/deliveries/:id/resend", admin, h.resendDelivery)
	pages.Get("/notifications", write, h.notificationsList)
	pages.Post("/notifications/read-all", write, h.readAllNotifications)
	pages.Post("/notifications/:id/read", write, h.readNotification)
}

func (h *handlers) notificationsList(c *fiber.Ctx) error {
	p := h.page(c, "Notifications", "notifications")
	for _, k := range []string{"unread", "kind", "before"} {
		p.Form[k] = strings.TrimSpace(c.Query(k))
	}
	p.Form["back"] = c.OriginalURL()
	var bad fieldErrors
	f := notify.InboxFilter{Kind: notify.Kind(p.Form["kind"]), UnreadOnly: p.Form["unread"] == "true", Limit: notificationsPageSize}
	if id := bad.id("before", p.Form["before"], "must be a notification id"); id != nil {
		f.Before = *id
	}
	data := notificationsPage{Kinds: []Option{{"", "Every kind"}}}
	for _, k := range notify.Kinds {
		data.Kinds = append(data.Kinds, Option{string(k), sentence(k)})
	}
	p.Data = data
	if err := bad.Err(); err != nil {
		return h.formFailed(c, "notifications", p, err)
	}
	ns, err := h.Inbox.List(c.UserContext(), session(c).UserID, f)
	if err != nil {
		return h.formFailed(c, "notifications", p, err)
	}
	for _, n := range ns {
		data.Items = append(data.Items, notificationItem{Notification: n, Sentence: sentence(n.Kind), Facts: payloadFacts(n.Payload)})
	}
	if len(ns) == notificationsPageSize {
		q := url.Values{"before": {strconv.FormatInt(ns[len(ns)-1].ID, 10)}, "kind": {p.Form["kind"]}, "unread": {p.Form["unread"]}}
		data.More = "/notifications?" + q.Encode()
	}
	p.Data = data
	return h.render(c, fiber.StatusOK, "notifications", p)
}

func (h *handlers) readNotification(c *fiber.Ctx) error {
	id, err := edge.PathID(c, "notification")
	if err != nil {
		return err
	}
	if err := h.Inbox.MarkRead(c.UserContext(), session(c).UserID, id); err != nil {
		return err
	}
	return h.redirect(c, backToNotifications(c), "")
}

func (h *handlers) readAllNotifications(c *fiber.Ctx) error {
	n, err := h.Inbox.MarkAllRead(c.UserContext(), session(c).UserID)
	if err != nil {
		return err
	}
	return h.redirect(c, "/notifications", fmt.Sprintf("%d notifications marked read.", n))
}

// backToNotifications is the list the form was posted from (its filters kept), and
// never another site.
func backToNotifications(c *fiber.Ctx) string {
	if back := c.FormValue("back"); strings.HasPrefix(back, "/notifications") && !strings.HasPrefix(back, "//") {
		return back
	}
	return "/notifications"
}

// unreadBadge counts the user's unread notifications for the menu: managers and
// admins only (the list is theirs), and never a reason for a page to fail.
func (h *handlers) unreadBadge(c *fiber.Ctx, s *user.Session) int {
	if s == nil || !s.Role.Allows(user.Manager) || h.Inbox == nil || s.MustChangePassword {
		return 0
	}
	n, err := h.Inbox.Unread(c.UserContext(), s.UserID)
	if err != nil {
		h.cfg.Logger.Warn("unread notifications not counted", "error", err)
		return 0
	}
	return n
}
