package watchlist_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"cartera/internal/kpi"
	"cartera/internal/ledger"
	"cartera/internal/loan"
	"cartera/internal/partner"
	"cartera/internal/platform/civil"
	"cartera/internal/user"
	"cartera/internal/watchlist"
)

// TestKeptListFollowsEveryWrite: with every list kept (whole, by each reason, by
// country), each kind of write the list reads (a loan's event, its reference, its
// cancellation, a statement, a covenant's breach and its waiver, a partner's name,
// country and obligation) gives lists equal to those computed for each filter from the
// data, and changes at least one of them (else the test could not tell a stale list).
func TestKeptListFollowsEveryWrite(t *testing.T) {
	w := newWorld(t, date("2024-06-01"))
	late, moving := w.partner("Late", "BO"), w.partner("Moving", "PE")
	l1 := w.monthlyLoan(late, "L1", "2024-01-01")
	l2 := w.monthlyLoan(moving, "L2", "2024-02-01")
	w.statement(late, "2023-09-30", "10", "1000")
	w.statement(late, "2023-12-31", "20", "1000")
	var users [2]int64
	for i, email := range []string{"a@example.org", "b@example.org"} {
		u, err := w.d.Users.Create(w.ctx, w.actor, user.NewUser{Email: email, Role: user.Admin, Password: "correct horse battery"})
		ok(t, err)
		users[i] = u.ID
	}
	filters := []watchlist.Filter{{}, {Country: "BO"}, {Country: "PE"}}
	for _, r := range watchlist.Reasons {
		filters = append(filters, watchlist.Filter{Reason: r})
	}
	lists := func(list func(context.Context, watchlist.Filter) (watchlist.List, error)) []watchlist.List {
		t.Helper()
		var out []watchlist.List
		for _, f := range filters {
			l, err := list(w.ctx, f)
			ok(t, err)
			out = append(out, l)
		}
		return out
	}
	before := lists(w.d.Watchlist.List)
	var breach int64
	writes := []struct {
		name  string
		write func()
	}{
		{"a repayment", func() { w.post(l1, loan.Event{Kind: loan.Repayment, On: date("2024-05-20"), Amount: d("3000")}) }},
		{"a loan's reference", func() {
			_, err := w.d.Loans.Edit(w.ctx, w.actor, l2, func(e *ledger.Editable) error { e.Reference = "L2-renamed"; return nil })
			ok(t, err)
		}},
		{"a statement", func() { w.statement(late, "2024-03-31", "30", "1000") }}, // PAR30 up two periods running
		{"a breach", func() {
			ok(t, w.conn.Get(&breach, `WITH c AS (
				INSERT INTO covenants (partner_id, metric, operator, threshold, valid_from, frequency, cure_days)
				VALUES ($1, 'par30_ratio', '<=', 0.05, '2024-01-01', 'each_report', 30) RETURNING id)
				INSERT INTO covenant_breaches (covenant_id, period_end, value, threshold, found_at, cure_by)
				SELECT id, '2024-03-31', 0.08, 0.05, '2024-04-20 10:00+00', '2024-05-20' FROM c RETURNING id`, moving))
		}},
		{"its waiver", func() {
			_, err := w.conn.Exec(`INSERT INTO covenant_waivers (breach_id, reason, expires_on, requested_by, decision, decided_by, decided_at)
				VALUES ($1, 'agreed', '2024-07-01', $2, 'approved', $3, now())`, breach, users[0], users[1])
			ok(t, err)
		}},
		{"a partner's name", func() {
			_, err := w.d.Partners.Update(w.ctx, w.actor, late, func(f *partner.Fields) error { f.Name = "Later"; return nil })
			ok(t, err)
		}},
		{"a partner's country", func() {
			_, err := w.d.Partners.Update(w.ctx, w.actor, moving, func(f *partner.Fields) error { f.Country = "BO"; return nil })
			ok(t, err)
		}},
		{"a partner's obligation", func() {
			_, err := w.d.Partners.Update(w.ctx, w.actor, late, func(f *partner.Fields) error {
				f.ReportingFrequency, f.ReportingFrom = ptr("quarterly"), ptr(date("2023-01-01"))
				return nil
			})
			ok(t, err)
		}},
		{"a cancelled loan", func() {
			l3 := w.monthlyLoan(late, "L3", "2024-01-15")
			_, err := w.d.Loans.Cancel(w.ctx, w.actor, l3, "never drawn")
			if err != nil { // a drawn loan cannot be cancelled: restructure it instead
				w.post(l3, loan.Event{Kind: loan.Reschedule, On: date("2024-05-25"), NewMaturityOn: ptr(date("2025-06-01")), Reason: "arrears"})
			}
		}},
	}
	for _, wr := range writes {
		wr.write()
		after := lists(w.d.Watchlist.List)
		if want := lists(w.d.Watchlist.ComputeList); !reflect.DeepEqual(after, want) {
			t.Fatalf("after %s the kept lists differ from those computed:\n%+v\n%+v", wr.name, after, want)
		}
		if reflect.DeepEqual(before, after) {
			t.Errorf("%s changed no list: the test cannot tell whether the keep saw it", wr.name)
		}
		before = after
	}
}

// TestFilteredListIsTheWholeOneCut: every filter's list, cut from the whole list, is
// the one computed for the filter alone, on a book where partners have many reasons
// (more than a dozen items, two deteriorations of the same period, breaches, loans past
// due and restructured) in two countries.
func TestFilteredListIsTheWholeOneCut(t *testing.T) {
	w := newWorld(t, date("2024-09-01"))
	bo, pe := w.partner("Many", "BO"), w.partner("Some", "PE")
	for i := range 14 {
		w.monthlyLoan(bo, fmt.Sprint("B", i), "2024-01-01")
	}
	l := w.monthlyLoan(pe, "P1", "2024-02-01")
	w.post(l, loan.Event{Kind: loan.Reschedule, On: date("2024-05-20"), NewMaturityOn: ptr(date("2025-06-01")), Reason: "arrears"})
	for _, p := range []int64{bo, pe} {
		// PAR30 up twice and self-sufficiency under 100 % in the latest period only: two
		// deteriorations since the same day.
		for q, x := range []struct{ par, revenue string }{{"10", "110"}, {"20", "110"}, {"30", "90"}} {
			s := kpi.Statement{PeriodEnd: civil.AddMonths(date("2023-12-31"), 3*q), Months: 3, Currency: "USD"}
			s.PAR30, s.GrossLoanPortfolio = ptr(d(x.par)), ptr(d("1000"))
			s.FinancialRevenue, s.FinancialExpense, s.ProvisionExpense, s.OperatingExpense = ptr(d(x.revenue)), ptr(d("0")), ptr(d("0")), ptr(d("100"))
			_, _, err := w.d.Statements.Put(w.ctx, w.actor, p, s)
			ok(t, err)
		}
	}
	_, err := w.conn.Exec(`WITH c AS (
		INSERT INTO covenants (partner_id, metric, operator, threshold, valid_from, frequency, cure_days)
		VALUES ($1, 'par30_ratio', '<=', 0.05, '2024-01-01', 'each_report', 30) RETURNING id)
		INSERT INTO covenant_breaches (covenant_id, period_end, value, threshold, found_at, cure_by)
		SELECT id, '2024-06-30', 0.03, 0.05, '2024-07-20 10:00+00', '2024-08-20' FROM c`, bo)
	ok(t, err)
	whole, err := w.d.Watchlist.List(w.ctx, watchlist.Filter{})
	ok(t, err)
	deteriorations := 0
	for _, e := range whole.Entries {
		for _, it := range e.Reasons {
			if it.Reason == watchlist.Deterioration && civil.Format(it.Since) == "2024-06-30" {
				deteriorations++
			}
		}
	}
	if len(whole.Entries) != 2 || len(whole.Entries[0].Reasons) < 13 || deteriorations != 4 {
		t.Fatalf("the book's list (%d deteriorations of 2024-06-30): %+v", deteriorations, whole.Entries)
	}
	for _, c := range []string{"", "BO", "PE", "KE"} {
		for _, r := range append([]watchlist.Reason{""}, watchlist.Reasons...) {
			f := watchlist.Filter{Reason: r, Country: c}
			got, err := w.d.Watchlist.List(w.ctx, f)
			ok(t, err)
			want, err := w.d.Watchlist.ComputeList(w.ctx, f)
			ok(t, err)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%+v: cut from the whole list\n%+v\ncomputed\n%+v", f, got, want)
			}
		}
	}
}
