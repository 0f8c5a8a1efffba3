package ui

// The newsletter: a zip of fact sheets for the partners chosen, made in the
// background so that a large batch neither holds a request open for minutes nor
// leaves the user staring at a blank page. The job page shows its progress and
// refreshes itself (no JavaScript), then offers the download.

import (
	"context"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"cartera/internal/http/edge"
	"cartera/internal/partner"
	"cartera/internal/publish"
	"cartera/reports"
)

// ---- Pages ----

type newsletterPartner struct {
	ID      int64
	Name    string
	Years   string // the years with figures, "2019–2024"; empty without figures
	Checked bool
}

type newsletterForm struct {
	Partners []newsletterPartner // the list to tick, at most newsletterListMax
	Matching int                 // partners the search matches
	Total    int                 // partners in all
	WithFigs int                 // partners with figures: what "every partner" means
	Langs    []Option
	Recent   []publish.JobStatus // the user's newsletters still kept
}

// newsletterListMax caps the partners listed to tick: a large book has thousands,
// and the page must stay light; the search narrows the list, and "every partner
// with figures" needs no list at all.
const newsletterListMax = 150

var langLabels = map[reports.Lang]string{reports.English: "English", reports.French: "Français", reports.Spanish: "Español"}

// newsletterData lists the partners with the years they have figures for; checked
// says which boxes are ticked (nil: those with figures, the default).
func (h *handlers) newsletterData(c *fiber.Ctx, form map[string]string, checked map[int64]bool) (newsletterForm, error) {
	refs, err := h.Partners.Refs(c.UserContext(), partner.Filter{})
	if err != nil {
		return newsletterForm{}, err
	}
	// One query for every partner's years, rather than one per partner.
	span, err := h.Statements.ReportYears(c.UserContext())
	if err != nil {
		return newsletterForm{}, err
	}
	data := newsletterForm{Recent: h.jobs.Of(session(c).UserID, h.Clock.Now()), Total: len(refs), WithFigs: len(span)}
	for _, l := range reports.Langs {
		data.Langs = append(data.Langs, Option{string(l), langLabels[l]})
	}
	q, country := strings.ToLower(strings.TrimSpace(form["q"])), strings.ToUpper(strings.TrimSpace(form["country"]))
	for _, r := range refs {
		if q != "" && !strings.Contains(strings.ToLower(r.Name), q) || country != "" && r.Country != country {
			continue
		}
		data.Matching++
		if len(data.Partners) == newsletterListMax {
			continue
		}
		p := newsletterPartner{ID: r.ID, Name: r.Name}
		if s, ok := span[r.ID]; ok {
			p.Years = strconv.Itoa(s.First)
			if s.Last != s.First {
				p.Years += "–" + strconv.Itoa(s.Last)
			}
		}
		if checked == nil {
			p.Checked = p.Years != ""
		} else {
			p.Checked = checked[r.ID]
		}
		data.Partners = append(data.Partners, p)
	}
	return data, nil
}

func (h *handlers) newsletterForm(c *fiber.Ctx) error {
	p := h.page(c, "Newsletter", "newsletter")
	p.Form["lang"] = string(reports.English)
	p.Form["q"], p.Form["country"] = c.Query("q"), c.Query("country")
	data, err := h.newsletterData(c, p.Form, nil)
	// A book too large to list whole is sent whole by default.
	p.Form["scope"] = "chosen"
	if data.Total > newsletterListMax {
		p.Form["scope"] = "all"
	}
	if err != nil {
		return err
	}
	p.Data = data
	return h.render(c, fiber.StatusOK, "newsletter", p)
}

// startNewsletter checks the form, starts the job and sends the user to its page.
func (h *handlers) startNewsletter(c *fiber.Ctx) error {
	p := h.page(c, "Newsletter", "newsletter")
	p.Form = formValues(c)
	var bad fieldErrors
	lang, err := reports.ParseLang(p.Form["lang"])
	if err != nil {
		bad.Add("lang", "%v", err)
	}
	ids, checked := tickedPartners(c, &bad)
	if p.Form["scope"] == "all" {
		ids, err = h.partnersWithFigures(c, &bad)
	} else {
		err = h.checkPartnersExist(c, ids, &bad)
	}
	if err != nil {
		return err
	}
	if len(ids) == 0 && !bad.has("partner_id") {
		bad.Add("partner_id", "choose at least one partner")
	}
	years := publish.Years{From: bad.year("from", p.Form["from"]), To: bad.year("to", p.Form["to"])}
	if years.From != 0 && years.To != 0 && years.From > years.To {
		bad.Add("from", "%d is after to (%d): the first year must come first", years.From, years.To)
	}
	if err := bad.Err(); err != nil {
		return h.newsletterFailed(c, p, checked, err)
	}
	now := h.Clock.Now()
	job, err := publish.NewJob(session(c).UserID, lang, len(ids), now)
	if err != nil {
		return err
	}
	if err := h.jobs.Add(job, now); err != nil {
		return h.newsletterFailed(c, p, checked, err)
	}
	// The job outlives the request: its context keeps the request's values (for the
	// logs) but not its cancellation, and has a deadline of its own.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.UserContext()), publish.JobTimeout)
	go h.runNewsletter(ctx, cancel, job, publish.Batch{Lang: lang, PartnerIDs: ids, Years: years})
	return c.Redirect("/newsletter/"+job.ID(), fiber.StatusSeeOther)
}

// tickedPartners reads the partner ids ticked in the form, each once, in order.
func tickedPartners(c *fiber.Ctx, bad *fieldErrors) ([]int64, map[int64]bool) {
	checked := map[int64]bool{}
	var ids []int64
	for _, raw := range c.Request().PostArgs().PeekMulti("partner_id") {
		id, err := strconv.ParseInt(string(raw), 10, 64)
		if err != nil || id <= 0 {
			bad.Add("partner_id", "%q is not a partner id (a positive whole number)", raw)
			continue
		}
		if !checked[id] {
			checked[id] = true
			ids = append(ids, id)
		}
	}
	return ids, checked
}

// checkPartnersExist names each ticked id that is no partner's.
func (h *handlers) checkPartnersExist(c *fiber.Ctx, ids []int64, bad *fieldErrors) error {
	if len(ids) == 0 {
		return nil
	}
	refs, err := h.Partners.Refs(c.UserContext(), partner.Filter{})
	if err != nil {
		return err
	}
	known := make(map[int64]bool, len(refs))
	for _, r := range refs {
		known[r.ID] = true
	}
	for _, id := range ids {
		if !known[id] {
			bad.Add("partner_id", "there is no partner %d", id)
		}
	}
	return nil
}

// partnersWithFigures is every partner with figures, in the order of the list.
func (h *handlers) partnersWithFigures(c *fiber.Ctx, bad *fieldErrors) ([]int64, error) {
	span, err := h.Statements.ReportYears(c.UserContext())
	if err != nil {
		return nil, err
	}
	refs, err := h.Partners.Refs(c.UserContext(), partner.Filter{})
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, r := range refs {
		if _, ok := span[r.ID]; ok {
			ids = append(ids, r.ID)
		}
	}
	if len(ids) == 0 {
		bad.Add("partner_id", "no partner has figures yet")
	}
	return ids, nil
}

// newsletterFailed shows the form again with what was typed and why it was refused.
func (h *handlers) newsletterFailed(c *fiber.Ctx, p Page, checked map[int64]bool, err error) error {
	data, lerr := h.newsletterData(c, p.Form, checked)
	if lerr != nil {
		return lerr
	}
	p.Data = data
	return h.formFailed(c, "newsletter", p, err)
}

// year reads an optional calendar year.
func (f *fieldErrors) year(field, s string) int {
	y := f.integer(field, s, edge.YearMessage)
	if y == nil {
		return 0
	}
	if *y < 1900 || *y > 2999 {
		f.Add(field, edge.YearMessage)
		return 0
	}
	return *y
}
