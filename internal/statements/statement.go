// Package statements holds partners' financial statements: their raw figures at each period
// end, as a credit manager types them in or imports them from a spreadsheet, and what
// is made of them: ratios over time (package kpi does the arithmetic), peer tables,
// and CSV/XLSX exports that import back to the same data.
package statements

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/govalues/decimal"

	"cartera/internal/kpi"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/civil"
	"cartera/internal/platform/money"
)

// Statement is a partner's figures at a period end, as stored.
type Statement struct {
	ID        int64
	PartnerID int64
	kpi.Statement
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Months are the period lengths a report may cover.
var Months = []int{3, 6, 12}

// Limits on what a report holds: NUMERIC(19,2) in the schema; nothing earlier than
// microfinance as an industry (a typo such as 0203-06-30 is caught).
var (
	maxFigure      = decimal.MustParse("99999999999999999.99")
	earliestPeriod = civil.Date(1950, 1, 1)
)

// crossChecks are rules between two figures: the part never exceeds the whole. The
// schema has each as a CHECK constraint too.
var crossChecks = []struct {
	part, whole string
	message     string
}{
	{"par30", "gross_loan_portfolio", "cannot exceed gross_loan_portfolio (%s): the portfolio at risk is part of it"},
	{"women_clients", "active_clients", "cannot exceed active_clients (%s)"},
	{"rural_clients", "active_clients", "cannot exceed active_clients (%s)"},
	{"loan_officers", "total_staff", "cannot exceed total_staff (%s)"},
	{"personnel_expense", "operating_expense", "cannot exceed operating_expense (%s): personnel is part of it"},
}

// Normalize upper-cases the currency, makes the period end a calendar date and writes
// whole counts without decimals (2503.0 is 2503: spreadsheets export counts so).
func Normalize(r *kpi.Statement) {
	r.Currency = strings.ToUpper(strings.TrimSpace(r.Currency))
	if !r.PeriodEnd.IsZero() {
		r.PeriodEnd = civil.Of(r.PeriodEnd)
	}
	for _, in := range kpi.Inputs {
		if v := in.Get(&r.Figures); v != nil && in.Kind == kpi.Count {
			whole := v.Trim(0)
			in.Set(&r.Figures, &whole)
		}
	}
}

// Validate checks a report against every rule and names each field that breaks one.
// today bounds the period end: figures are reported for periods that have ended.
func Validate(r kpi.Statement, today time.Time) error {
	var bad apperr.Fields
	switch {
	case r.PeriodEnd.IsZero():
		bad.Add("period_end", "is required (YYYY-MM-DD)")
	case r.PeriodEnd.After(today):
		bad.Add("period_end", "%s is in the future: figures are reported for periods that have ended", r.PeriodEnd.Format(civil.Layout))
	case r.PeriodEnd.Before(earliestPeriod):
		bad.Add("period_end", "must be in %d or later", earliestPeriod.Year())
	}
	if !validMonths(r.Months) {
		bad.Add("months", "must be 3, 6 or 12 (the months the period covers)")
	}
	if r.Currency == "" {
		bad.Add("currency", "is required (the ISO 4217 code the figures are in, e.g. USD, BOB, PEN)")
	} else if _, err := money.ParseCurrency(r.Currency); err != nil {
		bad.Add("currency", "%v", err)
	}
	for _, in := range kpi.Inputs {
		if msg := checkFigure(in, in.Get(&r.Figures)); msg != "" {
			bad.Add(in.Name, "%s", msg)
		}
	}
	for _, c := range crossChecks {
		part, whole := figure(&r.Figures, c.part), figure(&r.Figures, c.whole)
		if part != nil && whole != nil && part.Cmp(*whole) > 0 {
			bad.Add(c.part, c.message, whole.Trim(0))
		}
	}
	if r.Figures.Empty() {
		bad.Add("figures", "a report needs at least one figure (e.g. gross_loan_portfolio)")
	}
	return bad.Err()
}

func validMonths(m int) bool { return m == 3 || m == 6 || m == 12 }

// checkFigure returns what is wrong with one value, or "".
func checkFigure(in kpi.Input, v *decimal.Decimal) string {
	switch {
	case v == nil:
		return ""
	case in.Kind == kpi.Count && v.MinScale() > 0:
		return "must be a whole number"
	case in.Kind == kpi.Count && v.IsNeg():
		return "cannot be negative (a count)"
	case !in.Signed && v.IsNeg():
		return "cannot be negative"
	case v.MinScale() > 2:
		return "at most 2 decimals"
	case v.CmpAbs(maxFigure) > 0:
		return "is too large"
	}
	return ""
}

func figure(f *kpi.Figures, name string) *decimal.Decimal {
	in, _ := kpi.InputByName(name)
	return in.Get(f)
}

// MarshalJSON writes the report flat, under the canonical names, every figure
// present (null when not reported): amounts as decimal strings, counts as numbers.
// The API answers with it and the audit log stores it.
func (r Statement) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(`{"id":`)
	b.WriteString(strconv.FormatInt(r.ID, 10))
	b.WriteString(`,"partner_id":`)
	b.WriteString(strconv.FormatInt(r.PartnerID, 10))
	b.WriteString(`,"period_end":"`)
	b.WriteString(r.PeriodEnd.Format(civil.Layout))
	b.WriteString(`","months":`)
	b.WriteString(strconv.Itoa(r.Months))
	b.WriteString(`,"currency":"`)
	b.WriteString(r.Currency)
	b.WriteByte('"')
	writeFigures(&b, &r.Figures)
	for _, ts := range []struct {
		name string
		t    time.Time
	}{{"created_at", r.CreatedAt}, {"updated_at", r.UpdatedAt}} {
		stamp, err := json.Marshal(ts.t)
		if err != nil {
			return nil, err
		}
		b.WriteString(`,"` + ts.name + `":`)
		b.Write(stamp)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// FiguresJSON is a set of figures as a JSON object under the canonical names.
type FiguresJSON kpi.Figures

// MarshalJSON writes every figure, null when not reported.
func (f FiguresJSON) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	figs := kpi.Figures(f)
	writeFigures(&b, &figs)
	out := b.Bytes()
	out[0] = '{' // writeFigures continues an object: its first byte is a comma
	return append(out, '}'), nil
}

func writeFigures(b *bytes.Buffer, f *kpi.Figures) {
	for _, in := range kpi.Inputs {
		b.WriteString(`,"`)
		b.WriteString(in.Name)
		b.WriteString(`":`)
		v := in.Get(f)
		switch {
		case v == nil:
			b.WriteString("null")
		case in.Kind == kpi.Count:
			b.WriteString(v.Trim(0).String())
		default:
			// As stored (NUMERIC(19,2)), like every amount of the API: "4098741.00".
			b.WriteByte('"')
			b.WriteString(v.Pad(2).String())
			b.WriteByte('"')
		}
	}
}

// FormatDecimal writes a figure as plain decimal text, without trailing zeros
// (4098741, 1707001.66), the way it is imported back.
func FormatDecimal(d decimal.Decimal) string { return d.Trim(0).String() }
