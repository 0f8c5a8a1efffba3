package compliance_test

import (
	"strings"
	"testing"

	"github.com/govalues/decimal"

	"cartera/internal/compliance"
	"cartera/internal/fx"
	"cartera/internal/kpi"
	"cartera/internal/platform/civil"
)

// An amount covenant in USD on a partner reporting in BOB: the grid gave the value in
// BOB beside the covenant's threshold in USD, with no currency for either. Each
// result names the period's currency with the threshold converted into it, and the
// grid's cell carries both; a ratio's cell carries neither.
func TestAmountResultsNameThePeriodsCurrency(t *testing.T) {
	ctx, d := setup(t, civil.Date(2025, 3, 1))
	p := newPartner(t, d, "Boliviano")
	end := civil.Date(2024, 3, 31)
	if err := d.FX.Put(ctx, tester, []fx.Rate{{Currency: "BOB", Date: end, Rate: decimal.MustParse("6.96")}}); err != nil {
		t.Fatal(err)
	}
	dec := func(s string) *decimal.Decimal { x := decimal.MustParse(s); return &x }
	r := kpi.Statement{PeriodEnd: end, Months: 3, Currency: "BOB"}
	r.Equity, r.GrossLoanPortfolio, r.PAR30 = dec("1250000"), dec("9000000"), dec("90000")
	if _, _, err := d.Statements.Put(ctx, tester, p, r); err != nil {
		t.Fatal(err)
	}
	equity, err := d.Compliance.Create(ctx, tester, p, 0, compliance.Input{Metric: text("equity"), Operator: text(">="),
		Threshold: text("1000000"), Currency: text("USD"), From: text("2024-01-01"), Frequency: text("each_report")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Compliance.Create(ctx, tester, p, 0, compliance.Input{Metric: text("par30_ratio"), Operator: text("<="),
		Threshold: text("5 %"), From: text("2024-01-01"), Frequency: text("each_report")}); err != nil {
		t.Fatal(err)
	}
	converted := decimal.MustParse("6960000")

	rows, err := d.Compliance.Results(ctx, compliance.ResultFilter{PartnerID: p})
	if err != nil || len(rows) != 2 {
		t.Fatalf("results: %+v %v", rows, err)
	}
	eq := rows[0]
	if eq.CovenantID != equity.ID || eq.PeriodCurrency != "BOB" || eq.Currency != "USD" || !eq.Threshold.Equal(converted) || eq.Status != "breached" {
		t.Errorf("the equity result: %+v; want breached against 6,960,000 in BOB, the period's currency (the covenant's USD)", eq)
	}
	d1, err := compliance.ExportResults(rows, "csv", civil.Date(2025, 3, 1))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.ReplaceAll(string(d1.Body), "\r", ""), "\n")
	if len(lines) < 2 || !strings.HasSuffix(lines[0], ",period_currency") || !strings.HasSuffix(lines[1], ",BOB") {
		t.Errorf("the CSV names no period currency:\n%s", d1.Body)
	}

	g, err := d.Compliance.Grid(ctx, p, 4)
	if err != nil || len(g.Rows) != 2 || len(g.Periods) != 1 {
		t.Fatalf("grid: %+v %v", g, err)
	}
	c := g.Rows[0].Cells[0]
	if c.Currency != "BOB" || c.Threshold == nil || !c.Threshold.Equal(converted) || c.Value == nil || !c.Value.Equal(decimal.MustNew(1250000, 0)) {
		t.Errorf("the equity cell: %+v; want 1,250,000 BOB against 6,960,000 BOB", c)
	}
	if ratio := g.Rows[1].Cells[0]; ratio.Currency != "" || ratio.Threshold != nil || ratio.Value == nil {
		t.Errorf("the PAR30 ratio's cell: %+v; want its value alone", ratio)
	}
}
