package ui

// The partner page: facts, loans, figures and ratios over time with charts, the place
// among peers, and the profile and fact sheet downloads.

import (
	"context"
	"slices"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/govalues/decimal"

	"cartera/internal/covenant"
	"cartera/internal/http/edge"
	"cartera/internal/kpi"
	"cartera/internal/ledger"
	"cartera/internal/partner"
	"cartera/internal/publish"
	"cartera/internal/statements"
	"cartera/reports"
)

// partnerPage is everything the partner page shows.
type partnerPage struct {
	Partner     partner.Partner
	CountryName string
	Periods     []kpi.Period // latest last, at most eight
	KPIRows     []kpiRow
	Charts      []chart
	Peers       *statements.PeerTable
	PeerRows    []peerRow
	Loans       []ledger.Summary
	Langs       []reports.Lang
	Covenants   covenantSection
	Reporting   *reportingLine // nil: no reporting obligation
}

// reportingLine is the partner's reporting obligation and the periods it is late with.
type reportingLine struct {
	Frequency string
	From      time.Time
	Days      int
	Late      []covenant.Late
}

// reporting reads the partner's obligation and its overdue periods today.
func (h *handlers) reporting(ctx context.Context, id int64) (*reportingLine, error) {
	r, ok, err := h.Watchlist.Reporting(ctx, id)
	if err != nil || !ok {
		return nil, err
	}
	label := map[covenant.Frequency]string{covenant.Quarterly: "Quarterly", covenant.Semiannual: "Half-yearly", covenant.Annual: "Yearly"}
	return &reportingLine{Frequency: label[r.Obligation.Frequency], From: r.Obligation.From, Days: r.Obligation.Days(), Late: r.Late}, nil
}

type kpiRow struct {
	Label  string
	Format string // "amount", "pct", "count", "ratio"
	Values []any
}

type peerRow struct {
	Label    string
	Value    *float64
	Median   float64
	Quartile int
	Format   string
	N        int
}

var ratioLabels = map[kpi.Name]string{
	kpi.PAR30Ratio: "PAR30", kpi.OperatingExpenseRatio: "Operating expense ratio", kpi.PortfolioYield: "Portfolio yield",
	kpi.ROE: "Return on equity", kpi.ROA: "Return on assets", kpi.ClientsPerStaff: "Clients per staff",
	kpi.DebtToEquity: "Debt to equity", kpi.OperationalSelfSuffic: "Operational self-sufficiency", kpi.WriteOffRatio: "Write-off ratio",
	kpi.WomenShare: "Women clients",
}

func ratioFormat(n kpi.Name) string {
	switch n {
	case kpi.ClientsPerStaff, kpi.DebtToEquity, kpi.ClientsPerLoanOfficer:
		return "ratio"
	}
	return "pct"
}

func (h *handlers) showPartner(c *fiber.Ctx) error {
	pt, err := h.pathPartner(c)
	if err != nil {
		return err
	}
	data, err := h.partnerData(c, pt)
	if err != nil {
		return err
	}
	p := h.page(c, pt.Name, "partners")
	p.Data = data
	return h.render(c, fiber.StatusOK, "partner", p)
}

// partnerData loads everything the partner page shows.
func (h *handlers) partnerData(c *fiber.Ctx, pt partner.Partner) (partnerPage, error) {
	id, ctx := pt.ID, c.UserContext()
	periods, err := h.Statements.Series(ctx, id)
	if err != nil {
		return partnerPage{}, err
	}
	loans, err := h.Loans.List(ctx, ledger.ListQuery{Filter: ledger.Filter{PartnerID: &id}})
	if err != nil {
		return partnerPage{}, err
	}
	data := partnerPage{Partner: pt, CountryName: partner.CountryName(pt.Country), Loans: loans.Items, Langs: reports.Langs}
	if data.Covenants, err = h.covenantSection(ctx, id, 0); err != nil {
		return partnerPage{}, err
	}
	if data.Reporting, err = h.reporting(ctx, id); err != nil {
		return partnerPage{}, err
	}
	if len(periods) > 8 {
		periods = periods[len(periods)-8:]
	}
	data.Periods = periods
	data.KPIRows = kpiRows(periods)
	data.Charts = partnerCharts(periods)
	if len(periods) > 0 {
		latest := periods[len(periods)-1].PeriodEnd
		peers, err := h.Statements.Peers(ctx, statements.PeerQuery{PeriodEnd: latest, PartnerID: &id})
		if err != nil {
			return partnerPage{}, err
		}
		data.Peers = &peers
		for _, r := range peers.Ratios {
			if !slices.Contains(publish.KeyRatios, r.Name) {
				continue
			}
			data.PeerRows = append(data.PeerRows, peerRow{Label: ratioLabels[r.Name], Value: r.Value, Median: r.Median, Quartile: r.Position.Quartile, Format: ratioFormat(r.Name), N: r.N})
		}
	}
	return data, nil
}

// kpiRows lays the periods out as the rating report does: one row per figure or
// ratio, one column per period.
func kpiRows(periods []kpi.Period) []kpiRow {
	figure := func(label string, get func(kpi.Figures) *decimal.Decimal, format string) kpiRow {
		r := kpiRow{Label: label, Format: format}
		for _, p := range periods {
			r.Values = append(r.Values, get(p.Figures))
		}
		return r
	}
	ratio := func(n kpi.Name) kpiRow {
		r := kpiRow{Label: ratioLabels[n], Format: ratioFormat(n)}
		for _, p := range periods {
			r.Values = append(r.Values, p.Ratios[n].Value)
		}
		return r
	}
	return []kpiRow{
		figure("Gross loan portfolio", func(f kpi.Figures) *decimal.Decimal { return f.GrossLoanPortfolio }, "amount"),
		figure("Total assets", func(f kpi.Figures) *decimal.Decimal { return f.TotalAssets }, "amount"),
		figure("Equity", func(f kpi.Figures) *decimal.Decimal { return f.Equity }, "amount"),
		figure("Active clients", func(f kpi.Figures) *decimal.Decimal { return f.ActiveClients }, "count"),
		ratio(kpi.PAR30Ratio), ratio(kpi.WriteOffRatio), ratio(kpi.OperatingExpenseRatio), ratio(kpi.PortfolioYield),
		ratio(kpi.ROE), ratio(kpi.ROA), ratio(kpi.OperationalSelfSuffic), ratio(kpi.DebtToEquity), ratio(kpi.WomenShare),
	}
}

func (h *handlers) profilePDF(c *fiber.Ctx) error {
	id, lang, err := pdfRequest(c)
	if err != nil {
		return err
	}
	d, err := h.Publish.Profile(c.UserContext(), id, lang, h.today())
	if err != nil {
		return err
	}
	return edge.SendPDF(c, d)
}

func (h *handlers) factSheetPDF(c *fiber.Ctx) error {
	id, lang, err := pdfRequest(c)
	if err != nil {
		return err
	}
	d, err := h.Publish.FactSheet(c.UserContext(), id, lang, publish.Years{})
	if err != nil {
		return err
	}
	return edge.SendPDF(c, d)
}

// pdfRequest reads a partner document's path and language.
func pdfRequest(c *fiber.Ctx) (int64, reports.Lang, error) {
	id, err := edge.PathID(c, "partner")
	if err != nil {
		return 0, "", err
	}
	lang, err := edge.Lang(c)
	return id, lang, err
}
