package ui

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"cartera/internal/fund"
	"cartera/internal/http/edge"
	"cartera/internal/platform/civil"
)

// The admin page of the funds' settings: each fund's form posts to its own URL with
// the API's field names; its values and messages are kept on the page under
// funds[id].field, so a refused form shows beside its own fund.

type fundsPage struct {
	Funds  []fund.Fund
	Orders []Option
}

func allocationOrderOptions() []Option {
	return []Option{
		{string(fund.InterestFirst), "Interest first: overdue interest, then overdue principal, then current items, oldest first"},
		{string(fund.InstallmentByInstallment), "Installment by installment: each installment whole, oldest first"},
	}
}

// fundField names a field of one fund's form.
func fundField(id int64, field string) string { return fmt.Sprintf("funds[%d].%s", id, field) }

// fundSettingsForm are a fund's settings as its form shows them.
func fundSettingsForm(f fund.Fund) map[string]string {
	form := map[string]string{fundField(f.ID, "allocation_order"): string(f.AllocationOrder)}
	if n := f.RestructuredCureInstallments; n != nil {
		form[fundField(f.ID, "restructured_cure_installments")] = strconv.Itoa(*n)
	}
	if d := f.BooksClosedThrough; d != nil {
		form[fundField(f.ID, "books_closed_through")] = civil.Format(*d)
	}
	return form
}

// fundsSettingsPage is the page with every fund's form showing its stored settings,
// except the fund whose values are in p.Form already (a refused form).
func (h *handlers) fundsSettingsPage(c *fiber.Ctx, p Page, except int64) (Page, error) {
	funds, err := h.Funds.List(c.UserContext())
	if err != nil {
		return p, err
	}
	for _, f := range funds {
		if f.ID == except {
			continue
		}
		for k, v := range fundSettingsForm(f) {
			p.Form[k] = v
		}
	}
	p.Data = fundsPage{Funds: funds, Orders: allocationOrderOptions()}
	return p, nil
}

func (h *handlers) fundsSettings(c *fiber.Ctx) error {
	p, err := h.fundsSettingsPage(c, h.page(c, "Fund settings", "admin"), 0)
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, "admin_funds", p)
}

// updateFundSettings stores one fund's form. Re-opening closed books is allowed (the
// route admits admins only) and audited as every change is.
func (h *handlers) updateFundSettings(c *fiber.Ctx) error {
	id, err := edge.PathID(c, "fund")
	if err != nil {
		return err
	}
	form := formValues(c)
	f, err := h.Funds.UpdateSettings(c.UserContext(), h.actor(c), id, func(st *fund.Settings) error {
		return readFundSettings(form, st)
	})
	if err != nil {
		return h.fundSettingsFailed(c, id, form, err)
	}
	return h.redirect(c, "/admin/funds", settingsSaved(f))
}

// fundSettingsFailed shows the page again with the fund's form as the user filled it
// and the messages beside its fields; the other funds' forms show what is stored.
func (h *handlers) fundSettingsFailed(c *fiber.Ctx, id int64, form map[string]string, err error) error {
	p := h.page(c, "Fund settings", "admin")
	for _, k := range []string{"allocation_order", "restructured_cure_installments", "books_closed_through"} {
		p.Form[fundField(id, k)] = form[k]
	}
	p, lerr := h.fundsSettingsPage(c, p, id)
	if lerr != nil {
		return lerr
	}
	return h.formFailed(c, "admin_funds", p, prefixFields(err, func(field string) string { return fundField(id, field) }))
}

// readFundSettings reads a fund's form into st: empty means never cured, nothing
// closed. What cannot be read is reported (and, with the rules the rest breaks, the
// form comes back with nothing saved).
func readFundSettings(form map[string]string, st *fund.Settings) error {
	var bad fieldErrors
	st.AllocationOrder = fund.AllocationOrder(strings.TrimSpace(form["allocation_order"]))
	st.RestructuredCureInstallments = nil
	if s := strings.TrimSpace(form["restructured_cure_installments"]); s != "" {
		if n, err := strconv.Atoi(s); err != nil {
			bad.Add("restructured_cure_installments", "must be a whole number of installments from 1 to 36, or empty: never cured")
		} else {
			st.RestructuredCureInstallments = &n
		}
	}
	st.BooksClosedThrough = nil
	if d := bad.date("books_closed_through", form["books_closed_through"], false); !d.IsZero() {
		st.BooksClosedThrough = &d
	}
	return bad.Err()
}

// settingsSaved says what the fund's settings now are.
func settingsSaved(f fund.Fund) string {
	order := "interest first"
	if f.AllocationOrder == fund.InstallmentByInstallment {
		order = "installment by installment"
	}
	cure := "never cured"
	if n := f.RestructuredCureInstallments; n != nil {
		cure = fmt.Sprintf("cured after %d installments paid on time", *n)
	}
	closed := "open"
	if d := f.BooksClosedThrough; d != nil {
		closed = "closed through " + civil.Format(*d)
	}
	return fmt.Sprintf("Settings of %s saved: new loans allocate repayments %s; restructured loans are %s; the books are %s.",
		f.Name, order, cure, closed)
}
