package ui

// The admin pages: users, API tokens, exposure limits and the audit log. The routes
// in ui.go admit admins only; these handlers do not check the role again.

import (
	"bytes"
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/govalues/decimal"

	"cartera/internal/audit"
	"cartera/internal/exposure"
	"cartera/internal/http/edge"
	"cartera/internal/platform/apperr"
	"cartera/internal/user"
)

func roleOptions() []Option {
	return []Option{
		{string(user.Viewer), "Viewer: reads everything"},
		{string(user.Manager), "Manager: also writes partners, loans, figures"},
		{string(user.Admin), "Admin: also users, tokens, limits"},
	}
}

// ---- Users ----

type usersPage struct {
	Users  []user.User
	Roles  []Option
	SelfID int64
	// Invited is the account just created and Password its initial password. There is
	// no mail server to send it and only its hash is stored, so this page is the one
	// time anyone sees it.
	Invited  *user.User
	Password string
}

func (h *handlers) usersData(c *fiber.Ctx) (usersPage, error) {
	users, err := h.Users.List(c.UserContext())
	return usersPage{Users: users, Roles: roleOptions(), SelfID: session(c).UserID}, err
}

func (h *handlers) listUsers(c *fiber.Ctx) error {
	p := h.page(c, "Users", "admin")
	p.Form["role"] = string(user.Viewer)
	data, err := h.usersData(c)
	if err != nil {
		return err
	}
	p.Data = data
	return h.render(c, fiber.StatusOK, "admin_users", p)
}

// inviteUser creates an account with a random initial password, shown once on the
// page this POST answers with (not in a flash, which is stored with the session, and
// not after a redirect, which a reload would show again). A generated password is
// never a weak or reused one, and no admin has to invent and type it.
func (h *handlers) inviteUser(c *fiber.Ctx) error {
	p := h.page(c, "Users", "admin")
	p.Form = formValues(c)
	password, err := newPassword()
	if err != nil {
		return err
	}
	in := user.NewUser{Email: p.Form["email"], Name: p.Form["name"], Role: user.Role(strings.ToLower(strings.TrimSpace(p.Form["role"]))), Password: password}
	created, err := h.Users.Create(c.UserContext(), h.actor(c), in)
	data, lerr := h.usersData(c)
	if lerr != nil {
		return lerr
	}
	p.Data = data
	if err != nil {
		return h.formFailed(c, "admin_users", p, err)
	}
	data.Invited, data.Password = &created, password
	p.Data = data
	p.Form = map[string]string{"role": string(user.Viewer)} // a fresh form for the next invitation
	return h.render(c, fiber.StatusOK, "admin_users", p)
}

// newPassword returns 100 random bits as four groups of five letters and digits:
// easy to read out or copy, and well under bcrypt's 72 bytes.
func newPassword() (string, error) {
	b := make([]byte, 13)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate password: %w", err)
	}
	s := strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))[:20]
	return s[:5] + "-" + s[5:10] + "-" + s[10:15] + "-" + s[15:], nil
}

// userField names a field of one user's row, so its message shows beside that row.
func userField(id int64, field string) string { return fmt.Sprintf("users[%d].%s", id, field) }

// updateUser changes a user's role and whether the account is active. An admin may
// not demote or deactivate their own account: the last admin could lock everyone out.
func (h *handlers) updateUser(c *fiber.Ctx) error {
	id, err := edge.PathID(c, "user")
	if err != nil {
		return err
	}
	form := formValues(c)
	self := id == session(c).UserID
	u, err := h.Users.Update(c.UserContext(), h.actor(c), id, func(ch *user.Changes) error {
		var bad apperr.Fields
		if s, ok := form["role"]; ok {
			if r, err := user.ParseRole(s); err != nil {
				bad.Add("role", "must be one of admin, manager, viewer")
			} else {
				ch.Role = r
			}
		}
		if s, ok := form["active"]; ok {
			switch s {
			case "true":
				ch.Active = true
			case "false":
				ch.Active = false
			default:
				bad.Add("active", "must be true or false")
			}
		}
		if self && bad == nil && ch.Role != user.Admin {
			bad.Add("role", "you cannot demote your own account; ask another admin")
		}
		if self && bad == nil && !ch.Active {
			bad.Add("active", "you cannot deactivate your own account; ask another admin")
		}
		return bad.Err()
	})
	if err != nil {
		p := h.page(c, "Users", "admin")
		p.Form["role"] = string(user.Viewer)
		for k, v := range form {
			p.Form[userField(id, k)] = v
		}
		data, lerr := h.usersData(c)
		if lerr != nil {
			return lerr
		}
		p.Data = data
		return h.formFailed(c, "admin_users", p, prefixFields(err, func(f string) string { return userField(id, f) }))
	}
	state := "active"
	if !u.Active {
		state = "deactivated: they are signed out and can no longer sign in, and their API tokens stop working"
	}
	return h.redirect(c, "/admin/users", fmt.Sprintf("%s is now a %s, %s.", u.Email, u.Role, state))
}

// prefixFields renames the fields of a validation error, leaving other errors as they are.
func prefixFields(err error, rename func(string) string) error {
	e, ok := apperr.As(err)
	if !ok || len(e.Fields) == 0 {
		return err
	}
	out := *e
	out.Fields = make([]apperr.FieldError, len(e.Fields))
	for i, f := range e.Fields {
		f.Field = rename(f.Field)
		out.Fields[i] = f
	}
	return &out
}

// ---- API tokens ----

type tokensPage struct {
	Tokens []user.Token
	Emails []Option // the active users, who may get a token
	// Created is the token just made and Secret its secret, shown on this page only:
	// only its hash is stored.
	Created *user.Token
	Secret  string
}

func (h *handlers) tokensData(c *fiber.Ctx) (tokensPage, error) {
	tokens, err := h.Users.ListTokens(c.UserContext(), nil)
	if err != nil {
		return tokensPage{}, err
	}
	users, err := h.Users.List(c.UserContext())
	if err != nil {
		return tokensPage{}, err
	}
	data := tokensPage{Tokens: tokens}
	for _, u := range users {
		if u.Active {
			label := u.Email
			if u.Name != "" {
				label += " (" + u.Name + ")"
			}
			data.Emails = append(data.Emails, Option{u.Email, label})
		}
	}
	return data, nil
}

func (h *handlers) listTokens(c *fiber.Ctx) error {
	p := h.page(c, "API tokens", "admin")
	p.Form["email"] = session(c).Email
	data, err := h.tokensData(c)
	if err != nil {
		return err
	}
	p.Data = data
	return h.render(c, fiber.StatusOK, "admin_tokens", p)
}

// createToken answers the POST with the page itself, secret included, rather than a
// redirect: the secret must not be stored anywhere (a flash is), nor shown by a reload.
func (h *handlers) createToken(c *fiber.Ctx) error {
	p := h.page(c, "API tokens", "admin")
	p.Form = formValues(c)
	t, secret, err := h.Users.CreateToken(c.UserContext(), h.actor(c), p.Form["email"], p.Form["name"])
	data, lerr := h.tokensData(c)
	if lerr != nil {
		return lerr
	}
	p.Data = data
	if err != nil {
		return h.formFailed(c, "admin_tokens", p, err)
	}
	data.Created, data.Secret = &t, secret
	p.Data = data
	p.Form = map[string]string{"email": session(c).Email}
	return h.render(c, fiber.StatusOK, "admin_tokens", p)
}

func (h *handlers) revokeToken(c *fiber.Ctx) error {
	id, err := edge.PathID(c, "API token")
	if err != nil {
		return err
	}
	t, err := h.Users.RevokeToken(c.UserContext(), h.actor(c), id)
	if err != nil {
		return err
	}
	return h.redirect(c, "/admin/tokens", fmt.Sprintf("Token “%s” of %s revoked: it no longer works.", t.Name, t.UserEmail))
}

// ---- Exposure limits ----

// limitsPage is the limits table: one row per index in Rows, whose values are the
// page's Form fields limits[i].dimension, .key, .max_share (a percentage), .max_amount,
// .currency and .remove.
type limitsPage struct {
	Rows       []int
	Dimensions []Option
	Base       string // the currency of amounts given without one
}

// newLimitRows is how many empty rows the form offers for new limits.
const newLimitRows = 3

var limitFieldName = regexp.MustCompile(`^limits\[(\d+)\]\.([a-z_]+)$`)

func dimensionOptions() []Option {
	labels := map[exposure.Dimension]string{
		exposure.ByCountry: "Country", exposure.ByRegion: "World region", exposure.ByPartner: "Partner",
		exposure.ByCurrency: "Currency", exposure.ByLegalStatus: "Legal status", exposure.ByFund: "Fund",
	}
	opts := []Option{{"", "–"}}
	for _, d := range exposure.Dimensions {
		opts = append(opts, Option{string(d), labels[d]})
	}
	return opts
}

func (h *handlers) limitsData(c *fiber.Ctx, rows []int) (limitsPage, error) {
	data := limitsPage{Rows: rows, Dimensions: dimensionOptions(), Base: "USD"}
	funds, err := h.Funds.List(c.UserContext())
	if err != nil {
		return data, err
	}
	if len(funds) > 0 { // the rule PutLimits applies
		data.Base = funds[0].BaseCurrency
	}
	return data, nil
}

func (h *handlers) limitsForm(c *fiber.Ctx) error {
	limits, err := h.Exposure.Limits(c.UserContext())
	if err != nil {
		return err
	}
	p := h.page(c, "Exposure limits", "admin")
	p.Form["version"] = exposure.LimitsVersion(limits) // a save from this copy is refused if another came first
	var rows []int
	for i, l := range limits {
		rows = append(rows, i)
		f := func(name string) string { return fmt.Sprintf("limits[%d].%s", i, name) }
		p.Form[f("dimension")], p.Form[f("key")] = string(l.Dimension), l.Key
		if l.MaxShare != nil {
			pct, err := l.MaxShare.Mul(decimal.Hundred)
			if err != nil {
				return err
			}
			p.Form[f("max_share")] = pct.Trim(0).String()
		}
		if l.MaxAmount != nil {
			p.Form[f("max_amount")] = l.MaxAmount.String()
		}
		if l.Currency != nil {
			p.Form[f("currency")] = *l.Currency
		}
	}
	for i := len(limits); i < len(limits)+newLimitRows; i++ {
		rows = append(rows, i)
	}
	data, err := h.limitsData(c, rows)
	if err != nil {
		return err
	}
	p.Data = data
	return h.render(c, fiber.StatusOK, "admin_limits", p)
}

// putLimits replaces the whole set with the form's rows, minus the empty ones and
// those marked for removal. Nothing is saved unless every row is valid.
func (h *handlers) putLimits(c *fiber.Ctx) error {
	p := h.page(c, "Exposure limits", "admin")
	p.Form = formValues(c)
	rows, limits, rowOf, bad := readLimits(p.Form)
	data, err := h.limitsData(c, rows)
	if err != nil {
		return err
	}
	p.Data = data
	// The service reports limits[j] of what it was given; the user sees form rows.
	toRow := func(field string) string {
		if m := limitFieldName.FindStringSubmatch(field); m != nil {
			if j, err := strconv.Atoi(m[1]); err == nil && j < len(rowOf) {
				return fmt.Sprintf("limits[%d].%s", rowOf[j], m[2])
			}
		}
		return field
	}
	if bad.Err() != nil {
		// The service's rules too, on what could be read: every problem at once.
		return h.formFailed(c, "admin_limits", p, bad.merge(prefixFields(h.Exposure.CheckLimits(c.UserContext(), limits), toRow)))
	}
	if _, err := h.Exposure.PutLimitsIfUnchanged(c.UserContext(), h.actor(c), p.Form["version"], limits); err != nil {
		return h.formFailed(c, "admin_limits", p, prefixFields(err, toRow))
	}
	return h.redirect(c, "/admin/limits", fmt.Sprintf("Limits saved: %d in force.", len(limits)))
}

// readLimits reads the table form: the row indexes present (in order), the limits of
// the rows kept, the form row of each limit, and what could not even be parsed.
func readLimits(form map[string]string) (rows []int, limits []exposure.Limit, rowOf []int, bad fieldErrors) {
	seen := map[int]bool{}
	for k := range form {
		if m := limitFieldName.FindStringSubmatch(k); m != nil {
			if i, err := strconv.Atoi(m[1]); err == nil && !seen[i] {
				seen[i] = true
				rows = append(rows, i)
			}
		}
	}
	slices.Sort(rows)
	for _, i := range rows {
		f := func(name string) string { return fmt.Sprintf("limits[%d].%s", i, name) }
		v := func(name string) string { return strings.TrimSpace(form[f(name)]) }
		if v("remove") != "" {
			continue
		}
		if v("dimension") == "" && v("key") == "" && v("max_share") == "" && v("max_amount") == "" && v("currency") == "" {
			continue // an unused new row
		}
		l := exposure.Limit{Dimension: exposure.Dimension(v("dimension")), Key: v("key")}
		if v("dimension") == "" {
			bad.Add(f("dimension"), "choose what the limit applies to")
		}
		l.MaxShare = bad.percent(f("max_share"), v("max_share"))
		l.MaxAmount = bad.amount(f("max_amount"), v("max_amount"), false)
		if cur := strings.ToUpper(v("currency")); cur != "" {
			l.Currency = &cur
		}
		limits = append(limits, l)
		rowOf = append(rowOf, i)
	}
	return rows, limits, rowOf, bad
}

// percent reads a share typed as a percentage ("25" or "25 %") and returns it as the
// fraction the service stores (0.25), exactly. Its range is checked here, in the
// user's terms: the service's message speaks of fractions.
func (f *fieldErrors) percent(field, s string) *decimal.Decimal {
	s = strings.TrimSpace(strings.TrimSuffix(s, "%"))
	if s == "" {
		return nil
	}
	pct, err := decimal.Parse(s)
	switch {
	case err != nil:
		f.Add(field, "must be a percentage such as 25 (for 25 %%)")
	case !pct.IsPos() || pct.Cmp(decimal.Hundred) > 0:
		f.Add(field, "must be a percentage above 0 and at most 100, not %s", pct)
	case pct.Scale() > 4:
		f.Add(field, "has more than 4 decimals")
	default:
		share, err := pct.Mul(decimal.MustNew(1, 2)) // × 0.01: exact, unlike a division
		if err != nil {
			f.Add(field, "must be a percentage such as 25 (for 25 %%)")
			return nil
		}
		share = share.Trim(0)
		return &share
	}
	return nil
}

// ---- Audit log ----

// auditPageSize is how many entries a page shows; "More" shows the next, older ones.
const auditPageSize = 50

// auditEntities are the entities the services record, for the filter.
var auditEntities = []string{"partner", "loan", "loan_book", "financial_report", "fund", "fx_rates", "exposure_limits", "user", "api_token"}

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

// When is the time the entry was written, to the second, in UTC as stored.
func (e auditEntry) When() string { return e.At.UTC().Format("2006-01-02 15:04:05") + " UTC" }
