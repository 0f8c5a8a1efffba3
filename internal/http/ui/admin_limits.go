package ui

import (
	"cartera/internal/exposure"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/govalues/decimal"
)

// The admin page of exposure limits: shares typed as percents, amounts in a currency.

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
