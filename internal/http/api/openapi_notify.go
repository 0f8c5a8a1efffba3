package api

import "cartera/internal/notify"

// notifyOperations are the webhooks' and the notification list's operations.
func notifyOperations() []operation {
	return []operation{
		{method: "GET", path: "/webhooks", summary: "List webhooks (never their secrets)", role: "admin", status: 200, response: "items:Webhook"},
		{method: "POST", path: "/webhooks", role: "admin", body: "WebhookInput", status: 201, response: "Webhook",
			summary: "Register a webhook: each event of its kinds is POSTed to url as JSON {id, kind, created_at, partner_id, data}, " +
				"signed in X-Cartera-Signature: sha256=<hex HMAC-SHA256 of the body under secret>, with X-Cartera-Event and X-Cartera-Delivery; " +
				"a 2xx answer delivers it, anything else is retried with exponential backoff for 24 hours. The server POSTs to any " +
				"address given, internal ones included: only admins register webhooks"},
		{method: "GET", path: "/webhooks/{id}", summary: "A webhook (never its secret)", role: "admin", status: 200, response: "Webhook"},
		{method: "DELETE", path: "/webhooks/{id}", summary: "Delete a webhook: its pending deliveries stop; its log stays", role: "admin", status: 204},
		{method: "GET", path: "/webhooks/{id}/deliveries", summary: "A webhook's delivery log, newest first, each with its attempts", role: "admin",
			query:  []param{q("before", "the last id of the previous page", integer("")), q("limit", "1 to 500 (default 50)", integer(""))},
			status: 200, response: "items:Delivery"},
		{method: "POST", path: "/webhooks/deliveries/{id}/resend", summary: "Send a delivery again now: a new series of attempts, retried for 24 hours",
			role: "admin", status: 202},
		{method: "GET", path: "/notifications", summary: "Events, newest first, each read or not by the caller", role: "manager",
			query: []param{q("unread", "true: only those the caller has not read", boolean("")), q("kind", "", enum("", kindNames()...)),
				q("partner_id", "", integer("")), q("before", "the next of the previous page", integer("")),
				q("limit", "1 to 500 (default 50)", integer(""))},
			status: 200, response: "Notifications"},
		{method: "POST", path: "/notifications/{id}/read", summary: "Mark an event read by the caller", role: "manager", status: 204},
		{method: "POST", path: "/notifications/read-all", summary: "Mark every event read by the caller", role: "manager", status: 200, response: "Marked"},
	}
}

func kindNames() []string {
	out := make([]string, len(notify.Kinds))
	for i, k := range notify.Kinds {
		out[i] = string(k)
	}
	return out
}

// notifySchemas are the schemas notifyOperations name.
func notifySchemas() map[string]schema {
	kinds := enum("", kindNames()...)
	attempt := closed([]string{"at", "status", "error", "duration_ms"}, map[string]schema{
		"at": timestamp(), "status": nullable(integer("the receiver's HTTP status")),
		"error": nullable(str("why it failed: a status other than 2xx, or a network error or timeout (10 s)")), "duration_ms": integer("")})
	return map[string]schema{
		"WebhookInput": closed([]string{"url", "secret", "events"}, map[string]schema{
			"url":    str("http or https, with a host"),
			"secret": str("at least 16 characters; signs every body; never shown again"),
			"events": arrayOf(kinds)}),
		"Webhook": closed([]string{"id", "url", "events", "created_by", "created_at", "deleted_at"}, map[string]schema{
			"id": integer(""), "url": str(""), "events": arrayOf(kinds), "created_by": integer("the admin's user id"),
			"created_at": timestamp(), "deleted_at": nullable(timestamp())}),
		"Delivery": closed([]string{"id", "webhook_id", "event_id", "kind", "event_created_at", "state", "attempts", "next_at",
			"delivered_at", "given_up_at", "log"}, map[string]schema{
			"id": integer(""), "webhook_id": integer(""), "event_id": integer(""), "kind": kinds, "event_created_at": timestamp(),
			"state": enum("", "pending", "delivered", "given_up"), "attempts": integer("in the current series"),
			"next_at": nullable(timestamp()), "delivered_at": nullable(timestamp()), "given_up_at": nullable(timestamp()),
			"log": arrayOf(attempt)}),
		"Notifications": closed([]string{"items"}, map[string]schema{
			"items": arrayOf(closed([]string{"id", "kind", "partner_id", "partner_name", "data", "created_at", "read"}, map[string]schema{
				"id": integer(""), "kind": kinds, "partner_id": nullable(integer("")), "partner_name": nullable(str("")),
				"data": withDesc(schema{}, "the event's facts: ids, names, dates and values as strings"), "created_at": timestamp(),
				"read": boolean("by the caller")})),
			"next": str("the before of the next page; absent on the last")}),
		"Marked": closed([]string{"marked"}, map[string]schema{"marked": integer("events newly marked read")}),
	}
}
