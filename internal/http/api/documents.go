package api

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"cartera/internal/platform/apperr"
	"cartera/internal/publish"
	"cartera/reports"
)

// langParam reads ?lang=en|fr|es (English when absent).
func langParam(c *fiber.Ctx, bad *apperr.Fields) reports.Lang {
	l, err := reports.ParseLang(c.Query("lang"))
	if err != nil {
		bad.Add("lang", "%v", err)
	}
	return l
}

// yearParam reads an optional calendar year.
func yearParam(c *fiber.Ctx, name string, bad *apperr.Fields) int {
	s := c.Query(name)
	if s == "" {
		return 0
	}
	y, err := strconv.Atoi(s)
	if err != nil || y < 1900 || y > 2999 {
		bad.Add(name, "must be a year such as 2014")
		return 0
	}
	return y
}

// sendPDF answers with a document as a download under its file name.
func sendPDF(c *fiber.Ctx, d publish.Document) error {
	c.Set(fiber.HeaderContentType, "application/pdf")
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s"`, d.FileName))
	return c.Send(d.Bytes)
}

func (h *handlers) partnerProfile(c *fiber.Ctx) error {
	id, err := pathID(c, "partner")
	if err != nil {
		return err
	}
	var bad apperr.Fields
	lang := langParam(c, &bad)
	asOf, err := h.asOfParam(c, "as_of")
	if e, ok := apperr.As(err); ok {
		bad = append(bad, e.Fields...)
	}
	if err := bad.Err(); err != nil {
		return err
	}
	d, err := h.publish.Profile(c.UserContext(), id, lang, asOf)
	if err != nil {
		return err
	}
	return sendPDF(c, d)
}

func (h *handlers) partnerFactSheet(c *fiber.Ctx) error {
	id, err := pathID(c, "partner")
	if err != nil {
		return err
	}
	var bad apperr.Fields
	lang := langParam(c, &bad)
	years := publish.Years{From: yearParam(c, "from", &bad), To: yearParam(c, "to", &bad)}
	if err := bad.Err(); err != nil {
		return err
	}
	d, err := h.publish.FactSheet(c.UserContext(), id, lang, years)
	if err != nil {
		return err
	}
	return sendPDF(c, d)
}

// factSheetsZip answers with the fact sheets of the partners named by partner_id
// (repeated, or comma-separated), or of every partner, in one zip archive.
func (h *handlers) factSheetsZip(c *fiber.Ctx) error {
	var bad apperr.Fields
	b := publish.Batch{Lang: langParam(c, &bad)}
	for _, raw := range c.Context().QueryArgs().PeekMulti("partner_id") {
		for _, s := range strings.Split(string(raw), ",") {
			id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
			if err != nil || id <= 0 {
				bad.Add("partner_id", "%q is not a partner id (a positive whole number)", s)
				continue
			}
			b.PartnerIDs = append(b.PartnerIDs, id)
		}
	}
	if err := bad.Err(); err != nil {
		return err
	}
	// Built in memory, not streamed, so that a failure is still a problem document
	// and not a truncated archive (500 sheets are about 20 MB).
	var buf bytes.Buffer
	if err := h.publish.WriteZip(c.UserContext(), &buf, b, h.clock.Today(), nil); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/zip")
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="factsheets-%s.zip"`, b.Lang))
	return c.Send(buf.Bytes())
}
