package fund

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"cartera/internal/audit"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/civil"
	"cartera/internal/platform/db"
)

// AllocationOrder is the order in which a repayment settles what a loan owes.
type AllocationOrder string

// The allocation orders a fund may give its new loans.
const (
	// InterestFirst settles overdue interest, then overdue principal, then current
	// items, oldest first: the rule of every loan before fund settings existed.
	InterestFirst AllocationOrder = "interest_first"
	// InstallmentByInstallment settles each installment whole, oldest first, before
	// the next.
	InstallmentByInstallment AllocationOrder = "installment_by_installment"
)

// AllocationOrders are the orders a fund may choose, the default first.
var AllocationOrders = []AllocationOrder{InterestFirst, InstallmentByInstallment}

// MaxCureInstallments is the most consecutive on-time installments a fund may ask of a
// restructured loan before it is cured: three years of monthly installments.
const MaxCureInstallments = 36

const (
	allocationOrderMessage = "must be interest_first or installment_by_installment"
	cureMessage            = "must be a whole number of installments from 1 to 36, or empty (null): never cured"
)

// Settings are what a fund decides for its loans. The ledger reads them by fund
// (Service.Settings, or Service.LockSettings inside a write's transaction).
type Settings struct {
	// AllocationOrder is the order a NEW loan of the fund takes; a loan keeps the one
	// it was given.
	AllocationOrder AllocationOrder `db:"allocation_order" json:"allocation_order"`
	// RestructuredCureInstallments is after how many consecutive installments paid on
	// time a restructured loan is cured (1 to 36); nil: never.
	RestructuredCureInstallments *int `db:"restructured_cure_installments" json:"restructured_cure_installments"`
	// BooksClosedThrough is the fund's month-end close: no write to a loan of the fund
	// may change anything on or before it. nil: nothing is closed.
	BooksClosedThrough *time.Time `db:"books_closed_through" json:"books_closed_through"`
}

// DefaultSettings are a new fund's: interest first, never cured, nothing closed.
func DefaultSettings() Settings { return Settings{AllocationOrder: InterestFirst} }

// Validate reports every setting that breaks a rule, naming the API's fields. The books
// may be closed through today at the latest: a close is of days that have passed.
func (st Settings) Validate(today time.Time) error {
	var bad apperr.Fields
	switch st.AllocationOrder {
	case InterestFirst, InstallmentByInstallment:
	default:
		bad.Add("allocation_order", allocationOrderMessage)
	}
	if n := st.RestructuredCureInstallments; n != nil && (*n < 1 || *n > MaxCureInstallments) {
		bad.Add("restructured_cure_installments", cureMessage)
	}
	if d := st.BooksClosedThrough; d != nil && civil.Of(*d).After(civil.Of(today)) {
		bad.Add("books_closed_through", "cannot be after today (%s): books are closed through a day that has passed", civil.Format(today))
	}
	return bad.Err()
}

// ClosedOn reports whether the books are closed on the date: it is on or before the close.
func (st Settings) ClosedOn(on time.Time) bool {
	return st.BooksClosedThrough != nil && !civil.Of(on).After(*st.BooksClosedThrough)
}

func (st Settings) normalize() Settings {
	if st.BooksClosedThrough != nil {
		d := civil.Of(*st.BooksClosedThrough)
		st.BooksClosedThrough = &d
	}
	return st
}

// Settings reads one fund's settings; an unknown id is a 404. To decide a write by them,
// read them with LockSettings in the write's transaction instead.
func (s *Service) Settings(ctx context.Context, id int64) (Settings, error) {
	f, err := s.Get(ctx, id)
	return f.Settings, err
}

// LockSettings reads one fund's settings inside tx under a share lock on the fund's row,
// held until tx ends: a change of the settings waits for tx to commit, and tx waits for
// a change in flight, then reads it. The ledger decides its writes by them this way, so
// a close of the books cannot race a write into the closed period.
func (s *Service) LockSettings(ctx context.Context, tx *sqlx.Tx, id int64) (Settings, error) {
	var st Settings
	if err := tx.StmtxContext(ctx, s.q.Lock).GetContext(ctx, &st, id); err != nil {
		if db.IsNoRows(err) {
			return Settings{}, notFound(id)
		}
		return Settings{}, fmt.Errorf("settings of fund %d: %w", id, err)
	}
	return st.normalize(), nil
}

// UpdateSettings applies change to the fund's settings under its row lock, checks the
// result and stores it with an audit entry (the fund before and after) in one
// transaction. Any valid change is allowed (the callers admit admins only), re-opening
// closed books (moving books_closed_through back, or clearing it) included: the audit
// log keeps it. A change that changes nothing writes nothing. An invalid error from
// change (what could not be read) is reported with the rules the rest breaks.
func (s *Service) UpdateSettings(ctx context.Context, actor audit.Actor, id int64, change func(*Settings) error) (Fund, error) {
	var after Fund
	cureChanged := false
	err := db.InTx(ctx, s.conn, func(tx *sqlx.Tx) error {
		var before Fund
		if err := tx.StmtxContext(ctx, s.q.ForUpdate).GetContext(ctx, &before, id); err != nil {
			if db.IsNoRows(err) {
				return notFound(id)
			}
			return fmt.Errorf("lock fund %d: %w", id, err)
		}
		before = normalize(before)
		st := before.Settings
		if err := change(&st); err != nil {
			return withRules(err, st.normalize().Validate(s.clock.Today()))
		}
		st = st.normalize()
		if err := st.Validate(s.clock.Today()); err != nil {
			return err
		}
		if st.equal(before.Settings) {
			after = before
			return nil
		}
		var closed any // NULL, or the date as PostgreSQL reads it
		if st.BooksClosedThrough != nil {
			closed = civil.Format(*st.BooksClosedThrough)
		}
		if err := tx.StmtxContext(ctx, s.q.Update).GetContext(ctx, &after, id, st.AllocationOrder, st.RestructuredCureInstallments, closed); err != nil {
			return db.TranslateError(err, constraints)
		}
		after = normalize(after)
		cureChanged = !sameCure(st, before.Settings)
		return s.audit.Record(ctx, tx, actor, audit.Update, "fund", id, before, after)
	})
	if err == nil && cureChanged && s.cureChanged != nil {
		// After the commit, each loan in its own transaction, locked as a write locks
		// it (the loan, then the fund): holding the fund while locking its loans would
		// deadlock with a write doing the reverse.
		if err := s.cureChanged(ctx, id); err != nil {
			return after, fmt.Errorf("the settings are saved; re-deriving the fund's loans under the new cure failed "+
				"(each is re-derived at its next write): %w", err)
		}
	}
	return after, err
}

func sameCure(a, b Settings) bool {
	return (a.RestructuredCureInstallments == nil) == (b.RestructuredCureInstallments == nil) &&
		(a.RestructuredCureInstallments == nil || *a.RestructuredCureInstallments == *b.RestructuredCureInstallments)
}

func (st Settings) equal(o Settings) bool {
	sameInt := sameCure(st, o)
	sameDate := (st.BooksClosedThrough == nil) == (o.BooksClosedThrough == nil) &&
		(st.BooksClosedThrough == nil || st.BooksClosedThrough.Equal(*o.BooksClosedThrough))
	return st.AllocationOrder == o.AllocationOrder && sameInt && sameDate
}

// withRules adds to an invalid err the fields of rules (an invalid error too, or nil)
// it does not name already, so that every problem is reported at once; an error of
// another kind is returned as it is.
func withRules(err, rules error) error {
	e, ok := apperr.As(err)
	r, rok := apperr.As(rules)
	if !ok || e.Kind != apperr.KindInvalid || !rok {
		return err
	}
	named := map[string]bool{}
	fields := append([]apperr.FieldError(nil), e.Fields...)
	for _, f := range fields {
		named[f.Field] = true
	}
	for _, f := range r.Fields {
		if !named[f.Field] {
			fields = append(fields, f)
		}
	}
	return apperr.Invalid(fields...)
}
