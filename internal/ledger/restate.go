package ledger

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/govalues/decimal"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"cartera/internal/audit"
	"cartera/internal/book"
	"cartera/internal/loan"
	"cartera/internal/platform/civil"
	"cartera/internal/platform/db"
	"cartera/internal/platform/money"
)

// Restatement is one figure a change of the ledger's rules moved.
type Restatement struct {
	Rules      int       `db:"rules"`
	LoanID     int64     `db:"loan_id"`
	Reference  string    `db:"reference"`
	Field      string    `db:"field"`
	Before     string    `db:"before"`
	After      string    `db:"after"`
	RestatedAt time.Time `db:"restated_at"`
}

// RestateResult says what a restatement did.
type RestateResult struct {
	From, To       int // the rules the book was under, and is now
	Loans, Changed int // loans replayed, and those whose figures moved
	Refused        int // loans whose history the new rules refuse: kept, and reported
}

type restateQueries struct {
	GetRules *sqlx.Stmt `query:"get-rules"`
	SetRules *sqlx.Stmt `query:"set-rules"`
	LoanIDs  *sqlx.Stmt `query:"loan-ids"`
	Insert   *sqlx.Stmt `query:"insert-restatements"`
	List     *sqlx.Stmt `query:"list-restatements"`
}

func prepareRestate(ctx context.Context, conn *sqlx.DB) (*restateQueries, error) {
	q := &restateQueries{}
	if err := db.PrepareQueries(ctx, conn, "ledger_restate.sql", q); err != nil {
		return nil, err
	}
	return q, nil
}

// Restate brings the stored figures to the engine's rules (loan.Rules) when they were
// derived under earlier ones: every loan is replayed to today under the new rules, and
// a loan whose schedule, allocations or status moved is stored again, with its book
// ranges, one audit entry naming each figure before and after, and the same figures
// in loan_restatements (the report: ListRestatements, `cartera restatements`). Each
// loan is its own transaction under its row lock, and the rules are recorded last, so
// an interrupted restatement resumes where it stopped. A book already under the rules
// costs one query; one derived by a newer version (higher rules) is refused.
func (s *Service) Restate(ctx context.Context, actor audit.Actor, log *slog.Logger) (RestateResult, error) {
	res := RestateResult{To: loan.Rules}
	var stored string
	if err := s.restate.GetRules.GetContext(ctx, &stored); err != nil && !db.IsNoRows(err) {
		return res, fmt.Errorf("read the ledger's rules: %w", err)
	}
	res.From = loan.Rules // no record: nothing was derived under other rules
	if stored != "" {
		n, err := strconv.Atoi(stored)
		if err != nil {
			return res, fmt.Errorf("the ledger's rules %q: %w", stored, err)
		}
		res.From = n
	}
	switch {
	case res.From > loan.Rules:
		// A newer version derived this book: this one would replay it wrongly.
		return res, fmt.Errorf("the book was derived under the ledger's rules %d, and this version knows %d: run the newer version", res.From, loan.Rules)
	case res.From == loan.Rules && stored != "":
		return res, nil
	case res.From < loan.Rules:
		if err := s.restateAll(ctx, actor, log, &res); err != nil {
			return res, err
		}
	}
	if _, err := s.restate.SetRules.ExecContext(ctx, strconv.Itoa(loan.Rules)); err != nil {
		return res, fmt.Errorf("record the ledger's rules: %w", err)
	}
	return res, nil
}

func (s *Service) restateAll(ctx context.Context, actor audit.Actor, log *slog.Logger, res *RestateResult) error {
	var ids []int64
	if err := s.restate.LoanIDs.SelectContext(ctx, &ids); err != nil {
		return fmt.Errorf("list loans to restate: %w", err)
	}
	started := time.Now()
	for _, id := range ids {
		changed, err := s.restateLoan(ctx, actor, res.From, id)
		var refused *loan.EventError
		if errors.As(err, &refused) || errors.Is(err, errArithmetic) {
			// The new rules refuse this loan's history: it keeps its stored figures,
			// the report says why, and the service starts (a loan to look at, not a
			// book that cannot open).
			why := err
			if err = s.reportRefused(ctx, id, why); err == nil {
				res.Refused++
				if log != nil {
					log.Warn("a loan could not be restated under the new rules; its figures are kept", "loan", id, "why", why)
				}
			}
		}
		if err != nil {
			return err
		}
		res.Loans++
		if changed {
			res.Changed++
		}
	}
	if log != nil {
		log.Info("restated the ledger under new rules", "from", res.From, "to", res.To, "loans", res.Loans,
			"changed", res.Changed, "took", time.Since(started))
	}
	return nil
}

// restateLoan replays one loan under the current rules and stores what moved.
func (s *Service) restateLoan(ctx context.Context, actor audit.Actor, from int, id int64) (changed bool, err error) {
	err = db.InTx(ctx, s.conn, func(tx *sqlx.Tx) error {
		l, err := s.lockLoan(ctx, tx, id)
		if err != nil {
			return err
		}
		if l.Status == loan.Cancelled {
			return nil // cancelled before anything was disbursed: nothing derived counts
		}
		txs, rs, err := s.history(ctx, tx, id)
		if err != nil || len(txs)+len(rs) == 0 {
			return err // nothing happened to it: nothing derived was stored
		}
		today := s.clock.Today()
		before, err := s.storedState(ctx, tx, l, txs, rs, today)
		if err != nil {
			return err
		}
		after, err := loan.Replay(l.Terms(), loan.Events(txs, rs), today)
		if err != nil {
			var refused *loan.EventError
			if errors.As(err, &refused) {
				return err
			}
			return fmt.Errorf("restate loan %d (%s): %w: %w", id, l.Reference, errArithmetic, err)
		}
		diffs := restatedFigures(l, txs, before, after)
		if len(diffs) == 0 {
			return nil
		}
		changed = true
		return s.storeRestatement(ctx, tx, actor, from, l, txs, after, diffs)
	})
	return changed, err
}

func (s *Service) storeRestatement(ctx context.Context, tx *sqlx.Tx, actor audit.Actor, from int, l loan.Loan, txs []loan.Transaction, st *loan.State, diffs []figureChange) error {
	if err := s.storeDerived(ctx, tx, l, txs, st); err != nil {
		return err
	}
	if err := s.book.Refresh(ctx, tx, book.KeyOf(l)); err != nil {
		return err
	}
	fields, befores, afters := make([]string, len(diffs)), make([]string, len(diffs)), make([]string, len(diffs))
	was, is := map[string]string{}, map[string]string{}
	for i, d := range diffs {
		fields[i], befores[i], afters[i] = d.field, d.before, d.after
		was[d.field], is[d.field] = d.before, d.after
	}
	if _, err := tx.StmtxContext(ctx, s.restate.Insert).ExecContext(ctx, loan.Rules, l.ID, pq.Array(fields), pq.Array(befores), pq.Array(afters)); err != nil {
		return fmt.Errorf("report the restatement of loan %d: %w", l.ID, err)
	}
	return s.audit.Record(ctx, tx, actor, audit.Update, "loan", l.ID,
		map[string]any{"rules": strconv.Itoa(from), "figures": was}, map[string]any{"rules": strconv.Itoa(loan.Rules), "figures": is})
}

// ListRestatements is the report of every restatement, oldest first.
func (s *Service) ListRestatements(ctx context.Context) ([]Restatement, error) {
	out := []Restatement{}
	if err := s.restate.List.SelectContext(ctx, &out); err != nil {
		return nil, fmt.Errorf("list restatements: %w", err)
	}
	return out, nil
}

// figureChange is one stored figure and what the new rules make of it.
type figureChange struct{ field, before, after string }

// restatedFigures compares what was stored (before) with the replay under the new
// rules (after): each installment's amounts and date, each transaction's allocation,
// the status.
func restatedFigures(l loan.Loan, txs []loan.Transaction, before, after *loan.State) []figureChange {
	var out []figureChange
	note := func(field, was, is string) {
		if was != is {
			out = append(out, figureChange{field, was, is})
		}
	}
	scale := money.MustCurrency(l.Currency).Scale
	n := max(len(before.Installments), len(after.Installments))
	for i := 0; i < n; i++ {
		was, is := installmentFigures(before.Installments, i, scale), installmentFigures(after.Installments, i, scale)
		for k, name := range []string{"due_on", "principal", "interest", "paid_principal", "paid_interest", "written_off_principal", "written_off_interest", "rescheduled"} {
			note(fmt.Sprintf("installment %d %s", i+1, name), was[k], is[k])
		}
	}
	for _, t := range txs {
		if t.Kind != loan.Repayment {
			continue
		}
		a, b := before.Allocations[t.ID], after.Allocations[t.ID]
		what := fmt.Sprintf("%s %d on %s", t.Kind, t.ID, civil.Format(t.Date))
		note(what+" principal", amount(a.Principal, scale), amount(b.Principal, scale))
		note(what+" interest", amount(a.Interest, scale), amount(b.Interest, scale))
		note(what+" prepaid", amount(a.Prepaid, scale), amount(b.Prepaid, scale))
		note(what+" overpaid", amount(a.Overpaid, scale), amount(b.Overpaid, scale))
		note(what+" late_interest", amount(a.LateInterest, scale), amount(b.LateInterest, scale))
		note(what+" fee", amount(a.Fee, scale), amount(b.Fee, scale))
	}
	note("status", string(l.Status), string(after.Balances().Status))
	note("restructured_on", optionalDate(before.RestructuredOn), optionalDate(restructuredNow(after)))
	return out
}

// installmentFigures are an installment's stored figures as text, or none past the end.
func installmentFigures(in []loan.Installment, i, scale int) [8]string {
	if i >= len(in) {
		return [8]string{}
	}
	x := in[i]
	return [8]string{civil.Format(x.DueOn), amount(x.Principal, scale), amount(x.Interest, scale), amount(x.PaidPrincipal, scale),
		amount(x.PaidInterest, scale), amount(x.WrittenOffPrincipal, scale), amount(x.WrittenOffInterest, scale), strconv.FormatBool(x.Rescheduled)}
}

// amount writes an amount at its currency's scale: stored NUMERIC(19,4) and the
// engine's figures compare as the same text when they are the same amount.
func amount(d decimal.Decimal, scale int) string { return d.Trim(scale).Pad(scale).String() }

// errArithmetic marks a replay that left the decimals' range under the new rules.
var errArithmetic = errors.New("beyond the decimals' range")

// reportRefused records, for the report, that a loan kept its figures and why.
func (s *Service) reportRefused(ctx context.Context, id int64, why error) error {
	if _, err := s.restate.Insert.ExecContext(ctx, loan.Rules, id, pq.Array([]string{"not restated"}),
		pq.Array([]string{""}), pq.Array([]string{why.Error()})); err != nil {
		return fmt.Errorf("report loan %d as not restated: %w", id, err)
	}
	return nil
}

func optionalDate(d *time.Time) string {
	if d == nil {
		return ""
	}
	return civil.Format(*d)
}
