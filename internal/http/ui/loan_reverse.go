package ui

import (
	"fmt"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"cartera/internal/http/edge"
	"cartera/internal/ledger"
	"cartera/internal/loan"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/civil"
	"cartera/internal/platform/money"
)

// The reversal page: a transaction or rescheduling entered by mistake, the loan today
// and as it would stand without it, and why it is reversed.

type reversePage struct {
	Loan   loan.Loan
	Event  string // what is reversed, in a sentence
	Action string
	// Now and After are the loan today and without the event; After is nil when the
	// reversal cannot be made (Page.Problem says why).
	Now, After *loan.Balances
}

func reverseURL(loanID, eventID int64) string {
	return loanURL(loanID) + "/transactions/" + strconv.FormatInt(eventID, 10) + "/reverse"
}

func (h *handlers) reverseForm(c *fiber.Ctx) error {
	p := h.page(c, "", "partners")
	return h.reversePage(c, p, fiber.StatusOK)
}

// reversePage previews the reversal into p and renders it; a reversal the ledger would
// refuse shows why, with no button.
func (h *handlers) reversePage(c *fiber.Ctx, p Page, status int) error {
	loanID, eventID, err := reverseIDs(c)
	if err != nil {
		return err
	}
	pv, err := h.Loans.PreviewReversal(c.UserContext(), loanID, eventID)
	if pv.Now.State == nil {
		return err // an unknown loan: nothing to show
	}
	data := reversePage{Loan: pv.Now.Loan, Event: reversedEvent(pv), Action: reverseURL(loanID, eventID), Now: &pv.Now.Balances}
	if e, ok := apperr.As(err); ok && (e.Kind == apperr.KindInvalid || e.Kind == apperr.KindConflict) {
		p.Problem = e.Fields[0].Message
	} else if err != nil {
		return err
	} else {
		data.After = &pv.After.Balances
	}
	if _, ok := p.Form["version"]; !ok {
		p.Form["version"] = pv.Now.Version
	}
	p.Title, p.Data = "Reverse "+data.Event, data
	return h.render(c, status, "loan_reverse", p)
}

func reverseIDs(c *fiber.Ctx) (loanID, eventID int64, err error) {
	if loanID, err = edge.PathID(c, "loan"); err != nil {
		return 0, 0, err
	}
	eventID, err = edge.PathParamID(c, "transaction", "tid")
	return loanID, eventID, err
}

// reversedEvent says what a reversal would undo.
func reversedEvent(pv ledger.ReversalPreview) string {
	return describeEvent(pv.Now.Loan.Currency, pv.Transaction, pv.Rescheduling)
}

// describeEvent names a transaction or rescheduling in a sentence: "the repayment of
// 3000.00 USD on 2024-02-15", "the rescheduling of 2024-03-01".
func describeEvent(currency string, t *loan.Transaction, r *loan.Rescheduling) string {
	switch {
	case t != nil:
		cur := money.MustCurrency(currency)
		return fmt.Sprintf("the %s of %s %s on %s", t.Kind.Label(), t.Amount.Rescale(cur.Scale), cur.Code, civil.Format(t.Date))
	case r != nil:
		return "the rescheduling of " + civil.Format(r.EffectiveOn)
	}
	return "an event"
}

func (h *handlers) reverseEvent(c *fiber.Ctx) error {
	loanID, eventID, err := reverseIDs(c)
	if err != nil {
		return err
	}
	form := formValues(c)
	version := form["version"]
	r, err := h.Loans.Reverse(c.UserContext(), h.actor(c), loanID, eventID, form["reason"], &version)
	if err != nil {
		if e, ok := apperr.As(err); ok && (e.Kind == apperr.KindInvalid || e.Kind == apperr.KindConflict) {
			p := h.page(c, "", "partners")
			p.Form = form
			if e.Kind == apperr.KindConflict {
				delete(p.Form, "version") // the page now shows the loan as it stands
			}
			for _, f := range e.Fields {
				p.Errors[f.Field] = f.Message
			}
			p.Problem = "Nothing was reversed: " + e.Fields[0].Message
			return h.reversePage(c, p, e.Kind.HTTPStatus())
		}
		return err
	}
	what := describeEvent(r.Detail.Loan.Currency, r.Transaction, r.Rescheduling)
	return h.redirect(c, loanURL(loanID), "Reversed "+what+": the loan now stands as if it had never happened; both stay in its history.")
}
