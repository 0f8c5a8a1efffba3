package ui

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gofiber/fiber/v2"
)

func TestClientAddress(t *testing.T) {
	addressOf := func(trusted []string, forwarded string) string {
		app := fiber.New(fiber.Config{EnableTrustedProxyCheck: len(trusted) > 0, TrustedProxies: trusted})
		app.Get("/", func(c *fiber.Ctx) error { return c.SendString(clientAddress(c)) })
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		if forwarded != "" {
			req.Header.Set("X-Forwarded-For", forwarded)
		}
		resp, err := app.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	// app.Test's requests come from 0.0.0.0.
	if got := addressOf(nil, "1.2.3.4"); got != "0.0.0.0" {
		t.Errorf("without a trusted proxy the header was believed: %s", got)
	}
	if got := addressOf([]string{"10.0.0.1"}, "1.2.3.4"); got != "0.0.0.0" {
		t.Errorf("a peer that is not the trusted proxy was believed: %s", got)
	}
	if got := addressOf([]string{"0.0.0.0"}, "6.6.6.6, 1.2.3.4"); got != "1.2.3.4" {
		t.Errorf("behind the proxy: %s, want the address it saw, 1.2.3.4 (the first entry is the client's own claim)", got)
	}
	if got := addressOf([]string{"0.0.0.0"}, "2001:db8:1:2:aaaa::1"); got != "2001:db8:1:2::/64" {
		t.Errorf("IPv6 client: %s, want its /64", got)
	}
}
