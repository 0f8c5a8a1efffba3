package ui

import (
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"

	"cartera/internal/http/edge"
	"cartera/internal/notify"
)

// The admin page of webhooks: registered (the secret typed, never shown again),
// listed, deleted; and per webhook its delivery log with a Resend button.

type webhooksPage struct {
	Webhooks []notify.Webhook
	Kinds    []kindChoice
}

// kindChoice is a checkbox of the form: the kind, how it reads, and whether ticked.
type kindChoice struct {
	Value, Label string
	Checked      bool
}

func (h *handlers) webhooksData(c *fiber.Ctx, form map[string]string) (webhooksPage, error) {
	ws, err := h.Webhooks.List(c.UserContext())
	if err != nil {
		return webhooksPage{}, err
	}
	ticked := map[string]bool{}
	for _, k := range strings.Split(form["events"], ",") {
		ticked[k] = true
	}
	data := webhooksPage{Webhooks: ws}
	for _, k := range notify.Kinds {
		data.Kinds = append(data.Kinds, kindChoice{string(k), sentence(k), ticked[string(k)]})
	}
	return data, nil
}

func (h *handlers) listWebhooks(c *fiber.Ctx) error {
	p := h.page(c, "Webhooks", "admin")
	data, err := h.webhooksData(c, p.Form)
	if err != nil {
		return err
	}
	p.Data = data
	return h.render(c, fiber.StatusOK, "admin_webhooks", p)
}

func (h *handlers) createWebhook(c *fiber.Ctx) error {
	p := h.page(c, "Webhooks", "admin")
	p.Form = formValues(c)
	in := notify.NewWebhook{URL: p.Form["url"], Secret: p.Form["secret"]}
	if ev := p.Form["events"]; ev != "" {
		in.Events = strings.Split(ev, ",")
	}
	w, err := h.Webhooks.Register(c.UserContext(), h.actor(c), in)
	if err != nil {
		p.Form["secret"] = "" // a password field is not filled in again
		data, lerr := h.webhooksData(c, p.Form)
		if lerr != nil {
			return lerr
		}
		p.Data = data
		return h.formFailed(c, "admin_webhooks", p, err)
	}
	return h.redirect(c, "/admin/webhooks", fmt.Sprintf("Webhook %d registered: %s gets %s.", w.ID, w.URL, strings.Join(w.Events, ", ")))
}

func (h *handlers) deleteWebhook(c *fiber.Ctx) error {
	id, err := edge.PathID(c, "webhook")
	if err != nil {
		return err
	}
	w, err := h.Webhooks.Delete(c.UserContext(), h.actor(c), id)
	if err != nil {
		return err
	}
	return h.redirect(c, "/admin/webhooks", fmt.Sprintf("Webhook %d (%s) deleted: its pending deliveries stop.", w.ID, w.URL))
}

type deliveriesPage struct {
	Webhook    notify.Webhook
	Deliveries []notify.Delivery
}

func (h *handlers) webhookDeliveries(c *fiber.Ctx) error {
	id, err := edge.PathID(c, "webhook")
	if err != nil {
		return err
	}
	w, err := h.Webhooks.Get(c.UserContext(), id)
	if err != nil {
		return err
	}
	ds, err := h.Webhooks.Deliveries(c.UserContext(), id, 0, 100)
	if err != nil {
		return err
	}
	p := h.page(c, fmt.Sprintf("Deliveries to webhook %d", id), "admin")
	p.Data = deliveriesPage{Webhook: w, Deliveries: ds}
	return h.render(c, fiber.StatusOK, "admin_webhook", p)
}

func (h *handlers) resendDelivery(c *fiber.Ctx) error {
	id, err := edge.PathID(c, "delivery")
	if err != nil {
		return err
	}
	hook, err := h.Webhooks.Resend(c.UserContext(), h.actor(c), id)
	if err != nil {
		return err
	}
	return h.redirect(c, fmt.Sprintf("/admin/webhooks/%d", hook), fmt.Sprintf("Delivery %d queued again: it is sent within seconds.", id))
}
