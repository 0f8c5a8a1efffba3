// Package publish assembles the documents of reports/ from the partners, their
// figures and the fund's loans, and names the files. It is where those domains meet:
// it calls their services' exported methods, never their tables, and reports/ stays a
// pure renderer.
package publish

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/govalues/decimal"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"cartera/internal/covenant"
	"cartera/internal/fund"
	"cartera/internal/fx"
	"cartera/internal/kpi"
	"cartera/internal/ledger"
	"cartera/internal/loan"
	"cartera/internal/partner"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/civil"
	"cartera/internal/statements"
	"cartera/reports"
)

// Service builds partner profiles and fact sheets.
type Service struct {
	partners *partner.Service
	figures  *statements.Service
	loans    *ledger.Service
	funds    *fund.Service
	fx       *fx.Service
	clock    civil.Clock
	// covenants gives the profile's compliance table; nil leaves it out.
	covenants CovenantGrids
}

// CovenantGrids gives a partner's covenants against its latest tested periods,
// oldest first (the covenant store's Grid).
type CovenantGrids interface {
	Grid(ctx context.Context, partnerID int64, periods int) (covenant.Grid, error)
}

// UseCovenants gives the profiles their covenant compliance table. It is set at
// wiring, since the covenant store sits above this package's sources.
func (s *Service) UseCovenants(g CovenantGrids) { s.covenants = g }

// NewService wires the services the documents draw on.
func NewService(partners *partner.Service, figs *statements.Service, loans *ledger.Service, funds *fund.Service, rates *fx.Service, clock civil.Clock) *Service {
	return &Service{partners: partners, figures: figs, loans: loans, funds: funds, fx: rates, clock: clock}
}

// Document is a rendered file and the name to save it under.
type Document struct {
	FileName string
	Bytes    []byte
}

// KeyRatios are the ratios the profile places among peers: quality, efficiency,
// income, profitability and productivity, the rating report's five.
var KeyRatios = []kpi.Name{kpi.PAR30Ratio, kpi.OperatingExpenseRatio, kpi.PortfolioYield, kpi.ROE, kpi.ClientsPerStaff}

// periodsShown is how many periods the profile's table and charts show.
const periodsShown = 4

// ProfileOf gathers a partner's profile as of a date: its latest four reports on or
// before it, its place among the partners of its world region for the latest one,
// and the fund's loans to it as they stood that day.
func (s *Service) ProfileOf(ctx context.Context, partnerID int64, lang reports.Lang, asOf time.Time) (reports.Profile, error) {
	p, err := s.partners.Get(ctx, partnerID)
	if err != nil {
		return reports.Profile{}, err
	}
	asOf = civil.Of(asOf)
	out := reports.Profile{Lang: lang, Partner: viewPartner(p), AsOf: asOf}
	series, err := s.figures.Series(ctx, partnerID)
	if err != nil {
		return reports.Profile{}, fmt.Errorf("profile of partner %d: %w", partnerID, err)
	}
	n := len(series)
	for n > 0 && series[n-1].PeriodEnd.After(asOf) {
		n--
	}
	out.Periods = series[max(0, n-periodsShown):n]
	if len(out.Periods) > 0 {
		if out.Peers, err = s.peersOf(ctx, p, out.Periods[len(out.Periods)-1]); err != nil {
			return reports.Profile{}, err
		}
	}
	listed, err := s.loans.List(ctx, ledger.ListQuery{Filter: ledger.Filter{PartnerID: &partnerID}})
	if err != nil {
		return reports.Profile{}, fmt.Errorf("loans of partner %d: %w", partnerID, err)
	}
	summaries := listed.Items
	for _, sum := range summaries {
		if sum.SignedOn.After(asOf) || sum.Status == loan.Cancelled {
			continue // not yet signed on the profile's date, or cancelled: never lent
		}
		detail, err := s.loans.Get(ctx, sum.ID, asOf)
		if err != nil {
			return reports.Profile{}, fmt.Errorf("loan %s as of %s: %w", sum.Reference, asOf.Format(civil.Layout), err)
		}
		b := detail.Balances
		out.Loans = append(out.Loans, reports.Loan{Reference: sum.Reference, Currency: sum.Currency, Status: string(b.Status),
			SignedOn: sum.SignedOn, Committed: b.Committed, Disbursed: b.Disbursed, Outstanding: b.Outstanding,
			NextDueOn: b.NextDueOn, NextDueAmount: b.NextDueAmount, DaysPastDue: b.DaysPastDue})
	}
	if out.Fund, err = s.fundName(ctx, summaries); err != nil {
		return reports.Profile{}, err
	}
	if out.Covenants, err = s.complianceOf(ctx, partnerID, asOf); err != nil {
		return reports.Profile{}, err
	}
	return out, nil
}

// peersOf places the partner's latest period among the partners of its world region
// that reported for the same month, money per client in the partner's currency.
func (s *Service) peersOf(ctx context.Context, p partner.Partner, latest kpi.Period) (*reports.PeerGroup, error) {
	region, ok := partner.PeerRegionOf(p.Country)
	if !ok {
		return nil, nil
	}
	table, err := s.figures.Peers(ctx, statements.PeerQuery{PeriodEnd: latest.PeriodEnd, Filter: partner.Filter{WorldRegion: &region},
		PartnerID: &p.ID, Currency: latest.Currency})
	if err != nil {
		return nil, fmt.Errorf("peers of partner %d: %w", p.ID, err)
	}
	g := &reports.PeerGroup{PeriodEnd: latest.PeriodEnd, WorldRegion: region.Code, Members: len(table.Members)}
	for _, name := range KeyRatios {
		i := slices.IndexFunc(table.Ratios, func(r statements.PeerRatio) bool { return r.Name == name })
		if i < 0 {
			continue
		}
		r := table.Ratios[i]
		g.Ratios = append(g.Ratios, reports.PeerRatio{Name: r.Name, Direction: r.Direction, Summary: r.Summary, Value: r.Value, Position: r.Position})
	}
	return g, nil
}

// fundName is the fund the documents speak for: the one that lent the partner the
// most loans, or the first fund when none has lent to it yet.
func (s *Service) fundName(ctx context.Context, loans []ledger.Summary) (string, error) {
	funds, err := s.funds.List(ctx)
	if err != nil {
		return "", fmt.Errorf("funds: %w", err)
	}
	if len(funds) == 0 {
		return "Cartera", nil
	}
	count := map[int64]int{}
	best := funds[0]
	for _, l := range loans {
		count[l.FundID]++
	}
	for _, f := range funds {
		if count[f.ID] > count[best.ID] {
			best = f
		}
	}
	return best.Name, nil
}

func viewPartner(p partner.Partner) reports.Partner {
	v := reports.Partner{Name: p.Name, Country: p.Country, Region: p.Region, LegalStatus: string(p.LegalStatus),
		Description: p.Description, Strengths: p.Strengths, Risks: p.Risks}
	if p.Methodology != nil {
		v.Methodology = string(*p.Methodology)
	}
	if p.Founded != nil {
		v.Founded = *p.Founded
	}
	if p.PartnerSince != nil {
		v.PartnerSince = *p.PartnerSince
	}
	return v
}

// Profile renders a partner's profile.
func (s *Service) Profile(ctx context.Context, partnerID int64, lang reports.Lang, asOf time.Time) (Document, error) {
	view, err := s.ProfileOf(ctx, partnerID, lang, asOf)
	if err != nil {
		return Document{}, err
	}
	b, err := reports.RenderProfile(view)
	if err != nil {
		return Document{}, fmt.Errorf("profile of partner %d: %w", partnerID, err)
	}
	name := fmt.Sprintf("%s-profile-%s-%s.pdf", Slug(view.Partner.Name, partnerID), view.AsOf.Format(civil.Layout), lang)
	return Document{FileName: name, Bytes: b}, nil
}

// Years are the two years a fact sheet compares; zero means the partner's first (for
// From) or latest (for To) year with figures.
type Years struct{ From, To int }

// FactSheetOf gathers a partner's fact sheet: the box of facts, and its last report
// of each of the two years with what the fund lent it those years. Amounts are in the
// currency of the later report; an earlier report in another currency is converted
// at its period end's rate.
func (s *Service) FactSheetOf(ctx context.Context, partnerID int64, lang reports.Lang, years Years) (reports.FactSheet, error) {
	p, err := s.partners.Get(ctx, partnerID)
	if err != nil {
		return reports.FactSheet{}, err
	}
	series, err := s.figures.Series(ctx, partnerID)
	if err != nil {
		return reports.FactSheet{}, fmt.Errorf("fact sheet of partner %d: %w", partnerID, err)
	}
	byYear := lastOfEachYear(series)
	thenYear, nowYear, err := chooseYears(p.Name, byYear, years)
	if err != nil {
		return reports.FactSheet{}, err
	}
	out := reports.FactSheet{Lang: lang, Partner: viewPartner(p), AsOf: s.clock.Today(), Currency: "USD"}
	if len(byYear) > 0 {
		out.Currency = byYear[nowYear].Currency
	}
	listed, err := s.loans.List(ctx, ledger.ListQuery{Filter: ledger.Filter{PartnerID: &partnerID}})
	if err != nil {
		return reports.FactSheet{}, fmt.Errorf("loans of partner %d: %w", partnerID, err)
	}
	// A cancelled loan was never lent: it is no credit of the fund's.
	loans := slices.DeleteFunc(listed.Items, func(l ledger.Summary) bool { return l.Status == loan.Cancelled })
	credit, err := s.creditByYear(ctx, loans, out.Currency)
	if err != nil {
		return reports.FactSheet{}, err
	}
	if len(credit) > 0 {
		latest := slices.Max(mapsKeys(credit))
		out.LatestCredit = &reports.YearAmount{Year: latest, Amount: credit[latest]}
	}
	if len(byYear) > 0 {
		if out.Then, err = s.snapshot(ctx, byYear[thenYear], out.Currency, credit); err != nil {
			return reports.FactSheet{}, err
		}
		if out.Now, err = s.snapshot(ctx, byYear[nowYear], out.Currency, credit); err != nil {
			return reports.FactSheet{}, err
		}
		for y := thenYear; y <= nowYear; y++ {
			if r, ok := byYear[y]; ok && r.GrossLoanPortfolio != nil {
				glp, err := s.convert(ctx, *r.GrossLoanPortfolio, r.Currency, out.Currency, r.PeriodEnd)
				if err != nil {
					return reports.FactSheet{}, err
				}
				out.Portfolio = append(out.Portfolio, reports.YearAmount{Year: y, Amount: glp})
			}
		}
	}
	if out.Fund, err = s.fundName(ctx, loans); err != nil {
		return reports.FactSheet{}, err
	}
	return out, nil
}

// lastOfEachYear keeps each calendar year's latest report.
func lastOfEachYear(series []kpi.Period) map[int]kpi.Period {
	out := map[int]kpi.Period{}
	for _, p := range series { // oldest first: later reports of a year replace earlier ones
		out[p.PeriodEnd.Year()] = p
	}
	return out
}

// chooseYears checks the years asked for against those with figures.
func chooseYears(name string, byYear map[int]kpi.Period, want Years) (int, int, error) {
	have := mapsKeys(byYear)
	slices.Sort(have)
	var bad apperr.Fields
	if want.From != 0 && want.To != 0 && want.From > want.To {
		bad.Add("from", "%d is after to (%d): the first year must come first", want.From, want.To)
		return 0, 0, bad.Err()
	}
	if len(have) == 0 {
		for _, f := range []struct {
			field string
			year  int
		}{{"from", want.From}, {"to", want.To}} {
			if f.year != 0 {
				bad.Add(f.field, "%s has no figures for %d, nor for any year", name, f.year)
			}
		}
		return 0, 0, bad.Err()
	}
	list := strings.Trim(strings.Join(strings.Fields(fmt.Sprint(have)), ", "), "[]")
	check := func(field string, year, fallback int) int {
		if year == 0 {
			return fallback
		}
		if _, ok := byYear[year]; !ok {
			bad.Add(field, "%s has no figures for %d; it has figures for %s", name, year, list)
		}
		return year
	}
	from := check("from", want.From, have[0])
	to := check("to", want.To, have[len(have)-1])
	if err := bad.Err(); err != nil {
		return 0, 0, err
	}
	if from > to { // one of the two defaulted past the other
		bad.Add("from", "%d is after %d, the year to compare it with", from, to)
		return 0, 0, bad.Err()
	}
	return from, to, nil
}

func mapsKeys[V any](m map[int]V) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// creditByYear sums the fund's commitments by the year the loans were signed, in
// the sheet's currency at each signing date's rate.
func (s *Service) creditByYear(ctx context.Context, loans []ledger.Summary, currency string) (map[int]decimal.Decimal, error) {
	out := map[int]decimal.Decimal{}
	for _, l := range loans {
		amount, err := s.convert(ctx, l.Committed, l.Currency, currency, l.SignedOn)
		if err != nil {
			return nil, fmt.Errorf("loan %s: %w", l.Reference, err)
		}
		y := l.SignedOn.Year()
		if out[y], err = out[y].Add(amount); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *Service) convert(ctx context.Context, amount decimal.Decimal, from, to string, on time.Time) (decimal.Decimal, error) {
	if from == to {
		return amount, nil
	}
	return s.fx.Convert(ctx, amount, from, to, on)
}

// snapshot is a year's column: portfolio, clients, average loan (portfolio over loans
// outstanding, exact) and what the fund committed that year.
func (s *Service) snapshot(ctx context.Context, p kpi.Period, currency string, credit map[int]decimal.Decimal) (*reports.Snapshot, error) {
	snap := &reports.Snapshot{Year: p.PeriodEnd.Year(), PeriodEnd: p.PeriodEnd, Clients: p.ActiveClients, FundCredit: credit[p.PeriodEnd.Year()]}
	if p.GrossLoanPortfolio != nil {
		glp, err := s.convert(ctx, *p.GrossLoanPortfolio, p.Currency, currency, p.PeriodEnd)
		if err != nil {
			return nil, err
		}
		snap.Portfolio = &glp
		if p.LoansOutstanding != nil && !p.LoansOutstanding.IsZero() {
			if avg, err := glp.Quo(*p.LoansOutstanding); err == nil {
				snap.AverageLoan = &avg
			}
		}
	}
	return snap, nil
}

// FactSheet renders a partner's fact sheet.
func (s *Service) FactSheet(ctx context.Context, partnerID int64, lang reports.Lang, years Years) (Document, error) {
	view, err := s.FactSheetOf(ctx, partnerID, lang, years)
	if err != nil {
		return Document{}, err
	}
	b, err := reports.RenderFactSheet(view)
	if err != nil {
		return Document{}, fmt.Errorf("fact sheet of partner %d: %w", partnerID, err)
	}
	name := Slug(view.Partner.Name, partnerID) + "-factsheet"
	if view.Then != nil {
		name += fmt.Sprintf("-%d-%d", view.Then.Year, view.Now.Year)
	}
	return Document{FileName: name + "-" + string(lang) + ".pdf", Bytes: b}, nil
}

// Slug is a partner's name as a file name: ASCII letters and digits in lower case
// joined by hyphens ("Pro Mujer Bolivia" → "pro-mujer-bolivia", "Crédito Ñandutí" →
// "credito-nanduti"), at most 60 characters; "partner-<id>" when nothing is left.
func Slug(name string, id int64) string {
	plain, _, err := transform.String(transform.Chain(norm.NFKD, runes.Remove(runes.In(unicode.Mn))), name)
	if err != nil {
		plain = name
	}
	var b strings.Builder
	hyphen := false
	for _, r := range strings.ToLower(plain) {
		if r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			if hyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			hyphen = false
			b.WriteRune(r)
			if b.Len() >= 60 {
				break
			}
			continue
		}
		hyphen = true
	}
	if b.Len() == 0 {
		return fmt.Sprintf("partner-%d", id)
	}
	return b.String()
}

// gridPeriods is how many tested periods are read for the profile: enough that the
// latest periodsShown on or before an earlier date are among them.
const gridPeriods = 12

// complianceOf is the partner's covenants against its latest periodsShown tested
// periods on or before asOf; nil when it has no covenant.
func (s *Service) complianceOf(ctx context.Context, partnerID int64, asOf time.Time) (*covenant.Grid, error) {
	if s.covenants == nil {
		return nil, nil
	}
	g, err := s.covenants.Grid(ctx, partnerID, gridPeriods)
	if err != nil {
		return nil, fmt.Errorf("covenants of partner %d: %w", partnerID, err)
	}
	if len(g.Rows) == 0 {
		return nil, nil
	}
	n := len(g.Periods)
	for n > 0 && g.Periods[n-1].After(asOf) {
		n--
	}
	from := max(0, n-periodsShown)
	g.Periods = g.Periods[from:n]
	for i := range g.Rows {
		g.Rows[i].Cells = g.Rows[i].Cells[from:n]
	}
	return &g, nil
}
