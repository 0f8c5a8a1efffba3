package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/govalues/decimal"

	"cartera/internal/http/edge"
	"cartera/internal/ledger"
	"cartera/internal/loan"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/civil"
	"cartera/internal/platform/money"
)

// amountIn formats an amount with exactly the currency's decimals, as a JSON string.
func amountIn(d decimal.Decimal, scale int) string { return d.Rescale(scale).String() }

func dateString(t time.Time) string { return t.Format(civil.Layout) }

func optDate(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := dateString(*t)
	return &s
}

// loanJSON is a loan's terms and description.
type loanJSON struct {
	ID           int64  `json:"id"`
	FundID       int64  `json:"fund_id"`
	PartnerID    int64  `json:"partner_id"`
	Reference    string `json:"reference"`
	Currency     string `json:"currency"`
	Committed    string `json:"committed_amount"`
	Rate         string `json:"interest_rate"`
	DayCount     string `json:"day_count"`
	SignedOn     string `json:"signed_on"`
	FirstDueOn   string `json:"first_due_on"`
	MaturityOn   string `json:"maturity_on"`
	Amortization string `json:"amortization"`
	Frequency    string `json:"frequency"`
	GracePeriods int    `json:"grace_periods"`
	Purpose      string `json:"purpose"`
	Status       string `json:"status"`
	// The agreement's options: how repayments are applied, the default margin over
	// the contract rate on overdue principal, the prepayment fee (shares; "0": none).
	AllocationOrder string  `json:"allocation_order"`
	DefaultMargin   string  `json:"default_margin"`
	PrepaymentFee   string  `json:"prepayment_fee"`
	Disbursed       *string `json:"disbursed,omitempty"`
	Outstanding     *string `json:"outstanding_principal,omitempty"`
}

func toLoanJSON(l loan.Loan) loanJSON {
	sc := money.MustCurrency(l.Currency).Scale
	return loanJSON{
		ID: l.ID, FundID: l.FundID, PartnerID: l.PartnerID, Reference: l.Reference, Currency: l.Currency,
		Committed: amountIn(l.Committed, sc), Rate: l.Rate.Trim(0).String(), DayCount: string(l.DayCount),
		SignedOn: dateString(l.SignedOn), FirstDueOn: dateString(l.FirstDueOn), MaturityOn: dateString(l.MaturityOn),
		Amortization: string(l.Amortization), Frequency: string(l.Frequency), GracePeriods: l.GracePeriods,
		Purpose: l.Purpose, Status: string(l.Status), AllocationOrder: string(l.AllocationOrder.OrDefault()),
		DefaultMargin: l.DefaultMargin.Trim(0).String(), PrepaymentFee: l.PrepaymentFee.Trim(0).String(),
	}
}

type installmentJSON struct {
	Seq                 int    `json:"seq"`
	DueOn               string `json:"due_on"`
	Principal           string `json:"principal"`
	Interest            string `json:"interest"`
	PaidPrincipal       string `json:"paid_principal"`
	PaidInterest        string `json:"paid_interest"`
	WrittenOffPrincipal string `json:"written_off_principal"`
	WrittenOffInterest  string `json:"written_off_interest"`
	Status              string `json:"status"`
}

type transactionJSON struct {
	ID        int64  `json:"id"`
	Kind      string `json:"kind"`
	Date      string `json:"date"`
	Amount    string `json:"amount"`
	Principal string `json:"principal"`
	Interest  string `json:"interest"`
	Prepaid   string `json:"prepaid"`
	// LateInterest (interest on overdue principal, due at once) and Fee (the
	// prepayment fee): on repayments only.
	LateInterest *string `json:"late_interest,omitempty"`
	Fee          *string `json:"fee,omitempty"`
	// Overpaid is what came beyond everything owed: a credit (only when there is one).
	Overpaid *string `json:"overpaid,omitempty"`
	Reason   *string `json:"reason,omitempty"`
	// A reversal names what it reverses; a reversed transaction, its reversal and when.
	Reverses   *int64     `json:"reverses,omitempty"`
	ReversedBy *int64     `json:"reversed_by,omitempty"`
	ReversedAt *time.Time `json:"reversed_at,omitempty"`
}

type reschedulingJSON struct {
	ID           int64   `json:"id"`
	Date         string  `json:"date"`
	MaturityOn   *string `json:"maturity_on"`
	Frequency    *string `json:"frequency"`
	InterestRate *string `json:"interest_rate"`
	Reason       string  `json:"reason"`
	// Kind is the amendment (reschedule, rate_change, cancel_commitment); Amount the
	// commitment cancelled.
	Kind   string  `json:"kind"`
	Amount *string `json:"amount,omitempty"`
	// Set when the rescheduling was reversed.
	ReversedAt     *time.Time `json:"reversed_at,omitempty"`
	ReversalReason *string    `json:"reversal_reason,omitempty"`
}

// loanDetailJSON is a loan as of a date.
type loanDetailJSON struct {
	loanJSON
	AsOf             string  `json:"as_of"`
	Disbursed        string  `json:"disbursed"`
	Undisbursed      string  `json:"undisbursed"`
	PrincipalRepaid  string  `json:"principal_repaid"`
	InterestPaid     string  `json:"interest_paid"`
	WrittenOff       string  `json:"written_off"`
	Recovered        string  `json:"recovered"`
	Overpaid         string  `json:"overpaid"`
	RestructuredOn   *string `json:"restructured_on"`
	OutstandingNow   string  `json:"outstanding_principal"`
	OverduePrincipal string  `json:"overdue_principal"`
	OverdueInterest  string  `json:"overdue_interest"`
	// AccruedInterest: earned since the last due date, not yet due (month-end accrual);
	// LateInterest: interest on overdue principal, due at once and unpaid.
	AccruedInterest string             `json:"accrued_interest"`
	LateInterest    string             `json:"late_interest"`
	DaysPastDue     int                `json:"days_past_due"`
	AgingBucket     string             `json:"aging_bucket"`
	NextDueOn       *string            `json:"next_due_on"`
	NextDueAmount   *string            `json:"next_due_amount"`
	XIRR            *float64           `json:"xirr"`
	CurrentTerms    currentTermsJSON   `json:"current_terms"`
	Schedule        []installmentJSON  `json:"schedule"`
	Transactions    []transactionJSON  `json:"transactions"`
	Reschedulings   []reschedulingJSON `json:"reschedulings"`
	// Amendments are every dated change of terms: reschedulings, rate changes and
	// cancellations of commitment (reschedulings lists the first kind, as before).
	Amendments []reschedulingJSON `json:"amendments"`
	// Shadows the embedded status: the status at the as-of date.
	StatusAsOf string `json:"status"`
}

// currentTermsJSON are the terms in force at the as-of date, after reschedulings.
type currentTermsJSON struct {
	InterestRate string `json:"interest_rate"`
	Frequency    string `json:"frequency"`
	MaturityOn   string `json:"maturity_on"`
}

func toLoanDetailJSON(d ledger.Detail) loanDetailJSON {
	sc := money.MustCurrency(d.Loan.Currency).Scale
	b := d.Balances
	a := func(x decimal.Decimal) string { return amountIn(x, sc) }
	out := loanDetailJSON{
		loanJSON: toLoanJSON(d.Loan), AsOf: dateString(d.State.AsOf),
		Disbursed: a(b.Disbursed), Undisbursed: a(b.Undisbursed), PrincipalRepaid: a(b.PrincipalRepaid),
		InterestPaid: a(b.InterestPaid), WrittenOff: a(b.WrittenOff), Recovered: a(b.Recovered), Overpaid: a(d.State.Overpaid), OutstandingNow: a(b.Outstanding),
		OverduePrincipal: a(b.OverduePrincipal), OverdueInterest: a(b.OverdueInterest),
		AccruedInterest: a(b.AccruedInterest), LateInterest: a(b.LateInterest),
		DaysPastDue: b.DaysPastDue, AgingBucket: b.AgingBucket, NextDueOn: optDate(b.NextDueOn), XIRR: d.XIRR,
		StatusAsOf: string(b.Status), RestructuredOn: restructuredOn(d),
		CurrentTerms: currentTermsJSON{InterestRate: d.State.Terms.Rate.Trim(0).String(),
			Frequency: string(d.State.Terms.Frequency), MaturityOn: dateString(d.State.Terms.MaturityOn)},
		Schedule: []installmentJSON{}, Transactions: []transactionJSON{}, Reschedulings: []reschedulingJSON{}, Amendments: []reschedulingJSON{},
	}
	if b.NextDueOn != nil {
		s := a(b.NextDueAmount)
		out.NextDueAmount = &s
	}
	for _, in := range d.State.Installments {
		out.Schedule = append(out.Schedule, installmentJSON{
			Seq: in.Seq, DueOn: dateString(in.DueOn), Principal: a(in.Principal), Interest: a(in.Interest),
			PaidPrincipal: a(in.PaidPrincipal), PaidInterest: a(in.PaidInterest),
			WrittenOffPrincipal: a(in.WrittenOffPrincipal), WrittenOffInterest: a(in.WrittenOffInterest),
			Status: string(in.StatusOf(d.State.AsOf)),
		})
	}
	for _, t := range d.Transactions {
		out.Transactions = append(out.Transactions, toTransactionJSON(t, sc, d.State))
	}
	for _, r := range d.Reschedulings {
		j := toReschedulingJSON(r)
		if j.Kind == string(loan.Reschedule) {
			out.Reschedulings = append(out.Reschedulings, j)
		}
		out.Amendments = append(out.Amendments, j)
	}
	return out
}

// toTransactionJSON shows a transaction with its allocation as replayed in st (which
// is what the stored allocation also says, kept current by every write).
func toTransactionJSON(t loan.Transaction, sc int, st *loan.State) transactionJSON {
	if a, ok := st.Allocations[t.ID]; ok {
		t = t.AppliedAs(a)
	}
	out := transactionJSON{ID: t.ID, Kind: string(t.Kind), Date: dateString(t.Date), Amount: amountIn(t.Amount, sc),
		Principal: amountIn(t.Principal, sc), Interest: amountIn(t.Interest, sc), Prepaid: amountIn(t.Prepaid, sc)}
	if t.Reason != "" {
		out.Reason = &t.Reason
	}
	out.Reverses, out.ReversedBy, out.ReversedAt = t.Reverses, t.ReversedBy, t.ReversedAt
	if t.Overpaid.IsPos() {
		o := amountIn(t.Overpaid, sc)
		out.Overpaid = &o
	}
	if t.Kind == loan.Repayment {
		late, fee := amountIn(t.LateInterest, sc), amountIn(t.Fee, sc)
		out.LateInterest, out.Fee = &late, &fee
	}
	return out
}

func toReschedulingJSON(r loan.Rescheduling) reschedulingJSON {
	out := reschedulingJSON{ID: r.ID, Date: dateString(r.EffectiveOn), MaturityOn: optDate(r.NewMaturityOn), Reason: r.Reason,
		ReversedAt: r.ReversedAt, ReversalReason: r.ReversalReason, Kind: string(loan.Reschedule)}
	if r.Kind != "" {
		out.Kind = string(r.Kind)
	}
	if r.Amount != nil {
		a := r.Amount.Trim(0).String()
		out.Amount = &a
	}
	if r.NewFrequency != nil {
		f := string(*r.NewFrequency)
		out.Frequency = &f
	}
	if r.NewRate != nil {
		s := r.NewRate.Trim(0).String()
		out.InterestRate = &s
	}
	return out
}

func (h *handlers) createLoan(c *fiber.Ctx) error {
	partnerID, o, err := idAndBody(c, "partner")
	if err != nil {
		return err
	}
	in := ledger.NewLoan{PartnerID: partnerID}
	o.require("reference", "currency", "committed_amount", "interest_rate", "day_count", "signed_on",
		"first_due_on", "maturity_on", "amortization", "frequency")
	var fundID int
	if o.integer("fund_id", &fundID) {
		id := int64(fundID)
		in.FundID = &id
	}
	o.text("reference", &in.Reference)
	o.text("purpose", &in.Purpose)
	readTerms(o, &in.Terms)
	if err := o.done(); err != nil {
		return err
	}
	l, err := h.loans.Create(c.UserContext(), actor(c), in)
	if err != nil {
		return err
	}
	c.Location("/api/v1/loans/" + strconv.FormatInt(l.ID, 10))
	return c.Status(http.StatusCreated).JSON(toLoanJSON(l))
}

// Loans list pages: a hundred loans unless asked, a thousand at most (the downloads
// hold every match).
const (
	defaultLoansLimit = 100
	maxLoansLimit     = 1000
)

// loanListItemJSON is a loan in the list: its terms, its principal as recorded today,
// and what a list across partners shows beside them.
type loanListItemJSON struct {
	loanJSON
	PartnerName       string  `json:"partner_name"`
	FundName          string  `json:"fund_name"`
	RestructuredOn    *string `json:"restructured_on"`
	CurrentMaturityOn string  `json:"current_maturity_on"`
}

func toLoanListItemJSON(l ledger.Summary) loanListItemJSON {
	item := loanListItemJSON{loanJSON: toLoanJSON(l.Loan), PartnerName: l.PartnerName, FundName: l.FundName,
		RestructuredOn: optDate(l.RestructuredOn), CurrentMaturityOn: dateString(l.CurrentMaturityOn)}
	sc := money.MustCurrency(l.Currency).Scale
	d, o := amountIn(l.Disbursed, sc), amountIn(l.Outstanding, sc)
	item.Disbursed, item.Outstanding = &d, &o
	return item
}

// listLoans pages the loans of every partner by keyset (limit, next), with filters and
// a sort; format=csv or xlsx (or Accept: text/csv) downloads every match instead.
func (h *handlers) listLoans(c *fiber.Ctx) error {
	var bad apperr.Fields
	q := edge.LoanListQuery(func(k string) string { return c.Query(k) }, &bad)
	q.Limit = defaultLoansLimit
	if s := c.Query("limit"); s != "" {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 || n > maxLoansLimit {
			bad.Add("limit", "must be a whole number from 1 to %d", maxLoansLimit)
		}
		q.Limit = n
	}
	format := tableFormat(c, &bad)
	if err := bad.Err(); err != nil {
		return err
	}
	if format != "json" {
		return h.exportLoans(c, q, format)
	}
	page, err := h.loans.List(c.UserContext(), q)
	if err != nil {
		return err
	}
	items := make([]loanListItemJSON, len(page.Items))
	for i, l := range page.Items {
		items[i] = toLoanListItemJSON(l)
	}
	return c.JSON(loansPageJSON{Items: items, Total: page.Total, Next: page.Next})
}

type loansPageJSON struct {
	Items []loanListItemJSON `json:"items"`
	Total int                `json:"total"`
	// Next is the cursor of the next page, absent on the last.
	Next string `json:"next,omitempty"`
}

// exportLoans sends every loan q matches, in its order, from the first: a download
// is the whole list, whatever page it was asked from.
func (h *handlers) exportLoans(c *fiber.Ctx, q ledger.ListQuery, format string) error {
	q.Limit, q.Next = 0, ""
	page, err := h.loans.List(c.UserContext(), q)
	if err != nil {
		return err
	}
	contentType, name, body, err := ledger.Export(page.Items, format, h.clock.Today())
	if err != nil {
		return err
	}
	return edge.SendFile(c, contentType, name, body)
}

func (h *handlers) getLoan(c *fiber.Ctx) error {
	id, err := edge.PathID(c, "loan")
	if err != nil {
		return err
	}
	asOf, err := edge.Date(c, "as_of", h.clock.Today())
	if err != nil {
		return err
	}
	d, err := h.loans.Get(c.UserContext(), id, asOf)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, d.ETag())
	return c.JSON(toLoanDetailJSON(d))
}

func (h *handlers) owedOnLoan(c *fiber.Ctx) error {
	id, err := edge.PathID(c, "loan")
	if err != nil {
		return err
	}
	on, err := edge.Date(c, "date", h.clock.Today())
	if err != nil {
		return err
	}
	l, owed, err := h.loans.Owed(c.UserContext(), id, on)
	if err != nil {
		return err
	}
	sc := money.MustCurrency(l.Currency).Scale
	return c.JSON(fiber.Map{
		"loan_id": id, "date": dateString(on), "currency": l.Currency,
		"overdue_interest": amountIn(owed.OverdueInterest, sc), "overdue_principal": amountIn(owed.OverduePrincipal, sc),
		"current_interest": amountIn(owed.CurrentInterest, sc), "current_principal": amountIn(owed.CurrentPrincipal, sc),
		"future_principal": amountIn(owed.FuturePrincipal, sc), "total": amountIn(owed.Total(), sc),
		"late_interest": amountIn(owed.LateInterest, sc), "due": amountIn(owed.Due(), sc),
		"payoff_interest": amountIn(owed.PayoffInterest, sc), "prepayment_fee": amountIn(owed.PrepaymentFee, sc),
	})
}

func (h *handlers) patchLoan(c *fiber.Ctx) error {
	id, o, err := idAndBody(c, "loan")
	if err != nil {
		return err
	}
	match, err := edge.IfMatch(c)
	if err != nil {
		return err
	}
	if match == nil {
		match = func(string) bool { return true } // no If-Match: unconditional, as before ETags
	}
	l, tag, err := h.loans.EditIfMatch(c.UserContext(), actor(c), id, match, func(e *ledger.Editable) error {
		o.text("reference", &e.Reference)
		o.text("purpose", &e.Purpose)
		readTerms(o, &e.Terms)
		return o.done()
	})
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, tag)
	return c.JSON(toLoanJSON(l))
}

// postEvent records a disbursement, repayment or write-off.
func (h *handlers) postEvent(kind loan.EventKind) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, o, err := idAndBody(c, "loan")
		if err != nil {
			return err
		}
		e := loan.Event{Kind: kind}
		o.require("date", "amount")
		o.date("date", &e.On)
		o.amount("amount", &e.Amount)
		if kind == loan.WriteOff {
			o.require("reason")
		}
		if kind == loan.WriteOff || kind == loan.Recovery {
			o.text("reason", &e.Reason)
		}
		if err := o.done(); err != nil {
			return err
		}
		p, err := h.loans.Post(c.UserContext(), actor(c), id, e)
		if err != nil {
			return err
		}
		sc := money.MustCurrency(p.Detail.Loan.Currency).Scale
		return c.Status(http.StatusCreated).JSON(fiber.Map{
			"transaction": toTransactionJSON(*p.Transaction, sc, p.Detail.State),
			"loan":        toLoanDetailJSON(p.Detail),
		})
	}
}

func (h *handlers) reschedule(c *fiber.Ctx) error {
	id, o, err := idAndBody(c, "loan")
	if err != nil {
		return err
	}
	e := readRescheduling(o)
	return h.postAmendment(c, o, id, e, "rescheduling")
}

// postAmendment records a rescheduling or another amendment read from o, and answers
// it under key with the loan.
func (h *handlers) postAmendment(c *fiber.Ctx, o *object, id int64, e loan.Event, key string) error {
	if err := o.done(); err != nil {
		return err
	}
	p, err := h.loans.Post(c.UserContext(), actor(c), id, e)
	if err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(fiber.Map{key: toReschedulingJSON(*p.Rescheduling), "loan": toLoanDetailJSON(p.Detail)})
}

// amend records an amendment of a disbursed loan's terms, dated: a cancellation of
// undisbursed commitment, a rate change, or a rescheduling.
func (h *handlers) amend(c *fiber.Ctx) error {
	id, o, err := idAndBody(c, "loan")
	if err != nil {
		return err
	}
	o.require("kind")
	var kind string
	o.text("kind", &kind)
	var e loan.Event
	switch k := loan.EventKind(strings.ToLower(strings.TrimSpace(kind))); k {
	case loan.Reschedule:
		e = readRescheduling(o)
	case loan.RateChange:
		// Only the members of the kind are read: another (an amount) is refused as
		// unknown, naming it, rather than dropped.
		e = loan.Event{Kind: k}
		o.require("date", "rate")
		o.date("date", &e.On)
		var rate decimal.Decimal
		if o.amount("rate", &rate) {
			e.NewRate = &rate
		}
		o.text("reason", &e.Reason)
	case loan.CommitmentCancel:
		e = loan.Event{Kind: k}
		o.require("date", "amount")
		o.date("date", &e.On)
		o.amount("amount", &e.Amount)
		o.text("reason", &e.Reason)
	default:
		if kind != "" {
			o.bad.Add("kind", "must be one of cancel_commitment, rate_change, reschedule")
		}
		for name := range o.members {
			o.read[name] = true // which members a kind takes is unknown without one
		}
	}
	return h.postAmendment(c, o, id, e, "amendment")
}

// readRescheduling reads a rescheduling's date and new terms.
func readRescheduling(o *object) loan.Event {
	e := loan.Event{Kind: loan.Reschedule}
	o.require("date")
	o.date("date", &e.On)
	var maturity time.Time
	if o.date("maturity_on", &maturity) {
		e.NewMaturityOn = &maturity
	}
	var frequency string
	if o.has("frequency") {
		o.text("frequency", &frequency)
		f := loan.ParseFrequency(frequency)
		e.NewFrequency = &f
	}
	var rate decimal.Decimal
	if o.amount("interest_rate", &rate) {
		e.NewRate = &rate
	}
	o.text("reason", &e.Reason)
	return e
}

// reverse corrects a transaction or rescheduling entered by mistake; both it and its
// reversal stay in the loan's history.
func (h *handlers) reverse(c *fiber.Ctx) error {
	id, o, err := idAndBody(c, "loan")
	if err != nil {
		return err
	}
	eventID, err := edge.PathParamID(c, "transaction", "tid")
	if err != nil {
		return err
	}
	var reason string
	o.require("reason")
	o.text("reason", &reason)
	if err := o.done(); err != nil {
		return err
	}
	r, err := h.loans.Reverse(c.UserContext(), actor(c), id, eventID, reason, nil)
	if err != nil {
		return err
	}
	sc := money.MustCurrency(r.Detail.Loan.Currency).Scale
	out := fiber.Map{"reversal": nil, "transaction": nil, "rescheduling": nil, "loan": toLoanDetailJSON(r.Detail)}
	if r.Reversal != nil {
		out["reversal"] = toTransactionJSON(*r.Reversal, sc, r.Detail.State)
		out["transaction"] = toTransactionJSON(*r.Transaction, sc, r.Detail.State)
	}
	if r.Rescheduling != nil {
		out["rescheduling"] = toReschedulingJSON(*r.Rescheduling)
	}
	return c.Status(http.StatusCreated).JSON(out)
}

// readTerms reads into t the loan terms o has: all of them for a new loan (o requires
// them), those sent for a change.
func readTerms(o *object, t *loan.Terms) {
	if o.has("currency") && !o.isNull("currency") {
		var currency string
		o.text("currency", &currency)
		if c, err := money.ParseCurrency(currency); err != nil {
			o.bad.Add("currency", "%v", err)
		} else {
			t.Currency = c
		}
	}
	o.amount("committed_amount", &t.Committed)
	o.amount("interest_rate", &t.Rate)
	o.date("signed_on", &t.SignedOn)
	o.date("first_due_on", &t.FirstDueOn)
	o.date("maturity_on", &t.MaturityOn)
	o.integer("grace_periods", &t.GracePeriods)
	o.amount("default_margin", &t.DefaultMargin)
	o.amount("prepayment_fee", &t.PrepaymentFee)
	for name, set := range map[string]func(string){
		"allocation_order": func(v string) { t.Order = loan.AllocationOrder(strings.ToLower(strings.TrimSpace(v))) },
		"day_count":        func(v string) { t.DayCount = loan.ParseDayCount(v) },
		"amortization":     func(v string) { t.Amortization = loan.ParseAmortization(v) },
		"frequency":        func(v string) { t.Frequency = loan.ParseFrequency(v) },
	} {
		if o.has(name) {
			var v string
			o.text(name, &v)
			set(v)
		}
	}
}

// cancelLoan cancels a loan nothing was disbursed on: it stays listed, out of every total.
func (h *handlers) cancelLoan(c *fiber.Ctx) error {
	id, o, err := idAndBody(c, "loan")
	if err != nil {
		return err
	}
	var reason string
	o.require("reason")
	o.text("reason", &reason)
	if err := o.done(); err != nil {
		return err
	}
	l, err := h.loans.Cancel(c.UserContext(), actor(c), id, reason)
	if err != nil {
		return err
	}
	return c.JSON(toLoanJSON(l))
}

// restructuredOn is the date of the rescheduling that moved overdue amounts, when it
// is on or before the as-of date: from it the loan counts as at risk.
func restructuredOn(d ledger.Detail) *string {
	if !d.Balances.Restructured {
		return nil
	}
	return optDate(d.State.RestructuredOn)
}
