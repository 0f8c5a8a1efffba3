package ui

import (
	"bytes"
	"cartera/internal/audit"
	"encoding/json"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// The admin page of the audit log: by user, entity and date, with what changed.

// auditPageSize is how many entries a page shows; "More" shows the next, older ones.
const auditPageSize = 50

// auditEntities are the entities the services record, for the filter.
var auditEntities = []string{"partner", "loan", "loan_book", "financial_report", "fund", "fx_rates", "exposure_limits", "user", "api_token", "webhook", "webhook_delivery"}

type auditPage struct {
	Entries  []auditEntry
	Users    []Option
	Entities []Option
	More     string // the URL of the next, older page; empty at the end
}

type auditEntry struct {
	audit.Entry
	Link    string // the entity's page, when it has one
	Changes []fieldChange
	Hidden  int // changes not listed, to keep the row short
	Before  string
	After   string
}

// fieldChange is one top-level field that differs between before and after.
type fieldChange struct{ Field, Before, After string }

// maxListedChanges keeps a row short; the whole documents are in its <details>.
const maxListedChanges = 6

func (h *handlers) auditLog(c *fiber.Ctx) error {
	p := h.page(c, "Audit log", "admin")
	for _, k := range []string{"user_id", "entity", "entity_id", "from", "to", "before_id"} {
		p.Form[k] = strings.TrimSpace(c.Query(k))
	}
	var bad fieldErrors
	f := audit.Filter{Entity: p.Form["entity"], EntityID: p.Form["entity_id"], Limit: auditPageSize + 1}
	f.UserID = bad.id("user_id", p.Form["user_id"], "choose a user from the list")
	f.BeforeID = bad.id("before_id", p.Form["before_id"], "must be an audit entry id")
	if d := bad.date("from", p.Form["from"], false); !d.IsZero() {
		f.From = &d
	}
	if d := bad.date("to", p.Form["to"], false); !d.IsZero() {
		d = d.AddDate(0, 0, 1) // the whole of the "to" day, as the API does
		f.To = &d
	}
	users, err := h.Users.List(c.UserContext())
	if err != nil {
		return err
	}
	data := auditPage{Users: []Option{{"", "Anyone"}}, Entities: []Option{{"", "Anything"}}}
	for _, u := range users {
		data.Users = append(data.Users, Option{strconv.FormatInt(u.ID, 10), u.Email})
	}
	for _, e := range auditEntities {
		data.Entities = append(data.Entities, Option{e, strings.ReplaceAll(e, "_", " ")})
	}
	p.Data = data
	if err := bad.Err(); err != nil {
		return h.formFailed(c, "admin_audit", p, err)
	}
	entries, err := h.Audit.List(c.UserContext(), f)
	if err != nil {
		return err
	}
	if len(entries) > auditPageSize {
		entries = entries[:auditPageSize]
		q := url.Values{}
		for k, v := range p.Form {
			if v != "" && k != "before_id" {
				q.Set(k, v)
			}
		}
		q.Set("before_id", strconv.FormatInt(entries[len(entries)-1].ID, 10))
		data.More = "/admin/audit?" + q.Encode()
	}
	for _, e := range entries {
		row := auditEntry{Entry: e, Before: indentJSON(e.Before), After: indentJSON(e.After)}
		switch e.Entity {
		case "partner":
			row.Link = "/partners/" + e.EntityID
		case "loan":
			row.Link = "/loans/" + e.EntityID
		}
		row.Changes = diffJSON(e.Before, e.After)
		if len(row.Changes) > maxListedChanges {
			row.Hidden = len(row.Changes) - maxListedChanges
			row.Changes = row.Changes[:maxListedChanges]
		}
		data.Entries = append(data.Entries, row)
	}
	p.Data = data
	return h.render(c, fiber.StatusOK, "admin_audit", p)
}

// id reads an optional positive id.
func (f *fieldErrors) id(field, s, message string) *int64 {
	if s == "" {
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		f.Add(field, "%s", message)
		return nil
	}
	return &n
}

// diffJSON lists the top-level fields of two JSON objects that differ, by name,
// leaving out updated_at, which every update changes. It returns nil for a create or
// a delete (one side only: the page shows it whole) and when either is not an object
// (the limits are a list).
func diffJSON(before, after audit.JSON) []fieldChange {
	var b, a map[string]json.RawMessage
	if len(before) == 0 || len(after) == 0 || json.Unmarshal(before, &b) != nil || json.Unmarshal(after, &a) != nil {
		return nil
	}
	keys := map[string]bool{}
	for k := range b {
		keys[k] = true
	}
	for k := range a {
		keys[k] = true
	}
	var out []fieldChange
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		bv, av := shortJSON(b[k]), shortJSON(a[k])
		if bv != av && k != "updated_at" {
			out = append(out, fieldChange{k, bv, av})
		}
	}
	return out
}

// shortJSON is a value as one short line: strings unquoted, null and absent as "".
func shortJSON(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) != nil { // not a string: a number, object, list or null
		var buf bytes.Buffer
		if len(raw) == 0 || json.Compact(&buf, raw) != nil || buf.String() == "null" {
			return ""
		}
		s = buf.String()
	}
	if r := []rune(s); len(r) > 60 {
		s = string(r[:59]) + "…"
	}
	return s
}

// maxShownJSON caps each document a row shows, so that fifty entries about large
// records (a loan with its schedule) stay within the page budget: 50 × 2 × 1,200
// bytes is 120 KB at the most. The API's audit log has the whole documents.
const maxShownJSON = 1200

// indentJSON is a stored document laid out for reading; "" when there is none.
func indentJSON(j audit.JSON) string {
	if len(j) == 0 {
		return ""
	}
	var buf bytes.Buffer
	if json.Indent(&buf, j, "", "  ") != nil {
		buf.Reset()
		buf.Write(j)
	}
	if buf.Len() > maxShownJSON {
		// Cut at a byte; drop what remains of a character cut in two.
		return strings.ToValidUTF8(buf.String()[:maxShownJSON], "") + "\n… (cut short: GET /api/v1/audit has the whole document)"
	}
	return buf.String()
}

// ActionLabel is the action as words: "sign in failed" for sign_in_failed.
func (e auditEntry) ActionLabel() string { return strings.ReplaceAll(string(e.Action), "_", " ") }

// When is the time the entry was written, to the second, in UTC as stored.
func (e auditEntry) When() string { return e.At.UTC().Format("2006-01-02 15:04:05") + " UTC" }
