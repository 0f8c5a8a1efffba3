package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"cartera/internal/http/edge"
	"cartera/internal/partner"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/civil"
)

// partnerJSON is a partner as the API shows it.
type partnerJSON struct {
	ID           int64    `json:"id"`
	Name         string   `json:"name"`
	Country      string   `json:"country"`
	CountryName  string   `json:"country_name"`
	Region       string   `json:"region"`
	LegalStatus  string   `json:"legal_status"`
	Founded      *int     `json:"founded"`
	PartnerSince *int     `json:"partner_since"`
	Methodology  *string  `json:"methodology"`
	Sectors      []string `json:"sectors"`
	Description  string   `json:"description"`
	Strengths    string   `json:"strengths"`
	Risks        string   `json:"risks"`
	// The reporting obligation (all null: none).
	ReportingFrequency *string   `json:"reporting_frequency"`
	ReportingFrom      *string   `json:"reporting_from"`
	ReportingDueDays   *int      `json:"reporting_due_days"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
}

// countryName is the English name of a country code the API returns.
func countryName(code string) string {
	if name := partner.CountryName(code); name != code {
		return name
	}
	return ""
}

func toPartnerJSON(p partner.Partner) partnerJSON {
	out := partnerJSON{
		ID: p.ID, Name: p.Name, Country: p.Country, Region: p.Region,
		LegalStatus: string(p.LegalStatus), Founded: p.Founded, PartnerSince: p.PartnerSince,
		Sectors: []string(p.Sectors), Description: p.Description, Strengths: p.Strengths, Risks: p.Risks,
		CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt,
	}
	out.CountryName = countryName(p.Country)
	if p.Methodology != nil {
		m := string(*p.Methodology)
		out.Methodology = &m
	}
	if out.Sectors == nil {
		out.Sectors = []string{}
	}
	out.ReportingFrequency, out.ReportingDueDays = p.ReportingFrequency, p.ReportingDueDays
	if p.ReportingFrom != nil {
		d := civil.Format(*p.ReportingFrom)
		out.ReportingFrom = &d
	}
	return out
}

// readPartnerFields copies the members present in o onto f: all of them for a create,
// the ones to change for a merge patch (RFC 7396), where null clears a field.
func readPartnerFields(o *object, f *partner.Fields) {
	o.text("name", &f.Name)
	o.text("country", &f.Country)
	o.text("region", &f.Region)
	var status string
	if o.has("legal_status") {
		o.text("legal_status", &status)
		f.LegalStatus = partner.LegalStatus(status)
	}
	o.year("founded", &f.Founded)
	o.year("partner_since", &f.PartnerSince)
	if o.isNull("methodology") {
		o.ignore("methodology")
		f.Methodology = nil
	} else {
		var m string
		if o.get("methodology", &m, "a string") {
			mm := partner.Methodology(m)
			f.Methodology = &mm
		}
	}
	var sectors []string
	if o.has("sectors") {
		o.textList("sectors", &sectors)
		f.Sectors = sectors
	}
	o.text("description", &f.Description)
	o.text("strengths", &f.Strengths)
	o.text("risks", &f.Risks)
	readReporting(o, f)
	o.ignore("id", "country_name", "created_at", "updated_at")
}

// readReporting reads the reporting obligation's members: optional, so clients that
// do not know them keep working; null clears one.
func readReporting(o *object, f *partner.Fields) {
	if o.isNull("reporting_frequency") {
		o.ignore("reporting_frequency")
		f.ReportingFrequency = nil
	} else if o.has("reporting_frequency") {
		var s string
		if o.get("reporting_frequency", &s, "a string: quarterly, semiannual or annual") {
			f.ReportingFrequency = &s
		}
	}
	if o.isNull("reporting_from") {
		o.ignore("reporting_from")
		f.ReportingFrom = nil
	} else {
		var d time.Time
		if o.date("reporting_from", &d) {
			f.ReportingFrom = &d
		}
	}
	if o.isNull("reporting_due_days") {
		o.ignore("reporting_due_days")
		f.ReportingDueDays = nil
	} else {
		var n int
		if o.integer("reporting_due_days", &n) {
			f.ReportingDueDays = &n
		}
	}
}

func (h *handlers) listPartners(c *fiber.Ctx) error {
	country := strings.ToUpper(strings.TrimSpace(c.Query("country")))
	if country != "" && !partner.IsCountryCode(country) {
		return apperr.Invalid(apperr.FieldError{Field: "country", Message: "must be an ISO 3166-1 alpha-2 country code"})
	}
	partners, err := h.partners.List(c.UserContext(), partner.Filter{Country: country, Query: strings.TrimSpace(c.Query("q"))})
	if err != nil {
		return err
	}
	items := make([]partnerJSON, len(partners))
	for i, p := range partners {
		items[i] = toPartnerJSON(p)
	}
	return c.JSON(fiber.Map{"items": items})
}

func (h *handlers) createPartner(c *fiber.Ctx) error {
	o, err := decodeObject(c)
	if err != nil {
		return err
	}
	var f partner.Fields
	readPartnerFields(o, &f)
	if err := o.done(); err != nil {
		return err
	}
	p, err := h.partners.Create(c.UserContext(), actor(c), f)
	if err != nil {
		return err
	}
	c.Location("/api/v1/partners/" + strconv.FormatInt(p.ID, 10))
	c.Set(fiber.HeaderETag, partner.ETag(p))
	return c.Status(http.StatusCreated).JSON(toPartnerJSON(p))
}

func (h *handlers) getPartner(c *fiber.Ctx) error {
	id, err := edge.PathID(c, "partner")
	if err != nil {
		return err
	}
	p, err := h.partners.Get(c.UserContext(), id)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, partner.ETag(p))
	return c.JSON(toPartnerJSON(p))
}

// patchPartner changes the fields sent; with If-Match, only if the partner is still
// the version read (412 otherwise), so two clients never overwrite each other blindly.
func (h *handlers) patchPartner(c *fiber.Ctx) error {
	id, o, err := idAndBody(c, "partner")
	if err != nil {
		return err
	}
	match, err := edge.IfMatch(c)
	if err != nil {
		return err
	}
	change := func(f *partner.Fields) error {
		readPartnerFields(o, f)
		return o.done()
	}
	var p partner.Partner
	if match != nil {
		p, err = h.partners.UpdateIfMatch(c.UserContext(), actor(c), id, match, change)
	} else {
		p, err = h.partners.Update(c.UserContext(), actor(c), id, change)
	}
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, partner.ETag(p))
	return c.JSON(toPartnerJSON(p))
}

func (h *handlers) deletePartner(c *fiber.Ctx) error {
	id, err := edge.PathID(c, "partner")
	if err != nil {
		return err
	}
	if err := h.partners.Delete(c.UserContext(), actor(c), id); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}
