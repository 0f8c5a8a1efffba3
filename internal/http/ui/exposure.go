package ui

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"cartera/internal/exposure"
	"cartera/internal/fund"
	"cartera/internal/http/edge"
	"cartera/internal/platform/civil"
	"cartera/internal/platform/money"
)

// exposureGroupsPerPage keeps the partner cut of a large book light; the downloads
// hold every group.
const exposureGroupsPerPage = 100

type exposurePage struct {
	Report *exposure.Report
	Groups []exposure.Group // this page's
	Pager  pager
	Chart  chart
	Cuts   []Option
	Funds  []Option
	// CSV and XLSX are the download links of the report shown (its cut, date,
	// currency and fund).
	CSV, XLSX string
	CutLabel  string
}

var cutLabels = map[exposure.Dimension]string{
	exposure.ByCountry: "Country", exposure.ByRegion: "World region", exposure.ByPartner: "Partner",
	exposure.ByCurrency: "Currency", exposure.ByLegalStatus: "Legal status", exposure.ByFund: "Fund",
}

// exposurePage shows the exposure by any cut, at any date and in any currency, as
// a table and a chart, with the same data as CSV and XLSX downloads.
func (h *handlers) exposurePage(c *fiber.Ctx) error {
	p := h.page(c, "Exposure", "exposure")
	for _, k := range []string{"by", "as_of", "currency", "fund_id"} {
		p.Form[k] = strings.TrimSpace(c.Query(k))
	}
	if p.Form["by"] == "" {
		p.Form["by"] = string(exposure.ByCountry)
	}
	if p.Form["as_of"] == "" {
		p.Form["as_of"] = h.today().Format("2006-01-02")
	}
	funds, err := h.Funds.List(c.UserContext())
	if err != nil {
		return err
	}
	data := exposurePage{Cuts: cutOptions(), Funds: fundOptions(funds)}
	p.Data = &data

	var bad fieldErrors
	q := exposure.Query{AsOf: bad.date("as_of", p.Form["as_of"], true)}
	if q.By, err = exposure.ParseDimension(p.Form["by"]); err != nil {
		bad.Add("by", "%v", err)
	}
	if cur := strings.ToUpper(p.Form["currency"]); cur != "" {
		if _, err := money.ParseCurrency(cur); err != nil {
			bad.Add("currency", "must be an ISO 4217 currency code such as USD")
		}
		q.Currency = cur
	}
	if s := p.Form["fund_id"]; s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			bad.Add("fund_id", "unknown fund")
		}
		q.FundID = &id
	}
	format := strings.ToLower(c.Query("format"))
	if format != "" && format != "csv" && format != "xlsx" {
		bad.Add("format", "must be csv or xlsx")
	}
	if err := bad.Err(); err != nil {
		return h.formFailed(c, "exposure", p, err)
	}
	r, err := h.Exposure.Exposure(c.UserContext(), q)
	if err != nil {
		// A missing FX rate names as_of or currency: shown beside the filter.
		return h.formFailed(c, "exposure", p, err)
	}
	if format != "" {
		return sendExposure(c, r, format)
	}
	data.Report = &r
	data.CutLabel = cutLabels[r.By]
	data.Pager = newPager(c, len(r.Groups), exposureGroupsPerPage)
	data.Groups = r.Groups[data.Pager.From:data.Pager.To]
	data.Chart = exposureChart(r, 30)
	link := url.Values{"by": {string(r.By)}, "as_of": {r.AsOf.Format(civil.Layout)}, "currency": {r.Currency}}
	if q.FundID != nil {
		link.Set("fund_id", strconv.FormatInt(*q.FundID, 10))
	}
	link.Set("format", "csv")
	data.CSV = "/exposure?" + link.Encode()
	link.Set("format", "xlsx")
	data.XLSX = "/exposure?" + link.Encode()
	return h.render(c, fiber.StatusOK, "exposure", p)
}

func sendExposure(c *fiber.Ctx, r exposure.Report, format string) error {
	d, err := exposure.Export(r, format)
	if err != nil {
		return err
	}
	return edge.SendFile(c, d.ContentType, d.FileName, d.Body)
}

func cutOptions() []Option {
	opts := make([]Option, len(exposure.Dimensions))
	for i, d := range exposure.Dimensions {
		opts[i] = Option{string(d), cutLabels[d]}
	}
	return opts
}

func fundOptions(funds []fund.Fund) []Option {
	opts := []Option{{"", "All funds"}}
	for _, f := range funds {
		opts = append(opts, Option{strconv.FormatInt(f.ID, 10), f.Name + " (" + f.BaseCurrency + ")"})
	}
	return opts
}
