package compliance

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"cartera/internal/notify"
	"cartera/internal/platform/civil"
	"cartera/internal/platform/db"
)

// expiringWithin is how many days before its end an approved waiver is announced.
const expiringWithin = 14

// Sweep emits the events time causes as of today, each once by its key: uncured for
// open breaches past their cure deadline, waiver_expiring for approved waivers ending
// within 14 days (neither lapsed nor superseded by a longer one: sweep-waivers),
// waiver_expired for those that ended (the breach is open again: its
// status is computed with today); and it evaluates again the partners whose reports
// fell overdue, so their not-testable results appear on time, and those with results
// not testable for a missing exchange rate, so a rate stored since is used (the fx
// package writes rates without knowing of covenants; the sweep is the simpler of the
// two ways, and a day late at most). It is a notify.Sweeper.
func (s *Service) Sweep(ctx context.Context, today time.Time) error {
	today = civil.Of(today)
	return db.InTx(ctx, s.conn, func(tx *sqlx.Tx) error {
		var events []notify.Event
		open, err := s.breaches(ctx, tx, BreachFilter{}, 0)
		if err != nil {
			return err
		}
		for _, b := range open {
			if b.Status == "open" && today.After(b.CureBy) {
				// keyed with the reopenings: each opening's deadline passing is announced once
				key := "uncured:" + strconv.FormatInt(b.ID, 10) + ":" + civil.Format(b.CureBy) + ":" + strconv.Itoa(b.Reopened)
				events = append(events, notify.Event{Kind: notify.Uncured, Key: key,
					PartnerID: b.PartnerID, Payload: map[string]any{"breach_id": b.ID, "covenant_id": b.CovenantID, "partner_id": b.PartnerID,
						"partner": b.PartnerName, "metric": b.Metric, "period_end": civil.Format(b.PeriodEnd), "value": b.Value.Trim(0).String(),
						"threshold": b.Threshold.Trim(0).String(), "cure_by": civil.Format(b.CureBy)}})
			}
		}
		waiverEvents, err := s.sweepWaivers(ctx, tx, today)
		if err != nil {
			return err
		}
		if _, err := s.notify.Emit(ctx, tx, append(events, waiverEvents...)...); err != nil {
			return err
		}
		return s.sweepOverdue(ctx, tx, today)
	})
}

type sweptWaiver struct {
	ID          int64     `db:"id"`
	BreachID    int64     `db:"breach_id"`
	ExpiresOn   time.Time `db:"expires_on"`
	PartnerID   int64     `db:"partner_id"`
	PartnerName string    `db:"partner_name"`
	Metric      string    `db:"metric"`
	PeriodEnd   time.Time `db:"period_end"`
}

func (s *Service) sweepWaivers(ctx context.Context, tx *sqlx.Tx, today time.Time) ([]notify.Event, error) {
	var ws []sweptWaiver
	if err := tx.StmtxContext(ctx, s.q.SweepWaivers).SelectContext(ctx, &ws, today, expiringWithin); err != nil {
		return nil, fmt.Errorf("sweep waivers: %w", err)
	}
	var out []notify.Event
	for _, w := range ws {
		kind := notify.WaiverExpiring
		if civil.Of(w.ExpiresOn).Before(today) {
			kind = notify.WaiverExpired
		}
		out = append(out, notify.Event{Kind: kind, Key: string(kind) + ":" + strconv.FormatInt(w.ID, 10), PartnerID: w.PartnerID,
			Payload: map[string]any{"waiver_id": w.ID, "breach_id": w.BreachID, "partner_id": w.PartnerID, "partner": w.PartnerName,
				"metric": w.Metric, "period_end": civil.Format(w.PeriodEnd), "expires_on": civil.Format(w.ExpiresOn)}})
	}
	return out, nil
}

type sweptPartner struct {
	obligationRow
	Reported pq.StringArray `db:"reported"`
}

// sweepOverdue evaluates, from its earliest overdue period, each partner with live
// covenants whose reporting obligation has a period overdue today.
func (s *Service) sweepOverdue(ctx context.Context, tx *sqlx.Tx, today time.Time) error {
	var ps []sweptPartner
	if err := tx.StmtxContext(ctx, s.q.SweepPartners).SelectContext(ctx, &ps); err != nil {
		return fmt.Errorf("sweep reporting obligations: %w", err)
	}
	from := map[int64]time.Time{}
	for _, p := range ps {
		ob := p.obligation()
		if ob == nil {
			continue
		}
		reported := make([]time.Time, 0, len(p.Reported))
		for _, r := range p.Reported {
			if t, err := civil.Parse(r[:min(len(r), 10)]); err == nil {
				reported = append(reported, t)
			}
		}
		if late := ob.Overdue(reported, today); len(late) > 0 {
			from[p.ID] = late[0].PeriodEnd
		}
	}
	var stale []struct {
		ID        int64     `db:"id"`
		PeriodEnd time.Time `db:"period_end"`
	}
	if err := tx.StmtxContext(ctx, s.q.StaleRates).SelectContext(ctx, &stale, missingRate); err != nil {
		return fmt.Errorf("sweep results lacking a rate: %w", err)
	}
	for _, st := range stale {
		if f, ok := from[st.ID]; !ok || st.PeriodEnd.Before(f) {
			from[st.ID] = civil.Of(st.PeriodEnd)
		}
	}
	return s.evaluateFrom(ctx, tx, sortedIDs(from), from)
}

var _ notify.Sweeper = (*Service)(nil)
