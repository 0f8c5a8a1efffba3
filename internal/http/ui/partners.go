package ui

// The partners list: search, filters, sort and pages of 100.

import (
	"cartera/internal/exposure"
	"cartera/internal/partner"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/govalues/decimal"
)

// partnerRow is a line of the partners list.
type partnerRow struct {
	partner.Ref
	CountryName string
	Outstanding decimal.Decimal // in the fund's currency, from the loan book
	Overdue     decimal.Decimal
	Loans       int
	lowerName   string // the name sort's key (lowering both names in each comparison was most of the sort)
}

// partnersPerPage keeps a large book's list light (2,000 rows weighed 460 KB).
const partnersPerPage = 100

type partnersList struct {
	Rows      []partnerRow // this page's
	Matching  int
	Pager     pager
	Countries []Option
	Statuses  []Option
	Sort      string
	Currency  string
	Total     int
}

var partnerSorts = map[string]func(a, b partnerRow) int{
	"name":        func(a, b partnerRow) int { return strings.Compare(a.lowerName, b.lowerName) },
	"country":     func(a, b partnerRow) int { return strings.Compare(a.CountryName, b.CountryName) },
	"outstanding": func(a, b partnerRow) int { return b.Outstanding.Cmp(a.Outstanding) },
	"overdue":     func(a, b partnerRow) int { return b.Overdue.Cmp(a.Overdue) },
}

func (h *handlers) listPartners(c *fiber.Ctx) error {
	p := h.page(c, "Partners", "partners")
	for _, k := range []string{"q", "country", "legal_status", "overdue", "watch", "sort"} {
		p.Form[k] = strings.TrimSpace(c.Query(k))
	}
	p.Form["country"] = strings.ToUpper(p.Form["country"])
	f := partner.Filter{Query: p.Form["q"], Country: p.Form["country"], LegalStatus: partner.LegalStatus(p.Form["legal_status"])}
	if f.Country != "" && !partner.IsCountryCode(f.Country) {
		p.Errors["country"] = "must be an ISO 3166-1 alpha-2 country code"
		f.Country = ""
	}
	if f.LegalStatus != "" && !slices.Contains(partner.LegalStatuses, f.LegalStatus) {
		p.Errors["legal_status"] = "unknown legal status"
		f.LegalStatus = ""
	}
	// What the list shows of a partner is in its Ref (reading every partner whole, twice,
	// was a fifth of the page on the large book).
	all, err := h.Partners.Refs(c.UserContext(), partner.Filter{})
	if err != nil {
		return err
	}
	matching := all
	if f != (partner.Filter{}) {
		if matching, err = h.Partners.Refs(c.UserContext(), f); err != nil {
			return err
		}
	}
	// The amounts are the exposure by partner: the same figures, in the same currency.
	book, problem, err := h.exposureOrProblem(c, exposure.Query{By: exposure.ByPartner, AsOf: h.today()})
	if err != nil {
		return err
	}
	p.Problem = problem
	var watched map[int64]bool
	if p.Form["watch"] == "yes" {
		if watched, err = h.Watchlist.Partners(c.UserContext()); err != nil {
			return err
		}
	}
	byPartner := map[string]*exposure.Group{}
	for i := range book.Groups {
		byPartner[book.Groups[i].Key] = &book.Groups[i]
	}
	data := partnersList{Sort: p.Form["sort"], Total: len(all), Currency: book.Currency}
	for _, pt := range matching {
		row := partnerRow{Ref: pt, CountryName: partner.CountryName(pt.Country), lowerName: strings.ToLower(pt.Name)}
		if g := byPartner[strconv.FormatInt(pt.ID, 10)]; g != nil {
			row.Outstanding, row.Overdue, row.Loans = g.Outstanding, g.Overdue, g.Loans
		}
		if p.Form["overdue"] == "yes" && row.Overdue.IsZero() || watched != nil && !watched[pt.ID] {
			continue
		}
		data.Rows = append(data.Rows, row)
	}
	sortBy, ok := partnerSorts[data.Sort]
	if !ok {
		data.Sort = "name"
		sortBy = partnerSorts["name"]
	}
	slices.SortStableFunc(data.Rows, sortBy)
	data.Matching = len(data.Rows)
	data.Pager = newPager(c, len(data.Rows), partnersPerPage)
	data.Rows = data.Rows[data.Pager.From:data.Pager.To]
	data.Countries = countryOptions(all)
	data.Statuses = legalStatusOptions("Any legal status")
	p.Data = data
	return h.render(c, fiber.StatusOK, "partners", p)
}

func countryOptions(partners []partner.Ref) []Option {
	seen := map[string]bool{}
	opts := []Option{{"", "Any country"}}
	for _, p := range partners {
		if !seen[p.Country] {
			seen[p.Country] = true
			opts = append(opts, Option{p.Country, partner.CountryName(p.Country)})
		}
	}
	slices.SortFunc(opts[1:], func(a, b Option) int { return strings.Compare(a.Label, b.Label) })
	return opts
}
