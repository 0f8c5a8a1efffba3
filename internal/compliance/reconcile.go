package compliance

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/govalues/decimal"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"cartera/internal/audit"
	"cartera/internal/covenant"
	"cartera/internal/notify"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/civil"
)

type storedResult struct {
	CovenantID int64            `db:"covenant_id"`
	PeriodEnd  time.Time        `db:"period_end"`
	Status     string           `db:"status"`
	Value      *decimal.Decimal `db:"value"`
	Threshold  decimal.Decimal  `db:"threshold"`
	FoundAt    time.Time        `db:"found_at"`
	BreachID   int64            `db:"breach_id"`
}

// storedBreach is a breach's own row; a Breach adds its covenant's and partner's
// names and its status as of today.
type storedBreach struct {
	ID             int64           `db:"id" json:"id"`
	CovenantID     int64           `db:"covenant_id" json:"covenant_id"`
	PeriodEnd      time.Time       `db:"period_end" json:"period_end"`
	Value          decimal.Decimal `db:"value" json:"value"`
	Threshold      decimal.Decimal `db:"threshold" json:"threshold"`
	FoundAt        time.Time       `db:"found_at" json:"found_at"`
	CureBy         time.Time       `db:"cure_by" json:"cure_by"`
	ClosedByPeriod *time.Time      `db:"closed_by_period" json:"closed_by_period"`
	ClosedAt       *time.Time      `db:"closed_at" json:"closed_at"`
	WithdrawnAt    *time.Time      `db:"withdrawn_at" json:"withdrawn_at"`
	Reopened       int             `db:"reopened" json:"reopened"`
	ReopenedAt     *time.Time      `db:"reopened_at" json:"reopened_at"` // when last opened again
}

// plan is what reconciling breaches writes, as columns for bulk statements.
type plan struct {
	ins struct {
		cov                pq.Int64Array
		ends, cureBy       pq.StringArray
		closedBy           []*string
		values, thresholds pq.StringArray
		found              pq.StringArray
	}
	upd struct {
		ids                pq.Int64Array
		values, thresholds pq.StringArray
		found              pq.StringArray
		cureBy             pq.StringArray
		closedBy           []*string
		withdrawn          pq.BoolArray
		reopened           pq.Int64Array
		covenant           []int64 // each breach's covenant, for the error of one not updated
	}
	events  []notify.Event
	changes []audit.Change
	// lapse: breaches withdrawn or reopened, whose approved waivers lapse
	lapse pq.Int64Array
	// newCure: breaches inserted already closed (figures of both periods arrived at
	// once); their cure events need the ids the insert returns.
	inserted []covenant.Breach
}

// reconcile derives each covenant's breaches from all its results (covenant.Track)
// and brings the stored ones in line, keeping their ids (matched by opening period):
// new ones inserted, closures and reopenings recorded, breaches no longer derived
// withdrawn; then links each breached result to its breach.
func (s *Service) reconcile(ctx context.Context, tx *sqlx.Tx, covs []Covenant, breached map[int64]bool, now time.Time) error {
	all := make(pq.Int64Array, len(covs))
	for i, c := range covs {
		all[i] = c.ID
	}
	var stored []storedBreach
	if err := tx.StmtxContext(ctx, s.q.Breaches).SelectContext(ctx, &stored, all); err != nil {
		return fmt.Errorf("read breaches: %w", err)
	}
	// A covenant with no breach stored and no period breached now has none to derive
	// and no result to link: most covenants, most of the time, and the import's speed.
	for _, b := range stored {
		breached[b.CovenantID] = true
	}
	var ids pq.Int64Array
	byID := make(map[int64]Covenant, len(covs))
	for _, c := range covs {
		if breached[c.ID] {
			ids, byID[c.ID] = append(ids, c.ID), c
		}
	}
	if len(ids) == 0 {
		return nil
	}
	covs = covs[:0:0]
	for _, id := range ids {
		covs = append(covs, byID[id])
	}
	var results []storedResult
	if err := tx.StmtxContext(ctx, s.q.Results).SelectContext(ctx, &results, ids); err != nil {
		return fmt.Errorf("read covenant results: %w", err)
	}
	resultsOf := map[int64][]storedResult{}
	for _, r := range results {
		resultsOf[r.CovenantID] = append(resultsOf[r.CovenantID], r)
	}
	breachesOf := map[int64]map[time.Time]storedBreach{}
	for _, b := range stored {
		if breachesOf[b.CovenantID] == nil {
			breachesOf[b.CovenantID] = map[time.Time]storedBreach{}
		}
		breachesOf[b.CovenantID][civil.Of(b.PeriodEnd)] = b
	}
	var p plan
	derivedOf := map[int64][]covenant.Breach{}
	for _, c := range covs {
		derived := covenant.Track(findings(resultsOf[c.ID]), c.CureDays)
		derivedOf[c.ID] = derived
		p.covenant(c, derived, breachesOf[c.ID], now)
	}
	newIDs, err := s.writePlan(ctx, tx, &p, byID, now)
	if err != nil {
		return err
	}
	return s.link(ctx, tx, resultsOf, derivedOf, breachesOf, newIDs)
}

func findings(rs []storedResult) []covenant.Finding {
	out := make([]covenant.Finding, len(rs))
	for i, r := range rs {
		// Trimmed: NUMERIC(28,10) reads back as 0.0800000000, and the events say 0.08.
		value := r.Value
		if value != nil {
			v := value.Trim(0)
			value = &v
		}
		out[i] = covenant.Finding{Result: covenant.Result{PeriodEnd: civil.Of(r.PeriodEnd), Status: covenant.Status(r.Status), Value: value},
			FoundAt: r.FoundAt}
		if r.Status == string(covenant.Breached) && r.Value != nil {
			// the breach records the threshold compared with, in the period's currency
			out[i].Missing = r.Threshold.Trim(0).String()
		}
	}
	return out
}

func dateText(t *covenant.Finding) *string {
	if t == nil {
		return nil
	}
	s := civil.Format(t.PeriodEnd)
	return &s
}

// covenant plans one covenant's breach writes.
func (p *plan) covenant(c Covenant, derived []covenant.Breach, stored map[time.Time]storedBreach, now time.Time) {
	seen := map[time.Time]bool{}
	for _, d := range derived {
		end := d.Opened.PeriodEnd
		seen[end] = true
		st, ok := stored[end]
		if !ok {
			p.ins.cov = append(p.ins.cov, c.ID)
			p.ins.ends = append(p.ins.ends, civil.Format(end))
			p.ins.values = append(p.ins.values, d.Opened.Value.String())
			p.ins.thresholds = append(p.ins.thresholds, d.Opened.Missing)
			p.ins.found = append(p.ins.found, d.Opened.FoundAt.Format(time.RFC3339Nano))
			p.ins.cureBy = append(p.ins.cureBy, civil.Format(d.CureBy))
			p.ins.closedBy = append(p.ins.closedBy, dateText(d.ClosedBy))
			p.inserted = append(p.inserted, d)
			continue
		}
		p.update(c, st, d, now)
	}
	for end, st := range stored {
		if seen[end] || st.WithdrawnAt != nil {
			continue
		}
		// A correction made the opening period compliant: withdrawn, kept with its history.
		p.addUpdate(c.ID, st.ID, st.Value.String(), st.Threshold.String(), st.FoundAt, st.CureBy, nil, true, st.Reopened)
		p.lapse = append(p.lapse, st.ID)
		after := st
		after.WithdrawnAt, after.ClosedAt, after.ClosedByPeriod = &now, nil, nil
		p.changes = append(p.changes, audit.Change{Action: audit.Update, Entity: "covenant_breach", EntityID: st.ID, Before: st, After: after})
	}
}

// update plans a stored breach derived again: its value, its closing, a reopening.
func (p *plan) update(c Covenant, st storedBreach, d covenant.Breach, now time.Time) {
	found, cureBy, n := st.FoundAt, st.CureBy, st.Reopened
	reopened := st.WithdrawnAt != nil || (st.ClosedByPeriod != nil && d.ClosedBy == nil)
	if st.WithdrawnAt != nil {
		found, cureBy = d.Opened.FoundAt, d.CureBy
	}
	if reopened {
		n++
		p.events = append(p.events, breachEvent(c, st.ID, d, n))
		p.lapse = append(p.lapse, st.ID)
	}
	closing := dateText(d.ClosedBy)
	closedChanged := (closing == nil) != (st.ClosedByPeriod == nil) ||
		(closing != nil && *closing != civil.Format(*st.ClosedByPeriod))
	if closing != nil && closedChanged {
		p.events = append(p.events, cureEvent(c, st.ID, d, n))
	}
	value, threshold := d.Opened.Value.String(), d.Opened.Missing
	if !reopened && !closedChanged && value == st.Value.String() && threshold == st.Threshold.String() {
		return
	}
	p.addUpdate(c.ID, st.ID, value, threshold, found, cureBy, closing, false, n)
	after := st
	after.WithdrawnAt, after.Reopened = nil, n
	if reopened {
		after.ReopenedAt = &now
	}
	if closing != nil {
		end := d.ClosedBy.PeriodEnd
		after.ClosedByPeriod, after.ClosedAt = &end, &now
	} else {
		after.ClosedByPeriod, after.ClosedAt = nil, nil
	}
	p.changes = append(p.changes, audit.Change{Action: audit.Update, Entity: "covenant_breach", EntityID: st.ID, Before: st, After: after})
}

func (p *plan) addUpdate(covID, id int64, value, threshold string, found, cureBy time.Time, closedBy *string, withdrawn bool, n int) {
	p.upd.covenant = append(p.upd.covenant, covID)
	p.upd.ids = append(p.upd.ids, id)
	p.upd.values = append(p.upd.values, value)
	p.upd.thresholds = append(p.upd.thresholds, threshold)
	p.upd.found = append(p.upd.found, found.Format(time.RFC3339Nano))
	p.upd.cureBy = append(p.upd.cureBy, civil.Format(cureBy))
	p.upd.closedBy = append(p.upd.closedBy, closedBy)
	p.upd.withdrawn = append(p.upd.withdrawn, withdrawn)
	p.upd.reopened = append(p.upd.reopened, int64(n))
}

// breachKey is a breach event's idempotency key: n counts its reopenings.
func breachKey(id int64, periodEnd time.Time, n int) string {
	return "breach:" + strconv.FormatInt(id, 10) + ":" + civil.Format(periodEnd) + ":" + strconv.Itoa(n)
}

func breachEvent(c Covenant, id int64, d covenant.Breach, n int) notify.Event {
	return notify.Event{Kind: notify.Breach, Key: breachKey(id, d.Opened.PeriodEnd, n), PartnerID: c.PartnerID, Payload: map[string]any{
		"breach_id": id, "covenant_id": c.ID, "partner_id": c.PartnerID, "partner": c.PartnerName, "loan_id": c.LoanID,
		"covenant": c.Terms().Describe(), "period_end": civil.Format(d.Opened.PeriodEnd), "value": d.Opened.Value.String(),
		"threshold": d.Opened.Missing, "cure_by": civil.Format(d.CureBy), "reopening": n,
	}}
}

// cureEvent is the cure of a breach's n-th opening: keyed with n, so the cure of each
// reopening is announced once (the same period may cure it again after a correction).
func cureEvent(c Covenant, id int64, d covenant.Breach, n int) notify.Event {
	end := civil.Format(d.ClosedBy.PeriodEnd)
	key := "cure:" + strconv.FormatInt(id, 10) + ":" + end + ":" + strconv.Itoa(n)
	return notify.Event{Kind: notify.Cure, Key: key, PartnerID: c.PartnerID, Payload: map[string]any{
		"breach_id": id, "covenant_id": c.ID, "partner_id": c.PartnerID, "partner": c.PartnerName,
		"covenant": c.Terms().Describe(), "period_end": civil.Format(d.Opened.PeriodEnd), "cured_by_period": end,
		"value": d.ClosedBy.Value.String(),
	}}
}

type breachKeyOf struct {
	cov int64
	end time.Time
}

// writePlan runs the plan's bulk statements, emits its events and audits it; it
// returns the new breaches' ids.
func (s *Service) writePlan(ctx context.Context, tx *sqlx.Tx, p *plan, covs map[int64]Covenant, now time.Time) (map[breachKeyOf]int64, error) {
	newIDs, err := s.insertBreaches(ctx, tx, p, covs, now)
	if err != nil {
		return nil, err
	}
	if err := s.updateBreaches(ctx, tx, p, now); err != nil {
		return nil, err
	}
	if len(p.lapse) > 0 {
		if err := s.lapse(ctx, tx, audit.System("covenant evaluation"), s.q.LapseWaivers, p.lapse); err != nil {
			return nil, err
		}
	}
	if _, err := s.notify.Emit(ctx, tx, p.events...); err != nil {
		return nil, err
	}
	if len(p.changes) > 0 {
		if err := s.audit.RecordAll(ctx, tx, audit.System("covenant evaluation"), p.changes); err != nil {
			return nil, err
		}
	}
	return newIDs, nil
}

// insertBreaches stores the plan's new breaches and adds their events and audit
// entries to it; it returns their ids.
func (s *Service) insertBreaches(ctx context.Context, tx *sqlx.Tx, p *plan, covs map[int64]Covenant, now time.Time) (map[breachKeyOf]int64, error) {
	newIDs := map[breachKeyOf]int64{}
	if len(p.ins.cov) == 0 {
		return newIDs, nil
	}
	rows, err := tx.StmtxContext(ctx, s.q.InsertBreach).QueryxContext(ctx, p.ins.cov, p.ins.ends, p.ins.values, p.ins.thresholds,
		p.ins.found, p.ins.cureBy, pq.Array(p.ins.closedBy), now)
	if err != nil {
		return nil, fmt.Errorf("store %d breaches: %w", len(p.ins.cov), err)
	}
	for rows.Next() {
		var id, cov int64
		var end time.Time
		if err := rows.Scan(&id, &cov, &end); err != nil {
			rows.Close()
			return nil, err
		}
		newIDs[breachKeyOf{cov, civil.Of(end)}] = id
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i, d := range p.inserted {
		c := covs[p.ins.cov[i]]
		id, ok := newIDs[breachKeyOf{c.ID, d.Opened.PeriodEnd}]
		if !ok {
			return nil, errEndedMeanwhile(c.ID)
		}
		p.events = append(p.events, breachEvent(c, id, d, 0))
		if d.ClosedBy != nil {
			p.events = append(p.events, cureEvent(c, id, d, 0))
		}
		p.changes = append(p.changes, audit.Change{Action: audit.Create, Entity: "covenant_breach", EntityID: id, After: map[string]any{
			"covenant_id": c.ID, "period_end": civil.Format(d.Opened.PeriodEnd), "value": d.Opened.Value.String(),
			"threshold": d.Opened.Missing, "cure_by": civil.Format(d.CureBy), "closed_by_period": dateText(d.ClosedBy)}})
	}
	return newIDs, nil
}

// updateBreaches writes the plan's changed breaches. A breach the statement left
// alone is one of an ended covenant: the evaluation read the covenant before it
// ended, and what it planned (events, audit entries) is about a covenant no longer
// tested; the whole write is refused rather than half recorded.
func (s *Service) updateBreaches(ctx context.Context, tx *sqlx.Tx, p *plan, now time.Time) error {
	if len(p.upd.ids) == 0 {
		return nil
	}
	var updated []int64
	if err := tx.StmtxContext(ctx, s.q.UpdateBreach).SelectContext(ctx, &updated, p.upd.ids, p.upd.values, p.upd.thresholds, p.upd.found,
		p.upd.cureBy, pq.Array(p.upd.closedBy), p.upd.withdrawn, p.upd.reopened, now); err != nil {
		return fmt.Errorf("update %d breaches: %w", len(p.upd.ids), err)
	}
	if len(updated) == len(p.upd.ids) {
		return nil
	}
	done := make(map[int64]bool, len(updated))
	for _, id := range updated {
		done[id] = true
	}
	for i, id := range p.upd.ids {
		if !done[id] {
			return errEndedMeanwhile(p.upd.covenant[i])
		}
	}
	return fmt.Errorf("update %d breaches: %d updated", len(p.upd.ids), len(updated))
}

// errEndedMeanwhile is the conflict of evaluating a covenant that ended since it was
// read (the locks make it rare: a covenant read for an evaluation is share-locked).
func errEndedMeanwhile(covenantID int64) error {
	return apperr.Conflict("covenant_id", fmt.Sprintf("covenant %d ended while it was evaluated: nothing was written; try again", covenantID))
}

// link points each breached result at its breach (the periods from its opening to
// its closing) and clears the others, writing only what changed.
func (s *Service) link(ctx context.Context, tx *sqlx.Tx, resultsOf map[int64][]storedResult, derivedOf map[int64][]covenant.Breach,
	stored map[int64]map[time.Time]storedBreach, newIDs map[breachKeyOf]int64) error {
	var covs pq.Int64Array
	var ends pq.StringArray
	var breaches pq.Int64Array
	for cov, rs := range resultsOf {
		derived := derivedOf[cov]
		for _, r := range rs {
			want := int64(0)
			end := civil.Of(r.PeriodEnd)
			for _, d := range derived {
				if r.Status == string(covenant.Breached) && !end.Before(d.Opened.PeriodEnd) && (d.ClosedBy == nil || end.Before(d.ClosedBy.PeriodEnd)) {
					want = newIDs[breachKeyOf{cov, d.Opened.PeriodEnd}]
					if st, ok := stored[cov][d.Opened.PeriodEnd]; ok {
						want = st.ID
					}
				}
			}
			if want != r.BreachID {
				covs, ends, breaches = append(covs, cov), append(ends, civil.Format(end)), append(breaches, want)
			}
		}
	}
	if len(covs) == 0 {
		return nil
	}
	if _, err := tx.StmtxContext(ctx, s.q.LinkResults).ExecContext(ctx, covs, ends, breaches); err != nil {
		return fmt.Errorf("link %d results to their breaches: %w", len(covs), err)
	}
	return nil
}
