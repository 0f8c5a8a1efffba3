package edge

import (
	"bytes"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"cartera/internal/platform/apperr"
	"cartera/internal/platform/civil"
	"cartera/internal/user"
)

// answer runs one handler on a request and returns what it answered: its error's
// kind and first message, or "ok" and the body.
func answer(t *testing.T, route string, req *http.Request, h fiber.Handler) string {
	t.Helper()
	app := fiber.New(fiber.Config{ErrorHandler: func(c *fiber.Ctx, err error) error {
		e, ok := apperr.As(err)
		if !ok {
			return c.Status(500).SendString(err.Error())
		}
		msg := e.Message
		if len(e.Fields) > 0 {
			msg = e.Fields[0].Field + ": " + e.Fields[0].Message
		}
		return c.Status(e.Kind.HTTPStatus()).SendString(msg)
	}})
	app.All(route, h)
	resp, err := app.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	return http.StatusText(resp.StatusCode) + " " + string(body)
}

func TestReadingARequest(t *testing.T) {
	today := civil.Date(2026, 12, 3)
	read := func(c *fiber.Ctx) error {
		id, err := PathID(c, "partner")
		if err != nil {
			return err
		}
		var bad apperr.Fields
		d, err := Date(c, "as_of", today)
		if c.Query("keep") != "" {
			err = nil // a page that shows itself as of the default beside the message
		}
		if err := Collect(&bad, err); err != nil {
			return err
		}
		y, err := Year(c, "from")
		_ = Collect(&bad, err)
		l, err := Lang(c)
		_ = Collect(&bad, err)
		if err := bad.Err(); err != nil {
			return err
		}
		return c.SendString(strings.Join([]string{string(rune('0' + id)), d.Format(civil.Layout), time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC).Format("2006"), string(l)}, " "))
	}
	for _, c := range []struct{ url, want string }{
		{"/p/7", "OK 7 2026-12-03 0000 en"},
		{"/p/7?as_of=2020-02-29&from=2014&lang=fr", "OK 7 2020-02-29 2014 fr"},
		{"/p/0", "Not Found there is no partner 0"},
		{"/p/x", "Not Found there is no partner x"},
		{"/p/7?as_of=yesterday", "Unprocessable Entity as_of: " + DateMessage},
		{"/p/7?as_of=yesterday&keep=1", "OK 7 2026-12-03"}, // a mistake still gives the default
		{"/p/7?from=20x", "Unprocessable Entity from: " + YearMessage},
		{"/p/7?from=1850", "Unprocessable Entity from: " + YearMessage},
		{"/p/7?lang=de", "Unprocessable Entity lang: "},
	} {
		got := answer(t, "/p/:id", httptest.NewRequest(http.MethodGet, c.url, nil), read)
		if !strings.HasPrefix(got, c.want) {
			t.Errorf("%s: %q, want %q", c.url, got, c.want)
		}
	}
	if err := Collect(new(apperr.Fields), errors.New("the database is down")); err == nil {
		t.Error("Collect kept a failure that is not the input's")
	}
}

func TestUploadAndDownload(t *testing.T) {
	echo := func(c *fiber.Ctx) error {
		name, data, err := Upload(c, "CSV")
		if err != nil {
			return err
		}
		return SendFile(c, "text/csv", name, data)
	}
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	part, _ := w.CreateFormFile("file", "rates.csv")
	part.Write([]byte("date,currency,rate\n"))
	w.Close()
	req := httptest.NewRequest(http.MethodPost, "/u", &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	if got := answer(t, "/u", req, echo); got != "OK date,currency,rate\n" {
		t.Errorf("upload: %q", got)
	}
	empty := httptest.NewRequest(http.MethodPost, "/u", strings.NewReader(""))
	if got := answer(t, "/u", empty, echo); got != "Unprocessable Entity file: choose a CSV file to upload" {
		t.Errorf("no file: %q", got)
	}
}

func TestRequireRole(t *testing.T) {
	as := func(role user.Role) func(*fiber.Ctx) user.Principal {
		return func(*fiber.Ctx) user.Principal { return user.Principal{Email: "v@example.org", Role: role} }
	}
	ok := func(c *fiber.Ctx) error { return c.SendString("done") }
	for _, c := range []struct {
		need, is user.Role
		want     string
	}{
		{user.Manager, user.Manager, "OK done"},
		{user.Manager, user.Admin, "OK done"},
		{user.Manager, user.Viewer, "Forbidden this needs the manager role; v@example.org has the viewer role"},
		{user.Admin, user.Manager, "Forbidden this needs the admin role; v@example.org has the manager role"},
	} {
		app := fiber.New(fiber.Config{ErrorHandler: func(c *fiber.Ctx, err error) error {
			e, _ := apperr.As(err)
			return c.Status(e.Kind.HTTPStatus()).SendString(e.Message)
		}})
		app.Get("/", RequireRole(c.need, as(c.is)), ok)
		resp, err := app.Test(httptest.NewRequest(http.MethodGet, "/", nil), -1)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		if got := http.StatusText(resp.StatusCode) + " " + string(body); got != c.want {
			t.Errorf("%s as %s: %q, want %q", c.need, c.is, got, c.want)
		}
	}
}
