package server

import (
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/lib/pq"

	"cartera/internal/http/api"
)

// A write the database rolled back for another transaction (a deadlock) is a 503
// with Retry-After that says to send it again, not a 500.
func TestRolledBackTransactionIsRetryable(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a := fiber.New(fiber.Config{ErrorHandler: func(c *fiber.Ctx, err error) error {
		return api.WriteError(c, unavailable(c, err, log), log)
	}})
	a.Post("/deadlock", func(*fiber.Ctx) error {
		return fmt.Errorf("end covenant 7: %w", &pq.Error{Code: "40P01", Message: "deadlock detected"})
	})
	a.Post("/broken", func(*fiber.Ctx) error { return &pq.Error{Code: "42601", Message: "syntax error"} })
	res, err := a.Test(httptest.NewRequest("POST", "/deadlock", nil))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 503 || res.Header.Get("Retry-After") == "" || res.Header.Get("Content-Type") != "application/problem+json" ||
		!strings.Contains(string(body), "send it again") {
		t.Errorf("deadlock: %d %q %s", res.StatusCode, res.Header.Get("Retry-After"), body)
	}
	res, err = a.Test(httptest.NewRequest("POST", "/broken", nil))
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 500 || res.Header.Get("Retry-After") != "" {
		t.Errorf("a query error stays a 500 without Retry-After: %d %q", res.StatusCode, res.Header.Get("Retry-After"))
	}
}
