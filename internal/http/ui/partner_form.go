package ui

// The partner form: a new partner, or an edit checked against the version it opened on.

import (
	"cartera/internal/partner"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
)

func legalStatusOptions(none string) []Option {
	opts := []Option{{"", none}}
	for _, s := range partner.LegalStatuses {
		opts = append(opts, Option{string(s), s.Label()})
	}
	return opts
}

func methodologyOptions() []Option {
	opts := []Option{{"", "Not known"}}
	for _, m := range partner.Methodologies {
		opts = append(opts, Option{string(m), m.Label()})
	}
	return opts
}

func reportingOptions() []Option {
	return []Option{{"", "No obligation"}, {"quarterly", "Quarterly"}, {"semiannual", "Half-yearly"}, {"annual", "Yearly"}}
}

// partnerForm is what the partner form needs besides the values.
type partnerForm struct {
	Partner       *partner.Partner
	Statuses      []Option
	Methodologies []Option
	Frequencies   []Option
	Action        string
}

func (h *handlers) newPartnerForm(c *fiber.Ctx) error {
	p := h.page(c, "New partner", "partners")
	p.Data = partnerForm{Statuses: legalStatusOptions("Choose…"), Methodologies: methodologyOptions(), Frequencies: reportingOptions(), Action: "/partners/new"}
	return h.render(c, fiber.StatusOK, "partner_form", p)
}

func (h *handlers) createPartner(c *fiber.Ctx) error {
	p := h.page(c, "New partner", "partners")
	p.Form = formValues(c)
	p.Data = partnerForm{Statuses: legalStatusOptions("Choose…"), Methodologies: methodologyOptions(), Frequencies: reportingOptions(), Action: "/partners/new"}
	var bad fieldErrors
	var f partner.Fields
	readPartnerForm(p.Form, &f, &bad)
	if err := bad.Err(); err != nil {
		// Check the rest too, so every bad field is marked at once.
		f.Normalize()
		return h.formFailed(c, "partner_form", p, bad.merge(f.Validate(h.today().Year())))
	}
	created, err := h.Partners.Create(c.UserContext(), h.actor(c), f)
	if err != nil {
		return h.formFailed(c, "partner_form", p, err)
	}
	return h.redirect(c, "/partners/"+strconv.FormatInt(created.ID, 10), "Partner "+created.Name+" created.")
}

// readPartnerForm copies the form onto f; fields the form cannot even parse (a year
// that is not a number) are noted in bad, the rest is left to the partner's rules.
func readPartnerForm(form map[string]string, f *partner.Fields, bad *fieldErrors) {
	f.Name = form["name"]
	f.Country = form["country"]
	f.Region = form["region"]
	f.LegalStatus = partner.LegalStatus(form["legal_status"])
	f.Founded = bad.integer("founded", form["founded"], "must be a year such as 1995")
	f.PartnerSince = bad.integer("partner_since", form["partner_since"], "must be a year such as 2012")
	f.Methodology = nil
	if m := strings.TrimSpace(form["methodology"]); m != "" {
		mm := partner.Methodology(m)
		f.Methodology = &mm
	}
	f.Sectors = nil
	for _, s := range strings.Split(form["sectors"], ",") {
		if s = strings.TrimSpace(s); s != "" {
			f.Sectors = append(f.Sectors, s)
		}
	}
	f.Description = form["description"]
	f.Strengths = form["strengths"]
	f.Risks = form["risks"]
	readReportingForm(form, f, bad)
}

// readReportingForm reads the reporting obligation: an empty frequency, start or due
// days clears it; the partner's rules say what must go together.
func readReportingForm(form map[string]string, f *partner.Fields, bad *fieldErrors) {
	f.ReportingFrequency, f.ReportingFrom = nil, nil
	if fr := strings.TrimSpace(form["reporting_frequency"]); fr != "" {
		f.ReportingFrequency = &fr
	}
	if d := bad.date("reporting_from", form["reporting_from"], false); !d.IsZero() {
		f.ReportingFrom = &d
	}
	f.ReportingDueDays = bad.integer("reporting_due_days", form["reporting_due_days"], "must be a number of days such as 45")
}

func partnerFormValues(pt partner.Partner) map[string]string {
	v := map[string]string{
		"name": pt.Name, "country": pt.Country, "region": pt.Region, "legal_status": string(pt.LegalStatus),
		"sectors": strings.Join(pt.Sectors, ", "), "description": pt.Description, "strengths": pt.Strengths, "risks": pt.Risks,
		"updated_at": pt.UpdatedAt.Format(time.RFC3339Nano),
	}
	if pt.Founded != nil {
		v["founded"] = strconv.Itoa(*pt.Founded)
	}
	if pt.PartnerSince != nil {
		v["partner_since"] = strconv.Itoa(*pt.PartnerSince)
	}
	if pt.Methodology != nil {
		v["methodology"] = string(*pt.Methodology)
	}
	if pt.ReportingFrequency != nil {
		v["reporting_frequency"] = *pt.ReportingFrequency
	}
	if pt.ReportingFrom != nil {
		v["reporting_from"] = pt.ReportingFrom.Format("2006-01-02")
	}
	if pt.ReportingDueDays != nil {
		v["reporting_due_days"] = strconv.Itoa(*pt.ReportingDueDays)
	}
	return v
}

// partnerEdit loads the partner the edit form is about, and starts its page.
func (h *handlers) partnerEdit(c *fiber.Ctx) (partner.Partner, Page, error) {
	pt, err := h.pathPartner(c)
	if err != nil {
		return partner.Partner{}, Page{}, err
	}
	id := pt.ID
	p := h.page(c, "Edit "+pt.Name, "partners")
	p.Data = partnerForm{Partner: &pt, Statuses: legalStatusOptions("Choose…"), Methodologies: methodologyOptions(), Frequencies: reportingOptions(), Action: "/partners/" + strconv.FormatInt(id, 10) + "/edit"}
	return pt, p, nil
}

func (h *handlers) editPartnerForm(c *fiber.Ctx) error {
	pt, p, err := h.partnerEdit(c)
	if err != nil {
		return err
	}
	p.Form = partnerFormValues(pt)
	return h.render(c, fiber.StatusOK, "partner_form", p)
}

func (h *handlers) updatePartner(c *fiber.Ctx) error {
	pt, p, err := h.partnerEdit(c)
	if err != nil {
		return err
	}
	p.Form = formValues(c)
	// The form names the version it was opened on; the service refuses the change,
	// under the row's lock, if someone saved the partner since.
	opened, err := time.Parse(time.RFC3339Nano, p.Form["updated_at"])
	if err != nil {
		opened = time.Time{} // a form without its version is as stale as can be
	}
	var bad fieldErrors
	updated, err := h.Partners.UpdateIfUnchanged(c.UserContext(), h.actor(c), pt.ID, opened, func(f *partner.Fields) error {
		readPartnerForm(p.Form, f, &bad)
		if err := bad.Err(); err != nil {
			f.Normalize()
			return bad.merge(f.Validate(h.today().Year()))
		}
		return nil
	})
	if errors.Is(err, partner.ErrChanged) {
		current, gerr := h.Partners.Get(c.UserContext(), pt.ID)
		if gerr != nil {
			return gerr
		}
		p.Form["updated_at"] = current.UpdatedAt.Format(time.RFC3339Nano)
		p.Problem = "Someone changed this partner since you opened the form. Your values are below; check them against the partner's page, then save again."
		return h.render(c, fiber.StatusConflict, "partner_form", p)
	}
	if err != nil {
		return h.formFailed(c, "partner_form", p, err)
	}
	return h.redirect(c, "/partners/"+strconv.FormatInt(pt.ID, 10), "Partner "+updated.Name+" saved.")
}
