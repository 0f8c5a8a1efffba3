package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/term"

	"cartera/internal/cli"
	"cartera/internal/partner"
	"cartera/internal/platform/civil"
	"cartera/internal/publish"
	"cartera/reports"
)

// pdfFlags are the flags the pdf commands share.
type pdfFlags struct {
	cli.Common
	partner string
	lang    string
	out     string
}

func (f *pdfFlags) register(fs *flag.FlagSet, withPartner bool, outHelp string) {
	f.Common.Register(fs, "warn")
	if withPartner {
		fs.StringVar(&f.partner, "partner", "", "the partner: its id, or its exact name (any letter case)")
	}
	fs.StringVar(&f.lang, "lang", "en", "language: en, fr or es")
	fs.StringVar(&f.out, "o", "", outHelp)
}

func (f *pdfFlags) parse(fs *flag.FlagSet, args []string) (reports.Lang, error) {
	if err := cli.Parse(fs, args); err != nil {
		return "", err
	}
	lang, err := reports.ParseLang(f.lang)
	if err != nil {
		return "", fmt.Errorf("--lang: %w", err)
	}
	return lang, nil
}

func runPDFProfile(ctx context.Context, args []string, stdio cli.Stdio) error {
	var f pdfFlags
	var asOf string
	fs := cli.NewFlags("cartera pdf profile", "Render a partner's profile for the credit committee (PDF, A4): figures over the last four "+
		"periods, charts, position among peers, the fund's loans, description, strengths and risks.", stdio.Err)
	f.register(fs, true, "file to write (default: the document's own name in the current directory; - for standard output)")
	fs.StringVar(&asOf, "as-of", "", "the profile's date, YYYY-MM-DD (default: today)")
	lang, err := f.parse(fs, args)
	if err != nil {
		return err
	}
	var date time.Time // zero: today, by the services' clock
	if asOf != "" {
		if date, err = civil.Parse(asOf); err != nil {
			return fmt.Errorf("--as-of: %w", err)
		}
	}
	return renderOne(ctx, &f, stdio, func(rt *cli.Runtime, id int64) (publish.Document, error) {
		if date.IsZero() {
			date = rt.Svc.Clock.Today()
		}
		return rt.Svc.Publish.Profile(ctx, id, lang, date)
	})
}

func runPDFFactSheet(ctx context.Context, args []string, stdio cli.Stdio) error {
	var f pdfFlags
	var years publish.Years
	fs := cli.NewFlags("cartera pdf factsheet", "Render a partner's newsletter fact sheet (PDF, half an A4): the data box, the "+
		"then-and-now table for two years and a chart of the portfolio by year.", stdio.Err)
	f.register(fs, true, "file to write (default: the document's own name in the current directory; - for standard output)")
	fs.IntVar(&years.From, "from", 0, "the earlier year compared (default: the partner's first year with figures)")
	fs.IntVar(&years.To, "to", 0, "the later year compared (default: its latest year with figures)")
	lang, err := f.parse(fs, args)
	if err != nil {
		return err
	}
	return renderOne(ctx, &f, stdio, func(rt *cli.Runtime, id int64) (publish.Document, error) {
		return rt.Svc.Publish.FactSheet(ctx, id, lang, years)
	})
}

// renderOne resolves --partner, renders one document and writes it where -o says.
func renderOne(ctx context.Context, f *pdfFlags, stdio cli.Stdio, render func(*cli.Runtime, int64) (publish.Document, error)) error {
	if strings.TrimSpace(f.partner) == "" {
		return errors.New("--partner is required (an id or the exact name)")
	}
	rt, err := f.Start(ctx, stdio.Err)
	if err != nil {
		return err
	}
	defer rt.Close()
	id, err := resolvePartner(ctx, rt.Svc.Partners, f.partner)
	if err != nil {
		return err
	}
	doc, err := render(rt, id)
	if err != nil {
		return err
	}
	if f.out == "-" {
		_, err := stdio.Out.Write(doc.Bytes)
		return err
	}
	path := f.out
	if path == "" {
		path = doc.FileName
	}
	if err := os.WriteFile(path, doc.Bytes, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdio.Out, "wrote %s (%d bytes)\n", path, len(doc.Bytes))
	return nil
}

// resolvePartner reads a partner id, or finds the partner of that exact name.
func resolvePartner(ctx context.Context, partners *partner.Service, s string) (int64, error) {
	s = strings.TrimSpace(s)
	if id, err := strconv.ParseInt(s, 10, 64); err == nil {
		if _, err := partners.Get(ctx, id); err != nil {
			return 0, err
		}
		return id, nil
	}
	refs, err := partners.Refs(ctx, partner.Filter{Query: s})
	if err != nil {
		return 0, err
	}
	var close []string
	for _, r := range refs {
		if strings.EqualFold(r.Name, s) {
			return r.ID, nil
		}
		close = append(close, fmt.Sprintf("%q (%d)", r.Name, r.ID))
	}
	if len(close) > 0 {
		return 0, fmt.Errorf("no partner is named %q; did you mean %s?", s, strings.Join(close, ", "))
	}
	return 0, fmt.Errorf("no partner is named %q", s)
}

func runPDFFactSheets(ctx context.Context, args []string, stdio cli.Stdio) error {
	var f pdfFlags
	var ids string
	fs := cli.NewFlags("cartera pdf factsheets", "Render the fact sheets of every partner (or those named) into a directory, one PDF each, "+
		"on every core, with a progress bar on a terminal.", stdio.Err)
	f.register(fs, false, "")
	fs.StringVar(&f.out, "out", "factsheets", "directory to write the PDFs into (created if missing)")
	fs.StringVar(&ids, "partners", "", "comma-separated partner ids or exact names (default: every partner)")
	lang, err := f.parse(fs, args)
	if err != nil {
		return err
	}
	tuneGC()
	rt, err := f.Start(ctx, stdio.Err)
	if err != nil {
		return err
	}
	defer rt.Close()
	batch := publish.Batch{Lang: lang}
	for _, s := range strings.Split(ids, ",") {
		if strings.TrimSpace(s) == "" {
			continue
		}
		id, err := resolvePartner(ctx, rt.Svc.Partners, s)
		if err != nil {
			return err
		}
		batch.PartnerIDs = append(batch.PartnerIDs, id)
	}
	if err := os.MkdirAll(f.out, 0o755); err != nil {
		return err
	}
	bar := newProgressBar(stdio.Err)
	seen := map[string]bool{}
	written := 0
	err = rt.Svc.Publish.FactSheets(ctx, batch, func(d publish.Document) error {
		written++
		return os.WriteFile(filepath.Join(f.out, uniqueFileName(seen, d.FileName)), d.Bytes, 0o644)
	}, bar.update)
	bar.done()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdio.Out, "wrote %d fact sheets to %s\n", written, f.out)
	return nil
}

// uniqueFileName is name, or name with a counter when two partners' names make the
// same file name.
func uniqueFileName(seen map[string]bool, name string) string {
	out := name
	for n := 2; seen[out]; n++ {
		out = fmt.Sprintf("%s-%d.pdf", strings.TrimSuffix(name, ".pdf"), n)
	}
	seen[out] = true
	return out
}

// progressBar redraws one line on a terminal; elsewhere (a pipe, a log file) it
// says nothing, so logs are not filled with carriage returns.
type progressBar struct {
	w      io.Writer
	active bool
}

func newProgressBar(w io.Writer) *progressBar {
	f, ok := w.(*os.File)
	return &progressBar{w: w, active: ok && term.IsTerminal(int(f.Fd()))}
}

func (p *progressBar) update(done, total int) {
	if !p.active || total == 0 {
		return
	}
	const width = 30
	filled := done * width / total
	fmt.Fprintf(p.w, "\r[%s%s] %d/%d", strings.Repeat("#", filled), strings.Repeat(" ", width-filled), done, total)
}

func (p *progressBar) done() {
	if p.active {
		fmt.Fprintln(p.w)
	}
}
