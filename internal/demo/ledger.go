package demo

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/govalues/decimal"

	"cartera/internal/app"
	"cartera/internal/audit"
	"cartera/internal/fx"
	"cartera/internal/ledger"
	"cartera/internal/loan"
	"cartera/internal/partner"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/civil"
	"cartera/internal/platform/money"
)

// demoLoan is a loan of the demo with the life it has had.
type demoLoan struct {
	partner   string
	reference string
	purpose   string
	terms     loan.Terms
	tranches  []tranche
	// payOnTimeUntil: every installment due up to this date is paid on its due date.
	payOnTimeUntil time.Time
	// then, optionally, one partial payment and a write-off
	partial  *tranche
	writeOff *tranche
	// restructure reschedules the loan, arrears and all, to two years on (before the
	// write-off): a restructured loan, at risk until repaid.
	restructure *tranche
	// duplicated: the last on-time repayment was entered twice, and the second reversed.
	duplicated bool
	// recovery: cash collected after the write-off.
	recovery *tranche
}

type tranche struct {
	on     time.Time
	amount string
	reason string
}

func terms(currency, committed, rate string, dc loan.DayCount, signed, first, maturity time.Time, am loan.Amortization, f loan.Frequency, grace int) loan.Terms {
	return loan.Terms{Currency: money.MustCurrency(currency), Committed: decimal.MustParse(committed), Rate: decimal.MustParse(rate),
		DayCount: dc, SignedOn: signed, FirstDueOn: first, MaturityOn: maturity, Amortization: am, Frequency: f, GracePeriods: grace}
}

// demoLoans are the fund's loans: Impro's four from the seed article (75,000 in 2010,
// 150,000 in 2013, 200,000 in April 2014, 200,000 in May 2014 for the dairy producers
// programme), all repaid since; and recent ones dated from today, so that the demo
// always shows a current loan in bolivianos (with a repayment entered twice and the
// second reversed), a late one in soles, a written-off one (restructured first, then
// partly recovered) and one not yet disbursed.
func demoLoans(today time.Time) []demoLoan {
	d := civil.Date
	month := func(n int) time.Time { return civil.AddMonths(civil.Date(today.Year(), today.Month(), 1), n) }
	proMujerSigned := month(-14).AddDate(0, 0, 4)
	adraSigned := month(-24).AddDate(0, 0, -75+14)
	return []demoLoan{
		{partner: "Impro", reference: "IMP-2010-01", purpose: "Working capital",
			terms:    terms("USD", "75000", "0.10", loan.ACT360, d(2010, 9, 1), d(2011, 3, 1), d(2013, 9, 1), loan.EqualPrincipal, loan.Semiannual, 0),
			tranches: []tranche{{on: d(2010, 9, 15), amount: "75000"}}, payOnTimeUntil: d(2013, 9, 1)},
		{partner: "Impro", reference: "IMP-2013-02", purpose: "Working capital and social housing loans",
			terms:    terms("USD", "150000", "0.095", loan.ACT360, d(2013, 2, 15), d(2013, 8, 15), d(2016, 2, 15), loan.Annuity, loan.Semiannual, 0),
			tranches: []tranche{{on: d(2013, 3, 1), amount: "150000"}}, payOnTimeUntil: d(2016, 2, 15)},
		{partner: "Impro", reference: "IMP-2014-03", purpose: "Working capital",
			terms:    terms("USD", "200000", "0.09", loan.ACT360, d(2014, 4, 10), d(2014, 10, 10), d(2018, 4, 10), loan.EqualPrincipal, loan.Semiannual, 0),
			tranches: []tranche{{on: d(2014, 4, 22), amount: "200000"}}, payOnTimeUntil: d(2018, 4, 10)},
		{partner: "Impro", reference: "IMP-2014-04", purpose: "Dairy producers programme: dairy cows and better stables",
			terms:    terms("USD", "200000", "0.085", loan.Thirty360, d(2014, 5, 20), d(2014, 11, 20), d(2019, 5, 20), loan.EqualPrincipal, loan.Semiannual, 1),
			tranches: []tranche{{on: d(2014, 6, 2), amount: "120000"}, {on: d(2014, 9, 1), amount: "80000"}}, payOnTimeUntil: d(2019, 5, 20)},
		{partner: "D-Miro", reference: "DMI-2019-01", purpose: "Working capital",
			terms:    terms("USD", "150000", "0.095", loan.ACT360, d(2019, 3, 1), d(2019, 9, 1), d(2022, 3, 1), loan.EqualPrincipal, loan.Semiannual, 0),
			tranches: []tranche{{on: d(2019, 3, 11), amount: "150000"}}, payOnTimeUntil: d(2020, 3, 1),
			restructure: &tranche{on: d(2020, 12, 1), reason: "COVID-19 relief: arrears and principal over two more years"},
			writeOff:    &tranche{on: d(2021, 6, 30), amount: "100000", reason: "Partner in liquidation after its COVID-19 losses; recovery uncertain"},
			recovery:    &tranche{on: d(2022, 9, 30), amount: "12500", reason: "The liquidator's first distribution"}},
		{partner: "Pro Mujer Bolivia", reference: "PMB-BOB-01", purpose: "On-lending to community associations in El Alto and Cochabamba",
			terms:          terms("BOB", "3480000", "0.075", loan.ACT365F, proMujerSigned, civil.AddMonths(proMujerSigned, 3), civil.AddMonths(proMujerSigned, 36), loan.Annuity, loan.Quarterly, 0),
			tranches:       []tranche{{on: proMujerSigned.AddDate(0, 0, 6), amount: "2000000"}, {on: civil.AddMonths(proMujerSigned, 2), amount: "1480000"}},
			payOnTimeUntil: today, duplicated: true},
		{partner: "ADRA Peru", reference: "ADRA-PEN-01", purpose: "Village banking portfolio in Puno and Tacna",
			terms:          terms("PEN", "1100000", "0.11", loan.Thirty360E, adraSigned, civil.AddMonths(adraSigned, 6), civil.AddMonths(adraSigned, 48), loan.EqualPrincipal, loan.Semiannual, 0),
			tranches:       []tranche{{on: adraSigned.AddDate(0, 0, 3), amount: "1100000"}},
			payOnTimeUntil: civil.AddMonths(adraSigned, 18),
			partial:        &tranche{on: civil.AddMonths(adraSigned, 24).AddDate(0, 0, 20), amount: "40000"}},
		{partner: "Compartamos", reference: "CMP-2026-01", purpose: "Expansion of group lending in southern Mexico",
			terms: terms("USD", "1000000", "0.08", loan.ACT360, today.AddDate(0, 0, -10), civil.AddMonths(today, 6), civil.AddMonths(today, 36), loan.Annuity, loan.Semiannual, 0)},
	}
}

// loadLedger writes the demo loans and FX history; it returns how many loans it made.
func loadLedger(ctx context.Context, s app.Services, actor audit.Actor, today time.Time) (int, error) {
	if err := s.FX.Put(ctx, actor, demoRates(today)); err != nil {
		return 0, fmt.Errorf("demo FX rates: %w", err)
	}
	ids, err := partnerIDs(ctx, s)
	if err != nil {
		return 0, err
	}
	fundID, err := demoFundID(ctx, s)
	if err != nil {
		return 0, err
	}
	made := 0
	for _, dl := range demoLoans(today) {
		l, err := s.Loans.Create(ctx, actor, ledger.NewLoan{FundID: &fundID, PartnerID: ids[dl.partner], Reference: dl.reference, Purpose: dl.purpose, Terms: dl.terms})
		if apperr.IsKind(err, apperr.KindConflict) {
			continue // made by an earlier, interrupted run
		}
		if err != nil {
			return made, fmt.Errorf("demo loan %s: %w", dl.reference, err)
		}
		made++
		if err := (demoLife{s: s, actor: actor, id: l.ID, dl: dl}).live(ctx, today); err != nil {
			return made, err
		}
	}
	return made, nil
}

// partnerIDs are the partners' ids by name.
func partnerIDs(ctx context.Context, s app.Services) (map[string]int64, error) {
	partners, err := s.Partners.List(ctx, partner.Filter{})
	if err != nil {
		return nil, err
	}
	ids := map[string]int64{}
	for _, p := range partners {
		ids[p.Name] = p.ID
	}
	return ids, nil
}

// demoFundID is the demo fund's id.
func demoFundID(ctx context.Context, s app.Services) (int64, error) {
	// The demo fund is the first (loadBase made it, or found one): named, so that the
	// loans still go there once other funds exist (a synthetic book's).
	funds, err := s.Funds.List(ctx)
	if err != nil {
		return 0, err
	}
	if len(funds) == 0 {
		return 0, fmt.Errorf("demo loans: no fund")
	}
	fundID := funds[0].ID
	for _, f := range funds {
		if f.Name == demoFundName {
			fundID = f.ID
		}
	}
	return fundID, nil
}

// demoLife posts the life of a demo loan, recorded as loan id.
type demoLife struct {
	s     app.Services
	actor audit.Actor
	id    int64
	dl    demoLoan
}

// live posts the loan's tranches, its installments paid on time, then its partial
// payment and write-off, each up to today.
func (d demoLife) live(ctx context.Context, today time.Time) error {
	for _, t := range d.dl.tranches {
		if err := d.post(ctx, loan.Event{Kind: loan.Disbursement, On: t.on, Amount: decimal.MustParse(t.amount)}); err != nil {
			return err
		}
	}
	if err := d.payOnTime(ctx, today); err != nil {
		return err
	}
	if err := d.duplicateAndReverse(ctx, today); err != nil {
		return err
	}
	if r := d.dl.restructure; r != nil && !r.on.After(today) {
		m := civil.AddMonths(r.on, 24)
		if err := d.post(ctx, loan.Event{Kind: loan.Reschedule, On: r.on, NewMaturityOn: &m, Reason: r.reason}); err != nil {
			return err
		}
	}
	return d.partialAndWriteOff(ctx, today)
}

// duplicateAndReverse enters the last repayment a second time, as a slip would, and
// reverses it: the demo's corrected entry.
func (d demoLife) duplicateAndReverse(ctx context.Context, today time.Time) error {
	if !d.dl.duplicated {
		return nil
	}
	det, err := d.s.Loans.Get(ctx, d.id, today)
	if err != nil {
		return err
	}
	for i := len(det.Transactions) - 1; i >= 0; i-- {
		if t := det.Transactions[i]; t.Kind == loan.Repayment {
			posted, err := d.s.Loans.Post(ctx, d.actor, d.id, loan.Event{Kind: loan.Repayment, On: t.Date, Amount: t.Amount})
			if err != nil {
				return fmt.Errorf("demo loan %s, duplicate repayment: %w", d.dl.reference, err)
			}
			_, err = d.s.Loans.Reverse(ctx, d.actor, d.id, posted.Transaction.ID, "Entered twice from the bank statement", nil)
			return err
		}
	}
	return nil
}

func (d demoLife) post(ctx context.Context, e loan.Event) error {
	if _, err := d.s.Loans.Post(ctx, d.actor, d.id, e); err != nil {
		return fmt.Errorf("demo loan %s, %s on %s: %w", d.dl.reference, e.Kind, e.On.Format(civil.Layout), err)
	}
	return nil
}

// payOnTime pays every installment on its due date, up to payOnTimeUntil and today.
func (d demoLife) payOnTime(ctx context.Context, today time.Time) error {
	terms := d.dl.terms
	for _, due := range loan.DueDates(terms.FirstDueOn, terms.MaturityOn, terms.Frequency) {
		if due.After(d.dl.payOnTimeUntil) || due.After(today) || len(d.dl.tranches) == 0 {
			break
		}
		_, owed, err := d.s.Loans.Owed(ctx, d.id, due)
		if err != nil {
			return err
		}
		// What falls due that day, and anything late: all but the principal to come.
		if a, err := owed.Total().Sub(owed.FuturePrincipal); err == nil && a.IsPos() {
			if err := d.post(ctx, loan.Event{Kind: loan.Repayment, On: due, Amount: a}); err != nil {
				return err
			}
		}
	}
	return nil
}

// partialAndWriteOff posts the loan's partial payment, write-off and recovery, if it has them
// by today.
func (d demoLife) partialAndWriteOff(ctx context.Context, today time.Time) error {
	for _, t := range []*tranche{d.dl.partial, d.dl.writeOff, d.dl.recovery} {
		if t == nil || t.on.After(today) {
			continue
		}
		kind := loan.Repayment
		switch t {
		case d.dl.writeOff:
			kind = loan.WriteOff
		case d.dl.recovery:
			kind = loan.Recovery
		}
		if err := d.post(ctx, loan.Event{Kind: kind, On: t.on, Amount: decimal.MustParse(t.amount), Reason: t.reason}); err != nil {
			return err
		}
	}
	return nil
}

// demoRates are month-start rates per US dollar from 2010 to today: the boliviano's
// crawl to its 6.96 peg (held since November 2011), and smooth paths through the sol's
// and the euro's levels of those years.
func demoRates(today time.Time) []fx.Rate {
	var rates []fx.Rate
	for m := civil.Date(2010, 1, 1); !m.After(today); m = civil.AddMonths(m, 1) {
		years := float64(m.Year()-2010) + float64(m.Month()-1)/12
		bob := "6.96"
		if m.Before(civil.Date(2011, 11, 1)) {
			bob = fmt.Sprintf("%.2f", 7.07-0.11*years/1.83)
		}
		pen := 2.85 + 0.065*years + 0.08*math.Sin(years*1.3)
		if pen > 3.95 {
			pen = 3.95 - 0.05*math.Sin(years)
		}
		eur := 0.82 + 0.08*math.Sin(years*0.9)
		rates = append(rates,
			fx.Rate{Currency: "BOB", Date: m, Rate: decimal.MustParse(bob)},
			fx.Rate{Currency: "PEN", Date: m, Rate: decimal.MustParse(fmt.Sprintf("%.4f", pen))},
			fx.Rate{Currency: "EUR", Date: m, Rate: decimal.MustParse(fmt.Sprintf("%.4f", eur))},
		)
	}
	return rates
}
