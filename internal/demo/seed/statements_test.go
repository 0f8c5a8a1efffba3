package seed

import (
	"math"
	"strconv"
	"testing"
	"time"

	"cartera/internal/kpi"
)

// TestADRAPeruReproducesTheRatingReport computes ADRA Peru's ratios from the rating
// report's statements and compares them with the ratios the report publishes, where
// their inputs exist: the 12-month averages of Dec-02 and Jun-03 (Dec-01 and Jun-02
// would need Dec-00 and Jun-01, which the report does not give).
func TestADRAPeruReproducesTheRatingReport(t *testing.T) {
	periods := kpi.Compute(adraPeru())
	byEnd := map[string]kpi.Period{}
	for _, p := range periods {
		byEnd[p.PeriodEnd.Format("2006-01")] = p
	}
	published := []struct {
		period string
		ratio  kpi.Name
		value  float64 // as printed in the report
	}{
		{"2002-12", kpi.OperatingExpenseRatio, 0.981},
		{"2003-06", kpi.OperatingExpenseRatio, 0.822},
		{"2002-12", kpi.PortfolioYield, 0.546},
		{"2003-06", kpi.PortfolioYield, 0.751},
		{"2002-12", kpi.ROE, -0.371},
		{"2003-06", kpi.ROE, -0.028},
		{"2002-12", kpi.ROA, -0.218},
		{"2003-06", kpi.ROA, -0.012},
		{"2002-12", kpi.GLPGrowth, 0.857},
		{"2003-06", kpi.GLPGrowth, 1.773},
		{"2002-12", kpi.ClientGrowth, 0.582},
		{"2003-06", kpi.ClientGrowth, 0.524},
		{"2003-06", kpi.ClientsPerLoanOfficer, 247},
		{"2003-06", kpi.ClientsPerStaff, 183},
		{"2003-06", kpi.AverageLoanBalance, 108},
	}
	for _, p := range published {
		r := byEnd[p.period].Ratios[p.ratio]
		if r.Value == nil {
			t.Errorf("%s %s is absent, the report gives %v", p.period, p.ratio, p.value)
			continue
		}
		tolerance := 0.005 // half a percentage point
		if math.Abs(p.value) > 10 {
			tolerance = 0.5 + 0.005*math.Abs(p.value) // whole numbers: clients, dollars
		}
		if math.Abs(*r.Value-p.value) > tolerance {
			t.Errorf("%s %s = %.4f, the report gives %.3f", p.period, p.ratio, *r.Value, p.value)
		}
	}
	if b := byEnd["2003-06"].Ratios[kpi.OperatingExpenseRatio].Basis; b != kpi.TwelveMonths {
		t.Errorf("Jun-03 OER basis %s, want the 12-month average", b)
	}
}

// TestPeersReproduceTheComparisonTable: the Jun-03 peers' figures, rebuilt from the
// table, give back the table's ratios.
func TestPeersReproduceTheComparisonTable(t *testing.T) {
	for _, row := range peersJun03 {
		p, ok := kpi.PeriodAt(peerReports(row), month(2003, 6))
		if !ok {
			t.Fatalf("%s has no Jun-03 report", row.partner)
		}
		for _, c := range []struct {
			ratio kpi.Name
			want  string
		}{
			{kpi.GLPGrowth, row.glpGrowth}, {kpi.ClientGrowth, row.clientGrowth}, {kpi.PAR30Ratio, row.par30},
			{kpi.WriteOffRatio, row.writeOffs}, {kpi.RiskCoverage, row.coverage}, {kpi.ProvisionExpenseRatio, row.provision},
			{kpi.OperatingExpenseRatio, row.oer}, {kpi.ClientsPerLoanOfficer, row.perOfficer}, {kpi.ClientsPerStaff, row.perStaff},
			{kpi.PortfolioYield, row.yield}, {kpi.PersonnelExpenseRatio, row.personnel}, {kpi.DebtToEquity, row.debtEquity},
			{kpi.EquityToAssets, row.equityAsst}, {kpi.ROE, row.roe}, {kpi.ROA, row.roa},
		} {
			want := parse(t, c.want)
			got := p.Ratios[c.ratio].Value
			tolerance := 0.001 + 0.01*math.Abs(want) // the table rounds to 0.1 %, counts to whole people
			if got == nil || math.Abs(*got-want) > tolerance {
				t.Errorf("%s %s = %v, the table gives %s", row.partner, c.ratio, got, c.want)
			}
		}
	}
}

func month(year int, month time.Month) time.Time {
	return time.Date(year, month, 1, 0, 0, 0, 0, time.UTC)
}

func parse(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
