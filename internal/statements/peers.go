package statements

import (
	"context"
	"fmt"
	"time"

	"github.com/govalues/decimal"
	"github.com/lib/pq"

	"cartera/internal/fx"
	"cartera/internal/kpi"
	"cartera/internal/partner"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/civil"
	"cartera/internal/platform/db"
)

// PeerQuery selects a peer group: the partners matching Filter that have a report
// whose period ends in the calendar month of PeriodEnd.
type PeerQuery struct {
	PeriodEnd time.Time
	Filter    partner.Filter
	// PartnerID, when set, is the partner to place among the group (it need not be in it).
	PartnerID *int64
	// Currency is the one ratios in money per client are shown in (USD when empty).
	Currency string
}

// PeerTable is a peer group's distribution of every ratio, and one partner's place in it.
type PeerTable struct {
	PeriodEnd time.Time
	Currency  string
	Members   []Member
	Ratios    []PeerRatio
	// Set when the query named a partner:
	PartnerID        *int64
	PartnerInGroup   bool
	PartnerPeriodEnd *time.Time // nil when the partner has no report that month
	// Excluded lists the ratios some members could not contribute, and why.
	Excluded []Exclusion
}

// Member is a partner of the group and the report of its that was used.
type Member struct {
	partner.Ref
	PeriodEnd time.Time
	Currency  string
}

// PeerRatio is one ratio over the group and, with a partner, its value and place.
type PeerRatio struct {
	Name      kpi.Name
	Direction kpi.Direction
	kpi.Summary
	Value    *float64
	Position kpi.Position // zero without a value
}

// Exclusion says which ratios of one partner were left out of the table, and why.
type Exclusion struct {
	PartnerID int64
	Ratios    []kpi.Name
	Reason    string
}

// perClientMoney are the ratios in money per client: comparing them across partners
// needs one currency. The first is a stock over a count, converted at the period-end
// rate; the second a flow, at the period's average rate (MIX Market's rule).
var perClientMoney = []struct {
	name kpi.Name
	flow bool
}{{kpi.AverageLoanBalance, false}, {kpi.CostPerClient, true}}

// Peers computes the peer table. The group's part (its members, their periods and the
// distribution of each ratio) is kept in memory while the statements, partners and
// rates it is computed from are unchanged: the partner page places each partner among
// the same group, which took 40 ms of Go and SQL a page on the large book.
func (s *Service) Peers(ctx context.Context, q PeerQuery) (PeerTable, error) {
	if q.Currency == "" {
		q.Currency = "USD"
	}
	month := civil.Date(q.PeriodEnd.Year(), q.PeriodEnd.Month(), 1)
	g, _, err := db.Answer(ctx, s.peerVersions, s.peerGroups, keyOfGroup(q.Filter, month, q.Currency), func() (*peerGroup, error) {
		return s.peerGroup(ctx, q.Filter, month, q.Currency)
	})
	if err != nil {
		return PeerTable{}, err
	}
	t := PeerTable{PeriodEnd: q.PeriodEnd, Currency: q.Currency, PartnerID: q.PartnerID,
		Members: append(make([]Member, 0, len(g.members)), g.members...), Excluded: append([]Exclusion{}, g.excluded...)}
	subject, inGroup, err := s.peerSubject(ctx, g.refs, q.PartnerID)
	if err != nil {
		return PeerTable{}, err
	}
	t.PartnerInGroup = inGroup
	var own *kpi.Period
	if subject != nil {
		p, ok := g.periods[subject.ID]
		if !inGroup { // placed among a group it is not in: its own period apart
			periods, excluded, err := s.peerPeriods(ctx, pq.Int64Array{subject.ID}, month, q.Currency)
			if err != nil {
				return PeerTable{}, err
			}
			t.Excluded = append(t.Excluded, excluded...)
			p, ok = periods[subject.ID]
		}
		if ok {
			own = &p
			end := p.PeriodEnd
			t.PartnerPeriodEnd = &end
		}
	}
	t.Ratios = peerRatios(g.values, g.summaries, own, inGroup)
	return t, nil
}

// peerTables are the tables a peer group is computed from.
var peerTables = []string{"financial_statements", "partners", "fx_rates"}

// maxKeptMembers bounds the peer groups kept, by their members (a group of the large
// book's 2,000 partners holds their ratios: about 3 MB).
const maxKeptMembers = 10_000

// peerGroup is a group at a month: its members, their periods (money per client in the
// group's currency), the ratios some could not give, and each ratio's values and
// their distribution. Shared by every caller: not to be changed.
type peerGroup struct {
	refs      []partner.Ref
	members   []Member
	periods   map[int64]kpi.Period
	excluded  []Exclusion
	values    map[kpi.Name][]float64
	summaries map[kpi.Name]kpi.Summary
}

// groupKey is what a peer group depends on besides the data.
type groupKey struct {
	month                                            time.Time
	currency                                         string
	country, query, legalStatus, methodology, region string
}

func keyOfGroup(f partner.Filter, month time.Time, currency string) groupKey {
	k := groupKey{month: month, currency: currency, country: f.Country, query: f.Query, legalStatus: string(f.LegalStatus),
		methodology: string(f.Methodology)}
	if f.WorldRegion != nil {
		k.region = f.WorldRegion.Code
	}
	return k
}

// peerGroup computes the partners matching f with a report in month, and their ratios.
func (s *Service) peerGroup(ctx context.Context, f partner.Filter, month time.Time, currency string) (*peerGroup, error) {
	refs, err := s.partners.Refs(ctx, f)
	if err != nil {
		return nil, err
	}
	ids := make(pq.Int64Array, 0, len(refs))
	for _, r := range refs {
		ids = append(ids, r.ID)
	}
	g := &peerGroup{refs: refs, members: []Member{}, summaries: make(map[kpi.Name]kpi.Summary, len(kpi.Names))}
	if g.periods, g.excluded, err = s.peerPeriods(ctx, ids, month, currency); err != nil {
		return nil, err
	}
	for id, p := range g.periods { // placing a partner reads its ratios, not its figures
		p.Figures = kpi.Figures{}
		g.periods[id] = p
	}
	var t PeerTable
	g.values = t.addMembers(refs, g.periods)
	if t.Members != nil {
		g.members = t.Members
	}
	for _, n := range kpi.Names {
		g.summaries[n] = kpi.Summarize(g.values[n])
	}
	return g, nil
}

// peerSubject is the partner a query places among the group, and whether it is a
// member; nil when the query names none.
func (s *Service) peerSubject(ctx context.Context, refs []partner.Ref, partnerID *int64) (*partner.Ref, bool, error) {
	if partnerID == nil {
		return nil, false, nil
	}
	var subject *partner.Ref
	for i := range refs {
		if refs[i].ID == *partnerID {
			subject = &refs[i]
		}
	}
	if subject != nil {
		return subject, true, nil
	}
	p, err := s.partners.Get(ctx, *partnerID)
	if err != nil {
		return nil, false, err
	}
	return &partner.Ref{ID: p.ID, Name: p.Name, Country: p.Country, LegalStatus: p.LegalStatus, Methodology: p.Methodology}, false, nil
}

// peerPeriods are the partners' periods ending in month, their money per client in
// currency; a partner whose rate is missing keeps its other ratios, and an exclusion
// says why it lost those.
func (s *Service) peerPeriods(ctx context.Context, ids pq.Int64Array, month time.Time, currency string) (map[int64]kpi.Period, []Exclusion, error) {
	// The month's reports whole, and of the earlier ones only what ratios take from them.
	reports, err := s.scan(ctx, s.q.Window, ids, month, civil.AddMonths(month, 1))
	if err != nil {
		return nil, nil, err
	}
	earlier, err := s.scan(ctx, s.q.Earlier, ids, month, civil.AddMonths(month, 1))
	if err != nil {
		return nil, nil, err
	}
	reports = append(reports, earlier...)
	byPartner := map[int64][]kpi.Statement{}
	for _, r := range reports {
		byPartner[r.PartnerID] = append(byPartner[r.PartnerID], r.Statement)
	}
	conv := converter{s: s, ctx: ctx, to: currency, rates: map[period]*fx.Rates{}, missing: map[rateKey]error{}}
	periods := make(map[int64]kpi.Period, len(ids))
	var excluded []Exclusion
	for _, id := range ids {
		p, ok := kpi.PeriodAt(byPartner[id], month)
		if !ok {
			continue
		}
		reason, err := conv.perClient(&p)
		if err != nil {
			return nil, nil, err
		}
		if reason != "" {
			excluded = append(excluded, Exclusion{PartnerID: id, Ratios: perClientNames(), Reason: reason})
		}
		periods[id] = p
	}
	return periods, excluded, nil
}

// addMembers adds the partners of refs that have a period as members, in the order
// of refs, and returns the group's values of each ratio.
func (t *PeerTable) addMembers(refs []partner.Ref, periods map[int64]kpi.Period) map[kpi.Name][]float64 {
	values := make(map[kpi.Name][]float64, len(kpi.Names))
	for _, ref := range refs {
		p, ok := periods[ref.ID]
		if !ok {
			continue
		}
		t.Members = append(t.Members, Member{Ref: ref, PeriodEnd: p.PeriodEnd, Currency: p.Currency})
		for _, n := range kpi.Names {
			if v := p.Ratios[n].Value; v != nil {
				values[n] = append(values[n], *v)
			}
		}
	}
	return values
}

// peerRatios are the group's summaries of every ratio and, given the partner's own
// period, its value placed among the group's values.
func peerRatios(values map[kpi.Name][]float64, summaries map[kpi.Name]kpi.Summary, own *kpi.Period, member bool) []PeerRatio {
	var ratios []PeerRatio
	for _, n := range kpi.Names {
		r := PeerRatio{Name: n, Direction: kpi.DirectionOf(n), Summary: summaries[n]}
		if own != nil && own.Ratios[n].Value != nil {
			v := *own.Ratios[n].Value
			r.Value = &v
			r.Position = kpi.PositionOf(v, othersThan(values[n], v, member), r.Summary, r.Direction)
		}
		ratios = append(ratios, r)
	}
	return ratios
}

// othersThan removes one occurrence of the partner's own value from the group's, when
// it is a member: its rank counts the peers strictly better than it, not itself.
func othersThan(values []float64, own float64, member bool) []float64 {
	if !member {
		return values
	}
	out := make([]float64, 0, len(values))
	dropped := false
	for _, v := range values {
		if !dropped && v == own {
			dropped = true
			continue
		}
		out = append(out, v)
	}
	return out
}

func perClientNames() []kpi.Name {
	names := make([]kpi.Name, len(perClientMoney))
	for i, m := range perClientMoney {
		names[i] = m.name
	}
	return names
}

// converter brings the per-client money ratios of a period into one currency, with
// the rates of each period (fx.Rates) read once.
type converter struct {
	s       *Service
	ctx     context.Context
	to      string
	rates   map[period]*fx.Rates
	missing map[rateKey]error // a rate found missing is not asked for again
}

// period is a date (from zero: the rate on it) or the period (from, to] (the average).
type period struct{ from, to time.Time }

type rateKey struct {
	currency string
	period
}

// perClient converts the period's money-per-client ratios in place. When a rate is
// missing it removes them and returns why (the rest of the period still counts).
func (c *converter) perClient(p *kpi.Period) (string, error) {
	if p.Currency == c.to {
		return "", nil
	}
	for _, m := range perClientMoney {
		r := p.Ratios[m.name]
		if r.Value == nil {
			continue
		}
		from := time.Time{}
		if m.flow {
			from = periodStart(p.PeriodEnd, p.Months)
		}
		factor, err := c.factor(p.Currency, from, p.PeriodEnd)
		if err != nil {
			if e, ok := apperr.As(err); ok && e.Kind == apperr.KindInvalid {
				for _, m := range perClientMoney {
					p.Ratios[m.name] = kpi.Ratio{}
				}
				return fmt.Sprintf("no exchange rate to convert %s into %s: %s", p.Currency, c.to, fieldMessage(e)), nil
			}
			return "", err
		}
		v := *r.Value * factor
		r.Value = &v
		p.Ratios[m.name] = r
	}
	return "", nil
}

// periodStart is the day before a period's first: six months ending 30 June follow
// 31 December, the month end six months earlier (not 30 December, as adding -6
// months to the day would give), so a rate recorded at that month end is not counted
// in the period.
func periodStart(end time.Time, months int) time.Time {
	if !civil.IsMonthEnd(end) {
		return civil.AddMonths(end, -months)
	}
	m := civil.AddMonths(civil.Date(end.Year(), end.Month(), 1), -months)
	return civil.Date(m.Year(), m.Month(), civil.DaysIn(m.Year(), m.Month()))
}

func fieldMessage(e *apperr.Error) string {
	if len(e.Fields) > 0 {
		return e.Fields[0].Message
	}
	return e.Message
}

// factor is units of c.to per unit of currency: at the rate on `to` when from is
// zero, else at the average rate over (from, to]. Ratios are floats: the factor is
// the decimal one, as a float.
func (c *converter) factor(currency string, from, to time.Time) (float64, error) {
	p := period{from, to}
	r := c.rates[p]
	if r == nil {
		r = fx.NewRates(to, nil)
		c.rates[p] = r
	}
	for _, cur := range []string{currency, c.to} {
		if r.Has(cur) {
			continue
		}
		if err := c.missing[rateKey{cur, p}]; err != nil {
			return 0, err
		}
		var v decimal.Decimal
		var err error
		if from.IsZero() {
			v, err = c.s.rates.RateOn(c.ctx, cur, to)
		} else {
			v, err = c.s.rates.AverageRate(c.ctx, cur, from, to)
		}
		if err != nil {
			c.missing[rateKey{cur, p}] = err
			return 0, err
		}
		r.Set(cur, v)
	}
	f, err := r.Factor(currency, c.to)
	if err != nil {
		return 0, err
	}
	v, _ := f.Float64()
	return v, nil
}
