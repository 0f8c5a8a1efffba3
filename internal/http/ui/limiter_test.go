package ui

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
)

func TestLoginLimiter(t *testing.T) {
	now := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	l := newLoginLimiter(func() time.Time { return now })

	// Per account: the fifth failure locks the account, from any address.
	for i := range maxFailsPerAccount {
		if w := l.blocked("10.0.0.1", "ana@example.org"); w != 0 {
			t.Fatalf("blocked after %d failures", i)
		}
		l.failed("10.0.0.1", "ana@example.org")
		now = now.Add(time.Minute)
	}
	if w := l.blocked("10.0.0.9", "ANA@example.org"); w <= 0 || w > loginWindow {
		t.Fatalf("account not locked after %d failures (wait %v)", maxFailsPerAccount, w)
	}
	// It opens again once the oldest failure of the last five ages out.
	now = now.Add(loginWindow - 4*time.Minute)
	if w := l.blocked("10.0.0.9", "ana@example.org"); w != 0 {
		t.Fatalf("still locked once the window passed: %v", w)
	}

	// Per address: many accounts guessed from one address lock the address.
	for i := range maxFailsPerIP {
		l.failed("10.0.0.2", "user"+string(rune('a'+i))+"@example.org")
	}
	if w := l.blocked("10.0.0.2", "someone-new@example.org"); w <= 0 {
		t.Fatal("an address with 20 failures is not blocked")
	}
	if w := l.blocked("10.0.0.3", "someone-new@example.org"); w != 0 {
		t.Fatal("another address is blocked")
	}

	// A success forgets the account's failures, not the address's.
	l.failed("10.0.0.4", "bo@example.org")
	l.succeeded("bo@example.org")
	if n := len(l.failures["account:bo@example.org"]); n != 0 {
		t.Fatalf("failures kept after a success: %d", n)
	}
	if n := len(l.failures["ip:10.0.0.4"]); n != 1 {
		t.Fatalf("the address's failures = %d, want 1", n)
	}

	// Old keys are dropped when the map is full.
	now = now.Add(2 * loginWindow)
	l.forgetOldLocked(now)
	if len(l.failures) != 0 {
		t.Fatalf("%d keys kept after every failure aged out", len(l.failures))
	}
}

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
