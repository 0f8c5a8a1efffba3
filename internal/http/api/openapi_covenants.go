package api

import (
	"cartera/internal/covenant"
)

// covenantSchemas are the covenants', results', breaches' and waivers' schemas.
func covenantSchemas() map[string]schema {
	metrics := []string{}
	for _, m := range covenant.Metrics() {
		metrics = append(metrics, m.Name)
	}
	operators := enum("", "<=", ">=", "<", ">")
	frequencies := enum("each_report tests every stored period; the others calendar period ends", "each_report", "quarterly", "semiannual", "annual")
	cov := map[string]schema{
		"id": integer(""), "partner_id": integer(""), "partner_name": str(""), "loan_id": nullable(integer("null: on the partner, all its loans")),
		"loan_reference": str(""), "metric": enum("", metrics...), "operator": operators,
		"threshold":      decimalSchema("exact, as compared: a share or a fraction as a decimal (0.05 is 5 %)"),
		"threshold_text": str("the threshold as people read it: \"5 %\""), "currency": str("a Money metric's threshold currency"),
		"from": dateSchema(""), "to": nullable(dateSchema("")), "frequency": frequencies, "cure_days": integer(""),
		"created_at": timestamp(), "updated_at": timestamp(), "ended_at": nullable(timestamp()),
	}
	waiver := map[string]schema{
		"id": integer(""), "breach_id": integer(""), "reason": str(""), "expires_on": dateSchema(""), "requested_by": integer(""),
		"requested_by_email": str(""), "requested_at": timestamp(), "decision": enum("empty while pending", "", "approved", "rejected"),
		"decided_by": nullable(integer("")), "decided_by_email": str(""), "decided_at": nullable(timestamp()),
		"lapsed_at": nullable(timestamp()), // set: approved, no longer applies (its breach withdrawn or reopened, or its terms changed)
	}
	return map[string]schema{
		"Covenant": closed([]string{"id", "partner_id", "loan_id", "metric", "operator", "threshold", "from", "to", "frequency", "cure_days"}, cov),
		"CovenantInput": closed(nil, map[string]schema{
			"metric": enum("any ratio of the ratio engine or any raw figure", metrics...), "operator": operators,
			"threshold": str("as people write it: \"5 %\", \"0.05\", \"110%\"; a bare number above 1 for a share is refused as ambiguous"),
			"currency":  str("required for an amount (a Money metric), refused otherwise"), "from": dateSchema(""), "to": nullable(dateSchema("")),
			"frequency": frequencies, "cure_days": integer("days after a breach is found to cure it (default 0)")}),
		"CovenantResult": closed([]string{"covenant_id", "partner_id", "period_end", "status", "value", "threshold"}, map[string]schema{
			"covenant_id": integer(""), "partner_id": integer(""), "partner_name": str(""), "loan_id": nullable(integer("")),
			"loan_reference": str(""), "metric": str(""), "operator": operators, "currency": str("an amount covenant's threshold currency"),
			"period_currency": str("the period's reporting currency, of value and threshold (empty: the period was not reported)"),
			"period_end":      dateSchema(""),
			"status":          enum("waived: breached, and its breach is waived today", "met", "breached", "waived", "not_testable"),
			"value":           nullable(decimalSchema("")),
			"threshold":       decimalSchema("in the period's currency, as compared (an amount's converted at the period end; not testable for want of a rate: in currency)"),
			"missing":         str("when not testable: what is missing"), "found_at": timestamp(), "breach_id": integer("")}),
		"Breach": closed([]string{"id", "covenant_id", "partner_id", "period_end", "value", "threshold", "found_at", "cure_by", "status", "uncured", "waivers"},
			map[string]schema{
				"id": integer(""), "covenant_id": integer(""), "partner_id": integer(""), "partner_name": str(""), "loan_id": nullable(integer("")),
				"loan_reference": str(""), "metric": str(""), "operator": operators, "currency": str(""), "period_end": dateSchema("the period that opened it"),
				"value": decimalSchema(""), "threshold": decimalSchema(""), "found_at": timestamp(), "cure_by": dateSchema("found + cure days"),
				"closed_by_period": nullable(dateSchema("")), "closed_at": nullable(timestamp()),
				"withdrawn_at": nullable(timestamp()), "reopened": integer("how many times it was opened again"),
				"reopened_at": nullable(timestamp()), // when it was last opened again: a waiver requested before is not approved
				"status":      enum("closed also when withdrawn (a correction showed the period met, or its covenant ended) or its loan cancelled", "open", "waived", "closed"),
				"uncured":     boolean("open past its cure deadline"), "waivers": arrayOf(ref("Waiver"))}),
		"Waiver":      closed([]string{"id", "breach_id", "reason", "expires_on", "requested_by", "decision"}, waiver),
		"WaiverInput": closed([]string{"reason", "expires_on"}, map[string]schema{"reason": str(""), "expires_on": dateSchema("after today")}),
	}
}

// covenantOperations are the covenants' routes.
func covenantOperations() []operation {
	results := []param{q("partner_id", "", integer("")), q("status", "", enum("", "met", "breached", "waived", "not_testable")),
		q("from", "period ends from", dateSchema("")), q("to", "period ends through", dateSchema("")),
		q("format", "json (default), csv (or Accept: text/csv) or xlsx", enum("", "json", "csv", "xlsx"))}
	return []operation{
		{method: "GET", path: "/partners/{id}/covenants", summary: "A partner's covenants and its loans'", role: "viewer", status: 200, response: "items:Covenant"},
		{method: "POST", path: "/partners/{id}/covenants", summary: "Set a covenant on a partner (all its loans); evaluated at once on every period from `from`", role: "manager",
			body: "CovenantInput", status: 201, response: "Covenant"},
		{method: "GET", path: "/loans/{id}/covenants", summary: "A loan's covenants", role: "viewer", status: 200, response: "items:Covenant"},
		{method: "POST", path: "/loans/{id}/covenants", summary: "Set a covenant on a loan (not a cancelled one)", role: "manager",
			body: "CovenantInput", status: 201, response: "Covenant"},
		{method: "GET", path: "/covenants/{id}", summary: "A covenant", role: "viewer", status: 200, response: "Covenant"},
		{method: "PATCH", path: "/covenants/{id}", summary: "Change a covenant; every period from `from` is evaluated again", role: "manager",
			body: "CovenantInput", status: 200, response: "Covenant"},
		{method: "DELETE", path: "/covenants/{id}", summary: "End a covenant: tested no more, its history stays", role: "manager", status: 204},
		{method: "GET", path: "/covenant-results", summary: "Covenant results per period (CSV, XLSX)", role: "viewer", query: results, status: 200,
			response: "json+tables:CovenantResults"},
		{method: "GET", path: "/breaches", summary: "Covenant breaches, latest found first", role: "viewer",
			query: []param{q("partner_id", "", integer("")), q("status", "", enum("", "open", "waived", "closed"))}, status: 200, response: "items:Breach"},
		{method: "GET", path: "/breaches/{id}", summary: "A breach with its waivers", role: "viewer", status: 200, response: "Breach"},
		{method: "POST", path: "/breaches/{id}/waiver", summary: "Request a waiver of a breach (a second person decides)", role: "manager",
			body: "WaiverInput", status: 201, response: "Waiver"},
		{method: "POST", path: "/breaches/{id}/waiver/approve", summary: "Approve the pending waiver: an admin who did not request it", role: "admin", status: 200, response: "Waiver"},
		{method: "POST", path: "/breaches/{id}/waiver/reject", summary: "Reject the pending waiver: an admin who did not request it", role: "admin", status: 200, response: "Waiver"},
	}
}
