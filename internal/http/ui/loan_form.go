package ui

import (
	"cartera/internal/ledger"
	"cartera/internal/loan"
	"cartera/internal/partner"
	"cartera/internal/platform/civil"
	"cartera/internal/platform/money"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/govalues/decimal"
)

// The new-loan form, with a preview of the schedule its terms give.

var (
	dayCountOptions = []Option{
		// As agreements name them; the legacy "30/360 whole-month" stays accepted by the
		// API for loans stored with it, and is not offered for new ones.
		{string(loan.ACT360), "ACT/360 (actual days over 360)"},
		{string(loan.ACT365F), "ACT/365F (actual days over 365, fixed)"},
		{string(loan.ACTACTISDA), "ACT/ACT ISDA (days in a leap year over 366, others over 365)"},
		{string(loan.Thirty360), "30/360 (US bond basis, 30-day months)"},
		{string(loan.Thirty360E), "30E/360 (Eurobond basis)"},
		{string(loan.Thirty360EISDA), "30E/360 ISDA (February's end at maturity counts as it is)"},
	}
	amortizationOptions = []Option{
		{string(loan.EqualPrincipal), "Equal principal"},
		{string(loan.Annuity), "Annuity (equal installments)"},
		{string(loan.Bullet), "Bullet (all principal at maturity)"},
	}
	// The allocation order: a new loan left at "" takes its fund's default.
	orderOptions = []Option{
		{"", "The fund's default"},
		{string(loan.InterestFirst), "Interest first (all overdue interest, then principal)"},
		{string(loan.InstallmentByInstallment), "Installment by installment (the oldest whole, then the next)"},
	}
	frequencyOptions = []Option{
		{string(loan.Monthly), "Monthly"},
		{string(loan.Quarterly), "Quarterly"},
		{string(loan.Semiannual), "Semiannual"},
		{string(loan.Annual), "Annual"},
	}
)

// loanForm is what the new-loan form needs besides the values.
type loanForm struct {
	Partner       partner.Partner
	Action        string
	Editing       bool // a stored loan's terms, corrected before its first disbursement
	Funds         []Option
	DayCounts     []Option
	Amortizations []Option
	Frequencies   []Option
	Orders        []Option
	// Schedule is the preview of what the terms give, nil until asked for.
	Schedule *schedulePreview
}

// schedulePreview is the schedule new terms would give, fully disbursed on signing.
type schedulePreview struct {
	Currency                   string
	Rows                       []scheduleRow
	Principal, Interest, Total decimal.Decimal
}

type scheduleRow struct {
	Seq                        int
	DueOn                      time.Time
	Principal, Interest, Total decimal.Decimal
}

// newLoanPage starts the new-loan form for the partner in the path: the partner and
// the funds to choose from.
func (h *handlers) newLoanPage(c *fiber.Ctx) (Page, loanForm, error) {
	pt, err := h.pathPartner(c)
	if err != nil {
		return Page{}, loanForm{}, err
	}
	funds, err := h.Funds.List(c.UserContext())
	if err != nil {
		return Page{}, loanForm{}, err
	}
	f := loanForm{Partner: pt, Action: "/partners/" + strconv.FormatInt(pt.ID, 10) + "/loans/new",
		DayCounts: dayCountOptions, Amortizations: amortizationOptions, Frequencies: frequencyOptions, Orders: orderOptions}
	if len(funds) != 1 {
		f.Funds = append(f.Funds, Option{"", "Choose…"})
	}
	p := h.page(c, "New loan to "+pt.Name, "partners")
	for _, fd := range funds {
		f.Funds = append(f.Funds, Option{strconv.FormatInt(fd.ID, 10), fd.Name + " (" + fd.BaseCurrency + ")"})
		if len(funds) == 1 {
			p.Form["fund_id"], p.Form["currency"] = strconv.FormatInt(fd.ID, 10), fd.BaseCurrency
		}
	}
	return p, f, nil
}

func (h *handlers) newLoanForm(c *fiber.Ctx) error {
	p, f, err := h.newLoanPage(c)
	if err != nil {
		return err
	}
	for k, v := range map[string]string{"signed_on": h.today().Format(civil.Layout), "day_count": string(loan.ACT360),
		"amortization": string(loan.EqualPrincipal), "frequency": string(loan.Quarterly), "grace_periods": "0"} {
		p.Form[k] = v
	}
	p.Data = f
	return h.render(c, fiber.StatusOK, "loan_form", p)
}

// createLoan saves the new loan, or, with "preview", shows the schedule its terms give
// and saves nothing.
func (h *handlers) createLoan(c *fiber.Ctx) error {
	p, f, err := h.newLoanPage(c)
	if err != nil {
		return err
	}
	p.Form = formValues(c)
	p.Data = f
	var bad fieldErrors
	in := readLoanForm(p.Form, &bad)
	in.PartnerID = f.Partner.ID
	if _, preview := p.Form["preview"]; preview {
		return h.previewSchedule(c, p, f, in.Terms, &bad)
	}
	if err := bad.Err(); err != nil {
		// Check the rest too, so every bad field is marked at once.
		return h.formFailed(c, "loan_form", p, bad.merge(in.Validate()))
	}
	created, err := h.Loans.Create(c.UserContext(), h.actor(c), in)
	if err != nil {
		return h.formFailed(c, "loan_form", p, err)
	}
	return h.redirect(c, loanURL(created.ID), "Loan "+created.Reference+" to "+f.Partner.Name+" created. Its schedule follows the disbursements you record.")
}

// readLoanForm reads the new-loan form in the API's terms; what does not even parse is
// noted in bad (left zero in the loan), the rest is left to the loan's rules.
func readLoanForm(form map[string]string, bad *fieldErrors) ledger.NewLoan {
	in := ledger.NewLoan{Reference: form["reference"], Purpose: form["purpose"]}
	if s := strings.TrimSpace(form["fund_id"]); s != "" {
		if id, err := strconv.ParseInt(s, 10, 64); err == nil {
			in.FundID = &id
		} else {
			bad.Add("fund_id", "must be a fund id")
		}
	}
	if s := strings.TrimSpace(form["currency"]); s == "" {
		bad.Add("currency", "is required")
	} else if cur, err := money.ParseCurrency(s); err != nil {
		bad.Add("currency", "%v", err)
	} else {
		in.Currency = cur
	}
	if a := bad.amount("committed_amount", form["committed_amount"], true); a != nil {
		in.Committed = *a
	}
	if r := rate(bad, "interest_rate", form["interest_rate"], true); r != nil {
		in.Rate = *r
	}
	in.DayCount = loan.ParseDayCount(form["day_count"])
	in.SignedOn = bad.date("signed_on", form["signed_on"], true)
	in.FirstDueOn = bad.date("first_due_on", form["first_due_on"], true)
	in.MaturityOn = bad.date("maturity_on", form["maturity_on"], true)
	in.Amortization = loan.ParseAmortization(form["amortization"])
	in.Frequency = loan.ParseFrequency(form["frequency"])
	if n := bad.integer("grace_periods", form["grace_periods"], "must be a whole number of installments"); n != nil {
		in.GracePeriods = *n
	}
	in.Order = loan.AllocationOrder(strings.TrimSpace(form["allocation_order"]))
	for field, dst := range map[string]*decimal.Decimal{"default_margin": &in.DefaultMargin, "prepayment_fee": &in.PrepaymentFee} {
		if r := rate(bad, field, form[field], false); r != nil {
			*dst = *r
		}
	}
	return in
}

// rate reads an annual interest rate as the API has it: a fraction, 0.125 for 12.5 %.
// The range is the loan's rule (it catches 12.5 typed for 12.5 %).
func rate(bad *fieldErrors, field, s string, required bool) *decimal.Decimal {
	s = strings.TrimSpace(s)
	if s == "" {
		if required {
			bad.Add(field, "is required")
		}
		return nil
	}
	d, err := decimal.Parse(s)
	if err != nil {
		bad.Add(field, "must be a fraction such as 0.125 (for 12.5 %%)")
		return nil
	}
	return &d
}

func newSchedulePreview(currency string, sched []loan.Installment) *schedulePreview {
	sp := &schedulePreview{Currency: currency}
	for _, in := range sched {
		row := scheduleRow{Seq: in.Seq, DueOn: in.DueOn, Principal: in.Principal, Interest: in.Interest, Total: plus(in.Principal, in.Interest)}
		sp.Rows = append(sp.Rows, row)
		sp.Principal, sp.Interest, sp.Total = plus(sp.Principal, row.Principal), plus(sp.Interest, row.Interest), plus(sp.Total, row.Total)
	}
	return sp
}

// plus adds two amounts for a total line; amounts are bounded far below where the
// decimal type overflows (NUMERIC(19,4)).
func plus(a, b decimal.Decimal) decimal.Decimal {
	s, err := a.Add(b)
	if err != nil {
		panic(err)
	}
	return s
}

// previewSchedule shows the loan form with the schedule the terms give (or what is
// wrong with them), saving nothing. Only the terms matter to the schedule: the
// reference may come later.
func (h *handlers) previewSchedule(c *fiber.Ctx, p Page, f loanForm, terms loan.Terms, bad *fieldErrors) error {
	sched, err := loan.ProjectedSchedule(terms)
	if err := bad.merge(err); err != nil {
		return h.formFailed(c, "loan_form", p, err)
	}
	f.Schedule = newSchedulePreview(terms.Currency.Code, sched)
	p.Data = f
	return h.render(c, fiber.StatusOK, "loan_form", p)
}
