package ui

import (
	"strconv"

	"github.com/gofiber/fiber/v2"
)

// pager cuts a long list into pages (?page=N), so a large book's lists stay light;
// the links keep every other query parameter.
type pager struct {
	Page, Pages, From, To, Total int
	Prev, Next                   string // links, empty at the ends
}

// newPager places the request's ?page among total rows shown per at a time.
func newPager(c *fiber.Ctx, total, per int) pager {
	p := pager{Total: total, Pages: max(1, (total+per-1)/per)}
	p.Page, _ = strconv.Atoi(c.Query("page"))
	p.Page = min(max(p.Page, 1), p.Pages)
	p.From = min((p.Page-1)*per, total)
	p.To = min(p.From+per, total)
	link := func(page int) string {
		args := fiber.AcquireArgs()
		defer fiber.ReleaseArgs(args)
		c.Request().URI().QueryArgs().CopyTo(args)
		args.Set("page", strconv.Itoa(page))
		return c.Path() + "?" + args.String()
	}
	if p.Page > 1 {
		p.Prev = link(p.Page - 1)
	}
	if p.Page < p.Pages {
		p.Next = link(p.Page + 1)
	}
	return p
}
