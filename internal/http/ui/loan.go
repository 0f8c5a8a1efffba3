package ui

// The loan page: terms, balances at a date, the schedule, transactions, and the forms
// that record a disbursement, a repayment (with its allocation previewed), a write-off
// or a rescheduling.

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/govalues/decimal"

	"cartera/internal/http/edge"
	"cartera/internal/ledger"
	"cartera/internal/loan"
	"cartera/internal/partner"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/civil"
	"cartera/internal/view"
)

func loanURL(id int64) string { return "/loans/" + strconv.FormatInt(id, 10) }

// The loan page.

// loanPage is everything the loan page shows.
type loanPage struct {
	Loan     loan.Loan
	Partner  partner.Partner
	AsOf     time.Time
	Today    time.Time
	Balances loan.Balances
	Owed     loan.Owed
	Terms    loan.Terms // in force at the as-of date, after reschedulings
	XIRR     *float64
	Overpaid decimal.Decimal // repaid beyond everything owed: a credit due back
	// Cancellable: nothing happened on the loan yet, so it may be cancelled.
	Cancellable bool
	Schedule    []installmentRow
	Txs         []loan.Transaction // with their allocations as of the as-of date
	Resched     []loan.Rescheduling
	// Charges: the loan has a default margin or a prepayment fee, or a repayment went
	// to late interest or a fee: the transactions show those columns.
	Charges bool
	// Version is the loan's history as the page shows it; every event form carries it.
	Version string
	// ClosedThrough is the fund's close: no entry may be dated on or before it.
	ClosedThrough *time.Time
	Frequencies   []Option
	// Open is the event form shown open with the user's values ("repayment"...).
	Open string
	// Allocation is a repayment's preview.
	Allocation *ledger.Preview
	Covenants  covenantSection
	defaults   map[string]string
}

type installmentRow struct {
	loan.Installment
	Total, Paid decimal.Decimal
	Status      string // paid, due, late, partly paid, rescheduled, written off
	Class       string // the stylesheet's paid / due / late
}

// eventForm is one event form's values and messages: the user's own for the form just
// submitted, the defaults for the others (so one form's errors stay beside its fields).
type eventForm struct {
	Kind           string
	values, errors map[string]string
}

// Value is the form's value for a field.
func (f eventForm) Value(field string) string { return f.values[field] }

// Error is the message for a field, if any.
func (f eventForm) Error(field string) string { return f.errors[field] }

// Form returns the event form of kind as the page shows it.
func (d loanPage) Form(kind string, p Page) eventForm {
	if kind == d.Open {
		return eventForm{Kind: kind, values: p.Form, errors: p.Errors}
	}
	return eventForm{Kind: kind, values: d.defaults, errors: nil}
}

func (h *handlers) showLoan(c *fiber.Ctx) error {
	id, err := edge.PathID(c, "loan")
	if err != nil {
		return err
	}
	p := h.page(c, "", "partners")
	asOf, err := edge.Date(c, "as_of", h.today())
	if err != nil {
		// A bad date is marked on the date form; the page shows today.
		if e, ok := apperr.As(err); ok && len(e.Fields) > 0 {
			p.Errors["as_of"] = e.Fields[0].Message
		}
		p.Form["as_of"] = c.Query("as_of")
	}
	if p, err = h.loanPage(c, p, id, asOf); err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, "loan", p)
}

// loanPage loads the loan as of asOf into p.
func (h *handlers) loanPage(c *fiber.Ctx, p Page, id int64, asOf time.Time) (Page, error) {
	ctx := c.UserContext()
	d, err := h.Loans.Get(ctx, id, asOf)
	if err != nil {
		return p, err
	}
	// Everything owed at the date, as a repayment that day would be allocated.
	_, owed, err := h.Loans.Owed(ctx, id, asOf)
	if err != nil {
		return p, err
	}
	pt, err := h.Partners.Get(ctx, d.Loan.PartnerID)
	if err != nil {
		return p, err
	}
	settings, err := h.Funds.Settings(ctx, d.Loan.FundID)
	if err != nil {
		return p, err
	}
	today := h.today()
	data := loanPage{Loan: d.Loan, Partner: pt, AsOf: asOf, Today: today, Balances: d.Balances, Owed: owed,
		Terms: d.State.Terms, XIRR: d.XIRR, Overpaid: d.State.Overpaid, Resched: d.Reschedulings, Version: d.Version,
		ClosedThrough: settings.BooksClosedThrough,
		Frequencies:   append([]Option{{"", "Keep " + string(d.State.Terms.Frequency)}}, frequencyOptions...),
		defaults:      map[string]string{"date": today.Format(civil.Layout), "version": d.Version}}
	for _, in := range d.State.Installments {
		data.Schedule = append(data.Schedule, newInstallmentRow(in, asOf))
	}
	data.Cancellable = d.Loan.Status == loan.Pipeline && len(loan.Events(d.Transactions, d.Reschedulings)) == 0
	for _, t := range d.Transactions {
		// As the replay at the as-of date applied it (what is stored, for today).
		if a, ok := d.State.Allocations[t.ID]; ok {
			t = t.AppliedAs(a)
		}
		data.Charges = data.Charges || t.LateInterest.IsPos() || t.Fee.IsPos()
		data.Txs = append(data.Txs, t)
	}
	data.Charges = data.Charges || d.Loan.DefaultMargin.IsPos() || d.Loan.PrepaymentFee.IsPos()
	if data.Covenants, err = h.covenantSection(ctx, d.Loan.PartnerID, id); err != nil {
		return p, err
	}
	if _, ok := p.Form["as_of"]; !ok {
		p.Form["as_of"] = asOf.Format(civil.Layout)
	}
	p.Title = "Loan " + d.Loan.Reference
	p.Data = data
	return p, nil
}

// OrderLabel names the loan's allocation order as the new-loan form does.
func (d loanPage) OrderLabel() string {
	for _, o := range orderOptions {
		if o.Value == string(d.Loan.AllocationOrder.OrDefault()) {
			return o.Label
		}
	}
	return string(d.Loan.AllocationOrder)
}

// AmortizationLabel names the loan's amortization as the new-loan form does.
func (d loanPage) AmortizationLabel() string {
	for _, o := range amortizationOptions {
		if o.Value == string(d.Loan.Amortization) {
			return o.Label
		}
	}
	return string(d.Loan.Amortization)
}

func newInstallmentRow(in loan.Installment, asOf time.Time) installmentRow {
	r := installmentRow{Installment: in, Total: plus(in.Principal, in.Interest), Paid: plus(in.PaidPrincipal, in.PaidInterest)}
	switch in.StatusOf(asOf) {
	case loan.InstallmentPaid:
		r.Status, r.Class = "paid", "paid"
	case loan.InstallmentLate:
		r.Status, r.Class = "late", "late"
	case loan.InstallmentPartial:
		r.Status, r.Class = "partly paid", "due"
	case loan.InstallmentDue:
		r.Status, r.Class = "due", "due"
	case loan.InstallmentRescheduled:
		r.Status = "rescheduled"
	case loan.InstallmentWrittenOff:
		r.Status = "written off"
	}
	return r
}

// The event forms. Each posts to its own URL with the API's field names and the
// version of the loan the page showed; a stale version is refused (409) by the
// service, under the loan's lock, so nothing is applied to a loan the user did not see.

// eventKinds names each form (and its <details>) by the event it records.
var eventKinds = map[loan.EventKind]string{
	loan.Disbursement: "disbursement", loan.Repayment: "repayment", loan.WriteOff: "writeoff", loan.Reschedule: "reschedule",
	cancelForm: "cancel", loan.Recovery: "recovery", loan.RateChange: "rate_change", loan.CommitmentCancel: "cancel_commitment",
}

// cancelForm names the cancellation's form among the event forms.
const cancelForm loan.EventKind = "cancel"

// cancelLoan cancels a loan nothing was disbursed on, then shows it.
func (h *handlers) cancelLoan(c *fiber.Ctx) error {
	id, err := edge.PathID(c, "loan")
	if err != nil {
		return err
	}
	form := formValues(c)
	l, err := h.Loans.Cancel(c.UserContext(), h.actor(c), id, form["reason"])
	if err != nil {
		return h.eventFailed(c, id, form, cancelForm, err)
	}
	return h.redirect(c, loanURL(id), "Cancelled loan "+l.Reference+": it stays listed, out of every total.")
}

func (h *handlers) postLoanEvent(kind loan.EventKind) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := edge.PathID(c, "loan")
		if err != nil {
			return err
		}
		form := formValues(c)
		var bad fieldErrors
		e := loan.Event{Kind: kind, On: bad.date("date", form["date"], false), Reason: form["reason"]}
		if a := bad.amount("amount", form["amount"], false); a != nil {
			e.Amount = *a
		}
		return h.postEvent(c, id, form, e, &bad)
	}
}

func (h *handlers) reschedule(c *fiber.Ctx) error {
	id, err := edge.PathID(c, "loan")
	if err != nil {
		return err
	}
	form := formValues(c)
	var bad fieldErrors
	e := loan.Event{Kind: loan.Reschedule, On: bad.date("date", form["date"], false), Reason: form["reason"]}
	// Left empty, a term stays as it is.
	if m := bad.date("maturity_on", form["maturity_on"], false); !m.IsZero() {
		e.NewMaturityOn = &m
	}
	if s := strings.TrimSpace(form["frequency"]); s != "" {
		f := loan.ParseFrequency(s)
		e.NewFrequency = &f
	}
	e.NewRate = rate(&bad, "interest_rate", form["interest_rate"], false)
	return h.postEvent(c, id, form, e, &bad)
}

// amend records a rate change or a cancellation of undisbursed commitment (the form's
// kind), as the API's amendments.
func (h *handlers) amend(c *fiber.Ctx) error {
	id, err := edge.PathID(c, "loan")
	if err != nil {
		return err
	}
	form := formValues(c)
	var bad fieldErrors
	kind := loan.EventKind(form["kind"])
	if kind != loan.RateChange {
		kind = loan.CommitmentCancel
	}
	e := loan.Event{Kind: kind, On: bad.date("date", form["date"], false), Reason: form["reason"]}
	if kind == loan.RateChange {
		e.NewRate = rate(&bad, "rate", form["rate"], true)
	} else if a := bad.amount("amount", form["amount"], false); a != nil {
		e.Amount = *a
	}
	return h.postEvent(c, id, form, e, &bad)
}

// postEvent records e (or, with "preview", shows how it would be applied), then
// redirects to the loan; a refusal shows the loan page with the form open.
func (h *handlers) postEvent(c *fiber.Ctx, id int64, form map[string]string, e loan.Event, bad *fieldErrors) error {
	ctx := c.UserContext()
	version := form["version"]
	if bad.Err() != nil {
		// The fields that did parse get the loan's own messages too.
		_, err := h.Loans.Preview(ctx, id, "", e)
		return h.eventFailed(c, id, form, e.Kind, bad.merge(err))
	}
	if _, preview := form["preview"]; preview {
		pv, err := h.Loans.Preview(ctx, id, version, e)
		if err != nil {
			return h.eventFailed(c, id, form, e.Kind, err)
		}
		p, err := h.loanPage(c, h.page(c, "", "partners"), id, h.today())
		if err != nil {
			return err
		}
		data := p.Data.(loanPage)
		data.Allocation = &pv
		return h.render(c, fiber.StatusOK, "loan", openForm(p, data, e.Kind, form))
	}
	posted, err := h.Loans.PostIfUnchanged(ctx, h.actor(c), id, version, e)
	if err != nil {
		return h.eventFailed(c, id, form, e.Kind, err)
	}
	return h.redirect(c, loanURL(id), postedMessage(posted))
}

// eventFailed shows the loan page as it stands with the event's form open, the user's
// values and the messages beside the fields. A stale form gets the current version, so
// that submitting it again, once checked, applies it.
func (h *handlers) eventFailed(c *fiber.Ctx, id int64, form map[string]string, kind loan.EventKind, err error) error {
	p, lerr := h.loanPage(c, h.page(c, "", "partners"), id, h.today())
	if lerr != nil {
		return lerr
	}
	data := p.Data.(loanPage)
	if apperr.IsKind(err, apperr.KindConflict) {
		form["version"] = data.Version
	}
	return h.formFailed(c, "loan", openForm(p, data, kind, form), err)
}

// openForm shows the event form of kind open, with the values the user posted.
func openForm(p Page, data loanPage, kind loan.EventKind, form map[string]string) Page {
	data.Open = eventKinds[kind]
	form["as_of"] = p.Form["as_of"] // the page's date form, not one the user posted
	p.Form, p.Data = form, data
	return p
}

// postedMessage says what was recorded, with how a repayment was applied.
func postedMessage(p ledger.Posted) string {
	cur := p.Detail.Loan.Currency
	if r := p.Rescheduling; r != nil {
		switch {
		case r.Kind == loan.RateChange && r.NewRate != nil:
			return "Rate change from " + r.EffectiveOn.Format(civil.Layout) + " recorded: " + view.Percent(*r.NewRate) + " a year."
		case r.Kind == loan.CommitmentCancel && r.Amount != nil:
			return "Cancellation of " + view.Money(*r.Amount, cur) + " of undisbursed commitment from " + r.EffectiveOn.Format(civil.Layout) + " recorded."
		}
		var changes []string
		if r.NewMaturityOn != nil {
			changes = append(changes, "maturity "+r.NewMaturityOn.Format(civil.Layout))
		}
		if r.NewFrequency != nil {
			changes = append(changes, string(*r.NewFrequency)+" installments")
		}
		if r.NewRate != nil {
			changes = append(changes, "rate "+view.Percent(*r.NewRate))
		}
		return "Rescheduling from " + r.EffectiveOn.Format(civil.Layout) + " recorded: " + strings.Join(changes, ", ") + "."
	}
	t := p.Transaction
	what := map[loan.EventKind]string{loan.Disbursement: "Disbursement", loan.Repayment: "Repayment", loan.WriteOff: "Write-off", loan.Recovery: "Recovery"}[t.Kind]
	msg := what + " of " + view.Money(t.Amount, cur) + " on " + t.Date.Format(civil.Layout) + " recorded"
	if t.Kind == loan.Repayment {
		msg += ": " + view.Money(t.Interest, cur) + " to interest, " + view.Money(t.Principal, cur) + " to principal"
		if t.Prepaid.IsPos() {
			msg += " (" + view.Money(t.Prepaid, cur) + " of it prepaid)"
		}
		if t.LateInterest.IsPos() {
			msg += ", " + view.Money(t.LateInterest, cur) + " to late interest"
		}
		if t.Fee.IsPos() {
			msg += ", " + view.Money(t.Fee, cur) + " prepayment fee"
		}
	}
	return msg + "."
}
