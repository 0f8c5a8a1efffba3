package ledger

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"strings"

	"cartera/internal/fund"
	"cartera/internal/loan"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/civil"
	"cartera/internal/platform/db"
	"cartera/internal/platform/money"
)

// This file holds what lets a person decide before anything is written: how an event
// would be applied (a dry run of Post), and the version a page showed, so a decision
// taken on an outdated page is refused. (The schedule new terms would give is the
// engine's: loan.ProjectedSchedule.)

// Preview is how an event would be applied, had it been posted.
type Preview struct {
	Loan loan.Loan
	// Owed is what was owed on the event's date before it: the most a repayment may be.
	Owed loan.Owed
	// Allocation is how a repayment or write-off would be applied.
	Allocation loan.Allocation
}

// Preview checks an event as PostIfUnchanged would (Post when version is empty), and
// replays the loan's history with it, but writes nothing: the errors are Post's, the
// allocation the one Post would store.
func (s *Service) Preview(ctx context.Context, loanID int64, version string, e loan.Event) (Preview, error) {
	var l loan.Loan
	if err := s.q.Get.GetContext(ctx, &l, loanID); err != nil {
		if db.IsNoRows(err) {
			return Preview{}, apperr.NotFound("loan %d does not exist", loanID)
		}
		return Preview{}, fmt.Errorf("get loan %d: %w", loanID, err)
	}
	l = loan.Normalize(l)
	if l.Status == loan.Cancelled {
		return Preview{}, apperr.Conflict("", fmt.Sprintf("loan %s was cancelled: nothing can be recorded on it", l.Reference))
	}
	txs, rs, err := s.history(ctx, s.conn, loanID)
	if err != nil {
		return Preview{}, err
	}
	if version != "" {
		if err := checkVersion(l, txs, rs, version); err != nil {
			return Preview{}, err
		}
	}
	if err := s.checkEvent(l, e); err != nil {
		return Preview{}, err
	}
	if err := s.previewBooksOpen(ctx, l.FundID, func(st fund.Settings) error {
		return booksOpen(st, e.On, "date", "an entry dated "+civil.Format(e.On))
	}); err != nil {
		return Preview{}, err
	}
	history := loan.Events(txs, rs)
	owed, err := loan.OwedOn(l.Terms(), history, e.On)
	if err != nil {
		return Preview{}, err
	}
	// A new event is applied after everything already recorded on its date, as the
	// one Post stores would be (it gets the highest id).
	e.ID = math.MaxInt64
	asOf := s.clock.Today()
	if e.On.After(asOf) {
		asOf = e.On
	}
	// Replayed to the same date as Post, so that an event that would make a later one
	// invalid is refused here too.
	st, err := loan.Replay(l.Terms(), append(history, e), asOf)
	if err != nil {
		return Preview{}, err
	}
	if err := newOverpayment(l, txs, st, e); err != nil {
		return Preview{}, err
	}
	return Preview{Loan: l, Owed: owed, Allocation: st.Allocations[e.ID]}, nil
}

// historyVersion names a history: the number and the highest id of its transactions
// and of its reschedulings, how many reschedulings were reversed, and the terms. Events are only
// ever added, each with a higher id than its kind had (a transaction's reversal is one
// more), so any posting or reversal changes it.
func historyVersion(l loan.Loan, txs []loan.Transaction, rs []loan.Rescheduling) string {
	var maxTx, maxRs int64
	reversed := 0
	for _, t := range txs {
		maxTx = max(maxTx, t.ID)
	}
	for _, r := range rs {
		maxRs = max(maxRs, r.ID)
		if !r.Live() {
			reversed++
		}
	}
	return fmt.Sprintf("t%d.%d-r%d.%d-x%d-k%08x", len(txs), maxTx, len(rs), maxRs, reversed, termsPrint(l))
}

// termsPrint is a fingerprint of the loan's terms: a correction of them (before the
// first disbursement) changes the version too, so a form decided on the old terms is
// refused.
func termsPrint(l loan.Loan) uint32 {
	h := fnv.New32a()
	t := l.Terms()
	fmt.Fprint(h, t.Currency.Code, t.Committed.Trim(0), t.Rate.Trim(0), t.DayCount, civil.Format(t.SignedOn), civil.Format(t.FirstDueOn),
		civil.Format(t.MaturityOn), t.Amortization, t.Frequency, t.GracePeriods)
	return h.Sum32()
}

// checkVersion refuses an event decided on a page that showed another version of the
// history, and says what was posted since.
func checkVersion(l loan.Loan, txs []loan.Transaction, rs []loan.Rescheduling, version string) error {
	if version == historyVersion(l, txs, rs) {
		return nil
	}
	var nTx, maxTx, nRs, maxRs int64
	if _, err := fmt.Sscanf(version, "t%d.%d-r%d.%d", &nTx, &maxTx, &nRs, &maxRs); err != nil {
		maxTx, maxRs = math.MaxInt64, math.MaxInt64 // not a version: nothing to list
	}
	scale := money.MustCurrency(l.Currency).Scale
	var since []string
	for _, t := range txs {
		if t.ID > maxTx {
			since = append(since, fmt.Sprintf("a %s of %s %s on %s", t.Kind.Label(), t.Amount.Rescale(scale), l.Currency, civil.Format(t.Date)))
		}
	}
	for _, r := range rs {
		if r.ID > maxRs {
			since = append(since, "a rescheduling from "+civil.Format(r.EffectiveOn))
		}
	}
	what := "its history is not the one the page showed"
	if len(since) > 0 {
		what = strings.Join(since, ", ") + " was recorded"
		if len(since) > 1 {
			what = strings.Join(since, ", ") + " were recorded"
		}
	}
	return apperr.Conflict("", "This loan changed since you opened the page: "+what+
		". Nothing was recorded; the page now shows the loan as it stands: check your values against it and submit again.")
}
