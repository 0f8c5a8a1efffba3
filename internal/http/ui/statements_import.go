package ui

import (
	"cartera/internal/http/edge"
	"cartera/internal/platform/apperr"
	"cartera/internal/statements"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// The import page: a file of figures previewed (every row's problems), then confirmed.

// Checkboxes of the import form, under the API's query parameter names.
const (
	optCreatePartners = "create_partners"
	optIgnoreUnknown  = "ignore_unknown_columns"
)

// importPage is what the import page shows: the upload form, and after an upload
// either the problems found or what the import would do, with the step to confirm it.
type importPage struct {
	Columns  []string
	File     string
	Size     int
	SHA256   string
	Preview  string // the stashed upload's id, for the confirm step
	Result   *statements.ImportResult
	Problems []apperr.FieldError
	Summary  string // the domain's one-line account of the problems
	Unlisted int    // problems beyond those listed
}

// maxProblemsShown bounds the problems listed on the page: a file with a wrong
// column can have one per row, and the first few hundred tell the user what to fix.
const maxProblemsShown = 300

func (h *handlers) importForm(c *fiber.Ctx) error {
	p := h.page(c, "Import figures", "import")
	p.Data = importPage{Columns: statements.Columns()}
	return h.render(c, fiber.StatusOK, "statements_import", p)
}

// importStatements is both steps of an import. An upload is checked with a dry run and
// kept aside; the preview's "Confirm import" posts back the id of what was kept, and
// that, with the options it was previewed with, is what is imported.
func (h *handlers) importStatements(c *fiber.Ctx) error {
	if id := c.FormValue("preview"); id != "" {
		return h.confirmImport(c, id)
	}
	p := h.page(c, "Import figures", "import")
	data := importPage{Columns: statements.Columns()}
	opts := statements.ImportOptions{
		CreatePartners:       c.FormValue(optCreatePartners) != "",
		IgnoreUnknownColumns: c.FormValue(optIgnoreUnknown) != "",
		DryRun:               true,
	}
	for name, on := range map[string]bool{optCreatePartners: opts.CreatePartners, optIgnoreUnknown: opts.IgnoreUnknownColumns} {
		if on {
			p.Form[name] = "true"
		}
	}
	name, content, err := edge.Upload(c, "CSV or XLSX")
	if err != nil {
		p.Data = data
		return h.formFailed(c, "statements_import", p, err)
	}
	data.File, data.Size, data.SHA256 = name, len(content), sha256Hex(content)
	res, err := h.importTable(c, content, opts)
	if err != nil {
		return h.importFailed(c, p, data, err)
	}
	data.Result = &res
	data.Preview = h.uploads.Put(h.Clock.Now(), statements.Stashed{Session: session(c).ID, Name: name, Data: content, Sum: data.SHA256, Opts: opts})
	p.Title = "Import figures: preview"
	p.Data = data
	return h.render(c, fiber.StatusOK, "statements_import", p)
}

func (h *handlers) confirmImport(c *fiber.Ctx, id string) error {
	p := h.page(c, "Import figures", "import")
	data := importPage{Columns: statements.Columns()}
	u, ok := h.uploads.Get(h.Clock.Now(), id, session(c).ID)
	if !ok || c.FormValue("sha256") != u.Sum {
		p.Data = data
		return h.formFailed(c, "statements_import", p, apperr.Conflict("",
			"This preview is no longer available (it expired, was already imported, or the server restarted): nothing was imported. Upload the file again."))
	}
	opts := u.Opts
	opts.DryRun = false
	res, err := h.importTable(c, u.Data, opts)
	if err != nil {
		// The book changed since the preview (a partner renamed, a report stored for
		// another day of the month): the file is refused as a whole, with the reasons,
		// and must be previewed again. Other errors keep it, to try again.
		if apperr.IsKind(err, apperr.KindInvalid) {
			h.uploads.Remove(id)
		}
		data.File, data.Size, data.SHA256 = u.Name, len(u.Data), u.Sum
		return h.importFailed(c, p, data, err)
	}
	h.uploads.Remove(id)
	msg := fmt.Sprintf("Imported %s: %s created, %s replaced, %s unchanged.", u.Name,
		plural(res.Created, "period"), plural(res.Replaced, "period"), plural(res.Unchanged, "period"))
	if n := len(res.PartnersCreated); n > 0 {
		names := make([]string, n)
		for i, pt := range res.PartnersCreated {
			names[i] = pt.Name
		}
		msg += " New partners: " + strings.Join(names, ", ") + "."
	}
	return h.redirect(c, "/partners", msg)
}

// importTable reads the file and runs the import with opts: a dry run or the real one.
func (h *handlers) importTable(c *fiber.Ctx, content []byte, opts statements.ImportOptions) (statements.ImportResult, error) {
	return h.Statements.ImportFile(c.UserContext(), h.actor(c), content, opts)
}

// importFailed shows the upload form again with every problem the domain found,
// by row and column; nothing was saved.
func (h *handlers) importFailed(c *fiber.Ctx, p Page, data importPage, err error) error {
	e, ok := apperr.As(err)
	if ok && e.Kind == apperr.KindBusy {
		// Two imports are running: the form again, with the file to send once more.
		c.Set(fiber.HeaderRetryAfter, retryAfter(e))
		p.Problem = "The file was not imported: " + e.Message
		p.Data = data
		return h.render(c, e.Kind.HTTPStatus(), "statements_import", p)
	}
	if !ok || e.Kind != apperr.KindInvalid {
		return err
	}
	for _, f := range e.Fields {
		if f.Row == 0 && f.Field == "file" {
			p.Errors["file"] = f.Message // the file itself cannot be read
			continue
		}
		data.Problems = append(data.Problems, f)
	}
	if len(data.Problems) > maxProblemsShown {
		data.Problems, data.Unlisted = data.Problems[:maxProblemsShown], len(data.Problems)-maxProblemsShown
	}
	data.Summary = e.Message
	p.Problem = "The file was not imported: nothing was saved. Correct the problems listed below and upload it again."
	p.Data = data
	return h.render(c, e.Kind.HTTPStatus(), "statements_import", p)
}

// retryAfter is a busy error's Retry-After header: whole seconds, at least one.
func retryAfter(e *apperr.Error) string {
	return strconv.Itoa(max(1, int(e.RetryAfter.Seconds())))
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
