package reports

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"cartera/internal/kpi"
	"cartera/internal/platform/pdftest"
)

var update = flag.Bool("update", false, "rewrite the golden PDFs under testdata/golden")

func TestProfileReadsBackInEachLanguage(t *testing.T) {
	cases := []struct {
		lang Lang
		// rows of the headline table: the label, then the four periods
		rows [][]string
		// text that must appear somewhere
		texts []string
	}{
		{English, [][]string{
			{"Gross loan portfolio", "246", "221", "457", "612"},
			{"Active clients", "2,919", "3,733", "4,619", "5,688"},
			{"Total assets", "559", "646", "693", "1,095"},
			{"Net income", "−111", "−13", "−136", "−5"},
			{"Operating expense ratio", "82.1%"},
			{"Portfolio yield", "74.9%"},
			{"Dec 2001", "Jun 2002", "Dec 2002", "Jun 2003"},
			{"ADRA-PEN-01", "1,100,000", "1,100,000", "962,500", "31 Dec 2003"},
		}, []string{"ADRA Peru", "Peru · NGO · village banking", "As of 30 June 2003", "amounts in US$ '000",
			"Position among peers", "5 partners in Latin America with figures for Jun 2003", "rank 1 of 5",
			"The fund's loans to ADRA Peru", "Strengths", "Risks", "No access to commercial funding.", "Page 1 of 2", "Cartera Demo Fund"}},
		{French, [][]string{
			{"Portefeuille brut", "246", "221", "457", "612"},
			{"Clients actifs", "2 919", "3 733", "4 619", "5 688"},
			{"Total de l’actif", "559", "646", "693", "1 095"},
			{"Ratio de charges d’exploitation", "82,1 %"},
			{"déc. 2001", "juin 2002", "déc. 2002", "juin 2003"},
			{"ADRA-PEN-01", "1 100 000", "962 500", "31 déc. 2003"},
		}, []string{"Pérou · ONG · banques villageoises", "Au 30 juin 2003", "montants en milliers de US$",
			"Position parmi les pairs", "Rentabilité des fonds propres", "Les prêts du fonds à ADRA Peru", "Points forts",
			"Page 1 sur 2", "Page 2 sur 2"}},
		{Spanish, [][]string{
			{"Cartera bruta", "246", "221", "457", "612"},
			{"Número de clientes", "2.919", "3.733", "4.619", "5.688"},
			{"Activo total", "559", "646", "693", "1.095"},
			{"Gastos operativos / cartera bruta promedio", "82,1 %"},
			{"dic. 2001", "jun. 2002", "dic. 2002", "jun. 2003"},
		}, []string{"Perú · ONG · bancos comunales", "Al 30 de junio de 2003", "montos en miles de US$",
			"Posición frente a instituciones similares", "Préstamos del fondo a ADRA Peru", "Descripción", "Fortalezas", "Riesgos",
			"Página 2 de 2"}},
	}
	for _, c := range cases {
		t.Run(string(c.lang), func(t *testing.T) {
			pdf, err := RenderProfile(adraProfile(c.lang))
			if err != nil {
				t.Fatal(err)
			}
			pdftest.Reads(t, pdf, c.rows, c.texts)
			if n := pdftest.Pages(t, pdf); n != 2 {
				t.Errorf("the profile has %d pages, want 2", n)
			}
			pdftest.RenderPages(t, pdf, 2, 210, 297)
		})
	}
}

func TestFactSheetReadsBackAsTheSeedArticle(t *testing.T) {
	cases := []struct {
		lang  Lang
		rows  [][]string
		texts []string
	}{
		{French, [][]string{
			{"Situation Impro"},
			{"en 2010", "en 2014"},
			{"Portefeuille", "1 million de dollars", "3,1 millions de dollars"},
			{"Nombre de clients", "1 700", "2 503"},
			{"Prêt moyen", "627 USD", "1 304 USD"},
			{"Crédit de Cartera Demo Fund", "75 000 USD", "400 000 USD"},
			{"Date de création", "1995"},
			{"Statut légal", "ONG"},
			{"Partenaire depuis", "2010"},
			{"Région", "Altiplano, El Alto and near Lake Titicaca"},
			{"400 000 USD (2014)"},
		}, []string{"Données sur Impro", "Bolivie · ONG", "Source : rapports financiers du partenaire ; prêts selon Cartera Demo Fund.", "Portefeuille par année (millions de dollars)", "Page 1 sur 1", "Au 30 juin 2014"}},
		{English, [][]string{
			{"Impro then and now"},
			{"in 2010", "in 2014"},
			{"Portfolio", "US$ 1 million", "US$ 3.1 million"},
			{"Clients", "1,700", "2,503"},
			{"Average loan", "US$ 627", "US$ 1,304"},
			{"Credit from Cartera Demo Fund", "US$ 75,000", "US$ 400,000"},
			{"Founded", "1995"},
		}, []string{"Data on Impro", "Bolivia · NGO", "Portfolio by year (US$ million)", "Page 1 of 1"}},
		{Spanish, [][]string{
			{"Cartera", "US$ 1 millón", "US$ 3,1 millones"},
			{"Número de clientes", "1.700", "2.503"},
			{"Préstamo promedio", "US$ 627", "US$ 1.304"},
			{"Crédito de Cartera Demo Fund", "US$ 75.000", "US$ 400.000"},
			{"Fundación", "1995"},
		}, []string{"Datos de Impro", "Bolivia · ONG", "Cartera por año (millones de US$)", "Página 1 de 1"}},
	}
	for _, c := range cases {
		t.Run(string(c.lang), func(t *testing.T) {
			pdf, err := RenderFactSheet(improFactSheet(c.lang))
			if err != nil {
				t.Fatal(err)
			}
			pdftest.Reads(t, pdf, c.rows, c.texts)
			pdftest.RenderPages(t, pdf, 1, 148, 210) // half an A4
		})
	}
}

func TestAPartnerWithNothingYetStillGetsCorrectDocuments(t *testing.T) {
	want := map[Lang][]string{
		English: {"No financial figures have been reported for this partner as of 22 November 2026.", "The fund has no loans to this partner.",
			"Guatemala · Cooperative", "Not recorded.", "No financial figures reported yet."},
		French: {"Aucun chiffre financier n’a été communiqué pour ce partenaire au 22 novembre 2026.", "Le fonds n’a accordé aucun prêt à ce partenaire.",
			"Guatemala · Coopérative", "Non renseigné.", "Aucun chiffre financier communiqué à ce jour."},
		Spanish: {"No se han reportado cifras financieras de este socio al 22 de noviembre de 2026.", "El fondo no tiene préstamos con este socio.",
			"Guatemala · Cooperativa", "Sin información.", "Aún no hay cifras financieras reportadas."},
	}
	for _, lang := range Langs {
		profile, sheet := bare(lang)
		p, err := RenderProfile(profile)
		if err != nil {
			t.Fatal(err)
		}
		f, err := RenderFactSheet(sheet)
		if err != nil {
			t.Fatal(err)
		}
		text := strings.Join(strings.Fields(pdftest.PlainSpaces(pdftest.Text(t, p, false)+pdftest.Text(t, f, false))), " ")
		for _, s := range want[lang] {
			if !strings.Contains(text, s) {
				t.Errorf("%s: %q missing from:\n%s", lang, s, text)
			}
		}
		if layout := pdftest.PlainSpaces(pdftest.Text(t, f, true)); !pdftest.HasLine(layout, strings.Fields(lblLatestCredit.in(lang))[0], lblNone.in(lang)) {
			t.Errorf("%s: the box should say the fund has lent nothing yet:\n%s", lang, layout)
		}
		for _, s := range []string{"NaN", "Inf", "0001"} {
			if strings.Contains(text, s) {
				t.Errorf("%s: %q in a document with no figures", lang, s)
			}
		}
		pdftest.RenderPages(t, p, 2, 210, 297)
		pdftest.RenderPages(t, f, 1, 148, 210)
	}
}

// TestLongTextsWrapWithoutLosingAWord: a 200-character name and a 5,000-character
// description flow over lines and pages; every word comes back, whole and in order.
func TestLongTextsWrapWithoutLosingAWord(t *testing.T) {
	var name strings.Builder
	for i := 0; name.Len() < 200; i++ {
		fmt.Fprintf(&name, "Cooperativa%d de Ahorro y Crédito Señor de Mayo ", i)
	}
	longName := strings.TrimSpace(name.String()[:200])
	var desc strings.Builder
	for i := 0; desc.Len() < 5000; i++ {
		fmt.Fprintf(&desc, "Palabra%d équité ", i)
	}
	profile := adraProfile(French)
	profile.Partner.Name = longName
	profile.Partner.Description = desc.String()
	profile.Partner.Risks = strings.Repeat("Un risque très long qui se répète. ", 40)
	pdf, err := RenderProfile(profile)
	if err != nil {
		t.Fatal(err)
	}
	// The footer comes between the pages' texts: take it out, then words must run on.
	footer := regexp.MustCompile(`Cartera Demo Fund Page \d+ sur \d+ `)
	text := footer.ReplaceAllString(strings.Join(strings.Fields(pdftest.Text(t, pdf, false)), " "), "")
	for _, want := range []string{strings.Join(strings.Fields(longName), " "), strings.Join(strings.Fields(desc.String()), " ")} {
		if !strings.Contains(text, want) {
			t.Errorf("the text does not hold, whole and in order: %.80q…", want)
		}
	}
	pages := pdftest.Pages(t, pdf)
	if pages < 3 {
		t.Errorf("%d pages; the long description should flow onto a third", pages)
	}
	pdftest.RenderPages(t, pdf, pages, 210, 297)

	sheet := improFactSheet(Spanish)
	sheet.Partner.Name = longName
	sheet.Partner.Region = desc.String()[:480]
	fs, err := RenderFactSheet(sheet)
	if err != nil {
		t.Fatal(err)
	}
	text = strings.Join(strings.Fields(pdftest.Text(t, fs, false)), " ")
	if !strings.Contains(text, strings.Join(strings.Fields(longName), " ")) {
		t.Errorf("the fact sheet lost part of the long name")
	}
	pdftest.RenderPages(t, fs, pdftest.Pages(t, fs), 148, 210)
}

// TestDocumentsAreDeterministicAndMatchTheGoldenFiles: the same view model gives the
// same bytes (creation date = the document's date, catalog sorted), and those bytes
// are the reviewed ones under testdata/golden (go test ./reports -update rewrites
// them; look at them rendered before committing).
func TestDocumentsAreDeterministicAndMatchTheGoldenFiles(t *testing.T) {
	for _, lang := range Langs {
		docs := map[string]func() ([]byte, error){
			"profile-" + string(lang) + ".pdf":   func() ([]byte, error) { return RenderProfile(adraProfile(lang)) },
			"factsheet-" + string(lang) + ".pdf": func() ([]byte, error) { return RenderFactSheet(improFactSheet(lang)) },
		}
		for name, render := range docs {
			a, err := render()
			if err != nil {
				t.Fatal(err)
			}
			b, _ := render()
			if !bytes.Equal(a, b) {
				t.Errorf("%s: two renderings differ", name)
			}
			golden := filepath.Join("testdata", "golden", name)
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, a, 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v: run go test ./reports -update to write it, then check the PDF by eye", err)
			}
			if !bytes.Equal(a, want) {
				out := filepath.Join(t.TempDir(), name)
				_ = os.WriteFile(out, a, 0o644)
				t.Errorf("%s differs from its golden file (%d bytes, want %d); compare the rendered pages, then -update if the change is meant", name, len(a), len(want))
			}
		}
	}
}

// TestChartsFollowTheData: the chart's series are the periods' figures; a missing
// PAR30 leaves a gap instead of a zero.
func TestChartsFollowTheData(t *testing.T) {
	p := adraProfile(English)
	p.Periods = append([]kpi.Period(nil), p.Periods...)
	p.Periods[1].Ratios = map[kpi.Name]kpi.Ratio{} // nothing computable for Jun 2002
	pdf, err := RenderProfile(p)
	if err != nil {
		t.Fatal(err)
	}
	text := pdftest.PlainSpaces(pdftest.Text(t, pdf, true))
	if !pdftest.HasLine(text, "Operating expense ratio", "95.5%", "n/a", "98.2%", "82.1%") {
		t.Errorf("a period without ratios should read n/a:\n%s", text)
	}
}
