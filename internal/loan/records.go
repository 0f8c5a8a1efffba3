package loan

import (
	"cartera/internal/platform/civil"
	"cartera/internal/platform/money"
	"time"

	"github.com/govalues/decimal"
)

// The records of a loan as the ledger stores them: what the engine replays.

// Loan is a stored loan: its terms and what describes it.
type Loan struct {
	ID           int64           `db:"id" json:"id"`
	FundID       int64           `db:"fund_id" json:"fund_id"`
	PartnerID    int64           `db:"partner_id" json:"partner_id"`
	Reference    string          `db:"reference" json:"reference"`
	Currency     string          `db:"currency" json:"currency"`
	Committed    decimal.Decimal `db:"committed_amount" json:"committed_amount"`
	Rate         decimal.Decimal `db:"interest_rate" json:"interest_rate"`
	DayCount     DayCount        `db:"day_count" json:"day_count"`
	SignedOn     time.Time       `db:"signed_on" json:"signed_on"`
	FirstDueOn   time.Time       `db:"first_due_on" json:"first_due_on"`
	MaturityOn   time.Time       `db:"maturity_on" json:"maturity_on"`
	Amortization Amortization    `db:"amortization" json:"amortization"`
	Frequency    Frequency       `db:"frequency" json:"frequency"`
	GracePeriods int             `db:"grace_periods" json:"grace_periods"`
	Purpose      string          `db:"purpose" json:"purpose"`
	Status       Status          `db:"status" json:"status"`
	CreatedAt    time.Time       `db:"created_at" json:"created_at"`
	UpdatedAt    time.Time       `db:"updated_at" json:"updated_at"`
	// RestructuredOn is State.RestructuredOn as the last write's replay found it (read
	// with the loan by the ledger's Get, for its stored state).
	RestructuredOn *time.Time `db:"restructured_on" json:"restructured_on,omitempty"`
	// The agreement's options (Terms): allocation order, default margin, prepayment fee.
	AllocationOrder AllocationOrder `db:"allocation_order" json:"allocation_order"`
	DefaultMargin   decimal.Decimal `db:"default_margin" json:"default_margin"`
	PrepaymentFee   decimal.Decimal `db:"prepayment_fee" json:"prepayment_fee"`
	// RestructuredCure is the fund's cure setting (Terms.CureAfter), read with the loan
	// by the queries that replay it; nil: never cured.
	RestructuredCure *int `db:"restructured_cure" json:"-"`
}

// Terms are the loan's original terms, for Replay.
func (l Loan) Terms() Terms {
	t := Terms{
		Currency: money.MustCurrency(l.Currency), Committed: l.Committed, Rate: l.Rate, DayCount: l.DayCount,
		SignedOn: civil.Of(l.SignedOn), FirstDueOn: civil.Of(l.FirstDueOn), MaturityOn: civil.Of(l.MaturityOn),
		Amortization: l.Amortization, Frequency: l.Frequency, GracePeriods: l.GracePeriods,
		Order: l.AllocationOrder, DefaultMargin: l.DefaultMargin, PrepaymentFee: l.PrepaymentFee,
	}
	if l.RestructuredCure != nil {
		t.CureAfter = *l.RestructuredCure
	}
	return t
}

// Transaction is money that moved on a loan, with how it was applied.
type Transaction struct {
	ID        int64           `db:"id"`
	LoanID    int64           `db:"loan_id"`
	Kind      EventKind       `db:"kind"`
	Date      time.Time       `db:"value_date"`
	Amount    decimal.Decimal `db:"amount"`
	Principal decimal.Decimal `db:"principal"`
	Interest  decimal.Decimal `db:"interest"`
	Prepaid   decimal.Decimal `db:"prepaid"`
	Overpaid  decimal.Decimal `db:"overpaid"` // beyond everything owed: a credit (see Allocation)
	// LateInterest and Fee are the repayment's late interest and prepayment fee.
	LateInterest decimal.Decimal `db:"late_interest"`
	Fee          decimal.Decimal `db:"fee"`
	Reason       string          `db:"reason"`
	CreatedAt    time.Time       `db:"created_at"`
	// Reverses is, on a reversal, the transaction it reverses; ReversedBy and
	// ReversedAt are, on a reversed transaction, its reversal and when it was recorded.
	Reverses   *int64     `db:"reverses"`
	ReversedBy *int64     `db:"reversed_by"`
	ReversedAt *time.Time `db:"reversed_at"`
}

// AppliedAs is the transaction with the allocation a replay gave it (a has what every
// column of the allocation holds).
func (t Transaction) AppliedAs(a Allocation) Transaction {
	t.Principal, t.Interest, t.Prepaid, t.Overpaid, t.LateInterest, t.Fee = a.Principal, a.Interest, a.Prepaid, a.Overpaid, a.LateInterest, a.Fee
	return t
}

// Live reports whether the transaction counts: neither reversed nor a reversal.
func (t Transaction) Live() bool { return t.ReversedBy == nil && t.Kind != Reversal }

// Rescheduling is a change of terms from a date.
type Rescheduling struct {
	ID            int64            `db:"id"`
	LoanID        int64            `db:"loan_id"`
	EffectiveOn   time.Time        `db:"effective_on"`
	NewMaturityOn *time.Time       `db:"new_maturity_on"`
	NewFrequency  *Frequency       `db:"new_frequency"`
	NewRate       *decimal.Decimal `db:"new_interest_rate"`
	Reason        string           `db:"reason"`
	CreatedAt     time.Time        `db:"created_at"`
	// Kind is the amendment: Reschedule, RateChange (NewRate) or CommitmentCancel
	// (Amount); empty reads as Reschedule.
	Kind   EventKind        `db:"kind"`
	Amount *decimal.Decimal `db:"amount"`
	// ReversedAt and ReversalReason are set when the rescheduling was reversed.
	ReversedAt     *time.Time `db:"reversed_at"`
	ReversalReason *string    `db:"reversal_reason"`
}

// Live reports whether the rescheduling counts: it was not reversed.
func (r Rescheduling) Live() bool { return r.ReversedAt == nil }

// Normalize makes a stored loan's dates civil (midnight UTC), as the engine compares them.
func Normalize(l Loan) Loan {
	l.SignedOn, l.FirstDueOn, l.MaturityOn = civil.Of(l.SignedOn), civil.Of(l.FirstDueOn), civil.Of(l.MaturityOn)
	if l.RestructuredOn != nil {
		d := civil.Of(*l.RestructuredOn)
		l.RestructuredOn = &d
	}
	return l
}

// LastEvent is the date of the latest transaction or rescheduling.
func LastEvent(txs []Transaction, rs []Rescheduling) time.Time {
	var last time.Time
	for _, t := range txs {
		if t.Date.After(last) {
			last = t.Date
		}
	}
	for _, r := range rs {
		if r.EffectiveOn.After(last) {
			last = r.EffectiveOn
		}
	}
	return last
}

// Events are a loan's transactions and reschedulings as the engine replays them: the
// live ones (reversals and what they reverse are left out).
func Events(txs []Transaction, rs []Rescheduling) []Event {
	out := make([]Event, 0, len(txs)+len(rs))
	for _, t := range txs {
		if t.Live() {
			out = append(out, Event{ID: t.ID, Kind: t.Kind, On: t.Date, Amount: t.Amount, Reason: t.Reason})
		}
	}
	for _, r := range rs {
		if r.Live() {
			e := Event{ID: r.ID, Kind: r.Kind, On: r.EffectiveOn, NewMaturityOn: r.NewMaturityOn, NewFrequency: r.NewFrequency,
				NewRate: r.NewRate, Reason: r.Reason}
			if e.Kind == "" {
				e.Kind = Reschedule
			}
			if r.Amount != nil {
				e.Amount = *r.Amount
			}
			out = append(out, e)
		}
	}
	return out
}

// ByLoan files many loans' transactions and reschedulings by loan, dates made civil.
func ByLoan(txs []Transaction, rs []Rescheduling) (map[int64][]Transaction, map[int64][]Rescheduling) {
	txByLoan := map[int64][]Transaction{}
	for _, t := range txs {
		t.Date = civil.Of(t.Date)
		txByLoan[t.LoanID] = append(txByLoan[t.LoanID], t)
	}
	rsByLoan := map[int64][]Rescheduling{}
	for _, r := range rs {
		r.EffectiveOn = civil.Of(r.EffectiveOn)
		if r.NewMaturityOn != nil {
			m := civil.Of(*r.NewMaturityOn)
			r.NewMaturityOn = &m
		}
		rsByLoan[r.LoanID] = append(rsByLoan[r.LoanID], r)
	}
	return txByLoan, rsByLoan
}
