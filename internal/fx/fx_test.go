package fx

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/govalues/decimal"

	"cartera/internal/audit"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/civil"
	"cartera/internal/platform/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func TestConvertThroughUSD(t *testing.T) {
	ctx := context.Background()
	conn := pgtest.New(t)
	log, err := audit.NewLog(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewService(ctx, conn, log, nil)
	if err != nil {
		t.Fatal(err)
	}
	d := decimal.MustParse
	if err := s.Put(ctx, audit.System("test"), []Rate{
		{Currency: "BOB", Date: civil.Date(2024, 1, 1), Rate: d("6.96")},
		{Currency: "EUR", Date: civil.Date(2024, 1, 1), Rate: d("0.90")},
		{Currency: "EUR", Date: civil.Date(2024, 3, 1), Rate: d("0.80")},
	}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		amount, from, to, on, want string
	}{
		{"696", "BOB", "USD", "2024-02-15", "100"},
		{"100", "USD", "EUR", "2024-02-29", "90"},        // the latest rate on or before
		{"100", "USD", "EUR", "2024-03-01", "80"},        // the rate of that very day
		{"6960", "BOB", "EUR", "2024-03-10", "800"},      // through USD: 1,000 USD
		{"123.45", "PEN", "PEN", "2000-01-01", "123.45"}, // same currency: no rate needed
	}
	for _, tt := range tests {
		on, _ := civil.Parse(tt.on)
		got, err := s.Convert(ctx, d(tt.amount), tt.from, tt.to, on)
		if err != nil {
			t.Errorf("%s %s→%s on %s: %v", tt.amount, tt.from, tt.to, tt.on, err)
			continue
		}
		// Changed expectation (issue 15, one rounding order): every conversion multiplies
		// by the factor to/from, divided once to the decimal type's 19 digits (as the
		// exposure always did), so 6960 BOB at 0.8/6.96 is 799.9999999999999999, not
		// the 800 that dividing each amount first gave. It is exact to 19 significant
		// digits, and computations round once at their end: 800.00 to the cent.
		if diff, _ := got.Sub(d(tt.want)); diff.Abs().Cmp(d("0.000000000000001")) > 0 || !got.Round(2).Equal(d(tt.want)) {
			t.Errorf("%s %s→%s on %s = %s, want %s to 15 decimals", tt.amount, tt.from, tt.to, tt.on, got, tt.want)
		}
	}
	// No rate on or before the date: an error naming the currency and the date.
	for _, c := range []struct{ cur, on string }{{"BOB", "2023-12-31"}, {"KES", "2024-06-01"}} {
		on, _ := civil.Parse(c.on)
		_, err := s.Convert(ctx, d("1"), c.cur, "USD", on)
		if err == nil || !strings.Contains(err.Error(), c.cur) || !strings.Contains(err.Error(), c.on) {
			t.Errorf("%s on %s: err = %v, want one naming both", c.cur, c.on, err)
		}
	}
	// Each currency's latest rate on or before a date, with its date; none: left out.
	for _, c := range []struct {
		on   string
		want map[string]string // currency: "date rate"
	}{
		{"2024-02-29", map[string]string{"BOB": "2024-01-01 6.96", "EUR": "2024-01-01 0.9"}},
		{"2024-03-01", map[string]string{"BOB": "2024-01-01 6.96", "EUR": "2024-03-01 0.8"}},
		{"2023-12-31", map[string]string{}},
	} {
		on, _ := civil.Parse(c.on)
		got, err := s.Latest(ctx, []string{"BOB", "EUR", "KES", "USD"}, on)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(c.want) {
			t.Errorf("latest on %s: %v, want %v", c.on, got, c.want)
		}
		for cur, w := range c.want {
			r := got[cur]
			if g := r.Date.Format(civil.Layout) + " " + r.Rate.Trim(0).String(); g != w || r.Currency != cur {
				t.Errorf("latest %s on %s: %s %q, want %s", cur, c.on, g, r.Currency, w)
			}
		}
	}
	// Putting the same rate again changes nothing and audits nothing.
	if err := s.Put(ctx, audit.System("test"), []Rate{{Currency: "bob", Date: civil.Date(2024, 1, 1), Rate: d("6.960")}}); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := conn.Get(&n, "SELECT count(*) FROM audit_log WHERE entity = 'fx_rate'"); err != nil || n != 3 {
		t.Errorf("fx audit entries = %d (%v), want 3", n, err)
	}
}

// Every way rates come in goes through Put, so Put itself refuses a rate dated after
// the clock's today and a currency twice on one date, storing none of the batch.
func TestPutRefusesFutureAndTwice(t *testing.T) {
	ctx := context.Background()
	conn := pgtest.New(t)
	log, err := audit.NewLog(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewService(ctx, conn, log, civil.FixedAt(time.Date(2024, 6, 30, 23, 0, 0, 0, time.UTC)))
	if err != nil {
		t.Fatal(err)
	}
	d := decimal.MustParse
	for _, tc := range []struct {
		name  string
		rates []Rate
		field string
	}{
		{"dated tomorrow", []Rate{{Currency: "BOB", Date: civil.Date(2024, 6, 30), Rate: d("6.96")},
			{Currency: "EUR", Date: civil.Date(2024, 7, 1), Rate: d("0.9")}}, "rates[1].date"},
		{"9999-12-31", []Rate{{Currency: "EUR", Date: civil.Date(9999, 12, 31), Rate: d("0.9")}}, "rates[0].date"},
		{"a currency twice", []Rate{{Currency: "EUR", Date: civil.Date(2024, 1, 1), Rate: d("0.9")},
			{Currency: "eur", Date: civil.Date(2024, 1, 1), Rate: d("0.8")}}, "rates[1].date"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := s.Put(ctx, audit.System("test"), tc.rates)
			e, ok := apperr.As(err)
			if !ok || e.Kind != apperr.KindInvalid || len(e.Fields) != 1 || e.Fields[0].Field != tc.field {
				t.Fatalf("Put = %v, want one problem on %s", err, tc.field)
			}
		})
	}
	var n int
	if err := conn.Get(&n, "SELECT count(*) FROM fx_rates"); err != nil || n != 0 {
		t.Errorf("rates stored = %d (%v): a refused batch stores none", n, err)
	}
	if err := s.Put(ctx, audit.System("test"), []Rate{{Currency: "EUR", Date: civil.Date(2024, 6, 30), Rate: d("0.9")}}); err != nil {
		t.Errorf("today's rate: %v", err)
	}
}
