package ui

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"cartera/internal/fx"
	"cartera/internal/http/edge"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/civil"
	"cartera/internal/platform/money"
)

// staleAfterDays is how old the latest rate of a currency the book holds may be
// before the page flags it (conversions keep using it until a newer one comes):
// funds commonly take monthly rates, so a month.
const staleAfterDays = 31

// historyDays is how far back a currency's history goes on the page.
const historyDays = 90

type fxPage struct {
	Needed []neededRate
	// History is the chosen currency's rates of the last historyDays, newest first.
	History  []fx.Rate
	Currency string // the currency whose history is shown
	Today    time.Time
	Missing  int // currencies the book holds with no rate today
	Stale    int
}

// neededRate is a currency the book or a fund needs converted, with its latest rate.
type neededRate struct {
	Currency string
	Why      string // "loans", "fund", or both
	Latest   *fx.Rate
	AgeDays  int
	Stale    bool
}

// fxRates shows the rates the book needs today (flagging missing and stale ones),
// one currency's recent history, and forms to record a rate or upload a file.
func (h *handlers) fxRates(c *fiber.Ctx) error {
	p := h.page(c, "FX rates", "fx")
	p.Form["date"] = h.today().Format(civil.Layout)
	p.Form["currency"] = strings.ToUpper(strings.TrimSpace(c.Query("currency")))
	if err := h.fxData(c, &p, p.Form["currency"]); err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, "fx", p)
}

func (h *handlers) fxData(c *fiber.Ctx, p *Page, currency string) error {
	ctx := c.UserContext()
	today := h.today()
	data := &fxPage{Today: today}
	p.Data = data
	why := map[string][]string{}
	held, err := h.Book.CurrenciesAt(ctx, today)
	if err != nil {
		return err
	}
	for _, c := range held {
		why[c] = append(why[c], "loans")
	}
	funds, err := h.Funds.List(ctx)
	if err != nil {
		return err
	}
	for _, f := range funds {
		if !slices.Contains(why[f.BaseCurrency], "fund") {
			why[f.BaseCurrency] = append(why[f.BaseCurrency], "fund")
		}
	}
	delete(why, "USD") // always 1
	codes := make([]string, 0, len(why))
	for code := range why {
		codes = append(codes, code)
	}
	sort.Strings(codes)
	latest, err := h.FX.Latest(ctx, codes, today)
	if err != nil {
		return err
	}
	for _, code := range codes {
		n := neededRate{Currency: code, Why: strings.Join(why[code], ", ")}
		if r, ok := latest[code]; ok {
			r.Rate = r.Rate.Trim(0) // stored to 10 places
			n.Latest = &r
			n.AgeDays = civil.Days(r.Date, today)
			n.Stale = n.AgeDays > staleAfterDays
		}
		switch {
		case n.Latest == nil:
			data.Missing++
		case n.Stale:
			data.Stale++
		}
		data.Needed = append(data.Needed, n)
	}
	if _, err := money.ParseCurrency(currency); err == nil && currency != "USD" {
		from := today.AddDate(0, 0, -historyDays)
		rates, err := h.FX.List(ctx, fx.Filter{Currency: currency, From: &from, To: &today})
		if err != nil {
			return err
		}
		slices.Reverse(rates)
		for i := range rates {
			rates[i].Rate = rates[i].Rate.Trim(0)
		}
		data.History, data.Currency = rates, currency
	}
	return nil
}

// recordRate stores one rate from the form, replacing the currency's rate of that
// date if there is one.
func (h *handlers) recordRate(c *fiber.Ctx) error {
	p := h.page(c, "FX rates", "fx")
	p.Form = formValues(c)
	var bad fieldErrors
	r := fx.Rate{Currency: strings.ToUpper(strings.TrimSpace(p.Form["currency"])), Date: bad.date("date", p.Form["date"], true)}
	if v := bad.amount("rate", p.Form["rate"], true); v != nil {
		r.Rate = *v
	}
	// The service's own checks too, so that every problem shows at once.
	err := bad.merge(onlyRow(fx.ValidateBatch([]fx.Rate{r}, h.today())))
	if err == nil {
		err = onlyRow(h.FX.Put(c.UserContext(), h.actor(c), []fx.Rate{r}))
	}
	if err != nil {
		if derr := h.fxData(c, &p, r.Currency); derr != nil {
			return derr
		}
		return h.formFailed(c, "fx", p, err)
	}
	return h.redirect(c, "/fx?currency="+r.Currency, fmt.Sprintf("Recorded: 1 US dollar = %s %s on %s.", r.Rate, r.Currency, r.Date.Format(civil.Layout)))
}

// onlyRow names a one-rate Put's errors by the form's fields (rates[0].rate: rate).
func onlyRow(err error) error {
	var e *apperr.Error
	if !errors.As(err, &e) || len(e.Fields) == 0 {
		return err
	}
	fields := make([]apperr.FieldError, len(e.Fields))
	for i, f := range e.Fields {
		f.Field = strings.TrimPrefix(f.Field, "rates[0].")
		fields[i] = f
	}
	return apperr.Invalid(fields...)
}

// importRates stores every rate of an uploaded CSV file (date,currency,rate), all or
// none.
func (h *handlers) importRates(c *fiber.Ctx) error {
	p := h.page(c, "FX rates", "fx")
	p.Form["date"] = h.today().Format(civil.Layout)
	fail := func(message string) error {
		if err := h.fxData(c, &p, ""); err != nil {
			return err
		}
		return h.formFailed(c, "fx", p, apperr.Invalid(apperr.FieldError{Field: "file", Message: message}))
	}
	name, content, err := edge.Upload(c, "CSV")
	if err != nil {
		if e, ok := apperr.As(err); ok && len(e.Fields) > 0 {
			return fail(e.Fields[0].Message)
		}
		return err
	}
	rates, err := fx.ReadCSV(bytes.NewReader(content))
	if err == nil && len(rates) == 0 {
		err = errors.New("the file has no rows below its header")
	}
	if err == nil {
		err = h.FX.Put(c.UserContext(), h.actor(c), rates)
	}
	if err != nil {
		var e *apperr.Error
		if errors.As(err, &e) && e.Kind != apperr.KindInvalid {
			return err
		}
		return fail(fmt.Sprintf("%s: %v", name, fx.RowErrors(err)))
	}
	return h.redirect(c, "/fx", fmt.Sprintf("%s: %s stored.", name, plural(len(rates), "rate")))
}
