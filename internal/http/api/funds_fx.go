package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"cartera/internal/fx"
	"cartera/internal/http/edge"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/civil"
	"cartera/internal/platform/money"
)

func (h *handlers) listFunds(c *fiber.Ctx) error {
	funds, err := h.funds.List(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": each(funds, toFundJSON)})
}

func (h *handlers) createFund(c *fiber.Ctx) error {
	o, err := decodeObject(c)
	if err != nil {
		return err
	}
	var name, currency string
	o.require("name", "base_currency")
	o.text("name", &name)
	o.text("base_currency", &currency)
	if err := o.done(); err != nil {
		return err
	}
	f, err := h.funds.Create(c.UserContext(), actor(c), name, currency)
	if err != nil {
		return err
	}
	c.Location("/api/v1/funds/" + strconv.FormatInt(f.ID, 10))
	return c.Status(http.StatusCreated).JSON(toFundJSON(f))
}

type rateJSON struct {
	Currency string `json:"currency"`
	Date     string `json:"date"`
	Rate     string `json:"rate"`
}

func (h *handlers) listRates(c *fiber.Ctx) error {
	var bad apperr.Fields
	f := fx.Filter{Currency: strings.ToUpper(strings.TrimSpace(c.Query("currency")))}
	for _, p := range []struct {
		name string
		dst  **time.Time
	}{{"from", &f.From}, {"to", &f.To}} {
		if s := c.Query(p.name); s != "" {
			t, err := civil.Parse(s)
			if err != nil {
				bad.Add(p.name, edge.DateMessage)
				continue
			}
			*p.dst = &t
		}
	}
	if err := bad.Err(); err != nil {
		return err
	}
	rates, err := h.fx.List(c.UserContext(), f)
	if err != nil {
		return err
	}
	items := make([]rateJSON, len(rates))
	for i, r := range rates {
		items[i] = rateJSON{Currency: r.Currency, Date: dateString(r.Date), Rate: r.Rate.Trim(0).String()}
	}
	return c.JSON(fiber.Map{"items": items})
}

// putRates stores {"rates":[{"date","currency","rate"}]}, all or nothing; each bad
// row is named rates[i].field.
func (h *handlers) putRates(c *fiber.Ctx) error {
	o, err := decodeObject(c)
	if err != nil {
		return err
	}
	var rows []map[string]any
	o.require("rates")
	o.get("rates", &rows, "a list of {date, currency, rate}")
	if err := o.done(); err != nil {
		return err
	}
	rates := make([]fx.Rate, len(rows))
	var bad apperr.Fields
	for i, row := range rows {
		field := func(n string) string { return "rates[" + strconv.Itoa(i) + "]." + n }
		for k := range row {
			if k != "date" && k != "currency" && k != "rate" {
				bad.Add(field(k), "is not a known field")
			}
		}
		if s, ok := row["currency"].(string); ok {
			rates[i].Currency = s
		}
		if s, ok := row["date"].(string); ok {
			if t, err := civil.Parse(s); err == nil {
				rates[i].Date = t
			} else {
				bad.Add(field("date"), edge.DateMessage)
			}
		}
		switch v := row["rate"].(type) {
		case string:
			if d, err := money.ParseAmount(v); err == nil {
				rates[i].Rate = d
			} else {
				bad.Add(field("rate"), "must be a decimal string such as \"6.96\"")
			}
		case nil:
		default:
			bad.Add(field("rate"), "must be a decimal string such as \"6.96\"")
		}
	}
	// Report the rules the rows break too, except on fields already found unreadable.
	if err := fx.ValidateBatch(rates, h.clock.Today()); err != nil {
		seen := map[string]bool{}
		for _, f := range bad {
			seen[f.Field] = true
		}
		e, _ := apperr.As(err)
		for _, f := range e.Fields {
			if !seen[f.Field] {
				bad = append(bad, f)
			}
		}
	}
	if err := bad.Err(); err != nil {
		return err
	}
	if err := h.fx.Put(c.UserContext(), actor(c), rates); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"stored": len(rates)})
}
