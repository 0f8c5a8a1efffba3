package ui

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/govalues/decimal"

	"cartera/internal/exposure"
	"cartera/internal/figures"
	"cartera/internal/http/edge"
	"cartera/internal/kpi"
	"cartera/internal/ledger"
	"cartera/internal/partner"
	"cartera/internal/publish"
	"cartera/reports"
)

// partnerRow is a line of the partners list.
type partnerRow struct {
	partner.Partner
	CountryName string
	Outstanding decimal.Decimal // in the fund's currency, from the loan book
	Overdue     decimal.Decimal
	Loans       int
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
	"name":        func(a, b partnerRow) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) },
	"country":     func(a, b partnerRow) int { return strings.Compare(a.CountryName, b.CountryName) },
	"outstanding": func(a, b partnerRow) int { return b.Outstanding.Cmp(a.Outstanding) },
	"overdue":     func(a, b partnerRow) int { return b.Overdue.Cmp(a.Overdue) },
}

func (h *handlers) listPartners(c *fiber.Ctx) error {
	p := h.page(c, "Partners", "partners")
	for _, k := range []string{"q", "country", "legal_status", "overdue", "sort"} {
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
	all, err := h.Partners.List(c.UserContext(), partner.Filter{})
	if err != nil {
		return err
	}
	matching, err := h.Partners.List(c.UserContext(), f)
	if err != nil {
		return err
	}
	// The amounts are the exposure by partner: the same figures, in the same currency.
	book, problem, err := h.exposureOrProblem(c, exposure.Query{By: exposure.ByPartner, AsOf: h.today()})
	if err != nil {
		return err
	}
	p.Problem = problem
	byPartner := map[string]*exposure.Group{}
	for i := range book.Groups {
		byPartner[book.Groups[i].Key] = &book.Groups[i]
	}
	data := partnersList{Sort: p.Form["sort"], Total: len(all), Currency: book.Currency}
	for _, pt := range matching {
		row := partnerRow{Partner: pt, CountryName: partner.CountryName(pt.Country)}
		if g := byPartner[strconv.FormatInt(pt.ID, 10)]; g != nil {
			row.Outstanding, row.Overdue, row.Loans = g.Outstanding, g.Overdue, g.Loans
		}
		if p.Form["overdue"] == "yes" && row.Overdue.IsZero() {
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

func countryOptions(partners []partner.Partner) []Option {
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

func legalStatusOptions(none string) []Option {
	opts := []Option{{"", none}}
	for _, s := range partner.LegalStatuses {
		opts = append(opts, Option{string(s), s.Label()})
	}
	return opts
}

func methodologyOptions() []Option {
	opts := []Option{{"", "Not known"}}
	for _, m := range partner.Methodologies {
		opts = append(opts, Option{string(m), m.Label()})
	}
	return opts
}

// partnerForm is what the partner form needs besides the values.
type partnerForm struct {
	Partner       *partner.Partner
	Statuses      []Option
	Methodologies []Option
	Action        string
}

func (h *handlers) newPartnerForm(c *fiber.Ctx) error {
	p := h.page(c, "New partner", "partners")
	p.Data = partnerForm{Statuses: legalStatusOptions("Choose…"), Methodologies: methodologyOptions(), Action: "/partners/new"}
	return h.render(c, fiber.StatusOK, "partner_form", p)
}

func (h *handlers) createPartner(c *fiber.Ctx) error {
	p := h.page(c, "New partner", "partners")
	p.Form = formValues(c)
	p.Data = partnerForm{Statuses: legalStatusOptions("Choose…"), Methodologies: methodologyOptions(), Action: "/partners/new"}
	var bad fieldErrors
	var f partner.Fields
	readPartnerForm(p.Form, &f, &bad)
	if err := bad.Err(); err != nil {
		// Check the rest too, so every bad field is marked at once.
		f.Normalize()
		return h.formFailed(c, "partner_form", p, bad.merge(f.Validate(h.today().Year())))
	}
	created, err := h.Partners.Create(c.UserContext(), h.actor(c), f)
	if err != nil {
		return h.formFailed(c, "partner_form", p, err)
	}
	return h.redirect(c, "/partners/"+strconv.FormatInt(created.ID, 10), "Partner "+created.Name+" created.")
}

// readPartnerForm copies the form onto f; fields the form cannot even parse (a year
// that is not a number) are noted in bad, the rest is left to the partner's rules.
func readPartnerForm(form map[string]string, f *partner.Fields, bad *fieldErrors) {
	f.Name = form["name"]
	f.Country = form["country"]
	f.Region = form["region"]
	f.LegalStatus = partner.LegalStatus(form["legal_status"])
	f.Founded = bad.integer("founded", form["founded"], "must be a year such as 1995")
	f.PartnerSince = bad.integer("partner_since", form["partner_since"], "must be a year such as 2012")
	f.Methodology = nil
	if m := strings.TrimSpace(form["methodology"]); m != "" {
		mm := partner.Methodology(m)
		f.Methodology = &mm
	}
	f.Sectors = nil
	for _, s := range strings.Split(form["sectors"], ",") {
		if s = strings.TrimSpace(s); s != "" {
			f.Sectors = append(f.Sectors, s)
		}
	}
	f.Description = form["description"]
	f.Strengths = form["strengths"]
	f.Risks = form["risks"]
}

func partnerFormValues(pt partner.Partner) map[string]string {
	v := map[string]string{
		"name": pt.Name, "country": pt.Country, "region": pt.Region, "legal_status": string(pt.LegalStatus),
		"sectors": strings.Join(pt.Sectors, ", "), "description": pt.Description, "strengths": pt.Strengths, "risks": pt.Risks,
		"updated_at": pt.UpdatedAt.Format(time.RFC3339Nano),
	}
	if pt.Founded != nil {
		v["founded"] = strconv.Itoa(*pt.Founded)
	}
	if pt.PartnerSince != nil {
		v["partner_since"] = strconv.Itoa(*pt.PartnerSince)
	}
	if pt.Methodology != nil {
		v["methodology"] = string(*pt.Methodology)
	}
	return v
}

// partnerEdit loads the partner the edit form is about, and starts its page.
func (h *handlers) partnerEdit(c *fiber.Ctx) (partner.Partner, Page, error) {
	pt, err := h.pathPartner(c)
	if err != nil {
		return partner.Partner{}, Page{}, err
	}
	id := pt.ID
	p := h.page(c, "Edit "+pt.Name, "partners")
	p.Data = partnerForm{Partner: &pt, Statuses: legalStatusOptions("Choose…"), Methodologies: methodologyOptions(), Action: "/partners/" + strconv.FormatInt(id, 10) + "/edit"}
	return pt, p, nil
}

func (h *handlers) editPartnerForm(c *fiber.Ctx) error {
	pt, p, err := h.partnerEdit(c)
	if err != nil {
		return err
	}
	p.Form = partnerFormValues(pt)
	return h.render(c, fiber.StatusOK, "partner_form", p)
}

func (h *handlers) updatePartner(c *fiber.Ctx) error {
	pt, p, err := h.partnerEdit(c)
	if err != nil {
		return err
	}
	p.Form = formValues(c)
	// The form names the version it was opened on; the service refuses the change,
	// under the row's lock, if someone saved the partner since.
	opened, err := time.Parse(time.RFC3339Nano, p.Form["updated_at"])
	if err != nil {
		opened = time.Time{} // a form without its version is as stale as can be
	}
	var bad fieldErrors
	updated, err := h.Partners.UpdateIfUnchanged(c.UserContext(), h.actor(c), pt.ID, opened, func(f *partner.Fields) error {
		readPartnerForm(p.Form, f, &bad)
		if err := bad.Err(); err != nil {
			f.Normalize()
			return bad.merge(f.Validate(h.today().Year()))
		}
		return nil
	})
	if errors.Is(err, partner.ErrChanged) {
		current, gerr := h.Partners.Get(c.UserContext(), pt.ID)
		if gerr != nil {
			return gerr
		}
		p.Form["updated_at"] = current.UpdatedAt.Format(time.RFC3339Nano)
		p.Problem = "Someone changed this partner since you opened the form. Your values are below; check them against the partner's page, then save again."
		return h.render(c, fiber.StatusConflict, "partner_form", p)
	}
	if err != nil {
		return h.formFailed(c, "partner_form", p, err)
	}
	return h.redirect(c, "/partners/"+strconv.FormatInt(pt.ID, 10), "Partner "+updated.Name+" saved.")
}

// partnerPage is everything the partner page shows.
type partnerPage struct {
	Partner     partner.Partner
	CountryName string
	Periods     []kpi.Period // latest last, at most eight
	KPIRows     []kpiRow
	Charts      []chart
	Peers       *figures.PeerTable
	PeerRows    []peerRow
	Loans       []ledger.Summary
	Langs       []reports.Lang
}

type kpiRow struct {
	Label  string
	Format string // "amount", "pct", "count", "ratio"
	Values []any
}

type peerRow struct {
	Label    string
	Value    *float64
	Median   float64
	Quartile int
	Format   string
	N        int
}

var ratioLabels = map[kpi.Name]string{
	kpi.PAR30Ratio: "PAR30", kpi.OperatingExpenseRatio: "Operating expense ratio", kpi.PortfolioYield: "Portfolio yield",
	kpi.ROE: "Return on equity", kpi.ROA: "Return on assets", kpi.ClientsPerStaff: "Clients per staff",
	kpi.DebtToEquity: "Debt to equity", kpi.OperationalSelfSuffic: "Operational self-sufficiency", kpi.WriteOffRatio: "Write-off ratio",
	kpi.WomenShare: "Women clients",
}

func ratioFormat(n kpi.Name) string {
	switch n {
	case kpi.ClientsPerStaff, kpi.DebtToEquity, kpi.ClientsPerLoanOfficer:
		return "ratio"
	}
	return "pct"
}

func (h *handlers) showPartner(c *fiber.Ctx) error {
	pt, err := h.pathPartner(c)
	if err != nil {
		return err
	}
	id, ctx := pt.ID, c.UserContext()
	periods, err := h.Figures.Series(ctx, id)
	if err != nil {
		return err
	}
	loans, err := h.Loans.List(ctx, ledger.Filter{PartnerID: &id})
	if err != nil {
		return err
	}
	data := partnerPage{Partner: pt, CountryName: partner.CountryName(pt.Country), Loans: loans, Langs: reports.Langs}
	if len(periods) > 8 {
		periods = periods[len(periods)-8:]
	}
	data.Periods = periods
	data.KPIRows = kpiRows(periods)
	data.Charts = partnerCharts(periods)
	if len(periods) > 0 {
		latest := periods[len(periods)-1].PeriodEnd
		peers, err := h.Figures.Peers(ctx, figures.PeerQuery{PeriodEnd: latest, PartnerID: &id})
		if err != nil {
			return err
		}
		data.Peers = &peers
		for _, r := range peers.Ratios {
			if !slices.Contains(publish.KeyRatios, r.Name) {
				continue
			}
			data.PeerRows = append(data.PeerRows, peerRow{Label: ratioLabels[r.Name], Value: r.Value, Median: r.Median, Quartile: r.Position.Quartile, Format: ratioFormat(r.Name), N: r.N})
		}
	}
	p := h.page(c, pt.Name, "partners")
	p.Data = data
	return h.render(c, fiber.StatusOK, "partner", p)
}

// kpiRows lays the periods out as the rating report does: one row per figure or
// ratio, one column per period.
func kpiRows(periods []kpi.Period) []kpiRow {
	figure := func(label string, get func(kpi.Figures) *decimal.Decimal, format string) kpiRow {
		r := kpiRow{Label: label, Format: format}
		for _, p := range periods {
			r.Values = append(r.Values, get(p.Figures))
		}
		return r
	}
	ratio := func(n kpi.Name) kpiRow {
		r := kpiRow{Label: ratioLabels[n], Format: ratioFormat(n)}
		for _, p := range periods {
			r.Values = append(r.Values, p.Ratios[n].Value)
		}
		return r
	}
	return []kpiRow{
		figure("Gross loan portfolio", func(f kpi.Figures) *decimal.Decimal { return f.GrossLoanPortfolio }, "amount"),
		figure("Total assets", func(f kpi.Figures) *decimal.Decimal { return f.TotalAssets }, "amount"),
		figure("Equity", func(f kpi.Figures) *decimal.Decimal { return f.Equity }, "amount"),
		figure("Active clients", func(f kpi.Figures) *decimal.Decimal { return f.ActiveClients }, "count"),
		ratio(kpi.PAR30Ratio), ratio(kpi.WriteOffRatio), ratio(kpi.OperatingExpenseRatio), ratio(kpi.PortfolioYield),
		ratio(kpi.ROE), ratio(kpi.ROA), ratio(kpi.OperationalSelfSuffic), ratio(kpi.DebtToEquity), ratio(kpi.WomenShare),
	}
}

func (h *handlers) profilePDF(c *fiber.Ctx) error {
	id, lang, err := pdfRequest(c)
	if err != nil {
		return err
	}
	d, err := h.Publish.Profile(c.UserContext(), id, lang, h.today())
	if err != nil {
		return err
	}
	return edge.SendPDF(c, d)
}

func (h *handlers) factSheetPDF(c *fiber.Ctx) error {
	id, lang, err := pdfRequest(c)
	if err != nil {
		return err
	}
	d, err := h.Publish.FactSheet(c.UserContext(), id, lang, publish.Years{})
	if err != nil {
		return err
	}
	return edge.SendPDF(c, d)
}

// pdfRequest reads a partner document's path and language.
func pdfRequest(c *fiber.Ctx) (int64, reports.Lang, error) {
	id, err := edge.PathID(c, "partner")
	if err != nil {
		return 0, "", err
	}
	lang, err := edge.Lang(c)
	return id, lang, err
}
