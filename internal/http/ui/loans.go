package ui

// The loans list across all partners: filters, sortable columns, pages by cursor, and
// the whole list as CSV or XLSX.

import (
	"html/template"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"cartera/internal/http/edge"
	"cartera/internal/ledger"
	"cartera/internal/partner"
	"cartera/internal/platform/apperr"
)

// loansPerPage: as the partners list, a page light on a large book.
const loansPerPage = 100

type loansList struct {
	Page     ledger.Page
	Funds    []Option
	Partners template.HTML // every partner's option (optionsHTML)
	Statuses []Option
	// Columns are the sortable headers, each a link to its order.
	Columns []sortColumn
	// First and Next link to the first page and the next (empty when none);
	// CSV and XLSX download every loan the filters match.
	First, Next, CSV, XLSX string
	Paged                  bool // past the first page
}

// sortColumn is a column header: its label, the link sorting by it (the other
// way when it is the current order) and its current direction ("" when not).
type sortColumn struct {
	Label, Link, Dir string
	Num              bool
}

var loanColumns = []struct{ key, label string }{
	{"partner", "Partner"}, {"reference", "Reference"}, {"", "Fund"}, {"", "Currency"}, {"committed", "Committed"},
	{"outstanding", "Outstanding"}, {"", "Status"}, {"signed_on", "Signed"}, {"maturity_on", "Maturity"},
}

func (h *handlers) listLoans(c *fiber.Ctx) error {
	p := h.page(c, "Loans", "loans")
	for _, k := range edge.LoanListParams {
		p.Form[k] = strings.TrimSpace(c.Query(k))
	}
	var bad apperr.Fields
	q := edge.LoanListQuery(func(k string) string { return p.Form[k] }, &bad)
	q.Limit = loansPerPage
	format := strings.ToLower(c.Query("format"))
	if format != "" && format != "csv" && format != "xlsx" {
		bad.Add("format", "must be csv or xlsx")
	}
	data, err := h.loanFilterOptions(c)
	if err != nil {
		return err
	}
	p.Data = data
	if err := bad.Err(); err != nil {
		return h.filtersFailed(c, p, err)
	}
	if format != "" {
		q.Limit, q.Next = 0, ""
	}
	page, err := h.Loans.List(c.UserContext(), q)
	if err != nil {
		// A stale cursor names next: shown beside the list, with its first page's link.
		return h.filtersFailed(c, p, err)
	}
	if format != "" {
		contentType, name, body, err := ledger.Export(page.Items, format, h.today())
		if err != nil {
			return err
		}
		return edge.SendFile(c, contentType, name, body)
	}
	data.Page = page
	data.links(p.Form, q.Sort, page.Next)
	return h.render(c, fiber.StatusOK, "loans", p)
}

// filtersFailed shows the form again with the user's values and a message beside
// each filter at fault, and no loans.
func (h *handlers) filtersFailed(c *fiber.Ctx, p Page, err error) error {
	e, ok := apperr.As(err)
	if !ok || e.Kind != apperr.KindInvalid {
		return err
	}
	for _, f := range e.Fields {
		p.Errors[f.Field] = f.Message
	}
	p.Problem = "Please correct the filters marked below."
	if msg := p.Errors["next"]; msg != "" {
		p.Problem = "This page's link is out of date (" + msg + ")."
	}
	data := p.Data.(*loansList)
	data.Page = ledger.Page{Items: []ledger.Summary{}}
	data.links(p.Form, ledger.DefaultSort, "")
	return h.render(c, e.Kind.HTTPStatus(), "loans", p)
}

func (h *handlers) loanFilterOptions(c *fiber.Ctx) (*loansList, error) {
	funds, err := h.Funds.List(c.UserContext())
	if err != nil {
		return nil, err
	}
	refs, err := h.Partners.Refs(c.UserContext(), partner.Filter{})
	if err != nil {
		return nil, err
	}
	data := &loansList{Funds: fundOptions(funds), Statuses: []Option{{"", "Any status"}}}
	partners := []Option{{"", "Any partner"}}
	for _, r := range refs {
		partners = append(partners, Option{strconv.FormatInt(r.ID, 10), r.Name})
	}
	data.Partners = optionsHTML(partners, strings.TrimSpace(c.Query("partner_id")))
	for _, s := range []string{"pipeline", "active", "repaid", "written_off", "cancelled"} {
		data.Statuses = append(data.Statuses, Option{s, strings.ReplaceAll(s, "_", " ")})
	}
	return data, nil
}

// links builds the page's links from the filters shown: each column's sort, the
// first and next pages, and the downloads (every match, from the first).
func (d *loansList) links(form map[string]string, sort ledger.Sort, next string) {
	v := url.Values{}
	for _, k := range edge.LoanListParams {
		if form[k] != "" && k != "next" && k != "sort" {
			v.Set(k, form[k])
		}
	}
	link := func(set map[string]string) string {
		w := url.Values{}
		for k, vs := range v {
			w[k] = vs
		}
		for k, s := range set {
			w.Set(k, s)
		}
		return "/loans?" + w.Encode()
	}
	d.Columns = nil
	for _, col := range loanColumns {
		sc := sortColumn{Label: col.label, Num: col.key == "committed" || col.key == "outstanding"}
		if col.key != "" {
			to := ledger.Sort{Key: col.key, Desc: sc.Num} // amounts largest first
			if sort.Key == col.key {
				to.Desc = !sort.Desc
				sc.Dir = map[bool]string{false: "ascending", true: "descending"}[sort.Desc]
			}
			sc.Link = link(map[string]string{"sort": to.String()})
		}
		d.Columns = append(d.Columns, sc)
	}
	d.Paged = form["next"] != ""
	d.First = link(map[string]string{"sort": sort.String()})
	if next != "" {
		d.Next = link(map[string]string{"sort": sort.String(), "next": next})
	}
	d.CSV = link(map[string]string{"sort": sort.String(), "format": "csv"})
	d.XLSX = link(map[string]string{"sort": sort.String(), "format": "xlsx"})
}
