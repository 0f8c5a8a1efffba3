package ui

// The newsletter: a zip of fact sheets for the partners chosen, made in the
// background so that a large batch neither holds a request open for minutes nor
// leaves the user staring at a blank page. The job page shows its progress and
// refreshes itself (no JavaScript), then offers the download.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"cartera/internal/http/edge"
	"cartera/internal/partner"
	"cartera/internal/platform/apperr"
	"cartera/internal/publish"
	"cartera/reports"
)

const (
	// jobKept is how long a finished job, and its zip, stays downloadable.
	jobKept = time.Hour
	// maxJobs caps the jobs held at once, across users: each holds its zip in memory
	// (about 40 KB a sheet).
	maxJobs = 12
	// maxRunningPerUser keeps one user from taking every core with batches.
	maxRunningPerUser = 2
	// maxHeldBytes caps the finished zips kept at once: the oldest go first (a sheet
	// is 20–40 KB, so a 2,000-partner book's zip is about 60 MB).
	maxHeldBytes = 256 << 20
	// jobTimeout bounds a job, however large the batch or slow the database.
	jobTimeout = 15 * time.Minute
)

// batchJobs are the newsletter jobs of every user, in memory: a restart loses them,
// which costs no more than making the zip again.
type batchJobs struct {
	mu   sync.Mutex
	jobs map[string]*batchJob
}

func newBatchJobs() *batchJobs { return &batchJobs{jobs: map[string]*batchJob{}} }

// batchJob is one zip being made, or made. Its fields after mu change as it runs.
type batchJob struct {
	id      string
	owner   int64 // the user who started it; nobody else may see it
	lang    reports.Lang
	started time.Time

	mu          sync.Mutex
	done, total int
	ended       time.Time // zero while running
	err         error
	zip         []byte
}

// jobStatus is a job as its page shows it, copied under the job's lock.
type jobStatus struct {
	ID          string
	Lang        reports.Lang
	Done, Total int
	Running     bool
	Error       string
	Size        int
	Started     time.Time
}

// Percent is how far the job is, for people who read numbers rather than bars.
func (s jobStatus) Percent() int {
	if s.Total == 0 {
		return 0
	}
	return 100 * s.Done / s.Total
}

// KB is the zip's size, rounded up.
func (s jobStatus) KB() int { return (s.Size + 1023) / 1024 }

func (j *batchJob) status() jobStatus {
	j.mu.Lock()
	defer j.mu.Unlock()
	s := jobStatus{ID: j.id, Lang: j.lang, Done: j.done, Total: j.total, Running: j.ended.IsZero(), Size: len(j.zip), Started: j.started}
	if j.err != nil {
		s.Error = jobErrorMessage(j.err)
	}
	return s
}

func (j *batchJob) progress(done, total int) {
	j.mu.Lock()
	j.done, j.total = done, total
	j.mu.Unlock()
}

func (j *batchJob) finish(zip []byte, err error, at time.Time) {
	j.mu.Lock()
	j.zip, j.err, j.ended = zip, err, at
	if err != nil {
		j.zip = nil
	}
	j.mu.Unlock()
}

// expired reports whether a finished job has been kept long enough.
func (j *batchJob) expired(now time.Time) bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	return !j.ended.IsZero() && now.Sub(j.ended) > jobKept
}

func (j *batchJob) running() bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.ended.IsZero()
}

// add registers a new job. It makes room by forgetting expired jobs, then the
// oldest finished ones; running jobs are never dropped, so when every slot runs, or
// the user already runs their share, the job is refused.
func (b *batchJobs) add(j *batchJob, now time.Time) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.prune(now)
	mine := 0
	for _, o := range b.jobs {
		if o.owner == j.owner && o.running() {
			mine++
		}
	}
	if mine >= maxRunningPerUser {
		return apperr.Conflict("", fmt.Sprintf("You already have %d newsletters being made: wait for one of them to finish, then start this one.", mine))
	}
	for len(b.jobs) >= maxJobs || b.heldBytes() > maxHeldBytes {
		var oldest *batchJob
		for _, o := range b.jobs {
			if !o.running() && (oldest == nil || o.started.Before(oldest.started)) {
				oldest = o
			}
		}
		if oldest == nil {
			if len(b.jobs) < maxJobs {
				break // only running jobs hold memory: they finish first
			}
			return apperr.Conflict("", "Too many newsletters are being made right now: please try again in a minute.")
		}
		delete(b.jobs, oldest.id)
	}
	b.jobs[j.id] = j
	return nil
}

// heldBytes is the size of the finished zips kept.
func (b *batchJobs) heldBytes() int {
	n := 0
	for _, j := range b.jobs {
		j.mu.Lock()
		n += len(j.zip)
		j.mu.Unlock()
	}
	return n
}

func (b *batchJobs) prune(now time.Time) {
	for id, j := range b.jobs {
		if j.expired(now) {
			delete(b.jobs, id)
		}
	}
}

// get returns the user's job. Another user's job is reported as missing, the same
// as an unknown one, so ids reveal nothing.
func (b *batchJobs) get(id string, owner int64, now time.Time) (*batchJob, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.prune(now)
	j := b.jobs[id]
	if j == nil || j.owner != owner {
		return nil, apperr.NotFound("there is no newsletter %q: finished newsletters are kept for an hour", id)
	}
	return j, nil
}

func newJobID() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("job id: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// jobErrorMessage is what the job page says of a failure: a domain error's own words
// (a partner without figures for a year asked for), else no internals.
func jobErrorMessage(err error) string {
	if e, ok := apperr.As(err); ok {
		if len(e.Fields) == 0 {
			return e.Message
		}
		msgs := make([]string, len(e.Fields))
		for i, f := range e.Fields {
			msgs[i] = f.Field + ": " + f.Message
		}
		return strings.Join(msgs, "; ")
	}
	if strings.Contains(err.Error(), context.DeadlineExceeded.Error()) {
		return fmt.Sprintf("It took longer than %s and was stopped: choose fewer partners and try again.", jobTimeout)
	}
	return "Something went wrong on our side while making the fact sheets; please try again."
}

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
	Recent   []jobStatus // the user's newsletters still kept
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
	span, err := h.Figures.ReportYears(c.UserContext())
	if err != nil {
		return newsletterForm{}, err
	}
	data := newsletterForm{Recent: h.jobs.of(session(c).UserID, h.Clock.Now()), Total: len(refs), WithFigs: len(span)}
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
	if len(ids) > 0 && p.Form["scope"] != "all" {
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
	}
	if p.Form["scope"] == "all" {
		// Every partner with figures, in the order of the list.
		span, err := h.Figures.ReportYears(c.UserContext())
		if err != nil {
			return err
		}
		refs, err := h.Partners.Refs(c.UserContext(), partner.Filter{})
		if err != nil {
			return err
		}
		ids = ids[:0]
		for _, r := range refs {
			if _, ok := span[r.ID]; ok {
				ids = append(ids, r.ID)
			}
		}
		if len(ids) == 0 {
			bad.Add("partner_id", "no partner has figures yet")
		}
	}
	if len(ids) == 0 && !bad.has("partner_id") {
		bad.Add("partner_id", "choose at least one partner")
	}
	years := publish.Years{From: bad.year("from", p.Form["from"]), To: bad.year("to", p.Form["to"])}
	if years.From != 0 && years.To != 0 && years.From > years.To {
		bad.Add("from", "%d is after to (%d): the first year must come first", years.From, years.To)
	}
	if err := bad.Err(); err != nil {
		data, lerr := h.newsletterData(c, p.Form, checked)
		if lerr != nil {
			return lerr
		}
		p.Data = data
		return h.formFailed(c, "newsletter", p, err)
	}

	id, err := newJobID()
	if err != nil {
		return err
	}
	now := h.Clock.Now()
	job := &batchJob{id: id, owner: session(c).UserID, lang: lang, started: now, total: len(ids)}
	if err := h.jobs.add(job, now); err != nil {
		data, lerr := h.newsletterData(c, p.Form, checked)
		if lerr != nil {
			return lerr
		}
		p.Data = data
		return h.formFailed(c, "newsletter", p, err)
	}
	// The job outlives the request: its context keeps the request's values (for the
	// logs) but not its cancellation, and has a deadline of its own.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.UserContext()), jobTimeout)
	go h.runNewsletter(ctx, cancel, job, publish.Batch{Lang: lang, PartnerIDs: ids, Years: years})
	return c.Redirect("/newsletter/"+id, fiber.StatusSeeOther)
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

// runNewsletter makes the zip in memory (so a failure never leaves half an archive
// to download) and records the outcome on the job.
func (h *handlers) runNewsletter(ctx context.Context, cancel context.CancelFunc, job *batchJob, b publish.Batch) {
	defer cancel()
	var buf bytes.Buffer
	var err error
	defer func() {
		// A panic here would take the whole server down: no middleware recovers a
		// goroutine of ours. It fails the job instead.
		if r := recover(); r != nil {
			err = fmt.Errorf("newsletter job panicked: %v", r)
		}
		if err != nil && !apperr.IsKind(err, apperr.KindInvalid) && !apperr.IsKind(err, apperr.KindNotFound) {
			h.cfg.Logger.Error("newsletter job failed", "job", job.id, "user_id", job.owner, "error", err)
		}
		job.finish(buf.Bytes(), err, h.Clock.Now())
	}()
	err = h.Publish.WriteZip(ctx, &buf, b, h.today(), job.progress)
}

func (h *handlers) newsletterJob(c *fiber.Ctx) error {
	job, err := h.jobs.get(c.Params("job"), session(c).UserID, h.Clock.Now())
	if err != nil {
		return err
	}
	p := h.page(c, "Newsletter", "newsletter")
	p.Data = job.status()
	return h.render(c, fiber.StatusOK, "newsletter_job", p)
}

func (h *handlers) newsletterDownload(c *fiber.Ctx) error {
	job, err := h.jobs.get(c.Params("job"), session(c).UserID, h.Clock.Now())
	if err != nil {
		return err
	}
	s := job.status()
	if s.Running || s.Error != "" {
		return apperr.Conflict("", "This newsletter has no zip to download: it is still being made, or it failed. Its page says which.")
	}
	job.mu.Lock()
	zip := job.zip // never changed once the job has ended
	job.mu.Unlock()
	c.Set(fiber.HeaderContentType, "application/zip")
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="factsheets-%s-%s.zip"`, s.Lang, s.Started.Format("2006-01-02")))
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(zip)
}

// of lists a user's jobs, newest first, for the form page.
func (b *batchJobs) of(owner int64, now time.Time) []jobStatus {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.prune(now)
	var out []jobStatus
	for _, j := range b.jobs {
		if j.owner == owner {
			out = append(out, j.status())
		}
	}
	slices.SortFunc(out, func(a, b jobStatus) int { return b.Started.Compare(a.Started) })
	return out
}
