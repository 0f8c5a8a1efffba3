package ui

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"cartera/internal/http/edge"
	"cartera/internal/ledger"
	"cartera/internal/loan"
	"cartera/internal/platform/civil"
)

// The loan's edit form: the new-loan form, filled with the loan, for every term until
// the first disbursement (after it, the ledger refuses and says to reschedule).

func (h *handlers) editLoanPage(c *fiber.Ctx) (Page, loanForm, loan.Loan, error) {
	id, err := edge.PathID(c, "loan")
	if err != nil {
		return Page{}, loanForm{}, loan.Loan{}, err
	}
	d, err := h.Loans.Get(c.UserContext(), id, h.today())
	if err != nil {
		return Page{}, loanForm{}, loan.Loan{}, err
	}
	pt, err := h.Partners.Get(c.UserContext(), d.Loan.PartnerID)
	if err != nil {
		return Page{}, loanForm{}, loan.Loan{}, err
	}
	f := loanForm{Partner: pt, Action: loanURL(id) + "/edit", Editing: true,
		DayCounts: withCurrent(dayCountOptions, string(d.Loan.DayCount)), Amortizations: amortizationOptions, Frequencies: frequencyOptions}
	p := h.page(c, "Correct loan "+d.Loan.Reference, "partners")
	return p, f, d.Loan, nil
}

// withCurrent keeps a stored value the options no longer offer (a legacy day count).
func withCurrent(options []Option, current string) []Option {
	for _, o := range options {
		if o.Value == current {
			return options
		}
	}
	return append(append([]Option{}, options...), Option{current, current})
}

func (h *handlers) editLoanForm(c *fiber.Ctx) error {
	p, f, l, err := h.editLoanPage(c)
	if err != nil {
		return err
	}
	for k, v := range map[string]string{"reference": l.Reference, "purpose": l.Purpose, "currency": l.Currency,
		"committed_amount": l.Committed.String(), "interest_rate": l.Rate.Trim(0).String(), "day_count": string(l.DayCount),
		"signed_on": civil.Format(l.SignedOn), "first_due_on": civil.Format(l.FirstDueOn), "maturity_on": civil.Format(l.MaturityOn),
		"amortization": string(l.Amortization), "frequency": string(l.Frequency), "grace_periods": strconv.Itoa(l.GracePeriods),
		"allocation_order": string(l.AllocationOrder.OrDefault()), "default_margin": l.DefaultMargin.Trim(0).String(),
		"prepayment_fee": l.PrepaymentFee.Trim(0).String()} {
		p.Form[k] = v
	}
	p.Data = f
	return h.render(c, fiber.StatusOK, "loan_form", p)
}

// updateLoan stores the corrected loan, or, with "preview", shows its schedule.
func (h *handlers) updateLoan(c *fiber.Ctx) error {
	p, f, l, err := h.editLoanPage(c)
	if err != nil {
		return err
	}
	p.Form = formValues(c)
	p.Data = f
	var bad fieldErrors
	in := readLoanForm(p.Form, &bad)
	if _, preview := p.Form["preview"]; preview || bad.Err() != nil {
		return h.previewSchedule(c, p, f, in.Terms, &bad)
	}
	_, err = h.Loans.Edit(c.UserContext(), h.actor(c), l.ID, func(e *ledger.Editable) error {
		e.Reference, e.Purpose, e.Terms = in.Reference, in.Purpose, in.Terms
		return nil
	})
	if err != nil {
		return h.formFailed(c, "loan_form", p, err)
	}
	return h.redirect(c, loanURL(l.ID), "Loan "+in.Reference+" corrected.")
}
