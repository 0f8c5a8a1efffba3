package ui

// The newsletter job page: its progress while it runs, then the download.

import (
	"bytes"
	"cartera/internal/http/edge"
	"cartera/internal/platform/apperr"
	"cartera/internal/publish"
	"context"
	"fmt"

	"github.com/gofiber/fiber/v2"
)

// runNewsletter makes the zip in memory (so a failure never leaves half an archive
// to download) and records the outcome on the job.
func (h *handlers) runNewsletter(ctx context.Context, cancel context.CancelFunc, job *publish.Job, b publish.Batch) {
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
			h.cfg.Logger.Error("newsletter job failed", "job", job.ID(), "user_id", job.Owner(), "error", err)
		}
		job.Finish(buf.Bytes(), err, h.Clock.Now())
	}()
	err = h.Publish.WriteZip(ctx, &buf, b, h.today(), job.Progress)
}

func (h *handlers) newsletterJob(c *fiber.Ctx) error {
	job, err := h.jobs.Get(c.Params("job"), session(c).UserID, h.Clock.Now())
	if err != nil {
		return err
	}
	p := h.page(c, "Newsletter", "newsletter")
	p.Data = job.Status()
	return h.render(c, fiber.StatusOK, "newsletter_job", p)
}

func (h *handlers) newsletterDownload(c *fiber.Ctx) error {
	job, err := h.jobs.Get(c.Params("job"), session(c).UserID, h.Clock.Now())
	if err != nil {
		return err
	}
	s := job.Status()
	if s.Running || s.Error != "" {
		return apperr.Conflict("", "This newsletter has no zip to download: it is still being made, or it failed. Its page says which.")
	}
	zip := job.Zip()
	return edge.SendFile(c, "application/zip", fmt.Sprintf("factsheets-%s-%s.zip", s.Lang, s.Started.Format("2006-01-02")), zip)
}
