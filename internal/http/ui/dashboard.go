package ui

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"cartera/internal/exposure"
	"cartera/internal/ledger"
	"cartera/internal/partner"
	"cartera/internal/platform/apperr"
	"cartera/internal/statements"
	"cartera/internal/watchlist"
)

// The dashboard's lists are capped: it is a summary; the full lists are elsewhere.
const (
	watchListLength = 12
	dueWithinDays   = 60
	// watchPanelLength is how many watch-list entries the dashboard shows.
	watchPanelLength = 8
)

type dashboardData struct {
	Exposure exposure.Report
	// ExposureProblem says why the exposure could not be computed (an FX rate
	// missing for a currency held): the rest of the dashboard still shows.
	ExposureProblem string
	Chart           chart
	Overdue         ledger.WatchList
	DueSoon         ledger.WatchList
	Received        []statements.Received
	// Names are the partners' names by id, for every list above.
	Names map[int64]string
	DueTo string
	// Watch is the watch list's first entries; WatchTotal how many partners are on it.
	Watch      []watchlist.Entry
	WatchTotal int
}

func (h *handlers) dashboard(c *fiber.Ctx) error {
	ctx := c.UserContext()
	today := h.today()
	exp, problem, err := h.exposureOrProblem(c, exposure.Query{By: exposure.ByCountry, AsOf: today})
	if err != nil {
		return err
	}
	overdue, err := h.Loans.Overdue(ctx, today, watchListLength)
	if err != nil {
		return err
	}
	dueTo := today.AddDate(0, 0, dueWithinDays)
	dueSoon, err := h.Loans.DueBetween(ctx, today, dueTo, watchListLength)
	if err != nil {
		return err
	}
	received, err := h.Statements.Recent(ctx, 8)
	if err != nil {
		return err
	}
	refs, err := h.Partners.Refs(ctx, partner.Filter{})
	if err != nil {
		return err
	}
	data := dashboardData{Exposure: exp, ExposureProblem: problem, Overdue: overdue, DueSoon: dueSoon, Received: received, Names: make(map[int64]string, len(refs)), DueTo: dueTo.Format("2006-01-02")}
	for _, r := range refs {
		data.Names[r.ID] = r.Name
	}
	data.Chart = exposureChart(exp, 15)
	watch, err := h.Watchlist.List(ctx, watchlist.Filter{})
	if err != nil {
		return err
	}
	data.WatchTotal = len(watch.Entries)
	data.Watch = watch.Entries[:min(len(watch.Entries), watchPanelLength)]
	p := h.page(c, "Dashboard", "dashboard")
	p.Data = data
	return h.render(c, fiber.StatusOK, "dashboard", p)
}

// exposureOrProblem computes an exposure for a page that has more to show than it:
// a rule the book breaks (no FX rate for a currency held) becomes a message on the
// page instead of an error page; other errors stay errors.
func (h *handlers) exposureOrProblem(c *fiber.Ctx, q exposure.Query) (exposure.Report, string, error) {
	r, err := h.Exposure.Exposure(c.UserContext(), q)
	if e, ok := apperr.As(err); ok && e.Kind == apperr.KindInvalid {
		msg := e.Message
		if len(e.Fields) > 0 {
			msg = e.Fields[0].Message
		}
		return exposure.Report{AsOf: q.AsOf}, "The exposure cannot be computed: " + msg + ". Record the missing rates on the FX rates page (/fx).", nil
	}
	return r, "", err
}

// exposureChart draws a report's largest groups as bars, each with the amount its
// limit allows (outstanding plus headroom) as a mark.
func exposureChart(r exposure.Report, max int) chart {
	bars := make([]bar, 0, min(len(r.Groups), max))
	for i, g := range r.Groups {
		if i == max {
			break
		}
		v, _ := g.Outstanding.Float64()
		b := bar{Label: g.Label, Value: v}
		if g.Headroom != nil {
			if allowed, err := g.Outstanding.Add(*g.Headroom); err == nil {
				f, _ := allowed.Float64()
				b.Limit = &f
			}
		}
		bars = append(bars, b)
	}
	return barChart("Outstanding by "+strings.ToLower(cutLabels[r.By])+" in "+r.Currency+", with limits", bars, func(v float64) string { return axisLabel(v, false) })
}
