package demo

import (
	"context"
	"fmt"

	"cartera/internal/app"
	"cartera/internal/audit"
	"cartera/internal/compliance"
	"cartera/internal/ledger"
	"cartera/internal/platform/apperr"
	"cartera/internal/user"
)

// RiskEmail is the demo's second administrator: the risk officer who decides the
// waivers the credit team asks for (four eyes: never the one who asked).
const RiskEmail = "risk@cartera.example"

const covenantsLoadedKey = "demo_covenants_loaded"

// demoCovenant is a covenant of the demo: on a partner (all its loans) or, with
// loan set, on one loan.
type demoCovenant struct {
	partner, loan                     string
	metric, operator, threshold, freq string
	from                              string
	cure                              int
}

// demoCovenants are the terms loan agreements in the field usually set: portfolio
// quality, write-offs, self-sufficiency and capital. Every partner the fund lends to
// has them; ADRA Peru's programme runs under 100 % self-sufficiency (the rating
// report's chief weakness), so its covenant is breached from its first period on.
var demoCovenants = []demoCovenant{
	{partner: "ADRA Peru", metric: "operational_self_sufficiency", operator: ">=", threshold: "100 %", freq: "each_report", from: "2001-01-01", cure: 180},
	{partner: "ADRA Peru", metric: "par30_ratio", operator: "<=", threshold: "5 %", freq: "each_report", from: "2001-01-01", cure: 90},
	{partner: "ADRA Peru", loan: "ADRA-PEN-01", metric: "equity_to_assets", operator: ">=", threshold: "15 %", freq: "semiannual", from: "2002-12-01", cure: 90},
	{partner: "Pro Mujer Bolivia", metric: "par30_ratio", operator: "<=", threshold: "5 %", freq: "each_report", from: "2001-01-01", cure: 90},
	{partner: "Pro Mujer Bolivia", loan: "PMB-BOB-01", metric: "operational_self_sufficiency", operator: ">=", threshold: "100 %", freq: "each_report", from: "2001-01-01", cure: 90},
	{partner: "Impro", metric: "par30_ratio", operator: "<=", threshold: "10 %", freq: "each_report", from: "2010-01-01", cure: 90},
	{partner: "Compartamos", metric: "par30_ratio", operator: "<=", threshold: "5 %", freq: "each_report", from: "2003-01-01", cure: 90},
	{partner: "Compartamos", metric: "equity_to_assets", operator: ">=", threshold: "20 %", freq: "each_report", from: "2003-01-01", cure: 90},
}

// loadCovenants writes the demo's covenants (each tested at once against the figures
// stored), the risk officer, and a waiver of ADRA Peru's breach that the demo
// administrator asked for and the risk officer approved.
func loadCovenants(ctx context.Context, s app.Services, actor audit.Actor) (int, error) {
	ids, err := partnerIDs(ctx, s)
	if err != nil {
		return 0, err
	}
	loans, err := s.Loans.List(ctx, ledger.ListQuery{})
	if err != nil {
		return 0, err
	}
	loanIDs := map[string]int64{}
	for _, l := range loans.Items {
		loanIDs[l.Reference] = l.ID
	}
	made := 0
	for _, dc := range demoCovenants {
		partnerID, loanID := ids[dc.partner], loanIDs[dc.loan]
		if partnerID == 0 || (dc.loan != "" && loanID == 0) {
			continue // the partner or loan was renamed before this part of the demo arrived
		}
		if loanID != 0 {
			partnerID = 0
		}
		if has, err := hasCovenant(ctx, s, partnerID, loanID, dc.metric); err != nil || has {
			if err != nil {
				return made, err
			}
			continue // written by an earlier, interrupted run
		}
		in := compliance.Input{Metric: &dc.metric, Operator: &dc.operator, Threshold: &dc.threshold,
			Frequency: &dc.freq, From: &dc.from, CureDays: &dc.cure}
		if _, err := s.Compliance.Create(ctx, actor, partnerID, loanID, in); err != nil {
			return made, fmt.Errorf("demo covenant %s %s %s of %s: %w", dc.metric, dc.operator, dc.threshold, dc.partner, err)
		}
		made++
	}
	return made, waiveADRA(ctx, s, actor, ids["ADRA Peru"])
}

// hasCovenant reports whether the partner (loanID 0) or the loan has a live covenant
// on the metric.
func hasCovenant(ctx context.Context, s app.Services, partnerID, loanID int64, metric string) (bool, error) {
	list, err := s.Compliance.ListOfPartner(ctx, partnerID)
	if loanID != 0 {
		list, err = s.Compliance.ListOfLoan(ctx, loanID)
	}
	if err != nil {
		return false, err
	}
	for _, c := range list {
		if c.MetricName == metric && c.EndedAt == nil && (loanID == 0) == (c.LoanID == nil) {
			return true, nil
		}
	}
	return false, nil
}

// waiveADRA has the demo administrator ask to waive ADRA Peru's self-sufficiency
// breach for six months, and the risk officer approve it. It is the demo's garnish:
// an installation whose demo administrator is gone, or whose risk officer is no admin,
// gets no waiver rather than a service that will not start.
func waiveADRA(ctx context.Context, s app.Services, actor audit.Actor, adra int64) error {
	admin, err := s.Users.ByEmail(ctx, AdminEmail)
	if apperr.IsKind(err, apperr.KindNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("demo admin: %w", err)
	}
	risk, err := riskOfficer(ctx, s, actor)
	if err != nil {
		return err
	}
	if risk.Role != user.Admin || !risk.Active || admin.Role != user.Admin {
		return nil
	}
	breaches, err := s.Compliance.Breaches(ctx, compliance.BreachFilter{PartnerID: adra, Status: "open"})
	if err != nil {
		return err
	}
	for _, b := range breaches {
		if b.Metric != "operational_self_sufficiency" || len(b.Waivers) > 0 {
			continue
		}
		asker := audit.Actor{UserID: &admin.ID, Name: admin.Email, Via: audit.ViaSystem}
		reason := "The programme's restructuring plan, agreed with ADRA International, brings operational " +
			"self-sufficiency above 100 % within two years; the fund keeps lending meanwhile."
		if _, err := s.Compliance.RequestWaiver(ctx, asker, b.ID, reason, s.Clock.Today().AddDate(0, 6, 0)); err != nil {
			return fmt.Errorf("demo waiver: %w", err)
		}
		decider := audit.Actor{UserID: &risk.ID, Name: risk.Email, Via: audit.ViaSystem}
		if _, err := s.Compliance.DecideWaiver(ctx, decider, b.ID, true); err != nil {
			return fmt.Errorf("demo waiver's approval: %w", err)
		}
		return nil
	}
	return nil
}

// riskOfficer finds or creates the second administrator. Its password is random and
// shown nowhere: the demo administrator resets it to sign in as the risk officer.
func riskOfficer(ctx context.Context, s app.Services, actor audit.Actor) (user.User, error) {
	u, err := s.Users.ByEmail(ctx, RiskEmail)
	if !apperr.IsKind(err, apperr.KindNotFound) {
		return u, err
	}
	password, err := randomPassword()
	if err != nil {
		return u, err
	}
	return s.Users.Create(ctx, actor, user.NewUser{Email: RiskEmail, Name: "Demo risk officer", Role: user.Admin, Password: password})
}
