package watchlist

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/govalues/decimal"
	"github.com/lib/pq"

	"cartera/internal/covenant"
	"cartera/internal/platform/civil"
)

// pastDueDays is how late a loan must be to be watched: more than 30 days.
const pastDueDays = 30

// openBreaches adds each open breach, since the day it was found (UTC, as the clock).
// The rows are scanned by hand, their dates as day numbers: on the large book (5,272
// open breaches) sqlx's reflection and lib/pq's timestamp parsing were most of the
// list's time.
func (s *Service) openBreaches(ctx context.Context, today time.Time, found map[int64][]Item) error {
	rows, err := s.q.Breaches.QueryContext(ctx, today)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var partnerID int64
		var loanID *int64
		var end, foundOn, cureBy int64
		var it Item
		var value, threshold decimal.Decimal
		if err := rows.Scan(&partnerID, &it.BreachID, &it.CovenantID, &loanID, &it.Metric, &end, &value, &threshold,
			&it.Operator, &foundOn, &cureBy); err != nil {
			return err
		}
		periodEnd, cure := civil.FromEpochDay(end), civil.FromEpochDay(cureBy)
		it.Reason, it.Since, it.PeriodEnd, it.CureBy = OpenBreach, civil.FromEpochDay(foundOn), &periodEnd, &cure
		it.Value, it.Threshold, it.Uncured = &value, &threshold, today.After(cure)
		if loanID != nil {
			it.LoanID = *loanID
		}
		it.Detail = it.Metric + " " + trim(value) + " against " + it.Operator + " " + trim(threshold) + " in the period ending " +
			civil.Format(periodEnd) + "; cure by " + civil.Format(cure)
		if it.Uncured {
			it.Detail += " (uncured)"
		}
		found[partnerID] = append(found[partnerID], it)
	}
	return rows.Err()
}

// trim writes a stored NUMERIC(28,10) without its trailing zeros.
func trim(d decimal.Decimal) string { return d.Trim(0).String() }

type obligationRow struct {
	PartnerID int64      `db:"partner_id"`
	Frequency string     `db:"reporting_frequency"`
	From      time.Time  `db:"reporting_from"`
	DueDays   *int       `db:"reporting_due_days"`
	Reported  int        `db:"reported"`
	Latest    *time.Time `db:"latest"`
}

func (r obligationRow) obligation() covenant.Obligation {
	o := covenant.Obligation{Frequency: covenant.Frequency(r.Frequency), From: civil.Of(r.From)}
	if r.DueDays != nil {
		o.DueDays = *r.DueDays
	}
	return o
}

// monthsBetween is how many months apart the obligation's period ends are.
func monthsBetween(f covenant.Frequency) int {
	switch f {
	case covenant.Quarterly:
		return 3
	case covenant.Semiannual:
		return 6
	}
	return 12
}

// gapless reports whether every period the obligation covers up to the latest
// statement has its statement: the statements counted (one a month, in the months
// its periods end in, from its first month) are as many as those periods.
func (r obligationRow) gapless() bool {
	if r.Latest == nil {
		return r.Reported == 0
	}
	step := monthsBetween(covenant.Frequency(r.Frequency))
	first := r.From.Year()*12 + int(r.From.Month()) - 1
	for (first%12+1)%step != 0 {
		first++
	}
	last := r.Latest.Year()*12 + int(r.Latest.Month()) - 1
	if last < first {
		return r.Reported == 0
	}
	return r.Reported == (last-first)/step+1
}

// obligationsLate reads the obligations (of one partner, or all: 0) and the periods
// each is late with today, by covenant.Obligation.Overdue. A partner without gaps up
// to its latest statement can only be late after it: Overdue runs from the month
// after, without the partner's history; the others' period ends are read and Overdue
// runs over them all (TestOverdueFastPathIsOverdue holds both equal).
func (s *Service) obligationsLate(ctx context.Context, partnerID int64, today time.Time, full bool) (map[int64][]covenant.Late, error) {
	var rows []obligationRow
	if err := s.q.Obligations.SelectContext(ctx, &rows, partnerID); err != nil {
		return nil, err
	}
	out := map[int64][]covenant.Late{}
	var gaps []obligationRow
	for _, r := range rows {
		if full || !r.gapless() {
			gaps = append(gaps, r)
			continue
		}
		o := r.obligation()
		if r.Latest != nil {
			after := civil.Date(r.Latest.Year(), r.Latest.Month()+1, 1)
			if after.After(o.From) {
				o.From = after
			}
		}
		if late := o.Overdue(nil, today); len(late) > 0 {
			out[r.PartnerID] = late
		}
	}
	if len(gaps) == 0 {
		return out, nil
	}
	ids := make([]int64, len(gaps))
	for i, r := range gaps {
		ids[i] = r.PartnerID
	}
	var reported []struct {
		PartnerID int64     `db:"partner_id"`
		PeriodEnd time.Time `db:"period_end"`
	}
	if err := s.q.Reported.SelectContext(ctx, &reported, pq.Array(ids)); err != nil {
		return nil, err
	}
	ends := map[int64][]time.Time{}
	for _, r := range reported {
		ends[r.PartnerID] = append(ends[r.PartnerID], civil.Of(r.PeriodEnd))
	}
	for _, r := range gaps {
		if late := r.obligation().Overdue(ends[r.PartnerID], today); len(late) > 0 {
			out[r.PartnerID] = late
		}
	}
	return out, nil
}

// overdueReports adds a partner's overdue periods as one reason, since the oldest's
// due date.
func (s *Service) overdueReports(ctx context.Context, today time.Time, found map[int64][]Item) error {
	late, err := s.obligationsLate(ctx, 0, today, false)
	if err != nil {
		return err
	}
	for id, l := range late {
		ends := make([]string, len(l))
		for i, p := range l {
			ends[i] = civil.Format(p.PeriodEnd)
		}
		found[id] = append(found[id], Item{Reason: OverdueReport, Since: l[0].DueOn, Late: l,
			Detail: fmt.Sprintf("figures due and not in for %d period(s): %s", len(l), strings.Join(ends, ", "))})
	}
	return nil
}

type loanRow struct {
	PartnerID int64     `db:"partner_id"`
	LoanID    int64     `db:"loan_id"`
	Reference string    `db:"reference"`
	On        time.Time `db:"on_date"`
}

// pastDueSince is the day a loan whose oldest unpaid installment fell due on oldest
// became more than 30 days past due.
func pastDueSince(oldest time.Time) time.Time { return civil.Of(oldest).AddDate(0, 0, pastDueDays+1) }

// pastDueLoans reads the loans more than 30 days past due today. Scanned by hand: a
// large book has thousands, and sqlx's reflection per row was a fifth of the list's
// time.
func (s *Service) pastDueLoans(ctx context.Context, today time.Time) ([]loanRow, error) {
	rows, err := s.q.PastDue.QueryContext(ctx, today)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []loanRow
	for rows.Next() {
		var r loanRow
		var day int64
		if err := rows.Scan(&r.PartnerID, &r.LoanID, &r.Reference, &day); err != nil {
			return nil, err
		}
		r.On = civil.FromEpochDay(day)
		out = append(out, r)
	}
	return out, rows.Err()
}

// pastDue adds each loan more than 30 days past due, since the day it passed 30 days.
func (s *Service) pastDue(ctx context.Context, today time.Time, found map[int64][]Item) error {
	rows, err := s.pastDueLoans(ctx, today)
	if err != nil {
		return err
	}
	for _, r := range rows {
		days := civil.Days(r.On, today)
		// Joined, not formatted: fmt.Sprintf for each of the large book's 3,500 loans was a
		// tenth of the list's time.
		found[r.PartnerID] = append(found[r.PartnerID], Item{Reason: PastDue30, Since: pastDueSince(r.On), LoanID: r.LoanID,
			Reference: r.Reference, DaysPastDue: days,
			Detail: "loan " + r.Reference + " " + strconv.Itoa(days) + " days past due (oldest unpaid installment due " + civil.Format(r.On) + ")"})
	}
	return nil
}

// restructured adds each open restructured loan, since its rescheduling.
func (s *Service) restructured(ctx context.Context, _ time.Time, found map[int64][]Item) error {
	var rows []loanRow
	if err := s.q.Restructured.SelectContext(ctx, &rows); err != nil {
		return err
	}
	for _, r := range rows {
		on := civil.Of(r.On)
		found[r.PartnerID] = append(found[r.PartnerID], Item{Reason: Restructured, Since: on, LoanID: r.LoanID, Reference: r.Reference,
			Detail: "loan " + r.Reference + " restructured on " + civil.Format(on)})
	}
	return nil
}

type deteriorationRow struct {
	PartnerID    int64            `db:"partner_id"`
	Latest       time.Time        `db:"latest"`
	PAR30Up      bool             `db:"par30_up"`
	PAR30Ratio   *decimal.Decimal `db:"par30_ratio"`
	PAR30Before  *decimal.Decimal `db:"par30_before"`
	PAR30Earlier *decimal.Decimal `db:"par30_earlier"`
	OSSUnder     bool             `db:"oss_under"`
	OSSSince     *time.Time       `db:"oss_since"`
	OSSRatio     *decimal.Decimal `db:"oss_ratio"`
}

// deterioration adds PAR30 up two periods in a row (since the latest period end) and
// operational self-sufficiency under 100 % (since the first period of the run).
func (s *Service) deterioration(ctx context.Context, _ time.Time, found map[int64][]Item) error {
	rows, err := s.deteriorations(ctx)
	if err != nil {
		return err
	}
	for _, r := range rows {
		latest := civil.Of(r.Latest)
		if r.PAR30Up && r.PAR30Ratio != nil && r.PAR30Before != nil && r.PAR30Earlier != nil {
			it := Item{Reason: Deterioration, Since: latest, Metric: "par30_ratio", PeriodEnd: &latest,
				Values: []decimal.Decimal{*r.PAR30Earlier, *r.PAR30Before, *r.PAR30Ratio}}
			it.Detail = fmt.Sprintf("PAR30 up two periods in a row: %s, %s, %s", percent(*r.PAR30Earlier), percent(*r.PAR30Before),
				percent(*r.PAR30Ratio))
			found[r.PartnerID] = append(found[r.PartnerID], it)
		}
		if r.OSSUnder && r.OSSSince != nil {
			it := Item{Reason: Deterioration, Since: civil.Of(*r.OSSSince), Metric: "operational_self_sufficiency", PeriodEnd: &latest,
				Detail: "operational self-sufficiency under 100 %"}
			if r.OSSRatio != nil {
				it.Values = []decimal.Decimal{*r.OSSRatio}
				it.Detail += ": " + percent(*r.OSSRatio)
			}
			it.Detail += " since the period ending " + civil.Format(it.Since)
			found[r.PartnerID] = append(found[r.PartnerID], it)
		}
	}
	return nil
}

func (s *Service) deteriorations(ctx context.Context) ([]deteriorationRow, error) {
	var rows []deteriorationRow
	if err := s.q.Deterioration.SelectContext(ctx, &rows); err != nil {
		return nil, err
	}
	return rows, nil
}

// percent writes a fraction as a percentage with one decimal ("12.3 %").
func percent(f decimal.Decimal) string {
	p, err := f.Mul(decimal.Hundred)
	if err != nil {
		return f.String()
	}
	return p.Round(1).String() + " %"
}
