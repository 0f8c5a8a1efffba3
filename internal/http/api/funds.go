package api

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"cartera/internal/fund"
	"cartera/internal/http/edge"
)

// One fund, and its settings (admin); the list and creation are in funds_fx.go.

func (h *handlers) getFund(c *fiber.Ctx) error {
	id, err := edge.PathID(c, "fund")
	if err != nil {
		return err
	}
	f, err := h.funds.Get(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(toFundJSON(f))
}

// patchFund changes a fund's settings: the members sent change, null clears the two
// that may be empty. Every change is audited, re-opening closed books included.
func (h *handlers) patchFund(c *fiber.Ctx) error {
	id, o, err := idAndBody(c, "fund")
	if err != nil {
		return err
	}
	f, err := h.funds.UpdateSettings(c.UserContext(), actor(c), id, func(st *fund.Settings) error {
		readFundSettings(o, st)
		return o.done()
	})
	if err != nil {
		return err
	}
	return c.JSON(toFundJSON(f))
}

// readFundSettings reads the settings' members into st; a member that cannot be read
// leaves its setting as it was, and is reported by o.done.
func readFundSettings(o *object, st *fund.Settings) {
	o.ignore("id", "created_at") // read-only: a client may send back what it read
	for _, name := range []string{"name", "base_currency"} {
		if o.has(name) {
			o.read[name] = true
			o.bad.Add(name, "cannot be changed: PATCH /funds/{id} changes the fund's settings only")
		}
	}
	order := string(st.AllocationOrder)
	o.text("allocation_order", &order) // null reads as "", which the rules refuse
	st.AllocationOrder = fund.AllocationOrder(order)

	const cure = "restructured_cure_installments"
	if o.isNull(cure) {
		o.read[cure] = true
		st.RestructuredCureInstallments = nil
	} else if n := 0; o.integer(cure, &n) {
		st.RestructuredCureInstallments = &n
	}

	const closed = "books_closed_through"
	if o.isNull(closed) {
		o.read[closed] = true
		st.BooksClosedThrough = nil
	} else if d := (time.Time{}); o.date(closed, &d) {
		st.BooksClosedThrough = &d
	}
}
