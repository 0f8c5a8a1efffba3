package demo

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"time"

	"github.com/govalues/decimal"

	"cartera/internal/app"
	"cartera/internal/audit"
	"cartera/internal/compliance"
	"cartera/internal/fx"
	"cartera/internal/ledger"
	"cartera/internal/loan"
	"cartera/internal/partner"
	"cartera/internal/platform/civil"
	"cartera/internal/platform/money"
	"cartera/internal/statements"
)

// Scale is the size of a synthetic book.
type Scale struct {
	Name              string
	Partners          int
	Loans             int
	ReportsPerPartner int // quarterly, up to the horizon
}

// The synthetic books: large is the one the exposure benchmark runs on (2,000 partners
// in 60 countries, 50,000 loans in 30 currencies, about two million transactions over
// ten years, 40,000 financial reports, daily FX rates); small is a tenth of it.
var (
	Large = Scale{Name: "large", Partners: 2000, Loans: 50000, ReportsPerPartner: 20}
	Small = Scale{Name: "small", Partners: 200, Loans: 5000, ReportsPerPartner: 20}
)

// ScaleByName finds a scale.
func ScaleByName(name string) (Scale, error) {
	switch name {
	case Large.Name:
		return Large, nil
	case Small.Name:
		return Small, nil
	}
	return Scale{}, fmt.Errorf("%q is not a scale: use large or small", name)
}

// Horizon is the last day of the synthetic book's history, and bookStart its first:
// fixed dates, so the same scale is the same book on every machine and every day.
var (
	Horizon   = civil.Date(2026, 10, 31)
	bookStart = civil.Date(2016, 11, 1)
	ratesFrom = civil.Date(2016, 1, 1)
)

// country is where synthetic partners are, and the currency the fund lends in there
// besides USD and EUR.
type country struct{ code, currency string }

// Sixty countries where microfinance funds lend; their local currencies, with USD and
// EUR, are the book's thirty.
var scaleCountries = []country{
	{"BO", "BOB"}, {"PE", "PEN"}, {"CO", "COP"}, {"MX", "MXN"}, {"GT", "GTQ"}, {"HN", "HNL"}, {"NI", "NIO"},
	{"PY", "PYG"}, {"DO", "DOP"}, {"EC", "USD"}, {"SV", "USD"}, {"PA", "USD"}, {"CR", "USD"}, {"HT", "USD"},
	{"KE", "KES"}, {"UG", "UGX"}, {"TZ", "TZS"}, {"GH", "GHS"}, {"NG", "NGN"}, {"ZM", "ZMW"}, {"RW", "USD"},
	{"MW", "USD"}, {"MZ", "USD"}, {"MG", "USD"}, {"SN", "XOF"}, {"ML", "XOF"}, {"BF", "XOF"}, {"CI", "XOF"},
	{"BJ", "XOF"}, {"TG", "XOF"}, {"NE", "XOF"}, {"CM", "XAF"}, {"GA", "XAF"}, {"TD", "XAF"}, {"CG", "XAF"},
	{"CD", "USD"}, {"LR", "USD"}, {"SL", "USD"}, {"ZW", "USD"}, {"IN", "INR"}, {"KH", "KHR"}, {"PH", "PHP"},
	{"ID", "IDR"}, {"VN", "VND"}, {"MN", "MNT"}, {"KG", "KGS"}, {"TJ", "TJS"}, {"MM", "USD"}, {"LA", "USD"},
	{"TL", "USD"}, {"NP", "USD"}, {"LK", "USD"}, {"GE", "GEL"}, {"AM", "AMD"}, {"MD", "MDL"}, {"ME", "EUR"},
	{"BA", "EUR"}, {"AL", "EUR"}, {"MK", "EUR"}, {"JO", "USD"},
}

// Units per US dollar around which each currency's synthetic rate wanders.
var scaleLevels = map[string]float64{
	"EUR": 0.9, "BOB": 6.91, "PEN": 3.5, "COP": 3500, "MXN": 18, "GTQ": 7.7, "HNL": 24, "NIO": 33, "PYG": 6500,
	"DOP": 50, "KES": 105, "UGX": 3600, "TZS": 2300, "GHS": 6, "NGN": 400, "ZMW": 12, "XOF": 590, "XAF": 590,
	"INR": 70, "KHR": 4050, "PHP": 52, "IDR": 14000, "VND": 23000, "MNT": 2600, "KGS": 80, "TJS": 10, "GEL": 2.7,
	"AMD": 480, "MDL": 18,
}

// ScaleResult says what LoadScale wrote.
type ScaleResult struct {
	AlreadyLoaded bool
	Partners      int
	Rates         int
	Reports       int
	Covenants     int
	ledger.LoadResult
	Took time.Duration
}

// LoadScale writes a deterministic synthetic book beside whatever is there: two funds,
// partners, daily rates, quarterly reports and loans with ten years of history. Each
// part goes through its domain's bulk path (COPY, or the figures import), with that
// domain's rules. progress, when not nil, hears each step. A scale loads once.
func LoadScale(ctx context.Context, s app.Services, sc Scale, progress func(string)) (ScaleResult, error) {
	began := time.Now()
	say := func(format string, args ...any) {
		if progress != nil {
			progress(fmt.Sprintf("%5.1fs  ", time.Since(began).Seconds()) + fmt.Sprintf(format, args...))
		}
	}
	m, err := openMarkers(ctx, s)
	if err != nil {
		return ScaleResult{}, err
	}
	defer m.close()
	key := "demo_scale_" + sc.Name
	if loaded, err := m.done(ctx, key); err != nil || loaded {
		return ScaleResult{AlreadyLoaded: loaded}, err
	}
	actor := audit.System("demo loader")
	rng := rand.New(rand.NewPCG(2026, uint64(sc.Partners)))
	var res ScaleResult

	rates := scaleRates(rng)
	if err := s.FX.Load(ctx, actor, rates); err != nil {
		return res, fmt.Errorf("scale rates: %w", err)
	}
	res.Rates = len(rates)
	say("%d daily rates of %d currencies", len(rates), len(scaleLevels))
	book := newRateBook(rates)

	funds, err := scaleFunds(ctx, s, actor, sc)
	if err != nil {
		return res, err
	}
	partners, err := scalePartners(ctx, s, actor, rng, sc)
	if err != nil {
		return res, err
	}
	res.Partners = len(partners)
	say("%d partners in %d countries", len(partners), min(len(partners), len(scaleCountries)))

	reports, err := scaleReports(ctx, s, actor, rng, partners, sc.ReportsPerPartner, book)
	if err != nil {
		return res, err
	}
	res.Reports = reports
	say("%d financial reports", reports)

	histories, err := scaleHistories(rng, sc.Loans, partners, funds, book)
	if err != nil {
		return res, err
	}
	say("%d loan histories drawn", len(histories))
	if res.LoadResult, err = s.Loans.Load(ctx, actor, histories, Horizon, func(step string) { say("%s", step) }); err != nil {
		return res, fmt.Errorf("scale loans: %w", err)
	}
	say("%d loans, %d transactions, %d reschedulings, %d installments, %d book ranges written",
		res.Loans, res.Transactions, res.Reschedulings, res.Installments, res.Ranges)
	if res.Covenants, err = scaleCovenants(ctx, s, actor, partners); err != nil {
		return res, err
	}
	say("%d covenants written and evaluated on every period", res.Covenants)
	// Fresh statistics and visibility maps: the exposure query reads its index alone
	// only for pages the visibility map marks all-visible.
	if _, err := s.Conn.ExecContext(ctx, `VACUUM (ANALYZE) loan_book, loans, loan_transactions, loan_installments, fx_rates, financial_statements, partners, covenants, covenant_results, covenant_breaches`); err != nil {
		return res, fmt.Errorf("vacuum after the scale load: %w", err)
	}
	say("vacuumed and analysed")
	if err := m.set(ctx, key); err != nil {
		return res, err
	}
	res.Took = time.Since(began)
	return res, nil
}

// scaleFunds creates the scale's two funds, in US dollars and in euros.
func scaleFunds(ctx context.Context, s app.Services, actor audit.Actor, sc Scale) ([2]int64, error) {
	funds := [2]int64{}
	for i, f := range []struct{ name, currency string }{{"Scale Fund " + sc.Name + " I", "USD"}, {"Scale Fund " + sc.Name + " II", "EUR"}} {
		created, err := s.Funds.Create(ctx, actor, f.name, f.currency)
		if err != nil {
			return funds, fmt.Errorf("scale fund: %w", err)
		}
		funds[i] = created.ID
	}
	return funds, nil
}

// scalePartners creates the scale's partners, round the countries, each with a
// portfolio size drawn.
func scalePartners(ctx context.Context, s app.Services, actor audit.Actor, rng *rand.Rand, sc Scale) ([]scalePartner, error) {
	partners := make([]scalePartner, sc.Partners)
	statuses := []partner.LegalStatus{partner.NGO, partner.NGO, partner.NBFI, partner.NBFI, partner.Cooperative, partner.Bank}
	for i := range partners {
		c := scaleCountries[i%len(scaleCountries)]
		founded := 1975 + rng.IntN(40)
		since := max(founded+2, 2005+rng.IntN(12))
		p, err := s.Partners.Create(ctx, actor, partner.Fields{
			Name: fmt.Sprintf("%s MFI %04d", sc.Name, i+1), Country: c.code, LegalStatus: statuses[rng.IntN(len(statuses))],
			Founded: &founded, PartnerSince: &since,
		})
		if err != nil {
			return nil, fmt.Errorf("scale partner %d: %w", i+1, err)
		}
		partners[i] = scalePartner{id: p.ID, country: c, size: 0.2 + rng.ExpFloat64()}
	}
	return partners, nil
}

type scalePartner struct {
	id      int64
	country country
	size    float64 // relative scale of its portfolio
}

// scaleRates draws daily rates for every currency: a random walk around its level.
func scaleRates(rng *rand.Rand) []fx.Rate {
	codes := make([]string, 0, len(scaleLevels))
	for c := range scaleLevels {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	var out []fx.Rate
	for _, c := range codes {
		level := scaleLevels[c]
		x := 0.0
		for d := ratesFrom; !d.After(Horizon); d = d.AddDate(0, 0, 1) {
			x = 0.999*x + rng.NormFloat64()*0.004 // mean-reverting log deviation
			r := level * math.Exp(x)
			out = append(out, fx.Rate{Currency: c, Date: d, Rate: decimal.MustParse(strconv.FormatFloat(r, 'g', 7, 64))})
		}
	}
	return out
}

// rateBook answers the synthetic rates in memory, to size loans in their currency.
type rateBook map[string][]fx.Rate

func newRateBook(rates []fx.Rate) rateBook {
	b := rateBook{}
	for _, r := range rates {
		b[r.Currency] = append(b[r.Currency], r)
	}
	return b
}

// perUSD is the units of currency per US dollar on a date (USD: 1).
func (b rateBook) perUSD(currency string, on time.Time) float64 {
	rs := b[currency]
	if len(rs) == 0 {
		return 1
	}
	i := sort.Search(len(rs), func(i int) bool { return rs[i].Date.After(on) })
	f, _ := rs[max(i-1, 0)].Rate.Float64()
	return f
}

// amount is a US dollar figure in a currency on a date, rounded to a thousand units
// (or to the currency's minor unit for small amounts).
func (b rateBook) amount(usd float64, currency string, on time.Time) decimal.Decimal {
	v := usd * b.perUSD(currency, on)
	if v >= 10_000 {
		v = math.Round(v/1000) * 1000
	}
	d, err := decimal.NewFromFloat64(v)
	if err != nil {
		return decimal.MustNew(1000, 0)
	}
	return d.Round(money.MustCurrency(currency).Scale)
}

// scaleReports imports each partner's quarterly reports up to the horizon, in its
// local currency, through the figures import (its rules, its audit).
func scaleReports(ctx context.Context, s app.Services, actor audit.Actor, rng *rand.Rand, partners []scalePartner, perPartner int,
	book rateBook) (int, error) {
	header := []string{"partner", "period_end", "months", "currency", "gross_loan_portfolio", "par30", "write_offs",
		"active_clients", "loans_outstanding", "total_assets", "total_liabilities", "equity", "financial_revenue",
		"financial_expense", "operating_expense", "personnel_expense", "net_income", "total_staff", "loan_officers",
		"women_clients"}
	first := civil.AddMonths(civil.Date(Horizon.Year(), (Horizon.Month()-1)/3*3+1, 1), -3*perPartner)
	total := 0
	const batch = 10_000
	table := &statements.Table{Header: header}
	flush := func() error {
		if len(table.Rows) == 0 {
			return nil
		}
		r, err := s.Statements.Import(ctx, actor, table, statements.ImportOptions{})
		if err != nil {
			return fmt.Errorf("scale reports: %w", err)
		}
		total += r.Rows
		table = &statements.Table{Header: header}
		return nil
	}
	money2 := func(v float64) string { return strconv.FormatFloat(math.Round(v*100)/100, 'f', 2, 64) }
	count := func(v float64) string { return strconv.FormatInt(int64(v), 10) }
	for _, p := range partners {
		cur := p.country.currency
		glpUSD := 2e6 * p.size * (0.5 + rng.Float64())
		for k := range perPartner {
			end := civil.AddMonths(first, 3*(k+1)).AddDate(0, 0, -1)
			glpUSD *= 1 + (rng.Float64()-0.35)/10
			fxr := book.perUSD(cur, end)
			glp := glpUSD * fxr
			clients := glpUSD / (400 + 800*rng.Float64())
			assets := glp * (1.1 + 0.3*rng.Float64())
			equity := assets * (0.1 + 0.25*rng.Float64())
			revenue := glp * (0.05 + 0.04*rng.Float64())
			opex := revenue * (0.45 + 0.3*rng.Float64())
			finExp := revenue * (0.1 + 0.15*rng.Float64())
			staff := math.Max(5, clients/(120+100*rng.Float64()))
			table.Rows = append(table.Rows, statements.Row{Line: len(table.Rows) + 2, Cells: []string{
				strconv.FormatInt(p.id, 10), end.Format(civil.Layout), "3", cur,
				money2(glp), money2(glp * 0.01 * rng.Float64() * 12), money2(glp * 0.004 * rng.Float64()),
				count(clients), count(clients * 0.95), money2(assets), money2(assets - equity), money2(equity),
				money2(revenue), money2(finExp), money2(opex), money2(opex * 0.6), money2(revenue - opex - finExp - revenue*0.05),
				count(staff), count(staff * 0.45), count(clients * (0.5 + 0.4*rng.Float64())),
			}})
		}
		if len(table.Rows) >= batch {
			if err := flush(); err != nil {
				return total, err
			}
		}
	}
	return total, flush()
}

// behaviour is how a synthetic borrower repays.
type behaviour int

const (
	onTime     behaviour = iota
	late                 // days to weeks late, sometimes short
	defaults             // stops paying; written off some months on
	rescheds             // falls behind, then is rescheduled
	prepays              // pays some principal ahead
	neverDrawn           // signed, not disbursed
)

func drawBehaviour(rng *rand.Rand) behaviour {
	switch r := rng.IntN(100); {
	case r < 68:
		return onTime
	case r < 83:
		return late
	case r < 88:
		return defaults
	case r < 92:
		return rescheds
	case r < 99:
		return prepays
	}
	return neverDrawn
}

// scaleHistories draws the loans and their histories, each through a loan.Simulation
// so that every event is valid where it falls.
func scaleHistories(rng *rand.Rand, n int, partners []scalePartner, funds [2]int64, book rateBook) ([]ledger.History, error) {
	out := make([]ledger.History, 0, n)
	span := civil.Days(bookStart, Horizon) - 30
	weights := make([]float64, len(partners))
	sum := 0.0
	for i, p := range partners {
		sum += p.size
		weights[i] = sum
	}
	for i := range n {
		p := partners[sort.SearchFloat64s(weights, rng.Float64()*sum)]
		fund := funds[0]
		if rng.IntN(10) < 3 {
			fund = funds[1]
		}
		cur := "USD"
		switch r := rng.IntN(100); {
		case r < 15:
			cur = "EUR"
		case r < 55:
			cur = p.country.currency
		}
		signed := bookStart.AddDate(0, 0, rng.IntN(span))
		freq := loan.Monthly
		switch r := rng.IntN(100); {
		case r >= 97:
			freq = loan.Semiannual
		case r >= 88:
			freq = loan.Quarterly
		}
		months := 36 + 6*rng.IntN(8)
		grace := 0
		if rng.IntN(4) == 0 {
			grace = rng.IntN(3)
		}
		first := civil.AddMonths(signed, freq.Months())
		terms := loan.Terms{
			Currency: money.MustCurrency(cur), Committed: book.amount(50_000+rng.Float64()*rng.Float64()*1_950_000, cur, signed),
			Rate: decimal.MustNew(int64(600+rng.IntN(800)), 4), DayCount: []loan.DayCount{loan.ACT360, loan.ACT360, loan.ACT365F, loan.Thirty360}[rng.IntN(4)],
			SignedOn: signed, FirstDueOn: first, MaturityOn: civil.AddMonths(signed, months),
			Amortization: []loan.Amortization{loan.EqualPrincipal, loan.EqualPrincipal, loan.Annuity, loan.Annuity, loan.Bullet}[rng.IntN(5)],
			Frequency:    freq, GracePeriods: grace,
		}
		if terms.Validate() != nil {
			terms.GracePeriods = 0
		}
		events, err := simulate(rng, terms, drawBehaviour(rng))
		if err != nil {
			return nil, fmt.Errorf("synthetic loan %d: %w", i+1, err)
		}
		out = append(out, ledger.History{Loan: ledger.NewLoan{FundID: &fund, PartnerID: p.id,
			Reference: fmt.Sprintf("S-%06d", i+1), Terms: terms}, Events: events})
	}
	return out, nil
}

// simulate plays a borrower's behaviour against the loan up to the horizon.
func simulate(rng *rand.Rand, terms loan.Terms, b behaviour) ([]loan.Event, error) {
	if b == neverDrawn {
		return nil, nil
	}
	p := &borrower{rng: rng, terms: terms, behaviour: b, sim: loan.Simulate(terms)}
	drawn := terms.SignedOn.AddDate(0, 0, 3+rng.IntN(25))
	if drawn.After(Horizon) {
		return nil, nil
	}
	if err := p.drawFirst(drawn); err != nil {
		return nil, err
	}
	if err := p.followSchedule(); err != nil {
		return nil, err
	}
	return p.sim.Events(), nil
}

// borrower is a synthetic borrower living its behaviour through a loan's simulation.
type borrower struct {
	rng         *rand.Rand
	terms       loan.Terms
	behaviour   behaviour
	sim         *loan.Simulation
	first       decimal.Decimal // the first tranche
	twoTranches bool            // and a second is still to draw, on second
	second      time.Time
	last        time.Time // of the last event posted
}

// drawFirst disburses the first tranche on drawn (all the commitment, or 60 % of it
// when a second tranche is to come) and draws when the second would be.
func (p *borrower) drawFirst(drawn time.Time) error {
	p.first = p.terms.Committed
	p.twoTranches = p.rng.IntN(6) == 0
	if p.twoTranches {
		p.first, _ = p.terms.Committed.Mul(decimal.MustNew(6, 1))
		p.first = p.first.Trunc(p.terms.Currency.Scale)
	}
	if err := p.sim.Post(loan.Event{Kind: loan.Disbursement, On: drawn, Amount: p.first}); err != nil {
		return err
	}
	p.second = drawn.AddDate(0, 0, 60+p.rng.IntN(90))
	p.last = drawn
	return nil
}

// post records e, moved up to the last event's date if before it; errStop when it
// falls beyond the horizon.
func (p *borrower) post(e loan.Event) error {
	if e.On.After(Horizon) {
		return errStop
	}
	if e.On.Before(p.last) {
		e.On = p.last
	}
	if err := p.sim.Post(e); err != nil {
		return err
	}
	p.last = e.On
	return nil
}

// followSchedule meets the installments as they fall due, as the behaviour has it: a
// defaulter stops at one of them, a rescheduled borrower is rescheduled at another.
func (p *borrower) followSchedule() error {
	stopAt, rescheduleAt := -1, -1
	dues := p.sim.DueDates()
	switch p.behaviour {
	case defaults:
		stopAt = p.rng.IntN(max(len(dues), 1))
	case rescheds:
		rescheduleAt = 2 + p.rng.IntN(max(len(dues)-2, 1))
	}
	for k := 0; k < len(dues); k++ {
		due := dues[k]
		if p.twoTranches && p.second.Before(due) && p.drawSecond() == errStop {
			break
		}
		if k == stopAt {
			return p.stopPaying(due)
		}
		if k == rescheduleAt {
			on, err := p.reschedule(due, dues[len(dues)-1])
			if err == errStop {
				break
			} else if err != nil {
				return err
			}
			dues = p.sim.DueDates()
			for k+1 < len(dues) && !dues[k+1].After(on) {
				k++
			}
			continue
		}
		if err := p.pay(due); err == errStop {
			break
		} else if err != nil {
			return err
		}
	}
	return nil
}

// drawSecond disburses the rest of the commitment; a tranche refused is tried again at
// the next due date.
func (p *borrower) drawSecond() error {
	left, _ := p.terms.Committed.Sub(p.first)
	err := p.post(loan.Event{Kind: loan.Disbursement, On: p.second, Amount: left})
	if err == nil {
		p.twoTranches = false
	}
	return err
}

// stopPaying is the defaulter's end: the borrower stops paying at due; some months
// on, what is out is written off.
func (p *borrower) stopPaying(due time.Time) error {
	off := due.AddDate(0, 6+p.rng.IntN(7), 0)
	if out := p.sim.Outstanding(); out.IsPos() {
		if err := p.post(loan.Event{Kind: loan.WriteOff, On: off, Amount: out, Reason: "borrower in liquidation"}); err != nil && err != errStop {
			return err
		}
	}
	return nil
}

// reschedule agrees a new maturity some weeks after due, a year or more beyond the
// last due date; it returns the rescheduling's date.
func (p *borrower) reschedule(due, lastDue time.Time) (time.Time, error) {
	on := due.AddDate(0, 0, 20+p.rng.IntN(40))
	maturity := civil.AddMonths(lastDue, 12+6*p.rng.IntN(3))
	return on, p.post(loan.Event{Kind: loan.Reschedule, On: on, NewMaturityOn: &maturity, Reason: "agreed after a bad harvest"})
}

// pay repays what is owed around due: on time or late, sometimes short or with some
// principal ahead, as the behaviour has it. errStop when the payday is beyond the
// horizon.
func (p *borrower) pay(due time.Time) error {
	payday := due.AddDate(0, 0, -p.rng.IntN(4))
	if p.behaviour == late && p.rng.IntN(3) > 0 {
		payday = due.AddDate(0, 0, 3+p.rng.IntN(50))
	}
	if payday.After(Horizon) {
		return errStop
	}
	if payday.Before(p.last) {
		payday = p.last
	}
	owed, err := p.sim.Owed(payday)
	if err != nil {
		return err
	}
	amount := owed.OverdueInterest
	for _, x := range []decimal.Decimal{owed.OverduePrincipal, owed.CurrentInterest, owed.CurrentPrincipal} {
		amount, _ = amount.Add(x)
	}
	if p.behaviour == late && p.rng.IntN(4) == 0 {
		amount, _ = amount.Mul(decimal.MustNew(int64(5+p.rng.IntN(4)), 1)) // short
	}
	if p.behaviour == prepays && p.rng.IntN(12) == 0 {
		extra, _ := owed.FuturePrincipal.Mul(decimal.MustNew(int64(1+p.rng.IntN(3)), 1))
		amount, _ = amount.Add(extra)
	}
	if amount = amount.Trunc(p.terms.Currency.Scale); !amount.IsPos() {
		return nil
	}
	return p.post(loan.Event{Kind: loan.Repayment, On: payday, Amount: amount})
}

var errStop = fmt.Errorf("beyond the horizon")

// scaleCovenantSet is every synthetic partner's covenants: the usual four of a loan
// agreement in the field (portfolio quality, write-offs, self-sufficiency, capital),
// tested at different frequencies. PAR30's limit is the lenient end of practice
// (5–10 %): the synthetic partners' PAR30 has a median of 6 % (a tenth above 10.8 %),
// and at 5 % more than half of them were in breach, which no fund lends into.
var scaleCovenantSet = []struct{ metric, operator, threshold, freq string }{
	{"par30_ratio", "<=", "10 %", "each_report"},
	{"write_off_ratio", "<=", "4 %", "annual"},
	{"operational_self_sufficiency", ">=", "100 %", "semiannual"},
	{"equity_to_assets", ">=", "15 %", "quarterly"},
}

// scaleCovenants sets the covenant set on every partner and a covenant on a tenth of
// the loans (PAR30 at most 10 %, each June and December), through the covenant store's
// bulk load, which evaluates them on every period. (At 3 %, three loan covenants in
// four were in breach.)
func scaleCovenants(ctx context.Context, s app.Services, actor audit.Actor, partners []scalePartner) (int, error) {
	text := func(v string) *string { return &v }
	cure, from := 90, "2015-01-01"
	var covs []compliance.Bulk
	for _, p := range partners {
		for _, c := range scaleCovenantSet {
			covs = append(covs, compliance.Bulk{PartnerID: p.id, Input: compliance.Input{Metric: text(c.metric),
				Operator: text(c.operator), Threshold: text(c.threshold), Frequency: text(c.freq), From: &from, CureDays: &cure}})
		}
	}
	ids := make(map[int64]bool, len(partners))
	for _, p := range partners {
		ids[p.id] = true
	}
	loans, err := s.Loans.List(ctx, ledger.ListQuery{})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, l := range loans.Items {
		if !ids[l.PartnerID] || l.Status == loan.Cancelled {
			continue // the demo's own loans, or one never lent
		}
		if n++; n%10 == 0 {
			covs = append(covs, compliance.Bulk{PartnerID: l.PartnerID, LoanID: l.ID, Input: compliance.Input{Metric: text("par30_ratio"),
				Operator: text("<="), Threshold: text("10 %"), Frequency: text("semiannual"), From: &from, CureDays: &cure}})
		}
	}
	return s.Compliance.Load(ctx, actor, covs)
}
