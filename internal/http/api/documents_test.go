package api_test

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"cartera/internal/demo"
	"cartera/internal/partner"
	"cartera/internal/platform/pdftest"
	"cartera/internal/user"
)

// demoIDs loads the demo data through the env's services and returns the partners' ids
// by name.
func (e *env) demoIDs() map[string]int64 {
	e.t.Helper()
	ctx := context.Background()
	if _, err := demo.Load(ctx, e.services); err != nil {
		e.t.Fatal(err)
	}
	ps, err := e.services.Partners.List(ctx, partner.Filter{})
	if err != nil {
		e.t.Fatal(err)
	}
	ids := map[string]int64{}
	for _, p := range ps {
		ids[p.Name] = p.ID
	}
	return ids
}

func assertPDF(t *testing.T, r response, fileName string) {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status = %d, want 200; body %.300s", r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/pdf" {
		t.Errorf("Content-Type = %q, want application/pdf", ct)
	}
	if cd, want := r.header.Get("Content-Disposition"), fmt.Sprintf("attachment; filename=%q", fileName); cd != want {
		t.Errorf("Content-Disposition = %q, want %q", cd, want)
	}
	if !bytes.HasPrefix(r.body, []byte("%PDF-")) {
		t.Errorf("the body is not a PDF: %.20q", r.body)
	}
}

func TestProfileAndFactSheetFromTheDemoData(t *testing.T) {
	e := newEnv(t)
	ids := e.demoIDs()
	adra, impro, proMujer := ids["ADRA Peru"], ids["Impro"], ids["Pro Mujer Bolivia"]

	// ADRA Peru on the rating report's date, in French, by a viewer (reading is enough).
	r := e.do(user.Viewer, "GET", fmt.Sprintf("/api/v1/partners/%d/profile.pdf?lang=fr&as_of=2003-06-30", adra), nil)
	assertPDF(t, r, "adra-peru-profile-2003-06-30-fr.pdf")
	pdftest.Reads(t, r.body, [][]string{
		{"Portefeuille brut", "246", "221", "457", "612"},
		{"Clients actifs", "2 919", "3 733", "4 619", "5 688"},
		{"Ratio de charges d’exploitation", "95,5 %", "103,6 %", "98,2 %", "82,1 %"},
		{"Au 30 juin 2003"},
		{"5 partenaires en Amérique latine avec des chiffres pour juin 2003"},
		{"Rentabilité des fonds propres", "rang 5 sur 5"},
		{"Le fonds n’a accordé aucun prêt à ce partenaire."}, // its loan came years later
		{"Demo Impact Fund", "Page 2 sur 2"},
	}, nil)
	pdftest.RenderPages(t, r.body, 2, 210, 297)

	// Pro Mujer today, in Spanish: its current BOB loan, with its next due date.
	r = e.do(user.Manager, "GET", fmt.Sprintf("/api/v1/partners/%d/profile.pdf?lang=es", proMujer), nil)
	if r.status != http.StatusOK {
		t.Fatalf("Pro Mujer profile: %d %s", r.status, r.body)
	}
	pdftest.Reads(t, r.body, [][]string{{"PMB-BOB-01", "3.480.000", "3.480.000"}, {"BOB · vigente"}, {"Cartera bruta", "3.505", "3.664", "4.682"}}, nil)

	// Impro's fact sheet: the seed article's years by default.
	r = e.do(user.Viewer, "GET", fmt.Sprintf("/api/v1/partners/%d/factsheet.pdf?lang=fr", impro), nil)
	assertPDF(t, r, "impro-factsheet-2010-2014-fr.pdf")
	pdftest.Reads(t, r.body, [][]string{
		{"Données sur Impro"},
		{"Dernier crédit de Demo Impact", "400 000 USD (2014)"},
		{"Portefeuille", "1 million de dollars", "3,1 millions de dollars"},
		{"Nombre de clients", "1 700", "2 503"},
		{"Prêt moyen", "627 USD", "1 304 USD"},
		{"Crédit de Demo Impact Fund", "75 000 USD", "400 000 USD"},
	}, nil)
	pdftest.RenderPages(t, r.body, 1, 148, 210)

	// The same two years asked for explicitly, in English.
	r = e.do(user.Viewer, "GET", fmt.Sprintf("/api/v1/partners/%d/factsheet.pdf?lang=en&from=2010&to=2014", impro), nil)
	assertPDF(t, r, "impro-factsheet-2010-2014-en.pdf")
	pdftest.Reads(t, r.body, [][]string{{"Portfolio", "US$ 1 million", "US$ 3.1 million"}}, nil)
}

func TestDocumentsRefuseBadInput(t *testing.T) {
	e := newEnv(t)
	ids := e.demoIDs()
	impro := ids["Impro"]
	bare := e.partnerID("Sin Cifras", "GT")
	cases := []struct {
		path   string
		status int
		fields []string
	}{
		{"/api/v1/partners/99999/profile.pdf", http.StatusNotFound, nil},
		{"/api/v1/partners/99999/factsheet.pdf", http.StatusNotFound, nil},
		{"/api/v1/partners/abc/profile.pdf", http.StatusNotFound, nil},
		{fmt.Sprintf("/api/v1/partners/%d/profile.pdf?lang=de", impro), http.StatusUnprocessableEntity, []string{"lang"}},
		{fmt.Sprintf("/api/v1/partners/%d/profile.pdf?as_of=yesterday&lang=xx", impro), http.StatusUnprocessableEntity, []string{"lang", "as_of"}},
		{fmt.Sprintf("/api/v1/partners/%d/factsheet.pdf?lang=de", impro), http.StatusUnprocessableEntity, []string{"lang"}},
		{fmt.Sprintf("/api/v1/partners/%d/factsheet.pdf?from=2014&to=2010", impro), http.StatusUnprocessableEntity, []string{"from"}},
		{fmt.Sprintf("/api/v1/partners/%d/factsheet.pdf?from=2011", impro), http.StatusUnprocessableEntity, []string{"from"}},
		{fmt.Sprintf("/api/v1/partners/%d/factsheet.pdf?from=2010&to=2030", impro), http.StatusUnprocessableEntity, []string{"to"}},
		{fmt.Sprintf("/api/v1/partners/%d/factsheet.pdf?from=twenty", impro), http.StatusUnprocessableEntity, []string{"from"}},
		{fmt.Sprintf("/api/v1/partners/%d/factsheet.pdf?to=2014", bare), http.StatusUnprocessableEntity, []string{"to"}},
		{"/api/v1/factsheets.zip?lang=it", http.StatusUnprocessableEntity, []string{"lang"}},
		{"/api/v1/factsheets.zip?partner_id=abc", http.StatusUnprocessableEntity, []string{"partner_id"}},
		{"/api/v1/factsheets.zip?partner_id=99999", http.StatusUnprocessableEntity, []string{"partner_id"}},
	}
	for _, c := range cases {
		t.Run(c.path, func(t *testing.T) {
			assertProblem(t, e.do(user.Viewer, "GET", c.path, nil), c.status, c.fields...)
		})
	}
	r := e.do(user.Viewer, "GET", fmt.Sprintf("/api/v1/partners/%d/factsheet.pdf?from=2011", impro), nil)
	if !strings.Contains(string(r.body), "Impro has no figures for 2011; it has figures for 2010, 2014") {
		t.Errorf("the problem should name the years there are: %s", r.body)
	}
	if r := e.do("", "GET", fmt.Sprintf("/api/v1/partners/%d/profile.pdf", impro), nil); r.status != http.StatusUnauthorized {
		t.Errorf("without a token: %d, want 401", r.status)
	}
	// A partner with nothing recorded still gets both documents.
	r = e.do(user.Viewer, "GET", fmt.Sprintf("/api/v1/partners/%d/profile.pdf", bare), nil)
	if r.status != http.StatusOK || !strings.Contains(pdftest.Text(t, r.body, false), "The fund has no loans to this partner.") {
		t.Errorf("profile of a bare partner: %d", r.status)
	}
	r = e.do(user.Viewer, "GET", fmt.Sprintf("/api/v1/partners/%d/factsheet.pdf", bare), nil)
	assertPDF(t, r, "sin-cifras-factsheet-en.pdf")
}

func TestFactSheetsZip(t *testing.T) {
	e := newEnv(t)
	ids := e.demoIDs()
	open := func(r response) []string {
		t.Helper()
		if r.status != http.StatusOK || r.header.Get("Content-Type") != "application/zip" {
			t.Fatalf("zip: %d %s %.200s", r.status, r.header.Get("Content-Type"), r.body)
		}
		zr, err := zip.NewReader(bytes.NewReader(r.body), int64(len(r.body)))
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, f := range zr.File {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			_, _ = b.ReadFrom(rc)
			rc.Close()
			if !bytes.HasPrefix(b.Bytes(), []byte("%PDF-")) {
				t.Errorf("%s is not a PDF", f.Name)
			}
			names = append(names, f.Name)
		}
		return names
	}
	r := e.do(user.Viewer, "GET", fmt.Sprintf("/api/v1/factsheets.zip?lang=es&partner_id=%d,%d", ids["Impro"], ids["ADRA Peru"]), nil)
	if cd := r.header.Get("Content-Disposition"); cd != `attachment; filename="factsheets-es.zip"` {
		t.Errorf("Content-Disposition = %q", cd)
	}
	if got, want := open(r), []string{"impro-factsheet-2010-2014-es.pdf", "adra-peru-factsheet-2001-2003-es.pdf"}; !slices.Equal(got, want) {
		t.Errorf("entries = %v, want %v (in the order named)", got, want)
	}
	all := open(e.do(user.Viewer, "GET", "/api/v1/factsheets.zip?lang=fr", nil))
	if len(all) != len(ids) {
		t.Errorf("every partner: %d entries for %d partners: %v", len(all), len(ids), all)
	}
	if !slices.IsSorted(all) {
		t.Errorf("the partners should come by name: %v", all)
	}
}
