package api

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"

	"cartera/internal/kpi"
	"cartera/internal/ledger"
	"cartera/internal/loan"
)

// The OpenAPI 3.1 document of /api/v1, served at /api/openapi.json. It is built from
// the same tables the API uses where there is one (the raw figures of kpi.Inputs, the
// ratio names), and TestOpenAPIDocumentsEveryRoute fails when a registered route is
// missing from it or it documents one that does not exist.

// probePaths documents /healthz and /readyz: outside /api/v1 (their own servers
// entry says so), and open, with no token.
func probePaths() map[string]map[string]any {
	status := closed([]string{"status"}, map[string]schema{"status": enum("", "ok", "unavailable"), "detail": str("why not ready")})
	answer := func(desc string) map[string]any {
		return map[string]any{"description": desc, "content": map[string]any{"application/json": map[string]any{"schema": status}}}
	}
	probe := func(summary string, responses map[string]any) map[string]any {
		return map[string]any{
			"servers": []map[string]any{{"url": "/"}},
			"get":     map[string]any{"summary": summary, "security": []map[string]any{}, "responses": responses},
		}
	}
	return map[string]map[string]any{
		"/healthz": probe("liveness: 200 while the process serves HTTP; it does not touch the database, so an outage never gets a working process restarted",
			map[string]any{"200": answer("alive")}),
		"/readyz": probe("readiness: 200 when a new database connection can be opened and answers, else 503 with Retry-After",
			map[string]any{"200": answer("ready"), "503": map[string]any{"description": "the database does not answer; send no traffic for Retry-After seconds",
				"headers": map[string]any{"Retry-After": map[string]any{"schema": integer("seconds")}},
				"content": map[string]any{"application/json": map[string]any{"schema": status}}}}),
	}
}

// schema is a JSON Schema (2020-12, as OpenAPI 3.1 uses).
type schema = map[string]any

func ref(name string) schema { return schema{"$ref": "#/components/schemas/" + name} }
func str(desc string) schema { return withDesc(schema{"type": "string"}, desc) }
func integer(desc string) schema {
	return withDesc(schema{"type": "integer"}, desc)
}
func number(desc string) schema { return withDesc(schema{"type": "number"}, desc) }
func boolean(desc string) schema {
	return withDesc(schema{"type": "boolean"}, desc)
}
func arrayOf(items schema) schema { return schema{"type": "array", "items": items} }
func enum(desc string, values ...string) schema {
	return withDesc(schema{"type": "string", "enum": values}, desc)
}

// decimalString is an exact amount or rate as a JSON string ("1250.50").
func decimalSchema(desc string) schema {
	return withDesc(schema{"type": "string", "pattern": `^-?[0-9]+(\.[0-9]+)?$`}, desc)
}
func dateSchema(desc string) schema {
	return withDesc(schema{"type": "string", "format": "date"}, desc)
}
func timestamp() schema { return schema{"type": "string", "format": "date-time"} }

// nullable lets a schema also be null (OpenAPI 3.1: a list of types).
func nullable(s schema) schema {
	out := schema{}
	for k, v := range s {
		out[k] = v
	}
	switch t := s["type"].(type) {
	case string:
		out["type"] = []string{t, "null"}
	default:
		return schema{"anyOf": []schema{s, {"type": "null"}}}
	}
	return out
}

func withDesc(s schema, desc string) schema {
	if desc != "" {
		s["description"] = desc
	}
	return s
}

// closed is a closed object: the properties listed, the required ones always present.
func closed(required []string, props map[string]schema) schema {
	s := schema{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		s["required"] = required
	}
	return s
}

func items(of schema) schema {
	return closed([]string{"items"}, map[string]schema{"items": arrayOf(of)})
}

func keys(m map[string]schema) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// figureProperties are the raw figures under their canonical names, from kpi.Inputs.
func figureProperties() map[string]schema {
	props := map[string]schema{}
	for _, in := range kpi.Inputs {
		if in.Kind == kpi.Count {
			props[in.Name] = nullable(integer(string(in.Group)))
			continue
		}
		props[in.Name] = nullable(decimalSchema(string(in.Group)))
	}
	return props
}

func ratioProperties(of schema) map[string]schema {
	props := map[string]schema{}
	for _, n := range kpi.Names {
		props[string(n)] = of
	}
	return props
}

func schemas() map[string]schema {
	partnerProps := map[string]schema{
		"name":          str("at most 200 characters, unique"),
		"country":       str("ISO 3166-1 alpha-2, e.g. BO"),
		"region":        str("where the partner works, in its own words"),
		"legal_status":  enum("", "ngo", "cooperative", "nbfi", "bank", "other"),
		"founded":       nullable(integer("year")),
		"partner_since": nullable(integer("year")),
		"methodology":   nullable(enum("", "individual", "solidarity_group", "village_banking", "mixed")),
		"sectors":       arrayOf(str("")),
		"description":   str(""),
		"strengths":     str("one point per line"),
		"risks":         str("one point per line"),
		"reporting_frequency": nullable(enum("how often the partner reports its figures; with reporting_from, or both null: no obligation",
			"quarterly", "semiannual", "annual")),
		"reporting_from": nullable(dateSchema("the obligation's start: the first period ending on or after it is due")),
		"reporting_due_days": nullable(integer("days after a period end its figures are due, 1 to 365; null: 45 for quarters and " +
			"half-years, 120 for years")),
	}
	partnerOut := map[string]schema{"id": integer(""), "country_name": str("the country's English name"),
		"created_at": timestamp(), "updated_at": timestamp()}
	for k, v := range partnerProps {
		partnerOut[k] = v
	}
	loanProps := map[string]schema{
		"id": integer(""), "fund_id": integer(""), "partner_id": integer(""), "reference": str("unique"),
		"currency": str("ISO 4217"), "committed_amount": decimalSchema(""), "interest_rate": decimalSchema("annual, a fraction: 0.085 is 8.5 %"),
		"day_count": dayCountSchema(), "signed_on": dateSchema(""), "first_due_on": dateSchema(""),
		"maturity_on": dateSchema(""), "amortization": enum("", "bullet", "equal_principal", "annuity"),
		"frequency": enum("", "monthly", "quarterly", "semiannual", "annual"), "grace_periods": integer("leading interest-only installments"),
		"purpose": str(""), "status": enum("", "pipeline", "active", "repaid", "written_off", "cancelled"),
		"allocation_order": enum("how repayments settle what is due: interest_first (every overdue installment's interest, "+
			"then their principal, then the current one's) or installment_by_installment (the oldest installment whole, "+
			"then the next); it decides days past due", "interest_first", "installment_by_installment"),
		"default_margin": decimalSchema("the default rate's margin over the contract rate, a fraction, accrued daily on " +
			"overdue principal and due at once (\"0\": none)"),
		"prepayment_fee": decimalSchema("a share of the principal prepaid, carved out of the cash received (\"0\": none)"),
	}
	loanRequired := keys(loanProps)
	loanList := map[string]schema{"disbursed": decimalSchema("as recorded today"), "outstanding_principal": decimalSchema("as recorded today"),
		"partner_name": str(""), "fund_name": str(""),
		"restructured_on":     nullable(dateSchema("the rescheduling that moved overdue amounts, as the last write found it")),
		"current_maturity_on": dateSchema("the maturity as rescheduled (maturity_on when never moved)")}
	for k, v := range loanProps {
		loanList[k] = v
	}
	detail := map[string]schema{
		"as_of": dateSchema(""), "disbursed": decimalSchema(""), "undisbursed": decimalSchema(""),
		"principal_repaid": decimalSchema(""), "interest_paid": decimalSchema(""), "written_off": decimalSchema(""),
		"overpaid":  decimalSchema("repaid beyond everything owed: a credit due back to the partner"),
		"recovered": decimalSchema("collected on written-off principal: write-offs net of recoveries are written_off − recovered"),
		"restructured_on": nullable(dateSchema("the rescheduling that moved overdue amounts: from it the loan is at risk " +
			"(in PAR30) until repaid")),
		"outstanding_principal": decimalSchema(""), "overdue_principal": decimalSchema(""), "overdue_interest": decimalSchema(""),
		"accrued_interest": decimalSchema("earned since the last due date and not yet due, less what was paid toward it: " +
			"the month-end accrual at as_of (interest follows the cash: on the principal actually outstanding)"),
		"late_interest": decimalSchema("interest on overdue principal, due at once and unpaid: the default margin while " +
			"installments remain, the contract rate and margin after the last"),
		"days_past_due": integer(""), "aging_bucket": enum("", "current", "1-30", "31-60", "61-90", "91-180", "180+"),
		"next_due_on": nullable(dateSchema("")), "next_due_amount": nullable(decimalSchema("")),
		"xirr": nullable(number("the loan's annualized return on its cash flows so far")),
		"current_terms": closed([]string{"interest_rate", "frequency", "maturity_on"}, map[string]schema{
			"interest_rate": decimalSchema(""), "frequency": str(""), "maturity_on": dateSchema("")}),
		"schedule":      arrayOf(ref("Installment")),
		"transactions":  arrayOf(ref("Transaction")),
		"reschedulings": arrayOf(ref("Rescheduling")),
		"amendments":    arrayOf(ref("Rescheduling")),
	}
	for k, v := range loanProps {
		if _, ok := detail[k]; !ok {
			detail[k] = v
		}
	}
	report := map[string]schema{"id": integer(""), "partner_id": integer(""), "period_end": dateSchema(""),
		"months": integer("3, 6 or 12"), "currency": str(""), "created_at": timestamp(), "updated_at": timestamp()}
	for k, v := range figureProperties() {
		report[k] = v
	}
	reportIn := map[string]schema{"period_end": dateSchema("optional; must match the path"), "months": integer("3, 6 or 12"),
		"currency": str("ISO 4217")}
	for k, v := range figureProperties() {
		reportIn[k] = v
	}
	amountEvent := closed([]string{"date", "amount"}, map[string]schema{
		"date": dateSchema(""), "amount": decimalSchema("positive"), "reason": str("required for write-offs")})
	loanIn := map[string]schema{
		"fund_id": integer("may be left out when there is one fund"), "reference": str(""), "purpose": str(""),
		"currency": str(""), "committed_amount": decimalSchema(""), "interest_rate": decimalSchema(""),
		"day_count": str("one of " + strings.Join(dayCountNames(), ", ") + ` (as an agreement names it; other spellings such as "ACT/365" or "Actual/365 Fixed" are read as the convention they name, and answers give the name above)`),
		"signed_on": dateSchema(""), "first_due_on": dateSchema(""),
		"maturity_on": dateSchema(""), "amortization": loanProps["amortization"], "frequency": loanProps["frequency"],
		"grace_periods": integer(""), "allocation_order": loanProps["allocation_order"],
		"default_margin": decimalSchema("0 to 1; default 0 (none)"), "prepayment_fee": decimalSchema("0 to 1; default 0 (none)")}
	fundSettings := map[string]schema{
		"allocation_order": enum("the repayment allocation order new loans of the fund take (interest_first: overdue interest, "+
			"then overdue principal, then current items, oldest first)", "interest_first", "installment_by_installment"),
		"restructured_cure_installments": withDesc(nullable(schema{"type": "integer", "minimum": 1, "maximum": 36}),
			"after how many consecutive installments paid on time a restructured loan is cured; null: never"),
		"books_closed_through": nullable(dateSchema("the fund's month-end close, at the latest today: a write to a loan of the fund " +
			"dated on or before it (a reversal: of an event dated so) is refused with 409; null: nothing closed")),
	}
	fundOut := map[string]schema{"id": integer(""), "name": str(""), "base_currency": str("ISO 4217"), "created_at": timestamp()}
	for k, v := range fundSettings {
		fundOut[k] = v
	}
	return map[string]schema{
		"Problem": closed([]string{"type", "title", "status"}, map[string]schema{
			"type": str(""), "title": str(""), "status": integer(""), "detail": str(""), "instance": str(""),
			"request_id": str("quote it when reporting a problem"),
			"errors": arrayOf(closed([]string{"field", "message"}, map[string]schema{
				"field": str("the field or parameter at fault"), "message": str(""),
				"row": integer("imports: the file's row (the header is row 1)"), "column": str("imports: the column's header")})),
		}),
		"Me": closed([]string{"user_id", "email", "role", "token_id", "token_name"}, map[string]schema{
			"user_id": integer(""), "email": str(""), "role": enum("", "admin", "manager", "viewer"),
			"token_id": integer(""), "token_name": str("")}),
		"Partner":      closed(keys(partnerOut), partnerOut),
		"PartnerInput": closed([]string{"name", "country", "legal_status"}, partnerProps),
		"PartnerPatch": withDesc(closed(nil, partnerProps), "JSON merge patch: members sent change, null clears"),
		"Fund": closed([]string{"id", "name", "base_currency", "created_at", "allocation_order", "restructured_cure_installments",
			"books_closed_through"}, fundOut),
		"FundInput": closed([]string{"name", "base_currency"}, map[string]schema{"name": str(""), "base_currency": str("ISO 4217")}),
		"FundPatch": withDesc(closed(nil, fundSettings), "the fund's settings: the members sent change; every change is audited, "+
			"re-opening closed books (books_closed_through moved back, or null) included"),
		"Loan":         closed(loanRequired, loanProps),
		"LoanListItem": closed(keys(loanList), loanList),
		"LoanPage": closed([]string{"items", "total"}, map[string]schema{"items": arrayOf(ref("LoanListItem")),
			"total": integer("how many loans match, on every page"),
			"next":  str("the cursor of the next page, for ?next=; absent on the last page")}),
		"LoanInput": closed([]string{"reference", "currency", "committed_amount", "interest_rate", "day_count", "signed_on",
			"first_due_on", "maturity_on", "amortization", "frequency"}, loanIn),
		"LoanPatch": withDesc(closed(nil, without(loanIn, "fund_id")), "reference and purpose at any time; every term until the first "+
			"disbursement (after it, 409: terms change by rescheduling)"),
		"CancelInput": closed([]string{"reason"}, map[string]schema{"reason": str("why: a cancellation needs one")}),
		"LoanDetail":  closed(keys(detail), detail),
		"Installment": closed([]string{"seq", "due_on", "principal", "interest", "paid_principal", "paid_interest",
			"written_off_principal", "written_off_interest", "status"}, map[string]schema{
			"seq": integer(""), "due_on": dateSchema(""), "principal": decimalSchema(""), "interest": decimalSchema(""),
			"paid_principal": decimalSchema(""), "paid_interest": decimalSchema(""), "written_off_principal": decimalSchema(""),
			"written_off_interest": decimalSchema(""),
			"status":               enum("", "paid", "partially_paid", "due", "late", "rescheduled", "written_off")}),
		"Transaction": closed([]string{"id", "kind", "date", "amount", "principal", "interest", "prepaid"}, map[string]schema{
			"id": integer(""), "kind": enum("", "disbursement", "repayment", "writeoff", "reversal", "recovery"), "date": dateSchema(""),
			"amount": decimalSchema(""), "principal": decimalSchema(""), "interest": decimalSchema(""),
			"prepaid": decimalSchema("principal paid ahead of its due date"), "reason": str(""),
			"overpaid":      decimalSchema("beyond everything owed that day: a credit due back (present only then)"),
			"late_interest": decimalSchema("on repayments: to interest on overdue principal, due at once (settled first)"),
			"fee":           decimalSchema("on repayments: the prepayment fee carved out of the cash"),
			"reverses":      integer("on a reversal: the transaction it reverses"),
			"reversed_by":   integer("on a reversed transaction: its reversal; it no longer counts"),
			"reversed_at":   timestamp()}),
		"Rescheduling": closed([]string{"id", "date", "maturity_on", "frequency", "interest_rate", "reason"}, map[string]schema{
			"id": integer(""), "date": dateSchema(""), "maturity_on": nullable(dateSchema("")),
			"frequency": nullable(str("")), "interest_rate": nullable(decimalSchema("")), "reason": str(""),
			"reversed_at": timestamp(), "reversal_reason": str("set when the rescheduling was reversed; it no longer counts"),
			"kind":   enum("the amendment", "reschedule", "rate_change", "cancel_commitment"),
			"amount": decimalSchema("on cancel_commitment: the commitment cancelled")}),
		"AmendmentInput": closed([]string{"kind", "date"}, map[string]schema{
			"kind": enum("cancel_commitment (amount: at most the undisbursed commitment), rate_change (rate: the new annual "+
				"rate from date, the schedule kept, an annuity re-levelled from the next due date) or reschedule (as "+
				"POST /loans/{id}/reschedule)", "cancel_commitment", "rate_change", "reschedule"),
			"date": dateSchema("from when"), "amount": decimalSchema("cancel_commitment"), "rate": decimalSchema("rate_change: a fraction"),
			"maturity_on": dateSchema("reschedule"), "frequency": str("reschedule"), "interest_rate": decimalSchema("reschedule"),
			"reason": str("")}),
		"Amended":      closed([]string{"amendment", "loan"}, map[string]schema{"amendment": ref("Rescheduling"), "loan": ref("LoanDetail")}),
		"ReverseInput": closed([]string{"reason"}, map[string]schema{"reason": str("why: a reversal needs one")}),
		"Reversed": closed([]string{"reversal", "transaction", "rescheduling", "loan"}, map[string]schema{
			"reversal":     nullable(ref("Transaction")),
			"transaction":  nullable(ref("Transaction")),
			"rescheduling": nullable(ref("Rescheduling")), "loan": ref("LoanDetail")}),
		"AmountEvent": amountEvent,
		"Posted":      closed([]string{"transaction", "loan"}, map[string]schema{"transaction": ref("Transaction"), "loan": ref("LoanDetail")}),
		"RescheduleInput": closed([]string{"date"}, map[string]schema{"date": dateSchema(""), "maturity_on": dateSchema(""),
			"frequency": str(""), "interest_rate": decimalSchema(""), "reason": str("")}),
		"Rescheduled": closed([]string{"rescheduling", "loan"}, map[string]schema{"rescheduling": ref("Rescheduling"), "loan": ref("LoanDetail")}),
		"Owed": closed([]string{"loan_id", "date", "currency", "overdue_interest", "overdue_principal", "current_interest",
			"current_principal", "future_principal", "total"}, map[string]schema{
			"loan_id": integer(""), "date": dateSchema(""), "currency": str(""), "overdue_interest": decimalSchema(""),
			"overdue_principal": decimalSchema(""), "current_interest": decimalSchema(""), "current_principal": decimalSchema(""),
			"future_principal": decimalSchema(""), "total": decimalSchema("what repays the loan that day: the most a repayment may be"),
			"late_interest":   decimalSchema("interest on overdue principal, due at once"),
			"due":             decimalSchema("what settles everything due: late interest, the overdue installments and the current one"),
			"payoff_interest": decimalSchema("the current period's interest if the loan is repaid that day (what accrued to it)"),
			"prepayment_fee":  decimalSchema("the fee on repaying the future principal that day")}),
		"Statement":      closed([]string{"id", "partner_id", "period_end", "months", "currency", "created_at", "updated_at"}, report),
		"StatementInput": closed([]string{"months", "currency"}, reportIn),
		"KPIs": closed([]string{"partner_id", "periods"}, map[string]schema{"partner_id": integer(""),
			"periods": arrayOf(closed([]string{"period_end", "months", "currency", "figures", "ratios", "basis"}, map[string]schema{
				"period_end": dateSchema(""), "months": integer(""), "currency": str(""),
				"figures": closed(nil, figureProperties()),
				"ratios":  closed(nil, ratioProperties(nullable(number("a fraction: 0.822 is 82.2 %; null when not computable")))),
				"basis": closed(nil, ratioProperties(enum("how the averaged stocks were taken",
					string(kpi.ReportedAverage), string(kpi.TwelveMonths), string(kpi.PeriodStart), string(kpi.PeriodEnd)))),
			}))}),
		"PeerTable": closed([]string{"period_end", "currency", "partners", "members", "ratios", "excluded"}, map[string]schema{
			"period_end": dateSchema(""), "currency": str(""), "partners": integer(""),
			"members": arrayOf(closed(nil, map[string]schema{"partner_id": integer(""), "name": str(""), "country": str(""),
				"legal_status": str(""), "methodology": nullable(str("")), "period_end": dateSchema(""), "currency": str("")})),
			"ratios": arrayOf(closed([]string{"ratio", "better", "n"}, map[string]schema{"ratio": str(""),
				"better": nullable(enum("", "higher", "lower")), "n": integer(""), "min": nullable(number("")), "q1": nullable(number("")),
				"mean": nullable(number("")), "median": nullable(number("")), "q3": nullable(number("")), "max": nullable(number("")),
				"value": number("the partner's"), "rank": integer("1 is the best"), "quartile": integer("1 is the best quarter")})),
			"excluded":   arrayOf(closed(nil, map[string]schema{"partner_id": integer(""), "ratios": arrayOf(str("")), "reason": str("")})),
			"partner_id": integer(""), "partner_in_group": boolean(""), "partner_period_end": nullable(dateSchema("")),
		}),
		"ImportResult": closed([]string{"rows", "created", "replaced", "unchanged", "partners_created", "ignored_columns", "dry_run"},
			map[string]schema{"rows": integer(""), "created": integer(""), "replaced": integer(""), "unchanged": integer(""),
				"partners_created": arrayOf(closed(nil, map[string]schema{"id": nullable(integer("null in a dry run")), "name": str(""),
					"country": str(""), "legal_status": str("")})),
				"ignored_columns": nullable(arrayOf(str(""))), "dry_run": boolean("")}),
		"Rate": closed([]string{"date", "currency", "rate"}, map[string]schema{"date": dateSchema(""), "currency": str(""),
			"rate": decimalSchema("units of the currency per US dollar")}),
		"User": closed([]string{"id", "email", "name", "role", "active", "must_change_password", "created_at", "updated_at"}, userProps()),
		"UserCreated": closed([]string{"id", "email", "name", "role", "active", "must_change_password", "created_at", "updated_at"},
			withOneTimePassword(userProps())),
		"UserInput": closed([]string{"email", "role"}, map[string]schema{"email": str(""), "name": str(""),
			"role":     enum("", "admin", "manager", "viewer"),
			"password": str("optional: at least 12 characters, not a common password nor the email. The admin knows it, so it is one-time either way; without it Cartera generates one, returned once as one_time_password")}),
		"PasswordChange": closed([]string{"current_password", "new_password"}, map[string]schema{
			"current_password": str(""), "new_password": str("at least 12 characters, not a common password nor the email")}),
		"UserPatch": closed(nil, map[string]schema{"name": str(""), "role": enum("", "admin", "manager", "viewer"), "active": boolean("")}),
		"Token":     closed([]string{"id", "user_id", "user_email", "name", "prefix", "created_at", "last_used_at", "revoked_at"}, tokenProps()),
		"TokenCreated": closed([]string{"id", "user_id", "user_email", "name", "prefix", "created_at", "token"},
			withToken(tokenProps())),
		"AuditEntry": closed([]string{"id", "at", "actor_user_id", "actor", "via", "action", "entity", "entity_id", "before", "after"},
			map[string]schema{"id": integer(""), "at": timestamp(), "actor_user_id": nullable(integer("")), "actor": str(""),
				"via": str(""), "action": str(""), "entity": str(""), "entity_id": str(""),
				"before": withDesc(schema{}, "the entity before the change (null for a creation)"),
				"after":  withDesc(schema{}, "the entity after the change (null for a deletion)")}),
	}
}

func userProps() map[string]schema {
	return map[string]schema{
		"id": integer(""), "email": str(""), "name": str(""), "role": enum("", "admin", "manager", "viewer"), "active": boolean(""),
		"must_change_password": boolean("the password is a one-time one: the next sign-in must choose another"),
		"created_at":           timestamp(), "updated_at": timestamp()}
}

func withOneTimePassword(props map[string]schema) map[string]schema {
	props["one_time_password"] = str("the one-time password Cartera generated, shown in this answer only")
	return props
}

func tokenProps() map[string]schema {
	return map[string]schema{"id": integer(""), "user_id": integer(""), "user_email": str(""), "name": str(""),
		"prefix": str("the token's first characters, to recognize it"), "created_at": timestamp(),
		"last_used_at": nullable(timestamp()), "revoked_at": nullable(timestamp())}
}

func withToken(p map[string]schema) map[string]schema {
	p["token"] = str("the secret: shown once, stored hashed")
	return p
}

// operation describes one route.
type operation struct {
	method, path string // path in OpenAPI form: /partners/{id}
	summary      string
	role         string // the least role: viewer, manager, admin
	query        []param
	body         string // request schema name; "file" for an upload
	status       int    // success status
	response     string // response schema name; "" for no body; "pdf", "zip", "csv" for files
	created      bool   // also answers 201 Created (a PUT that may create)
	deprecated   bool   // an alias kept for old clients
	etag         bool   // answers with ETag; a PATCH honours If-Match (412 when stale)
}

type param struct {
	name, desc string
	s          schema
}

func q(name, desc string, s schema) param { return param{name, desc, s} }

var (
	asOfQuery = q("as_of", "the date, YYYY-MM-DD (default today)", dateSchema(""))
	langQuery = q("lang", "en (default), fr or es", enum("", "en", "fr", "es"))
)

// loanListParams are the loans list's paging, filters, sort and format.
func loanListParams() []param {
	sortKeys := []string{}
	for _, k := range ledger.SortKeys {
		sortKeys = append(sortKeys, k, "-"+k)
	}
	return []param{
		q("limit", "loans a page, 1 to 1000 (default 100)", integer("")),
		q("next", "the cursor the previous page gave (its next)", str("")),
		q("partner_id", "", integer("")), q("fund_id", "", integer("")),
		q("status", "one or more, separated by commas: pipeline, active, repaid, written_off, cancelled", str("")),
		q("currency", "ISO 4217", str("")),
		q("overdue", "true: loans with an installment due before today and unpaid", boolean("")),
		q("restructured", "true: loans a rescheduling of overdue amounts restructured", boolean("")),
		q("maturing_within", "days: active loans maturing (as rescheduled) from today to that many days on", integer("")),
		q("q", "part of the loan's reference or its partner's name, in any letter case", str("")),
		q("sort", "ties by id; - in front for descending (default -signed_on, the newest first)", enum("", sortKeys...)),
		q("format", "json (default), csv or xlsx: the downloads hold every match, unpaged; Accept: text/csv also gives CSV",
			enum("", "json", "csv", "xlsx")),
	}
}

func operations() []operation {
	return append(append(append(ledgerOperations(), reportingOperations()...), notifyOperations()...), covenantOperations()...)
}

// ledgerOperations are the partners', funds' and loans' operations.
func ledgerOperations() []operation {
	return []operation{
		{method: "GET", path: "/me", summary: "Who the token acts as", role: "viewer", status: 200, response: "Me"},
		{method: "POST", path: "/me/password", summary: "Change your own password (ends your browser sessions; 422 names current_password or new_password)", role: "viewer", body: "PasswordChange", status: 204},
		{method: "GET", path: "/partners", summary: "List partners, by name", role: "viewer",
			query: []param{q("country", "ISO code", str("")), q("q", "part of the name or region", str(""))}, status: 200, response: "items:Partner"},
		{method: "POST", path: "/partners", summary: "Create a partner", role: "manager", body: "PartnerInput", status: 201, response: "Partner"},
		{method: "GET", path: "/partners/{id}", summary: "A partner", role: "viewer", status: 200, response: "Partner", etag: true},
		{method: "PATCH", path: "/partners/{id}", summary: "Change a partner; with If-Match, only if it is still the version read", role: "manager",
			body: "PartnerPatch", status: 200, response: "Partner", etag: true},
		{method: "DELETE", path: "/partners/{id}", summary: "Delete a partner (409 while loans or statements refer to it)", role: "manager", status: 204},
		{method: "GET", path: "/funds", summary: "List funds", role: "viewer", status: 200, response: "items:Fund"},
		{method: "POST", path: "/funds", summary: "Create a fund", role: "admin", body: "FundInput", status: 201, response: "Fund"},
		{method: "GET", path: "/funds/{id}", summary: "A fund, with its settings", role: "viewer", status: 200, response: "Fund"},
		{method: "PATCH", path: "/funds/{id}", summary: "Change a fund's settings: allocation order of new loans, cure of restructured loans, books closed through",
			role: "admin", body: "FundPatch", status: 200, response: "Fund"},
		{method: "POST", path: "/partners/{id}/loans", summary: "Record a loan to the partner", role: "manager", body: "LoanInput", status: 201, response: "Loan"},
		{method: "GET", path: "/loans", summary: "List the loans of every partner, a page at a time; CSV or XLSX: every match", role: "viewer",
			query: loanListParams(), status: 200, response: "json+tables:LoanPage"},
		{method: "GET", path: "/loans/{id}", summary: "A loan as of a date: balances, arrears, schedule, transactions, XIRR", role: "viewer",
			query: []param{asOfQuery}, status: 200, response: "LoanDetail", etag: true},
		{method: "PATCH", path: "/loans/{id}", summary: "Change a loan's reference or purpose, or its terms before the first disbursement; with If-Match, only if it is still the version read",
			role: "manager", body: "LoanPatch", status: 200, response: "Loan", etag: true},
		{method: "POST", path: "/loans/{id}/cancel", summary: "Cancel a loan nothing was disbursed on: still listed, out of every total", role: "manager", body: "CancelInput", status: 200, response: "Loan"},
		{method: "GET", path: "/loans/{id}/owed", summary: "Everything owed on a date", role: "viewer",
			query: []param{q("date", "YYYY-MM-DD (default today)", dateSchema(""))}, status: 200, response: "Owed"},
		{method: "POST", path: "/loans/{id}/disbursements", summary: "Record a disbursement", role: "manager", body: "AmountEvent", status: 201, response: "Posted"},
		{method: "POST", path: "/loans/{id}/repayments", summary: "Record a repayment; the response shows its allocation", role: "manager", body: "AmountEvent", status: 201, response: "Posted"},
		{method: "POST", path: "/loans/{id}/writeoffs", summary: "Write principal off", role: "manager", body: "AmountEvent", status: 201, response: "Posted"},
		{method: "POST", path: "/loans/{id}/recoveries", summary: "Record cash collected on written-off principal (up to what was written off and not yet recovered)",
			role: "manager", body: "AmountEvent", status: 201, response: "Posted"},
		{method: "POST", path: "/loans/{id}/reschedule", summary: "Reschedule a loan", role: "manager", body: "RescheduleInput", status: 201, response: "Rescheduled"},
		{method: "POST", path: "/loans/{id}/amendments", role: "manager", body: "AmendmentInput", status: 201, response: "Amended",
			summary: "Amend a loan's terms from a date: cancel undisbursed commitment, change the rate, or reschedule; reversed as reschedulings are, the latest first"},
		{method: "POST", path: "/loans/{id}/transactions/{tid}/reverse", role: "manager", body: "ReverseInput", status: 201, response: "Reversed",
			summary: "Reverse a disbursement, repayment or write-off, or the latest rescheduling: the loan replays as if it never happened; both stay in its history"},
	}
}

// reportingOperations are the statements', documents', exposure's, rates' and
// administration's operations.
func reportingOperations() []operation {
	filters := []param{q("country", "", str("")), q("region", "UN M.49 code or English name", str("")),
		q("legal_status", "", str("")), q("methodology", "", str(""))}
	return []operation{
		{method: "GET", path: "/partners/{id}/statements", summary: "A partner's financial statements, oldest first", role: "viewer", status: 200, response: "items:Statement"},
		{method: "GET", path: "/partners/{id}/statements/{period_end}", summary: "A partner's statement for a period end", role: "viewer", status: 200, response: "Statement"},
		{method: "PUT", path: "/partners/{id}/statements/{period_end}", summary: "Store a partner's statement (201 new, 200 replaced or unchanged)", role: "manager",
			body: "StatementInput", status: 200, created: true, response: "Statement"},
		{method: "DELETE", path: "/partners/{id}/statements/{period_end}", summary: "Delete a statement", role: "manager", status: 204},
		{method: "GET", path: "/partners/{id}/kpis", summary: "Every period with its figures and ratios", role: "viewer", status: 200, response: "KPIs"},
		{method: "GET", path: "/peers", summary: "A peer group's distribution of every ratio, and one partner's place", role: "viewer",
			query: append([]param{q("period_end", "required: the month of the statements compared", dateSchema("")),
				q("partner_id", "", integer("")), q("currency", "for money per client (default USD)", str(""))}, filters...),
			status: 200, response: "PeerTable"},
		{method: "POST", path: "/statements/import", summary: "Import financial statements from CSV or XLSX: all rows or none; at most 100,000 rows, 200 columns, 32,767 characters a cell; two imports at once", role: "manager",
			query: []param{q("create_partners", "", boolean("")), q("ignore_unknown_columns", "", boolean("")), q("dry_run", "", boolean(""))},
			body:  "file", status: 200, response: "ImportResult"},
		{method: "GET", path: "/statements/export", summary: "Financial statements as CSV or XLSX", role: "viewer",
			query: append([]param{q("format", "csv (default) or xlsx", enum("", "csv", "xlsx")), q("period_end", "", dateSchema("")),
				q("partner_id", "", integer(""))}, filters...), status: 200, response: "csv"},
		{method: "GET", path: "/partners/{id}/profile.pdf", summary: "The partner profile (PDF)", role: "viewer",
			query: []param{langQuery, asOfQuery}, status: 200, response: "pdf"},
		{method: "GET", path: "/partners/{id}/factsheet.pdf", summary: "The newsletter fact sheet (PDF)", role: "viewer",
			query: []param{langQuery, q("from", "the earlier year (default the first with figures)", integer("")),
				q("to", "the later year (default the latest with figures)", integer(""))}, status: 200, response: "pdf"},
		{method: "GET", path: "/factsheets.zip", summary: "Fact sheets of the partners named, or of all, in a zip", role: "viewer",
			query: []param{langQuery, q("partner_id", "repeated, or comma-separated", str(""))}, status: 200, response: "zip"},
		{method: "GET", path: "/exposure", summary: "Exposure at a date, cut by country, region, partner, currency, legal status or fund", role: "viewer",
			query: []param{q("by", "the cut (default country)", enum("", "country", "region", "partner", "currency", "legal_status", "fund")), asOfQuery,
				q("currency", "default: the fund's base currency", str("")), q("fund_id", "", integer("")),
				q("format", "json (default), csv (or Accept: text/csv) or xlsx", enum("", "json", "csv", "xlsx"))},
			status: 200, response: "json+tables:Exposure"},
		{method: "GET", path: "/portfolio", summary: "The book at a date: totals, weighted rate and maturity, PAR30, aging, the next 12 months' dues", role: "viewer",
			query: []param{asOfQuery, q("currency", "", str("")), q("fund_id", "", integer(""))}, status: 200, response: "Portfolio"},
		{method: "GET", path: "/watchlist", role: "viewer", status: 200, response: "json+tables:WatchList",
			summary: "The watch list today: partners with an open covenant breach, an overdue report, a loan over 30 days past due, " +
				"a restructured loan or deteriorating figures, each reason with since when; the most serious and oldest first",
			query: []param{q("reason", "only this reason", enum("", "open_breach", "past_due_30", "overdue_report", "deterioration", "restructured")),
				q("country", "ISO code", str("")), q("format", "json (default), csv (or Accept: text/csv) or xlsx: one row per reason",
					enum("", "json", "csv", "xlsx"))}},
		{method: "GET", path: "/limits", summary: "Concentration limits", role: "viewer", status: 200, response: "Limits"},
		{method: "PUT", path: "/limits", summary: "Replace every concentration limit", role: "admin", body: "Limits", status: 200, response: "Limits"},
		{method: "GET", path: "/fx-rates", summary: "FX rates (units per US dollar)", role: "viewer",
			query: []param{q("currency", "", str("")), q("from", "", dateSchema("")), q("to", "", dateSchema(""))}, status: 200, response: "items:Rate"},
		{method: "PUT", path: "/fx-rates", summary: "Store FX rates, all or none: none dated after today, each currency once per date", role: "manager", body: "RatesInput", status: 200, response: "Stored"},
		{method: "GET", path: "/users", summary: "List users", role: "admin", status: 200, response: "items:User"},
		{method: "POST", path: "/users", summary: "Create a user, with a one-time password", role: "admin", body: "UserInput", status: 201, response: "UserCreated"},
		{method: "POST", path: "/users/{id}/password-reset", summary: "Give a user a new one-time password (in this response only) and end their sessions; not your own", role: "admin", status: 200, response: "UserCreated"},
		{method: "PATCH", path: "/users/{id}", summary: "Change a user (active: false shuts its tokens out)", role: "admin", body: "UserPatch", status: 200, response: "User"},
		{method: "GET", path: "/tokens", summary: "List API tokens", role: "admin", query: []param{q("user_id", "", integer(""))}, status: 200, response: "items:Token"},
		{method: "POST", path: "/tokens", summary: "Issue an API token (the secret is in this response only)", role: "admin", body: "TokenInput", status: 201, response: "TokenCreated"},
		{method: "DELETE", path: "/tokens/{id}", summary: "Revoke an API token", role: "admin", status: 204},
		{method: "GET", path: "/audit", summary: "The audit log, newest first", role: "admin",
			query: []param{q("entity", "", str("")), q("entity_id", "", str("")), q("user_id", "", integer("")), q("from", "", timestamp()),
				q("to", "", timestamp()), q("before_id", "for the next page", integer("")), q("limit", "", integer(""))},
			status: 200, response: "items:AuditEntry"},
	}
}

// Document builds the OpenAPI document.
func Document() map[string]any {
	comps := schemas()
	maps.Copy(comps, notifySchemas())
	maps.Copy(comps, covenantSchemas())
	comps["CovenantResults"] = items(ref("CovenantResult"))
	watchlistSchemas(comps)
	comps["RatesInput"] = closed([]string{"rates"}, map[string]schema{"rates": arrayOf(ref("Rate"))})
	comps["Stored"] = closed([]string{"stored"}, map[string]schema{"stored": integer("")})
	totals := closed([]string{"outstanding", "undisbursed", "overdue", "restructured", "partners", "loans"}, map[string]schema{
		"outstanding": decimalSchema("principal disbursed and not repaid or written off, converted at the date"),
		"undisbursed": decimalSchema("commitments still to draw on open loans"), "overdue": decimalSchema("principal fallen due and unpaid"),
		"restructured": decimalSchema("outstanding of restructured loans (a rescheduling moved overdue amounts): at risk, in par30, shown apart"),
		"partners":     integer(""), "loans": integer("")})
	limit := closed([]string{"dimension", "key", "max_share", "max_amount", "currency"}, map[string]schema{
		"dimension":  enum("", "country", "region", "partner", "currency", "legal_status", "fund"),
		"key":        str("ISO country or currency code, M.49 region code, partner or fund id, legal status"),
		"max_share":  nullable(decimalSchema("a fraction of the total outstanding, above 0 and at most 1")),
		"max_amount": nullable(decimalSchema("in currency (default: the first fund's base currency)")),
		"currency":   nullable(str(""))})
	comps["Limits"] = closed([]string{"limits"}, map[string]schema{"limits": arrayOf(limit)})
	comps["Exposure"] = closed([]string{"as_of", "currency", "by", "total", "groups"}, map[string]schema{
		"as_of": dateSchema(""), "currency": str(""), "by": str(""), "total": totals,
		"groups": arrayOf(closed([]string{"key", "label", "outstanding", "share", "undisbursed", "overdue", "par30", "restructured", "partners", "loans",
			"limit", "headroom", "breach"},
			map[string]schema{"key": str(""), "label": str(""), "outstanding": decimalSchema(""), "share": number("of the total outstanding"),
				"undisbursed": decimalSchema(""), "overdue": decimalSchema(""),
				"par30":        nullable(number("outstanding of loans over 30 days past due or restructured, over the group's outstanding")),
				"restructured": decimalSchema("outstanding of the group's restructured loans: in par30, shown apart"),
				"partners":     integer(""), "loans": integer(""),
				"limit": nullable(closed([]string{"max_share", "max_amount", "currency"}, map[string]schema{
					"max_share": nullable(decimalSchema("")), "max_amount": nullable(decimalSchema("")), "currency": nullable(str(""))})),
				"headroom": nullable(decimalSchema("what the group may still add before the tighter limit binds (under a share s: (s·total − outstanding)/(1 − s)); negative in breach: what it must shed")),
				"breach":   boolean("")}))})
	comps["Portfolio"] = closed([]string{"as_of", "currency", "total", "weighted_interest_rate", "weighted_remaining_years", "par30",
		"accrued_interest", "late_interest", "restructured", "aging", "maturity_ladder"},
		map[string]schema{"as_of": dateSchema(""), "currency": str(""), "total": totals,
			"accrued_interest":         decimalSchema("interest earned since each loan's last due date, not yet due: the month-end accrual"),
			"late_interest":            decimalSchema("interest on overdue principal, due at once and unpaid"),
			"restructured":             decimalSchema("outstanding of restructured loans: at risk (in par30), shown apart"),
			"weighted_interest_rate":   nullable(number("weighted by outstanding, a fraction")),
			"weighted_remaining_years": nullable(number("weighted by outstanding")), "par30": nullable(number("")),
			"aging": arrayOf(closed([]string{"bucket", "outstanding", "loans"}, map[string]schema{"bucket": str(""), "outstanding": decimalSchema(""), "loans": integer("")})),
			"maturity_ladder": arrayOf(closed([]string{"month", "principal", "interest"}, map[string]schema{"month": str("YYYY-MM"),
				"principal": decimalSchema("scheduled and unpaid"), "interest": decimalSchema("scheduled and unpaid")}))})
	comps["TokenInput"] = closed([]string{"email", "name"}, map[string]schema{"email": str("the user's"), "name": str("what the token is for")})
	paths := map[string]map[string]any{}
	for _, op := range withAliases(operations()) {
		item := paths[op.path]
		if item == nil {
			item = map[string]any{}
			paths[op.path] = item
		}
		item[strings.ToLower(op.method)] = op.document()
	}
	for path, item := range probePaths() {
		paths[path] = item
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{"title": "Cartera API", "version": "1",
			"description": "Loans of a social investment fund to microfinance institutions, the partners' figures and ratios, " +
				"and the documents built from them. Amounts are decimal strings; errors are application/problem+json (RFC 9457) " +
				"naming the field at fault. Reading needs a viewer's token, writing a manager's, administration an admin's."},
		"servers":  []map[string]any{{"url": "/api/v1"}},
		"security": []map[string]any{{"bearer": []string{}}},
		"paths":    paths,
		"components": map[string]any{
			"schemas": comps,
			"securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer",
				"description": "an API token: cartera token create, or POST /api/v1/tokens"}},
			"responses": map[string]any{"Problem": map[string]any{"description": "a problem (RFC 9457)",
				"content": map[string]any{"application/problem+json": map[string]any{"schema": ref("Problem")}}}},
		},
	}
}

func (op operation) document() map[string]any {
	doc := map[string]any{"summary": op.summary, "description": "Role: " + op.role + ".",
		"operationId": strings.ToLower(op.method) + strings.NewReplacer("/", "_", "{", "", "}", "", ".", "_", "-", "_").Replace(op.path)}
	if params := op.parameters(); len(params) > 0 {
		doc["parameters"] = params
	}
	if body := op.requestBody(); body != nil {
		doc["requestBody"] = body
	}
	doc["responses"] = op.responses()
	if op.deprecated {
		doc["deprecated"] = true
	}
	return doc
}

// parameters are the operation's path parameters, then its query parameters.
func (op operation) parameters() []map[string]any {
	var params []map[string]any
	for _, name := range pathParams(op.path) {
		s := integer("")
		if name == "period_end" {
			s = dateSchema("")
		}
		params = append(params, map[string]any{"name": name, "in": "path", "required": true, "schema": s})
	}
	for _, p := range op.query {
		params = append(params, map[string]any{"name": p.name, "in": "query", "description": p.desc, "schema": p.s})
	}
	if op.etag && op.method == "PATCH" {
		params = append(params, map[string]any{"name": "If-Match", "in": "header", "schema": str(""),
			"description": "the ETag read (or *): the change is applied only if the entity is still that version, else 412; without it the change is unconditional"})
	}
	return params
}

// spreadsheet is an XLSX file's media type and schema.
var spreadsheet = map[string]any{"schema": schema{"type": "string", "contentMediaType": "application/octet-stream"}}

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// requestBody is what the operation takes: a JSON object, a file, or nothing (nil).
func (op operation) requestBody() map[string]any {
	switch op.body {
	case "":
		return nil
	case "file":
		return map[string]any{"required": true, "content": map[string]any{
			"text/csv":            map[string]any{"schema": schema{"type": "string"}},
			xlsxType:              spreadsheet,
			"multipart/form-data": map[string]any{"schema": closed([]string{"file"}, map[string]schema{"file": schema{"type": "string", "contentMediaType": "application/octet-stream"}})},
		}}
	}
	return map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": ref(op.body)}}}
}

// successContent is what the operation answers when it succeeds (nil: no body).
func (op operation) successContent() map[string]any {
	binary := func(mediaType string) map[string]any {
		return map[string]any{mediaType: map[string]any{"schema": schema{"type": "string", "contentMediaType": mediaType}}}
	}
	switch {
	case op.response == "":
		return nil
	case op.response == "pdf":
		return binary("application/pdf")
	case op.response == "zip":
		return binary("application/zip")
	case op.response == "csv":
		return map[string]any{"text/csv": map[string]any{"schema": schema{"type": "string"}}, xlsxType: spreadsheet}
	case strings.HasPrefix(op.response, "json+tables:"):
		return map[string]any{
			"application/json": map[string]any{"schema": ref(strings.TrimPrefix(op.response, "json+tables:"))},
			"text/csv":         map[string]any{"schema": schema{"type": "string"}},
			xlsxType:           spreadsheet}
	case strings.HasPrefix(op.response, "items:"):
		return map[string]any{"application/json": map[string]any{"schema": items(ref(strings.TrimPrefix(op.response, "items:")))}}
	}
	return map[string]any{"application/json": map[string]any{"schema": ref(op.response)}}
}

// responses are the operation's success and the problems it may answer with.
func (op operation) responses() map[string]any {
	responses := map[string]any{}
	success := map[string]any{"description": http.StatusText(op.status)}
	if content := op.successContent(); content != nil {
		success["content"] = content
	}
	if op.etag {
		success["headers"] = map[string]any{"ETag": map[string]any{"description": "the stored version, for If-Match", "schema": str("")}}
	}
	responses[itoa(op.status)] = success
	if op.etag && op.method == "PATCH" {
		responses["412"] = map[string]any{"$ref": "#/components/responses/Problem"}
	}
	if op.created {
		responses["201"] = map[string]any{"description": "Created", "content": success["content"]}
	}
	problem := map[string]any{"$ref": "#/components/responses/Problem"}
	responses["401"] = problem
	if op.role != "viewer" || op.method != "GET" {
		responses["403"] = problem
	}
	if len(pathParams(op.path)) > 0 {
		responses["404"] = problem
	}
	if op.body != "" || len(op.query) > 0 {
		responses["422"] = problem
	}
	if op.method != "GET" {
		responses["409"] = problem
	}
	if op.body == "file" {
		responses["429"] = map[string]any{"description": "two imports are already running: nothing was imported; send it again after Retry-After",
			"headers": map[string]any{"Retry-After": map[string]any{"description": "seconds to wait", "schema": schema{"type": "integer"}}},
			"content": map[string]any{ProblemContentType: map[string]any{"schema": ref("Problem")}}}
	}
	responses["500"] = problem
	return responses
}

func pathParams(path string) []string {
	var out []string
	for _, part := range strings.Split(path, "/") {
		if strings.HasPrefix(part, "{") && strings.HasSuffix(part, "}") {
			out = append(out, part[1:len(part)-1])
		}
	}
	return out
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

var openAPIJSON = sync.OnceValues(func() ([]byte, error) { return json.MarshalIndent(Document(), "", "  ") })

// openAPI serves the document; no token is needed to read how the API works.
func openAPI(c *fiber.Ctx) error {
	b, err := openAPIJSON()
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/json")
	return c.Send(b)
}

// withAliases adds, after each statements operation, its deprecated alias under the
// /reports path it had before issue 15 (legacyPath; the routes register the same).
func withAliases(ops []operation) []operation {
	out := make([]operation, 0, len(ops)+6)
	for _, op := range ops {
		out = append(out, op)
		if old := legacyPath(op.path); old != op.path {
			alias := op
			alias.path, alias.deprecated = old, true
			alias.summary = "Deprecated alias of " + op.path + ": " + op.summary
			out = append(out, alias)
		}
	}
	return out
}

// dayCountNames are the conventions a loan answers with (loan.DayCounts).
func dayCountNames() []string {
	names := make([]string, len(loan.DayCounts))
	for i, dc := range loan.DayCounts {
		names[i] = string(dc)
	}
	return names
}

func dayCountSchema() schema { return enum("", dayCountNames()...) }

// without is props but the names given.
func without(props map[string]schema, names ...string) map[string]schema {
	out := map[string]schema{}
	for k, v := range props {
		if !slices.Contains(names, k) {
			out[k] = v
		}
	}
	return out
}

// watchlistSchemas adds the watch list's schemas.
func watchlistSchemas(comps map[string]schema) {
	reason := closed([]string{"reason", "since", "detail"}, map[string]schema{
		"reason": enum("", "open_breach", "past_due_30", "overdue_report", "deterioration", "restructured"),
		"since": dateSchema("open_breach: the day found; overdue_report: the oldest period's due date; past_due_30: the day the loan " +
			"passed 30 days past due; restructured: the rescheduling; deterioration: the latest period (PAR30) or the run's first (self-sufficiency)"),
		"detail":        str("what is wrong, in one line"),
		"breach_id":     integer("open_breach"),
		"covenant_id":   integer("open_breach"),
		"loan_id":       integer("past_due_30, restructured; open_breach on a loan's covenant"),
		"reference":     str("past_due_30, restructured: the loan's"),
		"metric":        str("open_breach, deterioration (par30_ratio, operational_self_sufficiency)"),
		"operator":      str("open_breach"),
		"period_end":    dateSchema("open_breach: the period breached; deterioration: the latest period"),
		"value":         decimalSchema("open_breach"),
		"threshold":     decimalSchema("open_breach"),
		"cure_by":       dateSchema("open_breach"),
		"uncured":       boolean("open_breach: still open past cure_by"),
		"days_past_due": integer("past_due_30"),
		"periods": arrayOf(closed([]string{"period_end", "due_on"}, map[string]schema{"period_end": dateSchema(""),
			"due_on": dateSchema("")})),
		"values": arrayOf(decimalSchema("deterioration: the three PAR30 ratios, oldest first, or the latest self-sufficiency")),
	})
	comps["WatchList"] = closed([]string{"as_of", "items"}, map[string]schema{"as_of": dateSchema(""),
		"items": arrayOf(closed([]string{"partner_id", "name", "country", "country_name", "reasons"}, map[string]schema{
			"partner_id": integer(""), "name": str(""), "country": str(""), "country_name": str(""), "reasons": arrayOf(reason)}))})
}
