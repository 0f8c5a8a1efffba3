package statements

import (
	"testing"

	"cartera/internal/partner"
)

// TestReportYears: each partner's first and latest year with a report, over reports
// out of order and across year ends; a partner without reports is absent.
func TestReportYears(t *testing.T) {
	f := newFixture(t)
	a, b := f.partner("A", "BO", partner.NGO), f.partner("B", "PE", partner.NGO)
	f.partner("Silent", "KE", partner.NGO)
	for _, r := range []struct {
		id  int64
		end string
	}{{a, "2021-12-31"}, {a, "2019-03-31"}, {a, "2024-06-30"}, {b, "2020-01-31"}} {
		if _, _, err := f.s.Put(f.ctx, tester, r.id, rep(r.end, 3, "USD", "gross_loan_portfolio", "1")); err != nil {
			t.Fatal(err)
		}
	}
	got, err := f.s.ReportYears(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int64]YearSpan{a: {a, 2019, 2024}, b: {b, 2020, 2020}}
	if len(got) != len(want) || got[a] != want[a] || got[b] != want[b] {
		t.Errorf("report years %v, want %v", got, want)
	}
}
