package demo

import (
	"context"
	"testing"

	"cartera/internal/app"
	"cartera/internal/compliance"
	"cartera/internal/platform/pgtest"
)

// TestDemoCovenantsHaveOneBreachWaivedWithFourEyes: every demo covenant tested at
// once against the figures; the one breach is ADRA Peru's self-sufficiency (under
// 100 % in every period, as its rating report says), waived on the demo
// administrator's request by the risk officer, a second person.
func TestDemoCovenantsHaveOneBreachWaivedWithFourEyes(t *testing.T) {
	ctx := context.Background()
	conn := pgtest.New(t)
	s, err := app.New(ctx, conn, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Load(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	if res.Covenants != len(demoCovenants) {
		t.Fatalf("%d covenants loaded, want %d", res.Covenants, len(demoCovenants))
	}
	var results, loanLevel int
	if err := conn.Get(&results, `SELECT count(*) FROM covenant_results`); err != nil || results == 0 {
		t.Fatalf("%d results (%v): the covenants were not tested", results, err)
	}
	if err := conn.Get(&loanLevel, `SELECT count(*) FROM covenants WHERE loan_id IS NOT NULL`); err != nil || loanLevel != 2 {
		t.Fatalf("%d loan-level covenants (%v), want 2", loanLevel, err)
	}
	breaches, err := s.Compliance.Breaches(ctx, compliance.BreachFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(breaches) != 1 {
		t.Fatalf("%d breaches, want ADRA Peru's alone: %+v", len(breaches), breaches)
	}
	b := breaches[0]
	if b.PartnerName != "ADRA Peru" || b.Metric != "operational_self_sufficiency" || b.Status != "waived" || len(b.Waivers) != 1 {
		t.Fatalf("the breach: %+v", b)
	}
	w := b.Waivers[0]
	if w.Decision != "approved" || w.RequestedByEmail != AdminEmail || w.DecidedByEmail != RiskEmail {
		t.Fatalf("the waiver: %+v", w)
	}
	var events []string
	if err := conn.Select(&events, `SELECT kind FROM notification_events ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	if len(events) != 3 || events[0] != "breach" || events[1] != "waiver_requested" || events[2] != "waiver_approved" {
		t.Errorf("events %v, want the breach, the request and the approval", events)
	}
	if again, err := Load(ctx, s); err != nil || !again.AlreadyLoaded {
		t.Fatalf("second load: %+v %v", again, err)
	}
}
