package ui_test

import (
	"net/http"
	"regexp"
	"testing"

	"cartera/internal/user"
)

// BenchmarkPages times every page on the demo data, through the whole application
// (middleware, session, handlers, templates). docs/PERFORMANCE.md has the figures;
// `cartera bench pages` does the same against a running server on the large book.
func BenchmarkPages(b *testing.B) {
	e := newEnv(b)
	e.loadDemo()
	c := e.signIn(user.Admin)
	partner := "/partners/" + regexp.MustCompile(`href="/partners/([0-9]+)"`).FindStringSubmatch(c.get("/partners?sort=outstanding").body)[1]
	loan := "/loans/" + regexp.MustCompile(`href="/loans/([0-9]+)"`).FindStringSubmatch(c.get(partner).body)[1]
	pages := []string{"/", "/partners", partner, partner + "/edit", partner + "/statements", partner + "/loans/new", loan,
		"/loans", "/exposure?by=country", "/exposure?by=partner", "/fx?currency=BOB", "/statements/import", "/newsletter",
		"/admin/users", "/admin/tokens", "/admin/limits", "/admin/audit"}
	for _, path := range pages {
		b.Run(path, func(b *testing.B) {
			size := 0
			for b.Loop() {
				p := c.get(path)
				if p.status != http.StatusOK {
					b.Fatalf("GET %s: %d", path, p.status)
				}
				size = len(p.body)
			}
			b.ReportMetric(float64(size)/1024, "KB")
		})
	}
}
