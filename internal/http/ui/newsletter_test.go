package ui_test

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"cartera/internal/partner"
	"cartera/internal/user"
)

// waitForJob reloads a newsletter job's page until it stops refreshing itself.
func waitForJob(t *testing.T, c *client, path string) page {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		p := c.get(path).must(t, http.StatusOK)
		if !strings.Contains(p.body, `http-equiv="refresh"`) {
			return p
		}
		if !strings.Contains(p.body, "<progress") {
			t.Fatalf("a running job's page shows no progress\n%s", p.body)
		}
		if time.Now().After(deadline) {
			t.Fatalf("the job at %s did not finish in time\n%s", path, p.body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestNewsletterZip(t *testing.T) {
	e := newEnv(t)
	e.loadDemo()
	partners, err := e.deps.Partners.List(context.Background(), partner.Filter{})
	if err != nil || len(partners) < 3 {
		t.Fatalf("demo partners: %d, %v", len(partners), err)
	}

	// Every role may make the newsletter: a viewer does here.
	viewer := e.signIn(user.Viewer)
	form := viewer.get("/newsletter").must(t, http.StatusOK, `<form method="post" action="/newsletter"`, `name="lang"`, partners[0].Name)
	if n := strings.Count(form.body, `name="partner_id"`); n != len(partners) {
		t.Errorf("%d partner boxes for %d partners", n, len(partners))
	}
	if !strings.Contains(form.body, `value="`+strconv.FormatInt(partners[0].ID, 10)+`" checked`) {
		t.Error("a partner with figures is not ticked by default")
	}

	// Nothing chosen, or bad years: the form again, nothing started.
	viewer.post("/newsletter", url.Values{"lang": {"fr"}}).
		must(t, http.StatusUnprocessableEntity, `id="e-partner_id"`, "choose at least one partner")
	one := strconv.FormatInt(partners[0].ID, 10)
	p := viewer.post("/newsletter", url.Values{"partner_id": {one}, "lang": {"fr"}, "from": {"2024"}, "to": {"20x"}})
	p.must(t, http.StatusUnprocessableEntity, `id="e-to"`, "must be a year such as 2014", `value="20x"`, `value="fr" selected`)
	if regexp.MustCompile(`name="partner_id" value="[0-9]+" checked`).FindAllString(p.body, -1) == nil ||
		len(regexp.MustCompile(`name="partner_id" value="[0-9]+" checked`).FindAllString(p.body, -1)) != 1 {
		t.Error("the partners chosen are not kept when the form fails")
	}
	viewer.post("/newsletter", url.Values{"partner_id": {one}, "from": {"2024"}, "to": {"2020"}}).
		must(t, http.StatusUnprocessableEntity, `id="e-from"`, "2024 is after to (2020)")

	// An unknown partner is refused on the form, not left to fail in the background.
	viewer.post("/newsletter", url.Values{"partner_id": {"999999"}, "lang": {"en"}}).
		must(t, http.StatusUnprocessableEntity, "there is no partner 999999")

	// Every partner with figures, without ticking them: the choice for a large book.
	all := viewer.post("/newsletter", url.Values{"scope": {"all"}, "lang": {"en"}, "partner_id": {one}})
	if all.status != http.StatusSeeOther {
		t.Fatalf("every partner: %d\n%s", all.status, all.body)
	}
	withFigures := between(viewer.get("/newsletter").body, "Every partner with figures (", ")")
	viewer.follow(all).must(t, http.StatusOK, "of "+withFigures)

	// The list narrows to a search.
	narrowed := viewer.get("/newsletter?q=" + url.QueryEscape(partners[0].Name[:4]))
	if n := strings.Count(narrowed.body, `name="partner_id"`); n == 0 || n >= len(partners) {
		t.Errorf("a search for %q lists %d of %d partners", partners[0].Name[:4], n, len(partners))
	}

	// Three partners in Spanish.
	chosen := url.Values{"lang": {"es"}}
	for _, pt := range partners[:3] {
		chosen.Add("partner_id", strconv.FormatInt(pt.ID, 10))
	}
	p = viewer.post("/newsletter", chosen)
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/newsletter/") {
		t.Fatalf("start: %d %q\n%s", p.status, p.location, p.body)
	}
	job := p.location
	done := waitForJob(t, viewer, job).must(t, http.StatusOK, "Done: 3 of 3 sheets.", `href="`+job+`/download"`)
	if strings.Contains(done.body, "could not be made") {
		t.Fatal(done.body)
	}

	dl := viewer.get(job+"/download").must(t, http.StatusOK)
	if ct := dl.header.Get("Content-Type"); ct != "application/zip" {
		t.Errorf("Content-Type %q", ct)
	}
	if cd := dl.header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, ".zip") {
		t.Errorf("Content-Disposition %q", cd)
	}
	zr, err := zip.NewReader(bytes.NewReader([]byte(dl.body)), int64(len(dl.body)))
	if err != nil {
		t.Fatal(err)
	}
	if len(zr.File) != 3 {
		t.Fatalf("%d files in the zip, want 3", len(zr.File))
	}
	for _, f := range zr.File {
		if !strings.HasSuffix(f.Name, "-es.pdf") {
			t.Errorf("file %s is not a Spanish PDF", f.Name)
		}
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(r)
		r.Close()
		if err != nil || !bytes.HasPrefix(b, []byte("%PDF-")) {
			t.Errorf("%s is not a PDF (%v)", f.Name, err)
		}
	}

	// The form lists the job, for its owner only.
	viewer.get("/newsletter").must(t, http.StatusOK, `href="`+job+`"`, "3 sheets in ES")
	other := e.signIn(user.Manager)
	other.get(job).must(t, http.StatusNotFound)
	other.get(job+"/download").must(t, http.StatusNotFound)
	if strings.Contains(other.get("/newsletter").body, job) {
		t.Error("another user's job is listed")
	}
	viewer.get("/newsletter/no-such-job").must(t, http.StatusNotFound)
}

func TestNewsletterJobFailure(t *testing.T) {
	e := newEnv(t)
	e.loadDemo()
	partners, err := e.deps.Partners.List(context.Background(), partner.Filter{})
	if err != nil || len(partners) == 0 {
		t.Fatal(err)
	}
	c := e.signIn(user.Manager)
	c.get("/newsletter")
	// No partner has figures for 1950: the job fails and says why.
	p := c.post("/newsletter", url.Values{"partner_id": {strconv.FormatInt(partners[0].ID, 10)}, "from": {"1950"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("start: %d\n%s", p.status, p.body)
	}
	waitForJob(t, c, p.location).must(t, http.StatusOK, "could not be made", "has no figures for 1950")
	c.get(p.location+"/download").must(t, http.StatusConflict)
}
