package ui

// Covenants on the partner and loan pages (the list, the add form, the grid), and the
// breaches page with its waivers, decided with four eyes.

import (
	"context"
	"fmt"
	"html/template"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/govalues/decimal"

	"cartera/internal/compliance"
	"cartera/internal/covenant"
	"cartera/internal/http/edge"
	"cartera/internal/kpi"
	"cartera/internal/partner"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/civil"
	"cartera/internal/view"
)

// registerCovenants mounts the covenant forms and the breaches page.
func (h *handlers) registerCovenants(pages fiber.Router, write, admin fiber.Handler) {
	pages.Post("/partners/:id/covenants", write, h.createPartnerCovenant)
	pages.Post("/loans/:id/covenants", write, h.createLoanCovenant)
	pages.Post("/covenants/:id/end", write, h.endCovenant)
	pages.Get("/breaches", h.showBreaches)
	pages.Post("/breaches/:id/waiver", write, h.requestWaiver)
	pages.Post("/breaches/:id/waiver/approve", admin, h.decideWaiver(true))
	pages.Post("/breaches/:id/waiver/reject", admin, h.decideWaiver(false))
}

// gridPeriods is how many periods the partner page's grid shows.
const gridPeriods = 8

// covenantSection is the covenants a page lists, its add form (the user's values and
// the messages after a refused submit) and, on the partner page, the grid.
type covenantSection struct {
	Action                         string // where the add form posts
	List                           []compliance.Covenant
	Metrics, Operators, Frequences []Option
	Grid                           *gridView
	values, errors                 map[string]string
}

// Value is the add form's value for a field.
func (s covenantSection) Value(field string) string { return s.values[field] }

// Error is the add form's message for a field.
func (s covenantSection) Error(field string) string { return s.errors[field] }

// Describe writes a covenant's terms as people read them.
func (s covenantSection) Describe(c compliance.Covenant) string { return describe(c.Terms()) }

func describe(t covenant.Terms) string {
	s := metricLabel(t.Metric.Name) + " " + string(t.Operator) + " " + covenant.FormatThreshold(t.Metric, t.Threshold)
	if t.Currency != "" {
		s += " " + t.Currency
	}
	return s
}

// metricLabel is a metric's name as the partner page's ratios read, or its words.
func metricLabel(name string) string {
	if l, ok := covenantRatioWords[kpi.Name(name)]; ok {
		return l
	}
	if l, ok := ratioLabels[kpi.Name(name)]; ok {
		return l
	}
	if l, ok := figureLabels[name]; ok {
		return l[0]
	}
	h := view.Human(name)
	return strings.ToUpper(h[:1]) + h[1:]
}

// covenantRatioWords name the ratios the partner page's table does not, and one it
// names for a column ("Women clients") that a covenant's list would confuse with the
// raw count of the same name.
var covenantRatioWords = map[kpi.Name]string{
	kpi.GLPGrowth: "Gross loan portfolio growth", kpi.ClientGrowth: "Client growth", kpi.AverageLoanBalance: "Average loan balance",
	kpi.RiskCoverage: "Risk coverage", kpi.ProvisionExpenseRatio: "Provision expense ratio",
	kpi.PersonnelExpenseRatio: "Personnel expense ratio", kpi.CostPerClient: "Cost per client",
	kpi.ClientsPerLoanOfficer: "Clients per loan officer", kpi.LoanOfficersShare: "Loan officers' share of staff",
	kpi.WomenShare: "Women's share of clients",
}

var (
	operatorOptions  = []Option{{"<=", "at most (<=)"}, {">=", "at least (>=)"}, {"<", "below (<)"}, {">", "above (>)"}}
	frequencyChoices = []Option{{"each_report", "each report"}, {"quarterly", "quarterly (Mar, Jun, Sep, Dec)"},
		{"semiannual", "semiannual (Jun, Dec)"}, {"annual", "annual (Dec)"}}
)

func metricOptions() []Option {
	var out []Option
	for _, m := range covenant.Metrics() {
		out = append(out, Option{m.Name, metricLabel(m.Name) + " (" + m.Name + ")"})
	}
	return out
}

// covenantSection loads a partner's covenants (loanID 0) or a loan's.
func (h *handlers) covenantSection(ctx context.Context, partnerID, loanID int64) (covenantSection, error) {
	s := covenantSection{Metrics: metricOptions(), Operators: operatorOptions, Frequences: frequencyChoices,
		values: map[string]string{"operator": "<=", "frequency": "quarterly", "cure_days": "90", "from": h.today().Format(civil.Layout)}}
	var err error
	if loanID != 0 {
		s.Action = "/loans/" + strconv.FormatInt(loanID, 10) + "/covenants"
		s.List, err = h.Compliance.ListOfLoan(ctx, loanID)
		return s, err
	}
	s.Action = "/partners/" + strconv.FormatInt(partnerID, 10) + "/covenants"
	if s.List, err = h.Compliance.ListOfPartner(ctx, partnerID); err != nil {
		return s, err
	}
	g, err := h.Compliance.Grid(ctx, partnerID, gridPeriods)
	if err != nil {
		return s, err
	}
	if len(g.Rows) > 0 && len(g.Periods) > 0 {
		s.Grid = newGridView(g)
	}
	return s, nil
}

// covenantFields are the add form's fields, named as the API's.
var covenantFields = []string{"metric", "operator", "threshold", "currency", "from", "to", "frequency", "cure_days"}

// covenantInput reads the add form.
func covenantInput(c *fiber.Ctx) (compliance.Input, map[string]string, error) {
	values := map[string]string{}
	for _, f := range covenantFields {
		values[f] = strings.TrimSpace(c.FormValue(f))
	}
	v := func(f string) *string { s := values[f]; return &s }
	in := compliance.Input{Metric: v("metric"), Operator: v("operator"), Threshold: v("threshold"), Frequency: v("frequency"), From: v("from")}
	if values["currency"] != "" {
		in.Currency = v("currency")
	}
	if values["to"] != "" {
		in.To = v("to")
	}
	var bad fieldErrors
	if n := bad.integer("cure_days", values["cure_days"], "must be a whole number of days"); n != nil {
		in.CureDays = n
	}
	return in, values, bad.Err()
}

// refused shows the add form again with the user's values and the messages beside
// the fields; anything but a refused input is an error page.
func (s *covenantSection) refused(p *Page, values map[string]string, err error) (int, error) {
	e, ok := apperr.As(err)
	if !ok || (e.Kind != apperr.KindInvalid && e.Kind != apperr.KindConflict) {
		return 0, err
	}
	s.values, s.errors = values, map[string]string{}
	var unplaced []string
	for _, f := range e.Fields {
		if _, known := values[f.Field]; known {
			s.errors[f.Field] = f.Message
		} else {
			unplaced = append(unplaced, f.Message)
		}
	}
	p.Problem = "The covenant was not saved: see the fields marked in the Covenants section."
	if len(unplaced) > 0 {
		p.Problem = "The covenant was not saved: " + strings.Join(unplaced, "; ") + "."
	}
	return e.Kind.HTTPStatus(), nil
}

func (h *handlers) createPartnerCovenant(c *fiber.Ctx) error {
	pt, err := h.pathPartner(c)
	if err != nil {
		return err
	}
	in, values, err := covenantInput(c)
	if err == nil {
		_, err = h.Compliance.Create(c.UserContext(), h.actor(c), pt.ID, 0, in)
	}
	if err == nil {
		return h.redirect(c, "/partners/"+strconv.FormatInt(pt.ID, 10)+"#covenants", "Covenant added and tested on the stored periods.")
	}
	data, derr := h.partnerData(c, pt)
	if derr != nil {
		return derr
	}
	p := h.page(c, pt.Name, "partners")
	status, err := data.Covenants.refused(&p, values, err)
	if err != nil {
		return err
	}
	p.Data = data
	return h.render(c, status, "partner", p)
}

func (h *handlers) createLoanCovenant(c *fiber.Ctx) error {
	id, err := edge.PathID(c, "loan")
	if err != nil {
		return err
	}
	in, values, err := covenantInput(c)
	if err == nil {
		_, err = h.Compliance.Create(c.UserContext(), h.actor(c), 0, id, in)
	}
	if err == nil {
		return h.redirect(c, loanURL(id)+"#covenants", "Covenant added and tested on the stored periods.")
	}
	p, lerr := h.loanPage(c, h.page(c, "", "partners"), id, h.today())
	if lerr != nil {
		return lerr
	}
	data := p.Data.(loanPage)
	status, err := data.Covenants.refused(&p, values, err)
	if err != nil {
		return err
	}
	p.Data = data
	return h.render(c, status, "loan", p)
}

// endCovenant ends a covenant, back to the page it was listed on.
func (h *handlers) endCovenant(c *fiber.Ctx) error {
	id, err := edge.PathID(c, "covenant")
	if err != nil {
		return err
	}
	cov, err := h.Compliance.Get(c.UserContext(), id)
	if err != nil {
		return err
	}
	back := "/partners/" + strconv.FormatInt(cov.PartnerID, 10) + "#covenants"
	if c.FormValue("back") == "loan" && cov.LoanID != nil {
		back = loanURL(*cov.LoanID) + "#covenants"
	}
	if err := h.Compliance.End(c.UserContext(), h.actor(c), id); err != nil {
		return err
	}
	return h.redirect(c, back, "Covenant ended: it is tested no more; its results and breaches stay.")
}

// gridView is the compliance grid as the page draws it: colour and words, so it is
// not read by colour alone.
type gridView struct {
	Periods []time.Time
	Rows    []gridRowView
}

type gridRowView struct {
	Label, Loan string
	Cells       []gridCell
}

type gridCell struct{ Class, Text, Title string }

func newGridView(g covenant.Grid) *gridView {
	v := &gridView{Periods: g.Periods}
	for _, r := range g.Rows {
		row := gridRowView{Label: describe(r.Terms), Loan: r.LoanRef}
		for _, c := range r.Cells {
			row.Cells = append(row.Cells, newGridCell(r.Terms, c))
		}
		v.Rows = append(v.Rows, row)
	}
	return v
}

// operatorSigns are the operators as the grid's cells write them.
var operatorSigns = map[covenant.Operator]string{covenant.AtMost: "≤", covenant.AtLeast: "≥", covenant.Below: "<", covenant.Above: ">"}

// newGridCell is a result in words. An amount reads in the period's currency with the
// threshold compared, converted into it ("breached 1,250,000.00 BOB (≥ 6,960,000.00
// BOB)"): the row's threshold is in the covenant's currency.
func newGridCell(t covenant.Terms, c covenant.Cell) gridCell {
	if c.Status == "" {
		return gridCell{Class: "cov-none", Text: "–", Title: "not tested in this period"}
	}
	cell := gridCell{Class: "cov-" + string(c.Status), Text: view.Human(c.Status), Title: c.Missing}
	switch {
	case c.Value == nil:
	case c.Currency == "":
		cell.Text += " " + metricValue(t.Metric, *c.Value)
	default:
		cell.Text += " " + view.Money(*c.Value, c.Currency)
		if c.Threshold != nil {
			cell.Text += " (" + operatorSigns[t.Operator] + " " + view.Money(*c.Threshold, c.Currency) + ")"
			if t.Currency != "" && t.Currency != c.Currency {
				cell.Title = "the covenant's " + view.Money(t.Threshold, t.Currency) + " converted into " + c.Currency + " at the period end"
			}
		}
	}
	return cell
}

// metricValue writes a value as the metric reads: a share or a fraction in percent.
func metricValue(m covenant.Metric, v decimal.Decimal) string {
	if m.Kind == covenant.Share || m.Kind == covenant.Fraction {
		if p, err := v.Mul(decimal.Hundred); err == nil {
			return p.Round(1).Trim(0).String() + " %"
		}
	}
	return view.Amount(v)
}

// breachesPage is the breaches list with its filters and the waiver forms.
// breachesPerPage keeps the page light: the large book's 19,000 breaches on one page
// weighed 8.4 MB and took 600 ms.
const breachesPerPage = 100

type breachesPage struct {
	Items     []breachView
	Pager     pager
	Partners  template.HTML // the options of the partner filter
	PartnerID string
	Status    string
	Statuses  []Option
	// Failed is the breach whose waiver form was refused: its form shows the values
	// and messages.
	Failed         int64
	values, errors map[string]string
}

type breachView struct {
	compliance.Breach
	Label, Value, Threshold string
	Pending                 *compliance.Waiver
	CanRequest              bool
	CanDecide               bool
	WhyNot                  string // why the user cannot decide the pending waiver
}

// Value and Error are breach id's waiver form's.
func (d breachesPage) Value(id int64, field string) string {
	if id == d.Failed {
		return d.values[field]
	}
	return ""
}

// Error is the waiver form's message for a field.
func (d breachesPage) Error(id int64, field string) string {
	if id == d.Failed {
		return d.errors[field]
	}
	return ""
}

func (h *handlers) breachesPage(c *fiber.Ctx, p *Page) (breachesPage, error) {
	d := breachesPage{Status: c.Query("status"), PartnerID: c.Query("partner_id"),
		Statuses: []Option{{"", "any status"}, {"open", "open"}, {"waived", "waived"}, {"closed", "closed"}}}
	f := compliance.BreachFilter{Status: d.Status}
	if d.PartnerID != "" {
		id, err := strconv.ParseInt(d.PartnerID, 10, 64)
		if err != nil {
			return d, apperr.Invalid(apperr.FieldError{Field: "partner_id", Message: "must be a partner"})
		}
		f.PartnerID = id
	}
	page, _ := strconv.Atoi(c.Query("page"))
	list, err := h.Compliance.BreachesPage(c.UserContext(), f, page, breachesPerPage)
	if err != nil {
		return d, err
	}
	d.Pager = newPager(c, list.Total, breachesPerPage)
	refs, err := h.Partners.Refs(c.UserContext(), partner.Filter{})
	if err != nil {
		return d, err
	}
	partners := []Option{{"", "every partner"}}
	for _, r := range refs {
		partners = append(partners, Option{strconv.FormatInt(r.ID, 10), r.Name})
	}
	d.Partners = optionsHTML(partners, d.PartnerID)
	for _, b := range list.Items {
		d.Items = append(d.Items, h.breachView(p, b))
	}
	return d, nil
}

func (h *handlers) breachView(p *Page, b compliance.Breach) breachView {
	m, _ := covenant.ParseMetric(b.Metric)
	v := breachView{Breach: b, Pending: b.Pending(), Value: metricValue(m, b.Value), Threshold: metricValue(m, b.Threshold),
		Label: metricLabel(b.Metric) + " " + b.Operator}
	v.CanRequest = p.CanWrite() && b.Status != "closed" && v.Pending == nil
	if v.Pending != nil {
		switch {
		case !p.IsAdmin():
			v.WhyNot = "An admin other than the requester decides this waiver."
		case v.Pending.RequestedBy == p.Session.UserID:
			v.WhyNot = "You requested this waiver: another admin decides it (four eyes)."
		default:
			v.CanDecide = true
		}
	}
	return v
}

func (h *handlers) showBreaches(c *fiber.Ctx) error {
	p := h.page(c, "Covenant breaches", "breaches")
	d, err := h.breachesPage(c, &p)
	if err != nil {
		return err
	}
	p.Data = d
	return h.render(c, fiber.StatusOK, "breaches", p)
}

// requestWaiver records a waiver request from the breaches page.
func (h *handlers) requestWaiver(c *fiber.Ctx) error {
	id, err := edge.PathID(c, "breach")
	if err != nil {
		return err
	}
	values := map[string]string{"reason": c.FormValue("reason"), "expires_on": strings.TrimSpace(c.FormValue("expires_on"))}
	var bad fieldErrors
	expires := bad.date("expires_on", values["expires_on"], true)
	if err = bad.Err(); err == nil {
		_, err = h.Compliance.RequestWaiver(c.UserContext(), h.actor(c), id, values["reason"], expires)
	} else if !bad.has("reason") && strings.TrimSpace(values["reason"]) == "" {
		bad.Add("reason", "is required (at most 2000 characters): say why the breach may be waived")
		err = bad.Err()
	}
	if err == nil {
		return h.redirect(c, backToBreaches(c), fmt.Sprintf("Waiver of breach %d requested: another person decides it.", id))
	}
	e, ok := apperr.As(err)
	if !ok || e.Kind != apperr.KindInvalid {
		return err
	}
	p := h.page(c, "Covenant breaches", "breaches")
	d, derr := h.breachesPage(c, &p)
	if derr != nil {
		return derr
	}
	d.Failed, d.values, d.errors = id, values, map[string]string{}
	for _, f := range e.Fields {
		d.errors[f.Field] = f.Message
	}
	p.Problem = fmt.Sprintf("The waiver of breach %d was not requested: %s", id, e.Error())
	p.Data = d
	return h.render(c, e.Kind.HTTPStatus(), "breaches", p)
}

// decideWaiver approves or rejects a breach's pending waiver.
func (h *handlers) decideWaiver(approve bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := edge.PathID(c, "breach")
		if err != nil {
			return err
		}
		if _, err := h.Compliance.DecideWaiver(c.UserContext(), h.actor(c), id, approve); err != nil {
			return err
		}
		word := "rejected"
		if approve {
			word = "approved"
		}
		return h.redirect(c, backToBreaches(c), fmt.Sprintf("Waiver of breach %d %s.", id, word))
	}
}

// backToBreaches is the breaches page with the filters the form was posted from.
func backToBreaches(c *fiber.Ctx) string {
	q := url.Values{}
	for _, k := range []string{"partner_id", "status"} {
		if v := c.Query(k); v != "" {
			q.Set(k, v)
		}
	}
	if len(q) == 0 {
		return "/breaches"
	}
	return "/breaches?" + q.Encode()
}
