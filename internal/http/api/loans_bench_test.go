package api_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/valyala/fasthttp"
)

// BenchmarkLoansListLarge measures GET /api/v1/loans on the large book (50,000 loans;
// see BenchmarkExposureByCountryLarge for CARTERA_BENCH_DSN), through the application's
// handler as the server runs it: the token check, the query, the JSON of a page of 100.
// Each case is a page a user asks for; "deep" is the page after the 40,000th loan.
//
//	CARTERA_BENCH_DSN="host=/tmp/cartera-large/postgres user=cartera dbname=cartera" \
//	    go test -run '^$' -bench LoansListLarge ./internal/http/api
func BenchmarkLoansListLarge(b *testing.B) {
	_, secret, fiberApp := largeBook(b)
	handler := fiberApp.Handler()
	var fctx fasthttp.RequestCtx
	get := func(b *testing.B, query string) {
		fctx.Request.Reset()
		fctx.Response.Reset()
		fctx.Request.SetRequestURI("/api/v1/loans?" + query)
		fctx.Request.Header.Set("Authorization", "Bearer "+secret)
		handler(&fctx)
		if fctx.Response.StatusCode() != http.StatusOK {
			b.Fatal(fctx.Response.StatusCode(), string(fctx.Response.Body()))
		}
	}
	cases := []struct{ name, query string }{
		{"first", ""},
		{"reference", "sort=reference"},
		{"partner", "sort=-partner"},
		{"outstanding", "sort=-outstanding"},
		{"maturity", "sort=maturity_on&status=active"},
		{"overdue", "overdue=true&sort=-outstanding"},
		{"restructured", "restructured=true"},
		{"maturing", "maturing_within=90&sort=maturity_on"},
		{"search", "q=bank&sort=reference"},
		{"currency", "currency=EUR&status=active,repaid"},
		{"partner_id", "partner_id=1500"},
		{"deep", "sort=committed"},
	}
	for _, c := range cases {
		query := c.query
		if c.name == "deep" {
			query = deepQuery(b, handler, secret, query, 40) // 40 pages of 1,000
		}
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				get(b, query)
			}
		})
	}
}

// deepQuery follows next through pages of query and returns the query of the page
// after them.
func deepQuery(b *testing.B, handler fasthttp.RequestHandler, secret, query string, pages int) string {
	b.Helper()
	var fctx fasthttp.RequestCtx
	q := query
	for range pages {
		fctx.Request.Reset()
		fctx.Response.Reset()
		fctx.Request.SetRequestURI("/api/v1/loans?limit=1000&" + q)
		fctx.Request.Header.Set("Authorization", "Bearer "+secret)
		handler(&fctx)
		var page struct{ Next string }
		if err := json.Unmarshal(fctx.Response.Body(), &page); err != nil || page.Next == "" {
			b.Fatal("the list ended early", err)
		}
		next := page.Next
		q = query + "&next=" + url.QueryEscape(next)
	}
	return q
}
