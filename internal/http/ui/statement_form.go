package ui

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"cartera/internal/http/edge"
	"cartera/internal/kpi"
	"cartera/internal/partner"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/civil"
	"cartera/internal/statements"
	"cartera/internal/view"
)

// figureField is one input of the figures form: the canonical name (the input's
// name, as in the API and in import files) and what a credit manager calls it.
type figureField struct {
	Name  string
	Label string
	Hint  string
	Count bool // a whole number (clients, staff), not an amount
}

// figureGroup is a fieldset of the figures form.
type figureGroup struct {
	Legend string
	Hint   string
	Fields []figureField
}

// figureLabels name every canonical figure in plain English. A figure added to
// kpi.Inputs without a label still shows, under its canonical name (a test checks
// none is missing).
var figureLabels = map[string][2]string{ // name → label, hint
	"gross_loan_portfolio":         {"Gross loan portfolio", ""},
	"par30":                        {"Portfolio at risk > 30 days", "Whole balance of loans with a payment more than 30 days late, plus renegotiated loans"},
	"write_offs":                   {"Write-offs in the period", ""},
	"loan_loss_reserve":            {"Loan-loss reserve", ""},
	"loans_outstanding":            {"Number of loans outstanding", ""},
	"total_assets":                 {"Total assets", ""},
	"total_liabilities":            {"Total liabilities", ""},
	"equity":                       {"Equity", "Negative if the liabilities exceed the assets"},
	"deposits":                     {"Deposits", "Savings held for clients"},
	"financial_revenue":            {"Financial revenue", "All of it: portfolio, investments, other financial services"},
	"portfolio_revenue":            {"Portfolio revenue", "Interest and fees on loans"},
	"financial_expense":            {"Financial expense", ""},
	"provision_expense":            {"Loan-loss provision expense", "Negative for a release of provisions"},
	"operating_expense":            {"Operating expense", ""},
	"personnel_expense":            {"of which personnel expense", ""},
	"net_income":                   {"Net income after tax", "Negative for a loss"},
	"donations":                    {"Donations", ""},
	"active_clients":               {"Active clients (borrowers)", ""},
	"women_clients":                {"Women clients", ""},
	"rural_clients":                {"Rural clients", ""},
	"total_staff":                  {"Total staff", ""},
	"loan_officers":                {"Loan officers", ""},
	"branches":                     {"Branches", ""},
	"average_gross_loan_portfolio": {"Average gross loan portfolio", ""},
	"average_assets":               {"Average total assets", ""},
	"average_equity":               {"Average equity", ""},
	"average_active_clients":       {"Average active clients", ""},
}

// figureGroupOrder lays the statement groups out as the issue and a partner's own
// reports do: balance sheet, income statement, portfolio, outreach; then the
// averages, which only some sources publish.
var figureGroupOrder = []struct {
	group  kpi.Group
	legend string
	hint   string
}{
	{kpi.GroupBalance, "Balance sheet", "At the period end"},
	{kpi.GroupIncome, "Income statement", "Over the period, as reported: Cartera annualizes shorter periods itself"},
	{kpi.GroupPortfolio, "Portfolio", ""},
	{kpi.GroupOutreach, "Outreach", "Counts at the period end"},
	{kpi.GroupAverages, "Reported averages (optional)", "Only when the source publishes them; otherwise Cartera averages the period-end values itself"},
}

// figureGroups builds the form's fieldsets from kpi.Inputs, so a figure added there
// appears here without touching the page.
func figureGroups() []figureGroup {
	out := make([]figureGroup, 0, len(figureGroupOrder))
	for _, g := range figureGroupOrder {
		fg := figureGroup{Legend: g.legend, Hint: g.hint}
		for _, in := range kpi.Inputs {
			if in.Group != g.group {
				continue
			}
			f := figureField{Name: in.Name, Label: in.Name, Count: in.Kind == kpi.Count}
			if l, ok := figureLabels[in.Name]; ok {
				f.Label, f.Hint = l[0], l[1]
			}
			fg.Fields = append(fg.Fields, f)
		}
		out = append(out, fg)
	}
	return out
}

// The fieldsets never change: built once.
var figuresFieldsets = figureGroups()

func monthsOptions() []Option {
	opts := []Option{{"", "Choose…"}}
	for _, m := range statements.Months {
		opts = append(opts, Option{strconv.Itoa(m), strconv.Itoa(m) + " months"})
	}
	return opts
}

// figuresFormData is what the figures form needs besides the values.
type figuresFormData struct {
	Partner    partner.Partner
	Groups     []figureGroup
	Months     []Option
	Periods    []statements.Statement // the partner's stored reports, newest first: links to correct one
	Correcting bool                   // the form shows a stored report
	Action     string
}

func (h *handlers) statementForm(c *fiber.Ctx) error {
	pt, err := h.pathPartner(c)
	if err != nil {
		return err
	}
	id, ctx := pt.ID, c.UserContext()
	stored, err := h.Statements.List(ctx, id)
	if err != nil {
		return err
	}
	slices.Reverse(stored)
	p := h.page(c, "Figures of "+pt.Name, "partners")
	data := figuresFormData{Partner: pt, Groups: figuresFieldsets, Months: monthsOptions(), Periods: stored,
		Action: "/partners/" + strconv.FormatInt(id, 10) + "/statements"}
	if s := strings.TrimSpace(c.Query("period_end")); s != "" {
		p.Form["period_end"] = s
		end, err := civil.Parse(s)
		if err != nil {
			p.Errors["period_end"] = edge.DateMessage
		}
		for _, r := range stored {
			if err == nil && r.PeriodEnd.Equal(end) {
				p.Form, data.Correcting = reportValues(r.Statement), true
				p.Title = "Correct figures of " + pt.Name
				break
			}
		}
	}
	if !data.Correcting && len(stored) > 0 {
		// A new period is most likely reported as the last one was.
		p.Form["currency"], p.Form["months"] = stored[0].Currency, strconv.Itoa(stored[0].Months)
	}
	p.Data = data
	return h.render(c, fiber.StatusOK, "statement_form", p)
}

// reportValues writes a stored report as the form shows it: figures as plain
// decimals (1707001.66), the way they are typed and imported.
func reportValues(r kpi.Statement) map[string]string {
	v := map[string]string{"period_end": r.PeriodEnd.Format(civil.Layout), "months": strconv.Itoa(r.Months), "currency": r.Currency}
	for _, in := range kpi.Inputs {
		if d := in.Get(&r.Figures); d != nil {
			v[in.Name] = statements.FormatDecimal(*d)
		}
	}
	return v
}

func (h *handlers) putStatement(c *fiber.Ctx) error {
	pt, err := h.pathPartner(c)
	if err != nil {
		return err
	}
	id, ctx := pt.ID, c.UserContext()
	p := h.page(c, "Figures of "+pt.Name, "partners")
	p.Form = formValues(c)
	data := figuresFormData{Partner: pt, Groups: figuresFieldsets, Months: monthsOptions(), Action: "/partners/" + strconv.FormatInt(id, 10) + "/statements"}
	p.Data = data
	// failed shows the form again as it was opened: with the stored periods to choose
	// from, and still correcting when the period typed is a stored one.
	failed := func(err error) error {
		stored, lerr := h.Statements.List(ctx, id)
		if lerr != nil {
			return lerr
		}
		slices.Reverse(stored)
		data.Periods = stored
		if end, perr := civil.Parse(strings.TrimSpace(p.Form["period_end"])); perr == nil {
			for _, r := range stored {
				if r.PeriodEnd.Equal(end) {
					data.Correcting = true
					p.Title = "Correct figures of " + pt.Name
				}
			}
		}
		p.Data = data
		return h.formFailed(c, "statement_form", p, err)
	}

	var bad fieldErrors
	r := readReport(p.Form, &bad)
	if err := bad.Err(); err != nil {
		// Check the rest with the domain's rules too, so every bad field is marked at once.
		statements.Normalize(&r)
		verr := statements.Validate(r, h.today())
		if e, ok := apperr.As(verr); ok && len(bad.Fields) > 0 {
			// "a report needs at least one figure" is wrong when one was typed but unreadable.
			e.Fields = slices.DeleteFunc(slices.Clone(e.Fields), func(f apperr.FieldError) bool { return f.Field == "figures" })
			if len(e.Fields) == 0 {
				verr = nil
			}
		}
		return failed(bad.merge(verr))
	}
	stored, outcome, err := h.Statements.Put(ctx, h.actor(c), id, r)
	if err != nil {
		return failed(err)
	}
	// The ratios in the message are the domain's, over the partner's whole series
	// (averages need the period 12 months earlier), as the partner page shows them.
	periods, err := h.Statements.Series(ctx, id)
	if err != nil {
		return err
	}
	return h.redirect(c, "/partners/"+strconv.FormatInt(id, 10), figuresSavedMessage(stored.Statement, outcome, periods))
}

// readReport copies the form onto a report; values that cannot even be read (a
// word where a number goes) are noted in bad, the rest is left to the domain's rules.
func readReport(form map[string]string, bad *fieldErrors) kpi.Statement {
	r := kpi.Statement{Currency: form["currency"]}
	// Not required here: the domain says so, in its words, when it is missing.
	r.PeriodEnd = bad.date("period_end", form["period_end"], false)
	if m := bad.integer("months", form["months"], "must be 3, 6 or 12 (the months the period covers)"); m != nil {
		r.Months = *m
	}
	for _, in := range kpi.Inputs {
		in.Set(&r.Figures, bad.amount(in.Name, form[in.Name], false))
	}
	return r
}

// headlineRatios are shown after a save: the portfolio's quality and its cost, the
// two a credit manager checks first.
var headlineRatios = []struct {
	name  kpi.Name
	label string
}{{kpi.PAR30Ratio, "PAR30"}, {kpi.OperatingExpenseRatio, "OER"}}

func figuresSavedMessage(r kpi.Statement, outcome statements.Outcome, periods []kpi.Period) string {
	what := map[statements.Outcome]string{statements.Created: "created", statements.Replaced: "replaced with the corrected values",
		statements.Unchanged: "unchanged: they are the ones already stored"}[outcome]
	msg := fmt.Sprintf("Figures for the period ending %s %s.", r.PeriodEnd.Format(civil.Layout), what)
	for _, p := range periods {
		if !p.PeriodEnd.Equal(r.PeriodEnd) {
			continue
		}
		parts := make([]string, 0, len(headlineRatios))
		for _, hr := range headlineRatios {
			v := "n/a"
			if x := p.Ratios[hr.name].Value; x != nil {
				v = view.Percent(*x)
			}
			parts = append(parts, hr.label+" "+v)
		}
		msg += " " + strings.Join(parts, ", ") + "."
	}
	return msg
}
