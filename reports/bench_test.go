package reports

import (
	"context"
	"fmt"
	"html/template"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"cartera/internal/kpi"
)

// Targets (docs/PERFORMANCE.md): profile < 10 ms, fact sheet < 5 ms, data in memory.

// asTheServiceRuns sets the GOGC cartera runs with (400, cmd/cartera's serveGCPercent)
// for one benchmark, unless GOGC is set in the environment: run with GOGC=100 for Go's
// default. Rendering allocates several megabytes per document inside fpdf (the parsed
// font's tables, a zlib writer per stream); with a small live heap, GOGC=100 collects
// once or twice per document.
func asTheServiceRuns(b *testing.B) {
	if os.Getenv("GOGC") == "" {
		old := debug.SetGCPercent(400)
		b.Cleanup(func() { debug.SetGCPercent(old) })
	}
}

func BenchmarkRenderProfile(b *testing.B) {
	asTheServiceRuns(b)
	p := adraProfile(French)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := RenderProfile(p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRenderFactSheet(b *testing.B) {
	asTheServiceRuns(b)
	f := improFactSheet(French)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := RenderFactSheet(f); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkProfileVsChromium renders the same profile three ways in one run: fpdf;
// the profile as HTML printed by `chromium --headless --print-to-pdf` (a cold browser
// per document, what a shell-out does); and the HTML printed by a warm browser kept
// open through chromedp. It reports each in ms per document and Chromium's times as
// multiples of fpdf's.
func BenchmarkProfileVsChromium(b *testing.B) {
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		b.Skip("chromium is not installed (apt-get install chromium): no baseline")
	}
	asTheServiceRuns(b)
	p := adraProfile(English)
	dir := b.TempDir()
	page := filepath.Join(dir, "profile.html")
	writeHTML := func() {
		html, err := profileHTML(p)
		if err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(page, html, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	flags := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--no-first-run"}

	ctx, cancel := chromedp.NewExecAllocator(context.Background(), chromedp.ExecPath(chromium), chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.Headless, chromedp.UserDataDir(filepath.Join(dir, "warm-profile")))
	defer cancel()
	ctx, cancelTab := chromedp.NewContext(ctx)
	defer cancelTab()
	printWarm := func() []byte {
		writeHTML()
		if err := chromedp.Do(ctx, chromedp.Navigate("file://"+page)); err != nil {
			b.Fatal(err)
		}
		pdf, err := chromedp.Run(ctx, chromedp.PrintToPDF(chromedp.PDFPaper(chromedp.PaperA4), chromedp.PDFPrintBackground()))
		if err != nil {
			b.Fatal(err)
		}
		return pdf
	}
	printWarm() // start the browser: what "warm" means

	const rounds = 3
	var fpdfTime, cliTime, warmTime time.Duration
	for b.Loop() {
		start := time.Now()
		for range 10 * rounds {
			if _, err := RenderProfile(p); err != nil {
				b.Fatal(err)
			}
		}
		fpdfTime += time.Since(start) / 10

		start = time.Now()
		for i := range rounds {
			writeHTML()
			out := filepath.Join(dir, fmt.Sprintf("cli-%d.pdf", i))
			cmd := exec.Command(chromium, append(flags, "--user-data-dir="+filepath.Join(dir, fmt.Sprintf("cold-%d", i)),
				"--no-pdf-header-footer", "--print-to-pdf="+out, "file://"+page)...)
			if outp, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("chromium --print-to-pdf: %v\n%s", err, outp)
			}
		}
		cliTime += time.Since(start)

		start = time.Now()
		for range rounds {
			printWarm()
		}
		warmTime += time.Since(start)
	}
	n := float64(b.N * rounds)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / n }
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(ms(fpdfTime), "fpdf-ms")
	b.ReportMetric(ms(cliTime), "chromium-cli-ms")
	b.ReportMetric(ms(warmTime), "chromedp-warm-ms")
	b.ReportMetric(ms(cliTime)/ms(fpdfTime), "cli/fpdf")
	b.ReportMetric(ms(warmTime)/ms(fpdfTime), "warm/fpdf")
}

// profileHTML is the profile as a web page: the same view model, labels and number
// formats, charts as inline SVG, two A4 pages. It exists only as the benchmark's
// baseline.
func profileHTML(p Profile) ([]byte, error) {
	d := newDoc("A4", p.Lang, "", p.Fund, p.AsOf) // for its locale and table rows
	r := profileRenderer{doc: d, p: p}
	l := p.Lang
	var rows [][]string
	for _, n := range []kpi.Name{kpi.GLPGrowth, kpi.AverageLoanBalance, kpi.ROE, kpi.OperatingExpenseRatio, kpi.PAR30Ratio,
		kpi.ClientsPerLoanOfficer, kpi.ClientsPerStaff, kpi.PortfolioYield} {
		row := []string{ratioLabels[n].in(l)}
		for _, per := range p.Periods {
			row = append(row, r.ratio(per, n))
		}
		rows = append(rows, row)
	}
	var bars strings.Builder
	for i, per := range p.Periods {
		if v := floatOf(per.GrossLoanPortfolio, 1000); v != nil {
			h := *v / 800 * 150
			fmt.Fprintf(&bars, `<rect x="%d" y="%.1f" width="40" height="%.1f" fill="#174f60"/>`, 20+i*70, 160-h, h)
		}
	}
	var peers strings.Builder
	for _, pr := range p.Peers.Ratios {
		fmt.Fprintf(&peers, `<tr><td>%s</td><td><svg width="300" height="14"><line x1="0" y1="7" x2="300" y2="7" stroke="#6c757d"/>`+
			`<rect x="80" y="2" width="120" height="10" fill="#dde4ea" stroke="#6c757d"/><circle cx="150" cy="7" r="5" fill="#2e7d32"/></svg></td><td>%s</td></tr>`,
			template.HTMLEscapeString(ratioLabels[pr.Name].in(l)), template.HTMLEscapeString(r.formatRatio(pr.Name, *pr.Value)))
	}
	data := map[string]any{
		"Name": p.Partner.Name, "Facts": r.loc.Country(p.Partner.Country) + " · " + label(legalStatusLabels, p.Partner.LegalStatus, l),
		"AsOf": fmt.Sprintf(lblAsOf.in(l), r.loc.Date(p.AsOf)), "Periods": r.periodColumns(), "Rows": rows,
		"Bars": template.HTML(bars.String()), "Peers": template.HTML(peers.String()),
		"Loans": p.Loans, "Description": p.Partner.Description, "Strengths": strings.Split(p.Partner.Strengths, "\n"),
		"Risks": strings.Split(p.Partner.Risks, "\n"), "Fund": p.Fund,
	}
	var out strings.Builder
	err := profileTemplate.Execute(&out, data)
	return []byte(out.String()), err
}

var profileTemplate = template.Must(template.New("profile").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>{{.Name}}</title><style>
@page { size: A4; margin: 15mm }
body { font-family: sans-serif; font-size: 9pt; color: #212529 }
h1 { color: #174f60; font-size: 17pt; margin: 0 } h2 { color: #174f60; font-size: 11pt; border-bottom: 1px solid #174f60 }
table { width: 100%; border-collapse: collapse } td, th { padding: 2px 4px; text-align: right } td:first-child, th:first-child { text-align: left }
tr:nth-child(even) { background: #fafbfc } .page2 { break-before: page }
</style></head><body>
<h1>{{.Name}}</h1><p>{{.Facts}}<br>{{.AsOf}}</p>
<h2>Headline figures</h2>
<table><tr><th></th>{{range .Periods}}<th>{{.}}</th>{{end}}</tr>
{{range .Rows}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>{{end}}</table>
<svg width="320" height="180">{{.Bars}}</svg>
<h2>Position among peers</h2><table>{{.Peers}}</table>
<div class="page2"><h2>The fund's loans</h2>
<table><tr><th>Loan</th><th>Committed</th><th>Disbursed</th><th>Outstanding</th><th>Days past due</th></tr>
{{range .Loans}}<tr><td>{{.Reference}}</td><td>{{.Committed}}</td><td>{{.Disbursed}}</td><td>{{.Outstanding}}</td><td>{{.DaysPastDue}}</td></tr>{{end}}</table>
<h2>Description</h2><p>{{.Description}}</p>
<h2>Strengths</h2><ul>{{range .Strengths}}<li>{{.}}</li>{{end}}</ul>
<h2>Risks</h2><ul>{{range .Risks}}<li>{{.}}</li>{{end}}</ul>
<p>{{.Fund}}</p></div>
</body></html>`))
