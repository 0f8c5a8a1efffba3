package ui_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"cartera/internal/audit"
	"cartera/internal/partner"
	"cartera/internal/user"
)

// Every download from a page is no-store, like the pages: a book's figures stay out
// of shared caches and the browser's disk cache.
func TestDownloadsAreNotStored(t *testing.T) {
	e := newEnv(t)
	p, err := e.deps.Partners.Create(context.Background(), audit.System("test"), partner.Fields{Name: "Banco Sol", Country: "BO", LegalStatus: "bank"})
	if err != nil {
		t.Fatal(err)
	}
	c := e.signIn(user.Viewer)
	for _, tc := range []struct {
		name, path, contentType, starts string
	}{
		{"loans CSV", "/loans?format=csv", "text/csv", ""},
		{"exposure CSV", "/exposure?by=country&format=csv", "text/csv", ""},
		{"exposure XLSX", "/exposure?by=country&format=xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "PK"},
		{"loans XLSX", "/loans?format=xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "PK"},
		{"profile PDF", "/partners/" + itoa(p.ID) + "/profile.pdf?lang=en", "application/pdf", "%PDF-"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := c.get(tc.path)
			if d.status != http.StatusOK || !strings.HasPrefix(d.header.Get("Content-Type"), tc.contentType) || !strings.HasPrefix(d.body, tc.starts) {
				t.Fatalf("%d %s", d.status, d.header.Get("Content-Type"))
			}
			if got := d.header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store", got)
			}
		})
	}
}
