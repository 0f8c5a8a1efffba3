package publish

import (
	"context"
	"testing"
	"time"

	"cartera/internal/covenant"
	"cartera/internal/platform/civil"
)

type fakeGrids struct{ g covenant.Grid }

func (f fakeGrids) Grid(context.Context, int64, int) (covenant.Grid, error) { return f.g, nil }

func TestTheProfilesComplianceTableKeepsTheLatestFourPeriodsOnOrBeforeItsDate(t *testing.T) {
	var periods []time.Time
	var cells []covenant.Cell
	for m := 3; m <= 24; m += 3 { // eight quarters of 2025 and 2026
		periods = append(periods, civil.Date(2025, time.Month(1), 1).AddDate(0, m, -1))
		cells = append(cells, covenant.Cell{Status: covenant.Met, Missing: periods[len(periods)-1].Format(civil.Layout)})
	}
	s := &Service{}
	if g, err := s.complianceOf(context.Background(), 1, civil.Date(2026, 12, 31)); g != nil || err != nil {
		t.Fatalf("no covenant store: %v, %v", g, err)
	}
	s.UseCovenants(fakeGrids{covenant.Grid{Periods: periods, Rows: []covenant.GridRow{{CovenantID: 1, Cells: cells}}}})
	g, err := s.complianceOf(context.Background(), 1, civil.Date(2026, 7, 15))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"2025-09-30", "2025-12-31", "2026-03-31", "2026-06-30"}
	if len(g.Periods) != len(want) || len(g.Rows[0].Cells) != len(want) {
		t.Fatalf("periods %v, cells %d; want %v", g.Periods, len(g.Rows[0].Cells), want)
	}
	for i, w := range want {
		if got := g.Periods[i].Format(civil.Layout); got != w || g.Rows[0].Cells[i].Missing != w {
			t.Errorf("column %d: period %s, cell of %s; want %s", i, got, g.Rows[0].Cells[i].Missing, w)
		}
	}
	s.UseCovenants(fakeGrids{covenant.Grid{Periods: periods}})
	if g, _ := s.complianceOf(context.Background(), 1, civil.Date(2026, 12, 31)); g != nil {
		t.Error("a partner without covenants gets a table")
	}
}
