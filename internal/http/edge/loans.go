package edge

import (
	"slices"
	"strconv"
	"strings"

	"cartera/internal/ledger"
	"cartera/internal/loan"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/money"
)

// LoanListParams are the loans list's filters, sort and cursor, as the API and the
// page name them (and as the page's download links carry them).
var LoanListParams = []string{"fund_id", "partner_id", "status", "currency", "overdue", "restructured", "maturing_within", "q", "sort", "next"}

// MaxMaturingWithin bounds maturing_within: a century of days is any maturity.
const MaxMaturingWithin = 36500

var loanStatuses = []loan.Status{loan.Pipeline, loan.Active, loan.Repaid, loan.WrittenOff, loan.Cancelled}

// LoanListQuery reads the loans list's parameters from get (a query or a form),
// adding a message per mistake to bad; a mistaken value is left out of the query.
// The limit is the caller's.
func LoanListQuery(get func(string) string, bad *apperr.Fields) ledger.ListQuery {
	var q ledger.ListQuery
	q.FundID = QueryID(get, "fund_id", bad)
	q.PartnerID = QueryID(get, "partner_id", bad)
	q.Statuses = loanListStatuses(get("status"), bad)
	if s := strings.TrimSpace(get("currency")); s != "" {
		if c, err := money.ParseCurrency(strings.ToUpper(s)); err != nil {
			bad.Add("currency", "%v", err)
		} else {
			q.Currency = c.Code
		}
	}
	q.Overdue = loanListFlag(get, "overdue", bad)
	q.Restructured = loanListFlag(get, "restructured", bad)
	if s := strings.TrimSpace(get("maturing_within")); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > MaxMaturingWithin {
			bad.Add("maturing_within", "must be a number of days from 0 to %d", MaxMaturingWithin)
		} else {
			q.MaturingWithin = &n
		}
	}
	q.Query = strings.TrimSpace(get("q"))
	if len(q.Query) > 200 {
		bad.Add("q", "must be at most 200 characters")
		q.Query = ""
	}
	sort, err := ledger.ParseSort(strings.TrimSpace(get("sort")))
	if err != nil {
		bad.Add("sort", "%v", err)
	}
	q.Sort = sort
	q.Next = strings.TrimSpace(get("next"))
	return q
}

// QueryID reads an optional id parameter by get: nil when absent, a problem on bad
// when it is not a positive whole number.
func QueryID(get func(string) string, name string, bad *apperr.Fields) *int64 {
	s := strings.TrimSpace(get(name))
	if s == "" {
		return nil
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		bad.Add(name, "must be an id (a positive whole number)")
		return nil
	}
	return &id
}

// loanListStatuses reads one status or several separated by commas.
func loanListStatuses(s string, bad *apperr.Fields) []loan.Status {
	var out []loan.Status
	for _, part := range strings.Split(s, ",") {
		st := loan.Status(strings.ToLower(strings.TrimSpace(part)))
		switch {
		case st == "":
		case !slices.Contains(loanStatuses, st):
			bad.Add("status", "%q is not a status: one or more of pipeline, active, repaid, written_off, cancelled, separated by commas", part)
			return nil
		default:
			out = append(out, st)
		}
	}
	return out
}

// loanListFlag reads a yes-or-no filter: true (1, yes, on: a checkbox) or false.
func loanListFlag(get func(string) string, name string, bad *apperr.Fields) bool {
	switch strings.ToLower(strings.TrimSpace(get(name))) {
	case "", "false", "0", "no":
		return false
	case "true", "1", "yes", "on":
		return true
	}
	bad.Add(name, "must be true or false")
	return false
}
