package api

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"cartera/internal/http/edge"
	"cartera/internal/platform/apperr"
	"cartera/internal/publish"
)

func (h *handlers) partnerProfile(c *fiber.Ctx) error {
	id, err := edge.PathID(c, "partner")
	if err != nil {
		return err
	}
	var bad apperr.Fields
	lang, err := edge.Lang(c)
	_ = edge.Collect(&bad, err)
	asOf, err := edge.Date(c, "as_of", h.clock.Today())
	_ = edge.Collect(&bad, err)
	if err := bad.Err(); err != nil {
		return err
	}
	d, err := h.publish.Profile(c.UserContext(), id, lang, asOf)
	if err != nil {
		return err
	}
	return edge.SendPDF(c, d)
}

func (h *handlers) partnerFactSheet(c *fiber.Ctx) error {
	id, err := edge.PathID(c, "partner")
	if err != nil {
		return err
	}
	var bad apperr.Fields
	lang, err := edge.Lang(c)
	_ = edge.Collect(&bad, err)
	var years publish.Years
	years.From, err = edge.Year(c, "from")
	_ = edge.Collect(&bad, err)
	years.To, err = edge.Year(c, "to")
	_ = edge.Collect(&bad, err)
	if err := bad.Err(); err != nil {
		return err
	}
	d, err := h.publish.FactSheet(c.UserContext(), id, lang, years)
	if err != nil {
		return err
	}
	return edge.SendPDF(c, d)
}

// factSheetsZip answers with the fact sheets of the partners named by partner_id
// (repeated, or comma-separated), or of every partner, in one zip archive.
func (h *handlers) factSheetsZip(c *fiber.Ctx) error {
	var bad apperr.Fields
	lang, err := edge.Lang(c)
	_ = edge.Collect(&bad, err)
	b := publish.Batch{Lang: lang}
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
	return edge.SendFile(c, "application/zip", fmt.Sprintf("factsheets-%s.zip", b.Lang), buf.Bytes())
}
