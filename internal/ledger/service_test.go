package ledger

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/govalues/decimal"

	"cartera/internal/audit"
	"cartera/internal/loan"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/civil"
	"cartera/internal/platform/money"
	"cartera/internal/platform/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// TestStoredStateMatchesReplay: what the writes stored (the schedule, the allocations,
// the running totals, the status) must be exactly what replaying the history gives as
// of the write's date; the restatement reads it as the figures before.
func TestStoredStateMatchesReplay(t *testing.T) {
	ctx := context.Background()
	s, conn, _, _ := bookService(t, civil.Today())
	if _, err := conn.Exec(`INSERT INTO funds (name, base_currency) VALUES ('F', 'USD');
		INSERT INTO partners (name, country, legal_status) VALUES ('P', 'BO', 'ngo')`); err != nil {
		t.Fatal(err)
	}
	actor := audit.System("test")
	rng := rand.New(rand.NewSource(7))
	compared := map[loan.EventKind]int{}
	defer func() {
		// The comparison must have covered every kind of event, many times.
		for _, k := range []loan.EventKind{loan.Disbursement, loan.Repayment, loan.WriteOff, loan.Reschedule} {
			if compared[k] < 5 {
				t.Errorf("only %d %s events compared", compared[k], k)
			}
		}
	}()
	for n := 0; n < 40; n++ {
		signed := civil.Date(2019, time.Month(1+rng.Intn(12)), 1+rng.Intn(28))
		f := []loan.Frequency{loan.Monthly, loan.Quarterly, loan.Semiannual}[rng.Intn(3)]
		terms := loan.Terms{
			Currency: money.MustCurrency([]string{"USD", "BOB", "JPY"}[rng.Intn(3)]), Committed: decimal.MustNew(int64(10000+rng.Intn(900000)), 0),
			Rate: decimal.MustNew(int64(rng.Intn(2000)), 4), DayCount: []loan.DayCount{loan.ACT360, loan.ACT365F, loan.Thirty360WholeMonth}[rng.Intn(3)],
			SignedOn: signed, FirstDueOn: civil.AddMonths(signed, f.Months()), MaturityOn: civil.AddMonths(signed, f.Months()*(2+rng.Intn(10))),
			Amortization: []loan.Amortization{loan.Bullet, loan.EqualPrincipal, loan.Annuity}[rng.Intn(3)], Frequency: f,
		}
		l, err := s.Create(ctx, actor, NewLoan{PartnerID: 1, Reference: fmt.Sprint("L", n), Terms: terms})
		if err != nil {
			t.Fatal(err)
		}
		day := signed
		for k := 0; k < 15; k++ {
			day = day.AddDate(0, 0, rng.Intn(50))
			if rng.Intn(6) == 0 && day.After(signed.AddDate(0, 0, 40)) {
				day = day.AddDate(0, 0, -rng.Intn(40)) // back-dated: recorded late
			}
			d, err := s.Get(ctx, l.ID, day)
			if err != nil {
				t.Fatal(err)
			}
			e := loan.Event{On: day}
			switch r := rng.Intn(10); {
			case r < 3 && d.Balances.Undisbursed.IsPos():
				e.Kind, e.Amount = loan.Disbursement, part(rng, d.Balances.Undisbursed, terms.Currency)
			case r < 7 && d.State.Disbursed.IsPos():
				_, owed, err := s.Owed(ctx, l.ID, day)
				if err != nil || !owed.Total().IsPos() {
					continue
				}
				e.Kind, e.Amount = loan.Repayment, part(rng, owed.Total(), terms.Currency)
			case d.State.Outstanding.IsPos() && rng.Intn(2) == 0:
				e.Kind, e.Amount, e.Reason = loan.WriteOff, part(rng, d.State.Outstanding, terms.Currency), "test"
			case d.State.Outstanding.IsPos():
				m := civil.AddMonths(day, 6+rng.Intn(24))
				e.Kind, e.NewMaturityOn = loan.Reschedule, &m
			default:
				continue
			}
			if _, err := s.Post(ctx, actor, l.ID, e); err != nil {
				if !apperr.IsKind(err, apperr.KindInvalid) {
					t.Fatalf("loan %d, %s on %s: %v", n, e.Kind, civil.Format(day), err)
				}
				continue // e.g. a disbursement after the last due date: refused, nothing written
			}
			compared[e.Kind]++
			// The write derived the loan as of its own date (today, the clock's): since
			// interest follows the cash (rules 3) that is the date it answers for.
			for _, asOf := range []time.Time{civil.Today()} {
				txs, rs, err := s.history(ctx, conn, l.ID)
				if err != nil {
					t.Fatal(err)
				}
				st, err := s.storedState(ctx, conn, l, txs, rs, asOf)
				if err != nil {
					t.Fatal(err)
				}
				stored := detailOf(l, st, txs, rs, asOf)
				replayed, err := detail(l, txs, rs, asOf)
				if err != nil {
					t.Fatal(err)
				}
				if a, b := describe(stored), describe(replayed); a != b {
					t.Fatalf("loan %d after %s on %s, as of %s:\nstored:   %s\nreplayed: %s", n, e.Kind, civil.Format(day), civil.Format(asOf), a, b)
				}
			}
		}
	}
}

func part(rng *rand.Rand, max decimal.Decimal, c money.Currency) decimal.Decimal {
	if rng.Intn(4) == 0 {
		return max
	}
	whole, frac, _ := max.Round(c.Scale).Int64(c.Scale)
	unit := int64(1)
	for i := 0; i < c.Scale; i++ {
		unit *= 10
	}
	total := whole*unit + frac
	if total <= 1 {
		return max
	}
	return decimal.MustNew(1+rng.Int63n(total-1), c.Scale)
}

// describe renders what a reader sees of a loan, with decimals in one form.
func describe(d Detail) string {
	var b strings.Builder
	v := func(x decimal.Decimal) string { return x.Trim(0).String() }
	bal := d.Balances
	fmt.Fprintf(&b, "%s disb=%s rep=%s int=%s wo=%s out=%s odp=%s odi=%s dpd=%d und=%s next=%v/%s terms=%s/%s/%s |",
		bal.Status, v(bal.Disbursed), v(bal.PrincipalRepaid), v(bal.InterestPaid), v(bal.WrittenOff), v(bal.Outstanding),
		v(bal.OverduePrincipal), v(bal.OverdueInterest), bal.DaysPastDue, v(bal.Undisbursed), bal.NextDueOn, v(bal.NextDueAmount),
		v(d.State.Terms.Rate), d.State.Terms.Frequency, civil.Format(d.State.Terms.MaturityOn))
	for _, in := range d.State.Installments {
		fmt.Fprintf(&b, " %d:%s p=%s i=%s pp=%s pi=%s wp=%s wi=%s r=%v %s", in.Seq, civil.Format(in.DueOn), v(in.Principal), v(in.Interest),
			v(in.PaidPrincipal), v(in.PaidInterest), v(in.WrittenOffPrincipal), v(in.WrittenOffInterest), in.Rescheduled, in.StatusOf(d.State.AsOf))
	}
	for _, t := range d.Transactions {
		a := d.State.Allocations[t.ID]
		fmt.Fprintf(&b, " tx%d:%s/%s/%s", t.ID, v(a.Principal), v(a.Interest), v(a.Prepaid))
	}
	if d.XIRR != nil {
		fmt.Fprintf(&b, " xirr=%.6f", *d.XIRR)
	}
	return b.String()
}
