package covenant

import (
	"strings"
	"testing"

	"github.com/govalues/decimal"

	"cartera/internal/kpi"
)

// GLP growth where the report twelve months earlier gives a portfolio of zero: the
// message said no report gave gross_loan_portfolio, though one did; it now says none
// gives a non-zero one, which is true of both causes (a period's own figures cannot
// tell them apart).
func TestGrowthOverAZeroPriorSaysSo(t *testing.T) {
	reports := full(false)
	zero := decimal.Zero
	reports[0].Figures.GrossLoanPortfolio = &zero
	v, figs := latestRatio(reports, kpi.GLPGrowth)
	if v != nil {
		t.Fatalf("growth computed: %v", *v)
	}
	if msg := whyNoRatio(kpi.GLPGrowth, figs); !strings.Contains(msg, "no report twelve months earlier gives a non-zero gross_loan_portfolio") {
		t.Errorf("growth over a zero portfolio a year earlier: %q", msg)
	}
}
