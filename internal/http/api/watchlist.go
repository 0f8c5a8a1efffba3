package api

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"cartera/internal/http/edge"
	"cartera/internal/partner"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/civil"
	"cartera/internal/watchlist"
)

// watchReasonJSON is one reason a partner is watched; the members after detail are
// those of its kind (absent otherwise).
type watchReasonJSON struct {
	Reason      string     `json:"reason"`
	Since       string     `json:"since"`
	Detail      string     `json:"detail"`
	BreachID    int64      `json:"breach_id,omitempty"`
	CovenantID  int64      `json:"covenant_id,omitempty"`
	LoanID      int64      `json:"loan_id,omitempty"`
	Reference   string     `json:"reference,omitempty"`
	Metric      string     `json:"metric,omitempty"`
	Operator    string     `json:"operator,omitempty"`
	PeriodEnd   string     `json:"period_end,omitempty"`
	Value       *string    `json:"value,omitempty"`
	Threshold   *string    `json:"threshold,omitempty"`
	CureBy      string     `json:"cure_by,omitempty"`
	Uncured     *bool      `json:"uncured,omitempty"`
	DaysPastDue int        `json:"days_past_due,omitempty"`
	Periods     []lateJSON `json:"periods,omitempty"`
	Values      []string   `json:"values,omitempty"`
}

type lateJSON struct {
	PeriodEnd string `json:"period_end"`
	DueOn     string `json:"due_on"`
}

type watchEntryJSON struct {
	PartnerID   int64             `json:"partner_id"`
	Name        string            `json:"name"`
	Country     string            `json:"country"`
	CountryName string            `json:"country_name"`
	Reasons     []watchReasonJSON `json:"reasons"`
}

func toWatchReasonJSON(it watchlist.Item) watchReasonJSON {
	out := watchReasonJSON{Reason: string(it.Reason), Since: civil.Format(it.Since), Detail: it.Detail, BreachID: it.BreachID,
		CovenantID: it.CovenantID, LoanID: it.LoanID, Reference: it.Reference, Metric: it.Metric, Operator: it.Operator,
		DaysPastDue: it.DaysPastDue, Value: optDecimalString(it.Value), Threshold: optDecimalString(it.Threshold)}
	if it.PeriodEnd != nil {
		out.PeriodEnd = civil.Format(*it.PeriodEnd)
	}
	if it.CureBy != nil {
		out.CureBy = civil.Format(*it.CureBy)
		uncured := it.Uncured
		out.Uncured = &uncured
	}
	for _, l := range it.Late {
		out.Periods = append(out.Periods, lateJSON{PeriodEnd: civil.Format(l.PeriodEnd), DueOn: civil.Format(l.DueOn)})
	}
	for _, v := range it.Values {
		out.Values = append(out.Values, v.String())
	}
	return out
}

// watchList is GET /watchlist: JSON, CSV or XLSX, filtered by reason and country.
func (h *handlers) watchList(c *fiber.Ctx) error {
	var bad apperr.Fields
	var f watchlist.Filter
	if r := strings.TrimSpace(c.Query("reason")); r != "" {
		reason, err := watchlist.ParseReason(r)
		if err != nil {
			bad.Add("reason", "must be one of open_breach, past_due_30, overdue_report, deterioration, restructured")
		}
		f.Reason = reason
	}
	f.Country = strings.ToUpper(strings.TrimSpace(c.Query("country")))
	if f.Country != "" && !partner.IsCountryCode(f.Country) {
		bad.Add("country", "must be an ISO 3166-1 alpha-2 country code")
	}
	format := tableFormat(c, &bad)
	if err := bad.Err(); err != nil {
		return err
	}
	l, err := h.watchlist.List(c.UserContext(), f)
	if err != nil {
		return err
	}
	if format != "json" {
		d, err := watchlist.Export(l, format)
		if err != nil {
			return err
		}
		return edge.SendFile(c, d.ContentType, d.FileName, d.Body)
	}
	items := make([]watchEntryJSON, len(l.Entries))
	for i, e := range l.Entries {
		items[i] = watchEntryJSON{PartnerID: e.PartnerID, Name: e.Name, Country: e.Country, CountryName: countryName(e.Country),
			Reasons: make([]watchReasonJSON, len(e.Reasons))}
		for j, it := range e.Reasons {
			items[i].Reasons[j] = toWatchReasonJSON(it)
		}
	}
	return c.JSON(fiber.Map{"as_of": civil.Format(l.AsOf), "items": items})
}
