package ledger

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"cartera/internal/audit"
	"cartera/internal/loan"
	"cartera/internal/loan/loantest"
	"cartera/internal/platform/civil"
	"cartera/internal/platform/money"
)

// TestWatchListsAreReplay: the dashboard's lists, read from the stored schedules, are
// what replaying each loan says at dates after its last event: which loans are
// overdue, since when and by how much, and which installments fall due soon.
func TestWatchListsAreReplay(t *testing.T) {
	ctx := context.Background()
	s, conn, _, _ := bookService(t, civil.Date(2045, 1, 1))
	_, err := conn.Exec(`INSERT INTO funds (name, base_currency) VALUES ('F', 'USD');
		INSERT INTO partners (name, country, legal_status) VALUES ('A', 'BO', 'ngo')`)
	ok(t, err)
	actor := audit.System("test")
	rng := rand.New(rand.NewPCG(17, 19))
	type history struct {
		terms  loan.Terms
		events []loan.Event
	}
	// Histories cut at one date, mid-life for most loans: the lists are read at dates on
	// or after every loan's last event, where the stored schedules are the replay's.
	var all []history
	for range 60 {
		terms, events := loantest.RandomHistory(rng)
		all = append(all, history{terms, events})
	}
	var mids []time.Time
	for _, h := range all {
		// A day, not an instant: half the span may end at noon, and an installment due
		// that day would be overdue at noon for the replay and not for the SQL.
		mids = append(mids, civil.Of(h.terms.SignedOn.Add(h.terms.MaturityOn.Sub(h.terms.SignedOn)/2)))
	}
	sort.Slice(mids, func(i, j int) bool { return mids[i].Before(mids[j]) })
	last := mids[len(mids)/2]
	loans := map[int64]history{}
	for n, h := range all {
		l, err := s.Create(ctx, actor, NewLoan{PartnerID: 1, Reference: fmt.Sprint("W", n), Terms: h.terms})
		ok(t, err)
		posted := history{terms: h.terms}
		for _, e := range h.events {
			if e.On.After(last) {
				break
			}
			if _, err := s.Post(ctx, actor, l.ID, e); err == nil {
				posted.events = append(posted.events, e)
			}
		}
		loans[l.ID] = posted
	}
	dates := []time.Time{last, last.AddDate(0, 0, 1), last.AddDate(0, 3, 0), last.AddDate(2, 0, 0), last.AddDate(20, 0, 0)}
	// And due dates themselves: an installment due on the date is not overdue yet.
	for _, h := range loans {
		st, err := loan.Replay(h.terms, h.events, civil.Date(2045, 1, 1))
		ok(t, err)
		for _, in := range st.Installments {
			if in.DueOn.After(last) && len(dates) < 10 {
				dates = append(dates, in.DueOn)
				break
			}
		}
	}
	for _, d := range dates {
		type due struct {
			days             int
			principal, inter string
		}
		wantOverdue := map[int64]due{}
		wantSoon := map[string]string{} // loan/due date → principal due
		for id, h := range loans {
			st, err := loan.Replay(h.terms, h.events, d)
			ok(t, err)
			b := st.Balances()
			if b.OverduePrincipal.IsPos() || b.OverdueInterest.IsPos() {
				wantOverdue[id] = due{b.DaysPastDue, b.OverduePrincipal.Trim(0).String(), b.OverdueInterest.Trim(0).String()}
			}
			for _, in := range st.Installments {
				left := money.MustSub(money.MustSub(in.Principal, in.PaidPrincipal), in.WrittenOffPrincipal)
				leftInterest := money.MustSub(money.MustSub(in.Interest, in.PaidInterest), in.WrittenOffInterest)
				if in.Rescheduled || in.DueOn.Before(d) || in.DueOn.After(d.AddDate(0, 0, 60)) || (!left.IsPos() && !leftInterest.IsPos()) {
					continue
				}
				wantSoon[fmt.Sprint(id, "/", in.DueOn.Format(civil.Layout))] = left.Trim(0).String()
			}
		}
		overdue, err := s.Overdue(ctx, d, 1000)
		ok(t, err)
		if overdue.Total != len(wantOverdue) || len(overdue.Items) != len(wantOverdue) {
			t.Fatalf("%s: %d overdue loans (total %d), replay says %d", d.Format(civil.Layout), len(overdue.Items), overdue.Total, len(wantOverdue))
		}
		for _, o := range overdue.Items {
			got := due{o.DaysPastDue, o.Principal.Trim(0).String(), o.Interest.Trim(0).String()}
			if got != wantOverdue[o.LoanID] {
				t.Errorf("%s: loan %d overdue %+v, replay says %+v", d.Format(civil.Layout), o.LoanID, got, wantOverdue[o.LoanID])
			}
		}
		soon, err := s.DueBetween(ctx, d, d.AddDate(0, 0, 60), 1000)
		ok(t, err)
		if soon.Total != len(wantSoon) || len(soon.Items) != len(wantSoon) {
			t.Fatalf("%s: %d installments due soon (total %d), replay says %d", d.Format(civil.Layout), len(soon.Items), soon.Total, len(wantSoon))
		}
		for i, in := range soon.Items {
			key := fmt.Sprint(in.LoanID, "/", in.DueOn.Format(civil.Layout))
			if want, found := wantSoon[key]; !found || want != in.Principal.Trim(0).String() {
				t.Errorf("%s: installment %s principal %s, replay says %q", d.Format(civil.Layout), key, in.Principal, want)
			}
			if i > 0 && in.DueOn.Before(soon.Items[i-1].DueOn) {
				t.Errorf("installments due soon are not in date order")
			}
		}
	}
	// The cap keeps the oldest and says how many there are.
	capped, err := s.Overdue(ctx, last.AddDate(20, 0, 0), 2)
	ok(t, err)
	if len(capped.Items) != 2 || capped.Total < 2 || capped.Items[0].DaysPastDue < capped.Items[1].DaysPastDue {
		t.Errorf("capped list: %d items of %d, days %v", len(capped.Items), capped.Total, capped.Items)
	}
}
