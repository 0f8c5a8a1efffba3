package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"cartera/internal/http/edge"
	"cartera/internal/notify"
	"cartera/internal/platform/apperr"
)

// Webhooks and the notification list (issue 18). The secret of a webhook is written
// once and never answered.

type webhookJSON struct {
	ID        int64      `json:"id"`
	URL       string     `json:"url"`
	Events    []string   `json:"events"`
	CreatedBy int64      `json:"created_by"`
	CreatedAt time.Time  `json:"created_at"`
	DeletedAt *time.Time `json:"deleted_at"`
}

func toWebhookJSON(w notify.Webhook) webhookJSON {
	return webhookJSON{ID: w.ID, URL: w.URL, Events: w.Events, CreatedBy: w.CreatedBy, CreatedAt: w.CreatedAt, DeletedAt: w.DeletedAt}
}

type deliveryJSON struct {
	ID             int64            `json:"id"`
	WebhookID      int64            `json:"webhook_id"`
	EventID        int64            `json:"event_id"`
	Kind           notify.Kind      `json:"kind"`
	EventCreatedAt time.Time        `json:"event_created_at"`
	State          string           `json:"state"`
	Attempts       int              `json:"attempts"`
	NextAt         *time.Time       `json:"next_at"`
	DeliveredAt    *time.Time       `json:"delivered_at"`
	GivenUpAt      *time.Time       `json:"given_up_at"`
	Log            []notify.Attempt `json:"log"`
}

func toDeliveryJSON(d notify.Delivery) deliveryJSON {
	j := deliveryJSON{ID: d.ID, WebhookID: d.WebhookID, EventID: d.EventID, Kind: d.Kind, EventCreatedAt: d.EventCreatedAt,
		State: d.State(), Attempts: d.Attempts, DeliveredAt: d.DeliveredAt, GivenUpAt: d.GivenUpAt, Log: d.Log}
	if j.State == "pending" {
		j.NextAt = &d.NextAt
	}
	return j
}

func (h *handlers) createWebhook(c *fiber.Ctx) error {
	o, err := decodeObject(c)
	if err != nil {
		return err
	}
	var in notify.NewWebhook
	o.require("url", "secret", "events")
	o.text("url", &in.URL)
	o.text("secret", &in.Secret)
	o.textList("events", &in.Events)
	if err := o.done(); err != nil {
		return err
	}
	w, err := h.webhooks.Register(c.UserContext(), actor(c), in)
	if err != nil {
		return err
	}
	c.Location("/api/v1/webhooks/" + strconv.FormatInt(w.ID, 10))
	return c.Status(http.StatusCreated).JSON(toWebhookJSON(w))
}

func (h *handlers) listWebhooks(c *fiber.Ctx) error {
	ws, err := h.webhooks.List(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": each(ws, toWebhookJSON)})
}

func (h *handlers) getWebhook(c *fiber.Ctx) error {
	id, err := edge.PathID(c, "webhook")
	if err != nil {
		return err
	}
	w, err := h.webhooks.Get(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(toWebhookJSON(w))
}

func (h *handlers) deleteWebhook(c *fiber.Ctx) error {
	id, err := edge.PathID(c, "webhook")
	if err != nil {
		return err
	}
	if _, err := h.webhooks.Delete(c.UserContext(), actor(c), id); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}

func (h *handlers) listDeliveries(c *fiber.Ctx) error {
	id, err := edge.PathID(c, "webhook")
	if err != nil {
		return err
	}
	before, limit, err := cursor(c)
	if err != nil {
		return err
	}
	ds, err := h.webhooks.Deliveries(c.UserContext(), id, before, limit)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": each(ds, toDeliveryJSON)})
}

func (h *handlers) resendDelivery(c *fiber.Ctx) error {
	id, err := edge.PathID(c, "delivery")
	if err != nil {
		return err
	}
	if _, err := h.webhooks.Resend(c.UserContext(), actor(c), id); err != nil {
		return err
	}
	return c.SendStatus(http.StatusAccepted)
}

// cursor reads a list's paging: before (the last id of the previous page) and limit
// (1 to 500, default 50).
func cursor(c *fiber.Ctx) (before int64, limit int, err error) {
	var bad apperr.Fields
	limit = 50
	if s := c.Query("before"); s != "" {
		if before, err = strconv.ParseInt(s, 10, 64); err != nil || before < 1 {
			bad.Add("before", "must be an id, the last of the previous page")
		}
	}
	if s := c.Query("limit"); s != "" {
		if limit, err = strconv.Atoi(s); err != nil || limit < 1 || limit > 500 {
			bad.Add("limit", "must be a whole number from 1 to 500")
		}
	}
	return before, limit, bad.Err()
}

type notificationJSON struct {
	ID          int64       `json:"id"`
	Kind        notify.Kind `json:"kind"`
	PartnerID   *int64      `json:"partner_id"`
	PartnerName *string     `json:"partner_name"`
	Data        rawJSON     `json:"data"`
	CreatedAt   time.Time   `json:"created_at"`
	Read        bool        `json:"read"`
}

// rawJSON is JSON stored as text, answered as is.
type rawJSON string

func (r rawJSON) MarshalJSON() ([]byte, error) { return []byte(r), nil }

func toNotificationJSON(n notify.Notification) notificationJSON {
	j := notificationJSON{ID: n.ID, Kind: n.Kind, Data: rawJSON(n.Payload), CreatedAt: n.CreatedAt, Read: n.Read}
	if n.PartnerID != 0 {
		j.PartnerID, j.PartnerName = &n.PartnerID, &n.PartnerName
	}
	return j
}

func (h *handlers) listNotifications(c *fiber.Ctx) error {
	var bad apperr.Fields
	f := notify.InboxFilter{Kind: notify.Kind(c.Query("kind"))}
	var err error
	if f.Before, f.Limit, err = cursor(c); err != nil {
		return err
	}
	if s := c.Query("partner_id"); s != "" {
		if f.PartnerID, err = strconv.ParseInt(s, 10, 64); err != nil || f.PartnerID < 1 {
			bad.Add("partner_id", "must be a partner id")
		}
	}
	if s := c.Query("unread"); s != "" {
		if f.UnreadOnly, err = strconv.ParseBool(s); err != nil {
			bad.Add("unread", "must be true or false")
		}
	}
	if err := bad.Err(); err != nil {
		return err
	}
	ns, err := h.inbox.List(c.UserContext(), principal(c).UserID, f)
	if err != nil {
		return err
	}
	out := fiber.Map{"items": each(ns, toNotificationJSON)}
	if len(ns) == f.Limit {
		out["next"] = strconv.FormatInt(ns[len(ns)-1].ID, 10)
	}
	return c.JSON(out)
}

func (h *handlers) readNotification(c *fiber.Ctx) error {
	id, err := edge.PathID(c, "notification")
	if err != nil {
		return err
	}
	if err := h.inbox.MarkRead(c.UserContext(), principal(c).UserID, id); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}

func (h *handlers) readAllNotifications(c *fiber.Ctx) error {
	n, err := h.inbox.MarkAllRead(c.UserContext(), principal(c).UserID)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"marked": n})
}
