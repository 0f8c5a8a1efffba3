package api

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/govalues/decimal"

	"cartera/internal/exposure"
	"cartera/internal/http/edge"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/money"
)

type limitJSON struct {
	MaxShare  *string `json:"max_share"`
	MaxAmount *string `json:"max_amount"`
	Currency  *string `json:"currency"`
}

type totalsJSON struct {
	Outstanding  string `json:"outstanding"`
	Undisbursed  string `json:"undisbursed"`
	Overdue      string `json:"overdue"`
	Restructured string `json:"restructured"`
	Partners     int    `json:"partners"`
	Loans        int    `json:"loans"`
}

type groupJSON struct {
	Key          string     `json:"key"`
	Label        string     `json:"label"`
	Outstanding  string     `json:"outstanding"`
	Share        float64    `json:"share"`
	Undisbursed  string     `json:"undisbursed"`
	Overdue      string     `json:"overdue"`
	PAR30        *float64   `json:"par30"`
	Restructured string     `json:"restructured"`
	Partners     int        `json:"partners"`
	Loans        int        `json:"loans"`
	Limit        *limitJSON `json:"limit"`
	Headroom     *string    `json:"headroom"`
	Breach       bool       `json:"breach"`
}

func optDecimalString(d *decimal.Decimal) *string {
	if d == nil {
		return nil
	}
	s := d.String()
	return &s
}

func toTotalsJSON(t exposure.Totals) totalsJSON {
	return totalsJSON{Outstanding: t.Outstanding.String(), Undisbursed: t.Undisbursed.String(), Overdue: t.Overdue.String(),
		Restructured: t.Restructured.String(), Partners: t.Partners, Loans: t.Loans}
}

// exposureQuery reads the parameters the exposure and portfolio share.
func (h *handlers) exposureQuery(c *fiber.Ctx, bad *apperr.Fields) exposure.Query {
	var q exposure.Query
	asOf, err := edge.Date(c, "as_of", h.clock.Today())
	if e, ok := apperr.As(err); ok {
		*bad = append(*bad, e.Fields...)
	}
	q.AsOf = asOf
	q.Currency = currencyParam(c, "currency", bad)
	q.FundID = optionalID(c, "fund_id", bad)
	return q
}

func (h *handlers) exposure(c *fiber.Ctx) error {
	var bad apperr.Fields
	q := h.exposureQuery(c, &bad)
	by, err := exposure.ParseDimension(c.Query("by", "country"))
	if err != nil {
		bad.Add("by", "%v", err)
	}
	q.By = by
	format := tableFormat(c, &bad)
	if err := bad.Err(); err != nil {
		return err
	}
	r, err := h.exposures.Exposure(c.UserContext(), q)
	if err != nil {
		return err
	}
	if format != "json" {
		d, err := exposure.Export(r, format)
		if err != nil {
			return err
		}
		return edge.SendFile(c, d.ContentType, d.FileName, d.Body)
	}
	groups := make([]groupJSON, len(r.Groups))
	for i, g := range r.Groups {
		gj := groupJSON{Key: g.Key, Label: g.Label, Outstanding: g.Outstanding.String(), Share: g.Share,
			Undisbursed: g.Undisbursed.String(), Overdue: g.Overdue.String(), PAR30: g.PAR30, Restructured: g.Restructured.String(),
			Partners: g.Partners, Loans: g.Loans,
			Headroom: optDecimalString(g.Headroom), Breach: g.Breach}
		if g.Limit != nil {
			gj.Limit = &limitJSON{MaxShare: optDecimalString(g.Limit.MaxShare), MaxAmount: optDecimalString(g.Limit.MaxAmount), Currency: g.Limit.Currency}
		}
		groups[i] = gj
	}
	return c.JSON(fiber.Map{"as_of": dateString(r.AsOf), "currency": r.Currency, "by": r.By, "total": toTotalsJSON(r.Total), "groups": groups})
}

func (h *handlers) portfolio(c *fiber.Ctx) error {
	var bad apperr.Fields
	q := h.exposureQuery(c, &bad)
	if err := bad.Err(); err != nil {
		return err
	}
	p, err := h.exposures.Portfolio(c.UserContext(), q.AsOf, q.Currency, q.FundID)
	if err != nil {
		return err
	}
	aging := make([]fiber.Map, len(p.Aging))
	for i, b := range p.Aging {
		aging[i] = fiber.Map{"bucket": b.Name, "outstanding": b.Outstanding.String(), "loans": b.Loans}
	}
	ladder := make([]fiber.Map, len(p.Ladder))
	for i, m := range p.Ladder {
		ladder[i] = fiber.Map{"month": m.Month.Format("2006-01"), "principal": m.Principal.String(), "interest": m.Interest.String()}
	}
	return c.JSON(fiber.Map{"as_of": dateString(p.AsOf), "currency": p.Currency, "total": toTotalsJSON(p.Totals),
		"weighted_interest_rate": p.WeightedRate, "weighted_remaining_years": p.WeightedMaturityYears, "par30": p.PAR30,
		"accrued_interest": p.AccruedInterest.String(), "late_interest": p.LateInterest.String(), "restructured": p.Restructured.String(),
		"aging": aging, "maturity_ladder": ladder})
}

func toLimitsJSON(ls []exposure.Limit) []fiber.Map {
	out := make([]fiber.Map, len(ls))
	for i, l := range ls {
		out[i] = fiber.Map{"dimension": l.Dimension, "key": l.Key, "max_share": optDecimalString(l.MaxShare),
			"max_amount": optDecimalString(l.MaxAmount), "currency": l.Currency}
	}
	return out
}

func (h *handlers) listLimits(c *fiber.Ctx) error {
	ls, err := h.exposures.Limits(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"limits": toLimitsJSON(ls)})
}

// putLimits replaces the whole set: {"limits":[{dimension, key, max_share, max_amount, currency}]}.
func (h *handlers) putLimits(c *fiber.Ctx) error {
	o, err := decodeObject(c)
	if err != nil {
		return err
	}
	var rows []map[string]any
	o.require("limits")
	o.get("limits", &rows, "a list of {dimension, key, max_share, max_amount, currency}")
	if err := o.done(); err != nil {
		return err
	}
	var bad apperr.Fields
	limits := make([]exposure.Limit, len(rows))
	for i, row := range rows {
		limits[i] = readLimitRow(i, row, &bad)
	}
	// The service's rules too, on the fields that could be read: every problem at once.
	if err := h.exposures.CheckLimits(c.UserContext(), limits); err != nil {
		e, ok := apperr.As(err)
		if !ok {
			return err
		}
		bad = appendUnreported(bad, e.Fields)
	}
	if err := bad.Err(); err != nil {
		return err
	}
	stored, err := h.exposures.PutLimits(c.UserContext(), actor(c), limits)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"limits": toLimitsJSON(stored)})
}

// readLimitRow reads limits[i] of a PUT, adding its problems to bad.
func readLimitRow(i int, row map[string]any, bad *apperr.Fields) exposure.Limit {
	field := func(n string) string { return "limits[" + strconv.Itoa(i) + "]." + n }
	for k := range row {
		switch k {
		case "dimension", "key", "max_share", "max_amount", "currency":
		default:
			bad.Add(field(k), "is not a known field")
		}
	}
	// Amounts and shares come as decimal strings, as everywhere in the API: a JSON
	// number would pass through float64 on the way.
	text := func(name string) string {
		switch v := row[name].(type) {
		case string:
			return v
		case nil:
			return ""
		}
		bad.Add(field(name), "must be a string (amounts and shares as decimal strings such as \"0.25\")")
		return ""
	}
	number := func(name string) *decimal.Decimal {
		s := text(name)
		if s == "" {
			return nil
		}
		d, err := money.ParseAmount(s)
		if err != nil {
			bad.Add(field(name), "must be a decimal such as \"0.25\" or \"5000000\"")
			return nil
		}
		return &d
	}
	var l exposure.Limit
	l.Dimension = exposure.Dimension(text("dimension"))
	l.Key = text("key")
	l.MaxShare, l.MaxAmount = number("max_share"), number("max_amount")
	if cur := text("currency"); cur != "" {
		l.Currency = &cur
	}
	return l
}

// appendUnreported appends the service's problems to those the reading reported.
func appendUnreported(bad apperr.Fields, service []apperr.FieldError) apperr.Fields {
	// Skip what the reading already reported, and "set max_share or max_amount" for
	// a row whose limit could not be read.
	seen := map[string]bool{}
	for _, f := range bad {
		seen[f.Field] = true
		if i := strings.Index(f.Field, ".max_"); i > 0 {
			seen[f.Field[:i]+".max_share"] = true
		}
	}
	for _, f := range service {
		if !seen[f.Field] {
			bad = append(bad, f)
		}
	}
	return bad
}

// tableFormat is the format a table is asked in: ?format=json, csv or xlsx, or CSV when
// the Accept header asks for it; JSON by default.
func tableFormat(c *fiber.Ctx, bad *apperr.Fields) string {
	format := strings.ToLower(c.Query("format"))
	if format == "" {
		format = "json"
		if strings.Contains(c.Get(fiber.HeaderAccept), "text/csv") {
			format = "csv"
		}
	}
	if format != "json" && format != "csv" && format != "xlsx" {
		bad.Add("format", "must be json, csv or xlsx")
	}
	return format
}
