package compliance_test

import (
	"fmt"
	"reflect"
	"testing"

	"cartera/internal/compliance"
	"cartera/internal/platform/civil"
)

// TestBreachesPageIsTheListCut: the breaches page (the UI's, 100 at a time) of every
// filter, read page by page, is Breaches' list in its order, with its count; a page past
// the last gives the last. The breaches: open, closed by a later period, of a cancelled
// loan's covenant, waived, and with a pending waiver, over three partners.
func TestBreachesPageIsTheListCut(t *testing.T) {
	ctx, d := setup(t, civil.Date(2025, 3, 1))
	a, b := newUser(t, d, "a@example.org"), newUser(t, d, "b@example.org")
	var partners []int64
	for i := range 3 {
		p := newPartner(t, d, fmt.Sprint("P", i))
		partners = append(partners, p)
		loan := newLoan(t, d, p, fmt.Sprint("L", i))
		for _, on := range []int64{0, loan} {
			if _, err := d.Compliance.Create(ctx, tester, map[bool]int64{true: p}[on == 0], on, compliance.Input{Metric: text("par30_ratio"),
				Operator: text("<="), Threshold: text("5 %"), From: text("2024-01-01"), Frequency: text("each_report")}); err != nil {
				t.Fatal(err)
			}
		}
		for q, par := range []int64{80000, 90000, 10000, 70000} { // breached, breached, met (closes), breached again
			putPAR(t, ctx, d, p, civil.AddMonths(civil.Date(2024, 3, 31), 3*q), par)
		}
		if i == 1 {
			if _, err := d.Loans.Cancel(ctx, tester, loan, "not signed"); err != nil {
				t.Fatal(err)
			}
		}
	}
	all, err := d.Compliance.Breaches(ctx, compliance.BreachFilter{Status: "open"})
	if err != nil || len(all) < 3 {
		t.Fatalf("%d open breaches (%v)", len(all), err)
	}
	if _, err := d.Compliance.RequestWaiver(ctx, a, all[0].ID, "plan", civil.Date(2025, 6, 30)); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Compliance.DecideWaiver(ctx, b, all[0].ID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Compliance.RequestWaiver(ctx, a, all[1].ID, "plan", civil.Date(2025, 6, 30)); err != nil {
		t.Fatal(err)
	}
	statuses := map[string]int{}
	for _, f := range []compliance.BreachFilter{{}, {Status: "open"}, {Status: "waived"}, {Status: "closed"}, {PartnerID: partners[1]},
		{PartnerID: partners[2], Status: "closed"}} {
		want, err := d.Compliance.Breaches(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, br := range want {
			statuses[br.Status]++
		}
		const per = 3
		var got []compliance.Breach
		for page := 1; page <= (len(want)+per-1)/per; page++ {
			p, err := d.Compliance.BreachesPage(ctx, f, page, per)
			if err != nil {
				t.Fatal(err)
			}
			if p.Total != len(want) || p.Page != page {
				t.Fatalf("%+v page %d: page %d of a total %d, want %d", f, page, p.Page, p.Total, len(want))
			}
			got = append(got, p.Items...)
		}
		if !reflect.DeepEqual(got, want) && len(want) > 0 {
			t.Errorf("%+v: the pages hold\n%+v\nthe list\n%+v", f, got, want)
		}
		last, err := d.Compliance.BreachesPage(ctx, f, 1000, per)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(want); n > 0 && (last.Page != (n+per-1)/per || !reflect.DeepEqual(last.Items, want[(last.Page-1)*per:])) {
			t.Errorf("%+v: page 1000 is page %d with %d breaches", f, last.Page, len(last.Items))
		}
	}
	if statuses["open"] == 0 || statuses["waived"] == 0 || statuses["closed"] == 0 {
		t.Errorf("the breaches' statuses %v: each must be tested", statuses)
	}
	if _, err := d.Compliance.BreachesPage(ctx, compliance.BreachFilter{Status: "lost"}, 1, 10); err == nil {
		t.Error("an unknown status was taken")
	}
}
