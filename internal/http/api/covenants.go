package api

import (
	"fmt"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"cartera/internal/compliance"
	"cartera/internal/http/edge"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/civil"
)

// registerCovenants mounts the covenants', results', breaches' and waivers' routes.
func (h *handlers) registerCovenants(v1 fiber.Router, admin fiber.Handler) {
	v1.Get("/partners/:id/covenants", h.listPartnerCovenants)
	v1.Post("/partners/:id/covenants", h.createCovenant(false))
	v1.Get("/loans/:id/covenants", h.listLoanCovenants)
	v1.Post("/loans/:id/covenants", h.createCovenant(true))
	v1.Get("/covenants/:id", h.getCovenant)
	v1.Patch("/covenants/:id", h.patchCovenant)
	v1.Delete("/covenants/:id", h.deleteCovenant)
	v1.Get("/covenant-results", h.covenantResults)
	v1.Get("/breaches", h.listBreaches)
	v1.Get("/breaches/:id", h.getBreach)
	v1.Post("/breaches/:id/waiver", h.requestWaiver)
	v1.Post("/breaches/:id/waiver/approve", admin, h.decideWaiver(true))
	v1.Post("/breaches/:id/waiver/reject", admin, h.decideWaiver(false))
}

// covenantInput reads a covenant's body; for a PATCH absent members keep their value.
func covenantInput(o *object) (compliance.Input, error) {
	var in compliance.Input
	str := func(name string) *string {
		if !o.has(name) {
			return nil
		}
		var s string
		o.text(name, &s)
		return &s
	}
	in.Metric, in.Operator, in.Currency, in.Frequency = str("metric"), str("operator"), str("currency"), str("frequency")
	in.From, in.To = str("from"), str("to")
	if o.has("threshold") {
		// A threshold as people write it ("5 %"), or a JSON number read exactly.
		var d string
		raw := strings.TrimSpace(string(o.members["threshold"]))
		if strings.HasPrefix(raw, `"`) {
			o.text("threshold", &d)
		} else {
			o.read["threshold"] = true
			d = raw
		}
		in.Threshold = &d
	}
	if o.has("cure_days") {
		var n int
		if o.integer("cure_days", &n) {
			in.CureDays = &n
		}
	}
	o.ignore("id", "partner_id", "partner_name", "loan_id", "loan_reference", "created_at", "updated_at", "ended_at", "threshold_text")
	return in, o.done()
}

func (h *handlers) listPartnerCovenants(c *fiber.Ctx) error {
	id, err := edge.PathID(c, "partner")
	if err != nil {
		return err
	}
	list, err := h.compliance.ListOfPartner(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": list})
}

func (h *handlers) listLoanCovenants(c *fiber.Ctx) error {
	id, err := edge.PathID(c, "loan")
	if err != nil {
		return err
	}
	list, err := h.compliance.ListOfLoan(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": list})
}

// createCovenant answers POST /partners/{id}/covenants and /loans/{id}/covenants.
func (h *handlers) createCovenant(onLoan bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		what := "partner"
		if onLoan {
			what = "loan"
		}
		id, o, err := idAndBody(c, what)
		if err != nil {
			return err
		}
		in, err := covenantInput(o)
		if err != nil {
			return err
		}
		partnerID, loanID := id, int64(0)
		if onLoan {
			partnerID, loanID = 0, id
		}
		cov, err := h.compliance.Create(c.UserContext(), actor(c), partnerID, loanID, in)
		if err != nil {
			return err
		}
		c.Location(fmt.Sprintf("/api/v1/covenants/%d", cov.ID))
		return c.Status(fiber.StatusCreated).JSON(cov)
	}
}

func (h *handlers) getCovenant(c *fiber.Ctx) error {
	id, err := edge.PathID(c, "covenant")
	if err != nil {
		return err
	}
	cov, err := h.compliance.Get(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(cov)
}

func (h *handlers) patchCovenant(c *fiber.Ctx) error {
	id, o, err := idAndBody(c, "covenant")
	if err != nil {
		return err
	}
	in, err := covenantInput(o)
	if err != nil {
		return err
	}
	cov, err := h.compliance.Update(c.UserContext(), actor(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(cov)
}

func (h *handlers) deleteCovenant(c *fiber.Ctx) error {
	id, err := edge.PathID(c, "covenant")
	if err != nil {
		return err
	}
	if err := h.compliance.End(c.UserContext(), actor(c), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (h *handlers) covenantResults(c *fiber.Ctx) error {
	var bad apperr.Fields
	var f compliance.ResultFilter
	if id := optionalID(c, "partner_id", &bad); id != nil {
		f.PartnerID = *id
	}
	f.Status = strings.TrimSpace(c.Query("status"))
	switch f.Status {
	case "", "met", "breached", "waived", "not_testable":
	default:
		bad.Add("status", "must be met, breached, waived or not_testable")
	}
	f.From, f.To = queryDate(c, "from", &bad), queryDate(c, "to", &bad)
	format := tableFormat(c, &bad)
	if err := bad.Err(); err != nil {
		return err
	}
	rows, err := h.compliance.Results(c.UserContext(), f)
	if err != nil {
		return err
	}
	if format != "json" {
		d, err := compliance.ExportResults(rows, format, h.clock.Today())
		if err != nil {
			return err
		}
		return edge.SendFile(c, d.ContentType, d.FileName, d.Body)
	}
	return c.JSON(fiber.Map{"items": rows})
}

func (h *handlers) listBreaches(c *fiber.Ctx) error {
	var bad apperr.Fields
	var f compliance.BreachFilter
	if id := optionalID(c, "partner_id", &bad); id != nil {
		f.PartnerID = *id
	}
	f.Status = strings.TrimSpace(c.Query("status"))
	if err := bad.Err(); err != nil {
		return err
	}
	list, err := h.compliance.Breaches(c.UserContext(), f)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": list})
}

func (h *handlers) getBreach(c *fiber.Ctx) error {
	id, err := edge.PathID(c, "breach")
	if err != nil {
		return err
	}
	b, err := h.compliance.Breach(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(b)
}

func (h *handlers) requestWaiver(c *fiber.Ctx) error {
	id, o, err := idAndBody(c, "breach")
	if err != nil {
		return err
	}
	var reason string
	var expires time.Time
	o.require("reason", "expires_on")
	o.text("reason", &reason)
	o.date("expires_on", &expires)
	if err := o.done(); err != nil {
		return err
	}
	w, err := h.compliance.RequestWaiver(c.UserContext(), actor(c), id, reason, expires)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(w)
}

// decideWaiver answers /approve and /reject: admins only (the route says so), and
// never the requester (the service says so).
func (h *handlers) decideWaiver(approve bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := edge.PathID(c, "breach")
		if err != nil {
			return err
		}
		w, err := h.compliance.DecideWaiver(c.UserContext(), actor(c), id, approve)
		if err != nil {
			return err
		}
		return c.JSON(w)
	}
}

// queryDate reads an optional date query parameter.
func queryDate(c *fiber.Ctx, name string, bad *apperr.Fields) *time.Time {
	s := strings.TrimSpace(c.Query(name))
	if s == "" {
		return nil
	}
	t, err := civil.Parse(s)
	if err != nil {
		bad.Add(name, "%s", edge.DateMessage)
		return nil
	}
	return &t
}
