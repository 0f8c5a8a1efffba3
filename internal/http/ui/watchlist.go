package ui

// The watch list page: partners with a reason to be watched, filtered by reason and
// country, with the same list as CSV and XLSX.

import (
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"cartera/internal/http/edge"
	"cartera/internal/partner"
	"cartera/internal/watchlist"
)

// watchRowsPerPage keeps a large book's list light; the downloads hold every row.
const watchRowsPerPage = 100

type watchPage struct {
	List      watchlist.List
	Entries   []watchlist.Entry // this page's
	Pager     pager
	Reasons   []Option
	Countries []Option
	CSV, XLSX string
}

func reasonOptions() []Option {
	opts := []Option{{"", "Any reason"}}
	for _, r := range watchlist.Reasons {
		opts = append(opts, Option{string(r), r.Label()})
	}
	return opts
}

func (h *handlers) watchlistPage(c *fiber.Ctx) error {
	p := h.page(c, "Watch list", "watchlist")
	for _, k := range []string{"reason", "country"} {
		p.Form[k] = strings.TrimSpace(c.Query(k))
	}
	p.Form["country"] = strings.ToUpper(p.Form["country"])
	all, err := h.Partners.Refs(c.UserContext(), partner.Filter{})
	if err != nil {
		return err
	}
	data := watchPage{Reasons: reasonOptions(), Countries: countryOptions(all)}
	p.Data = &data
	var bad fieldErrors
	var f watchlist.Filter
	if r := p.Form["reason"]; r != "" {
		if f.Reason, err = watchlist.ParseReason(r); err != nil {
			bad.Add("reason", "unknown reason")
		}
	}
	if f.Country = p.Form["country"]; f.Country != "" && !partner.IsCountryCode(f.Country) {
		bad.Add("country", "must be an ISO 3166-1 alpha-2 country code")
	}
	format := strings.ToLower(c.Query("format"))
	if format != "" && format != "csv" && format != "xlsx" {
		bad.Add("format", "must be csv or xlsx")
	}
	if err := bad.Err(); err != nil {
		return h.formFailed(c, "watchlist", p, err)
	}
	l, err := h.Watchlist.List(c.UserContext(), f)
	if err != nil {
		return err
	}
	if format != "" {
		d, err := watchlist.Export(l, format)
		if err != nil {
			return err
		}
		return edge.SendFile(c, d.ContentType, d.FileName, d.Body)
	}
	data.List = l
	data.Pager = newPager(c, len(l.Entries), watchRowsPerPage)
	data.Entries = l.Entries[data.Pager.From:data.Pager.To]
	link := url.Values{}
	for _, k := range []string{"reason", "country"} {
		if v := p.Form[k]; v != "" {
			link.Set(k, v)
		}
	}
	link.Set("format", "csv")
	data.CSV = "/watchlist?" + link.Encode()
	link.Set("format", "xlsx")
	data.XLSX = "/watchlist?" + link.Encode()
	return h.render(c, fiber.StatusOK, "watchlist", p)
}
