// Package pdftest reads PDFs back for tests, with poppler's tools (Debian's
// poppler-utils) as a reader's viewer would: text, page count, rendered pages.
package pdftest

import (
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The checks read the PDFs back with poppler's tools, as a reader's viewer would.

// Require skips without the tool, but fails in CI, where .ci/run installs it.
func Require(t testing.TB, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is missing (apt-get install poppler-utils); CI must read the PDFs back", name)
		}
		t.Skipf("%s is missing (apt-get install poppler-utils): PDFs not read back", name)
	}
}

func writeTemp(t testing.TB, pdf []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(path, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// Text is the document's text as pdftotext reads it; layout keeps a table's row on
// one line, so a row's label and values can be checked together.
func Text(t testing.TB, pdf []byte, layout bool) string {
	t.Helper()
	Require(t, "pdftotext")
	args := []string{"-enc", "UTF-8"}
	if layout {
		args = append(args, "-layout")
	}
	out, err := exec.Command("pdftotext", append(args, writeTemp(t, pdf), "-")...).Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

// Pages asks pdfinfo, which parses the whole file.
func Pages(t testing.TB, pdf []byte) int {
	t.Helper()
	Require(t, "pdfinfo")
	out, err := exec.Command("pdfinfo", writeTemp(t, pdf)).CombinedOutput()
	if err != nil {
		t.Fatalf("pdfinfo: %v\n%s", err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(line, "Pages:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(v))
			return n
		}
	}
	t.Fatalf("pdfinfo gave no page count:\n%s", out)
	return 0
}

// RenderPages rasterizes every page and checks each is an A-size page with ink on it.
func RenderPages(t testing.TB, pdf []byte, wantPages int, widthMM, heightMM float64) {
	t.Helper()
	Require(t, "pdftoppm")
	dir := t.TempDir()
	if out, err := exec.Command("pdftoppm", "-r", "36", "-png", writeTemp(t, pdf), filepath.Join(dir, "page")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "page*.png"))
	if len(files) != wantPages {
		t.Fatalf("pdftoppm rendered %d pages, want %d", len(files), wantPages)
	}
	for _, f := range files {
		img := decodePNG(t, f)
		b := img.Bounds()
		// 36 dpi: a millimetre is 36/25.4 pixels.
		if w, h := float64(b.Dx())*25.4/36, float64(b.Dy())*25.4/36; abs(w-widthMM) > 2 || abs(h-heightMM) > 2 {
			t.Errorf("%s is %.0f × %.0f mm, want %.0f × %.0f", filepath.Base(f), w, h, widthMM, heightMM)
		}
		if ink := inkShare(img); ink < 0.01 {
			t.Errorf("%s is blank (%.3f%% ink)", filepath.Base(f), ink*100)
		}
	}
}

func decodePNG(t testing.TB, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
}

// inkShare is the share of pixels that are not white.
func inkShare(img image.Image) float64 {
	b := img.Bounds()
	ink := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r < 0xF000 || g < 0xF000 || bl < 0xF000 {
				ink++
			}
		}
	}
	return float64(ink) / float64(b.Dx()*b.Dy())
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}

// HasLine reports whether one line of layout text holds all the parts, in order.
func HasLine(text string, parts ...string) bool {
	for _, line := range strings.Split(text, "\n") {
		rest, ok := line, true
		for _, p := range parts {
			i := strings.Index(rest, p)
			if i < 0 {
				ok = false
				break
			}
			rest = rest[i+len(p):]
		}
		if ok {
			return true
		}
	}
	return false
}

// PlainSpaces turns the no-break spaces of French and Spanish numbers into plain
// ones, so tests can be written readably; that they are no-break is the locale tests'.
func PlainSpaces(s string) string {
	return strings.NewReplacer("\u00a0", " ", "\u202f", " ").Replace(s)
}

// Reads checks a document's text: each row must read on one line of the laid-out text,
// its parts in order, and each text must appear in the running text (spaces collapsed).
// No-break spaces count as plain ones in both.
func Reads(t testing.TB, pdf []byte, rows [][]string, texts []string) {
	t.Helper()
	layout := PlainSpaces(Text(t, pdf, true))
	for _, row := range rows {
		if !HasLine(layout, row...) {
			t.Errorf("no line reads %q in:\n%s", row, layout)
		}
	}
	if len(texts) == 0 {
		return
	}
	flat := strings.Join(strings.Fields(PlainSpaces(Text(t, pdf, false))), " ")
	for _, s := range texts {
		if !strings.Contains(flat, s) {
			t.Errorf("%q missing from the text:\n%s", s, flat)
		}
	}
}
