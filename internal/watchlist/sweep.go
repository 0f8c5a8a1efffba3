package watchlist

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"

	"cartera/internal/covenant"
	"cartera/internal/notify"
	"cartera/internal/platform/civil"
	"cartera/internal/platform/db"
)

// Reporting is a partner's reporting obligation as of a date, with the periods it is
// late with (oldest first).
type Reporting struct {
	Obligation covenant.Obligation
	Late       []covenant.Late
}

// Reporting returns the partner's obligation and its overdue periods today; ok is
// false when the partner has no obligation.
func (s *Service) Reporting(ctx context.Context, partnerID int64) (r Reporting, ok bool, err error) {
	var rows []obligationRow
	if err := s.q.Obligations.SelectContext(ctx, &rows, partnerID); err != nil {
		return Reporting{}, false, fmt.Errorf("partner %d's obligation: %w", partnerID, err)
	}
	if len(rows) == 0 {
		return Reporting{}, false, nil
	}
	r.Obligation = rows[0].obligation()
	// Over the partner's whole history: the page reads Overdue as it is defined.
	late, err := s.obligationsLate(ctx, partnerID, s.clock.Today(), true)
	if err != nil {
		return Reporting{}, false, fmt.Errorf("partner %d's obligation: %w", partnerID, err)
	}
	r.Late = late[partnerID]
	return r, true, nil
}

// Sweep emits, as of today, a report_overdue event for each period a partner is late
// with and a loan_past_due_30 event for each loan more than 30 days past due, in one
// transaction; each event's key makes it once, however often the sweep runs.
func (s *Service) Sweep(ctx context.Context, today time.Time) error {
	today = civil.Of(today)
	late, err := s.obligationsLate(ctx, 0, today, false)
	if err != nil {
		return fmt.Errorf("sweep overdue reports: %w", err)
	}
	loans, err := s.pastDueLoans(ctx, today)
	if err != nil {
		return fmt.Errorf("sweep loans past due: %w", err)
	}
	ids := make([]int64, 0, len(late)+len(loans))
	for id := range late {
		ids = append(ids, id)
	}
	for _, l := range loans {
		ids = append(ids, l.PartnerID)
	}
	refs, err := s.refs(ctx, ids)
	if err != nil {
		return err
	}
	events := reportEvents(late, refs)
	for _, l := range loans {
		since := pastDueSince(l.On)
		events = append(events, notify.Event{Kind: notify.LoanPastDue30, PartnerID: l.PartnerID,
			Key: fmt.Sprintf("loan_past_due_30:%d:%s", l.LoanID, civil.Format(since)),
			Payload: map[string]any{"loan_id": l.LoanID, "reference": l.Reference,
				"partner_id": l.PartnerID, "partner": refs[l.PartnerID].Name,
				"oldest_due_on": civil.Format(l.On), "past_due_30_on": civil.Format(since)}})
	}
	return db.InTx(ctx, s.conn, func(tx *sqlx.Tx) error {
		_, err := s.notify.Emit(ctx, tx, events...)
		return err
	})
}

// reportEvents are the overdue periods' events, by partner id then period.
func reportEvents(late map[int64][]covenant.Late, refs map[int64]ref) []notify.Event {
	ids := make([]int64, 0, len(late))
	for id := range late {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var events []notify.Event
	for _, id := range ids {
		for _, l := range late[id] {
			events = append(events, notify.Event{Kind: notify.ReportOverdue, PartnerID: id,
				Key: fmt.Sprintf("report_overdue:%d:%s", id, civil.Format(l.PeriodEnd)),
				Payload: map[string]any{"partner_id": id, "partner": refs[id].Name,
					"period_end": civil.Format(l.PeriodEnd), "due_on": civil.Format(l.DueOn)}})
		}
	}
	return events
}
