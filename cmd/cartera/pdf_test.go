package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"cartera/internal/platform/pdftest"
	"cartera/internal/platform/pgtest"
)

func TestPDFCommands(t *testing.T) {
	dsn := pgtest.NewDSN(t)
	db := "DATABASE_URL=" + dsn
	if res := runCartera(t, "", []string{"demo"}, db); res.code != 0 {
		t.Fatalf("demo: exit %d\n%s", res.code, res.stderr)
	}
	dir := t.TempDir()

	// A profile by partner name (any letter case), to a named file.
	file := filepath.Join(dir, "adra.pdf")
	res := runCartera(t, "", []string{"pdf", "profile", "--partner", "adra PERU", "--lang", "es", "--as-of", "2003-06-30", "-o", file}, db)
	if res.code != 0 || !strings.Contains(res.stdout, "wrote "+file) {
		t.Fatalf("pdf profile: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	pdf, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	text := pdftest.PlainSpaces(pdftest.Text(t, pdf, true))
	if !pdftest.HasLine(text, "Número de clientes", "2.919", "3.733", "4.619", "5.688") || !strings.Contains(text, "Al 30 de junio de 2003") {
		t.Errorf("the Spanish profile reads:\n%s", text)
	}

	// A fact sheet by id to standard output.
	res = runCartera(t, "", []string{"pdf", "factsheet", "--partner", "1", "--lang", "fr", "-o", "-"}, db)
	if res.code != 0 || !strings.HasPrefix(res.stdout, "%PDF-") {
		t.Fatalf("pdf factsheet to stdout: exit %d\n%.200s%s", res.code, res.stdout, res.stderr)
	}
	if text := pdftest.PlainSpaces(pdftest.Text(t, []byte(res.stdout), true)); !pdftest.HasLine(text, "Portefeuille", "1 million de dollars", "3,1 millions de dollars") {
		t.Errorf("the French fact sheet reads:\n%s", text)
	}

	// Every partner's fact sheet into a directory; not a terminal, so no progress bar.
	out := filepath.Join(dir, "sheets")
	res = runCartera(t, "", []string{"pdf", "factsheets", "--lang", "en", "--out", out}, db)
	if res.code != 0 || !strings.Contains(res.stdout, "wrote 6 fact sheets to "+out) || strings.Contains(res.stderr, "\r") {
		t.Fatalf("pdf factsheets: exit %d\n%s%q", res.code, res.stdout, res.stderr)
	}
	entries, _ := os.ReadDir(out)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Contains(names, "impro-factsheet-2010-2014-en.pdf") || len(names) != 6 {
		t.Errorf("files written: %v", names)
	}

	// Mistakes are said plainly, with exit 1 and nothing written.
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"pdf", "profile", "--partner", "Impr"}, `no partner is named "Impr"; did you mean "Impro"`},
		{[]string{"pdf", "profile", "--partner", "999"}, "999"},
		{[]string{"pdf", "profile"}, "--partner is required"},
		{[]string{"pdf", "profile", "--partner", "Impro", "--lang", "de"}, `--lang: "de" is not a report language`},
		{[]string{"pdf", "profile", "--partner", "Impro", "--as-of", "june"}, "--as-of"},
		{[]string{"pdf", "factsheet", "--partner", "Impro", "--from", "2011"}, "Impro has no figures for 2011; it has figures for 2010, 2014"},
		{[]string{"pdf", "factsheet", "--partner", "Impro", "--from", "2014", "--to", "2010"}, "2014 is after to (2010)"},
	} {
		res := runCartera(t, "", append(c.args, "-o", filepath.Join(dir, "never.pdf")), db)
		if res.code != 1 || !strings.Contains(res.stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want %q", c.args, res.code, res.stderr, c.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "never.pdf")); !os.IsNotExist(err) {
		t.Errorf("a failed command wrote its file")
	}
}

func TestProgressBarDrawsOneLineOnATerminal(t *testing.T) {
	var buf strings.Builder
	bar := &progressBar{w: &buf, active: true}
	bar.update(3, 6)
	bar.update(6, 6)
	bar.done()
	want := "\r[###############               ] 3/6\r[##############################] 6/6\n"
	if buf.String() != want {
		t.Errorf("progress bar drew %q, want %q", buf.String(), want)
	}
	buf.Reset()
	quiet := newProgressBar(&buf) // not a terminal
	quiet.update(1, 2)
	quiet.done()
	if buf.Len() != 0 {
		t.Errorf("off a terminal the bar should say nothing, said %q", buf.String())
	}
}
