package api_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/govalues/decimal"
	"github.com/xuri/excelize/v2"

	"cartera/internal/audit"
	"cartera/internal/fund"
	"cartera/internal/platform/civil"
	"cartera/internal/user"
)

// listItem is a loan as the list shows it, with what its detail (a replay) says.
type listItem struct {
	ID                                                int64
	Reference, Partner, Status, Currency, Signed, Due string
	Committed, Outstanding                            decimal.Decimal
	PartnerID, FundID                                 int64
	// From GET /loans/{id}: the replay's arrears, restructuring and current maturity.
	Overdue, Restructured bool
	MaturityNow           string
}

// listBook is an env with three partners, two funds and loans of every status,
// currency and state the list filters by, all dated from today.
func listBook(t *testing.T) *env {
	t.Helper()
	e := newEnv(t)
	ctx := context.Background()
	funds, err := fund.NewService(ctx, e.conn, mustAudit(t, e), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range [][2]string{{"Test Fund", "USD"}, {"Second Fund", "EUR"}} {
		if _, err := funds.Create(ctx, audit.System("test"), f[0], f[1]); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []map[string]any{impro,
		{"name": "Pro Mujer", "country": "BO", "legal_status": "ngo"},
		{"name": "ADRA Peru", "country": "PE", "legal_status": "ngo"}} {
		if r := e.do(user.Manager, http.MethodPost, "/api/v1/partners", p); r.status != http.StatusCreated {
			t.Fatal(string(r.body))
		}
	}
	day := func(n int) string { return civil.Today().AddDate(0, 0, n).Format(civil.Layout) }
	mk := func(partner int, ref string, changes map[string]any) string {
		t.Helper()
		changes["reference"] = ref
		if changes["fund_id"] == nil {
			changes["fund_id"] = 1
		}
		r := e.do(user.Manager, http.MethodPost, fmt.Sprintf("/api/v1/partners/%d/loans", partner), newLoan(changes))
		if r.status != http.StatusCreated {
			t.Fatalf("create %s: %d %s", ref, r.status, r.body)
		}
		return r.header.Get("Location")
	}
	post := func(loanURL, what string, body map[string]any) {
		t.Helper()
		if r := e.do(user.Manager, http.MethodPost, loanURL+what, body); r.status != http.StatusCreated {
			t.Fatalf("POST %s%s: %d %s", loanURL, what, r.status, r.body)
		}
	}
	year := map[string]any{"signed_on": day(-400), "first_due_on": day(-370), "maturity_on": day(330)}
	// Late: disbursed, nothing repaid.
	late := mk(1, "IMP-01", copyMap(year))
	post(late, "/disbursements", map[string]any{"date": day(-400), "amount": "12000.00"})
	// Restructured: late, then its overdue amounts moved.
	moved := mk(1, "IMP-03", copyMap(year))
	post(moved, "/disbursements", map[string]any{"date": day(-400), "amount": "6000.00"})
	post(moved, "/reschedule", map[string]any{"date": day(-5), "maturity_on": day(800), "reason": "flood"})
	// Maturing in 20 days, in bolivianos.
	soon := mk(1, "IMP-02", map[string]any{"currency": "BOB", "signed_on": day(-60), "first_due_on": day(20), "maturity_on": day(20),
		"amortization": "bullet", "committed_amount": "70000.00"})
	post(soon, "/disbursements", map[string]any{"date": day(-60), "amount": "70000.00"})
	// Pipeline in the second fund, and one cancelled.
	mk(2, "PM-01", map[string]any{"fund_id": 2, "committed_amount": "250000.00", "signed_on": day(-3), "first_due_on": day(30), "maturity_on": day(400)})
	cancelled := mk(2, "pm-02", map[string]any{"signed_on": day(-20), "first_due_on": day(30), "maturity_on": day(400)})
	if r := e.do(user.Manager, http.MethodPost, cancelled+"/cancel", map[string]any{"reason": "entered twice"}); r.status != http.StatusOK {
		t.Fatal(string(r.body))
	}
	// Repaid, in soles; written off.
	repaid := mk(3, "ADRA-01", map[string]any{"currency": "PEN", "signed_on": day(-400), "first_due_on": day(-35), "maturity_on": day(-35),
		"amortization": "bullet", "committed_amount": "1000.00"})
	post(repaid, "/disbursements", map[string]any{"date": day(-400), "amount": "1000.00"})
	owed := e.do(user.Viewer, http.MethodGet, repaid+"/owed?date="+day(-35), nil).json(t)["total"].(string)
	post(repaid, "/repayments", map[string]any{"date": day(-35), "amount": owed})
	gone := mk(3, "ADRA-02", map[string]any{"signed_on": day(-300), "first_due_on": day(-270), "maturity_on": day(60)})
	post(gone, "/disbursements", map[string]any{"date": day(-300), "amount": "5000.00"})
	post(gone, "/writeoffs", map[string]any{"date": day(-10), "amount": "5000.00", "reason": "closed"})
	// Enough pipeline loans for several pages, with ties on every sort key.
	for i := range 14 {
		mk(1+i%3, fmt.Sprintf("BULK-%02d", i), map[string]any{"committed_amount": []string{"1000.00", "2000.00"}[i%2],
			"signed_on": day(-10 - i%2), "first_due_on": day(30), "maturity_on": day(365 + i%3)})
	}
	return e
}

func copyMap(m map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

// listAll pages through the list at limit a page and returns its items in order,
// with the total each page gave.
func listAll(t *testing.T, e *env, query string, limit int) ([]listItem, []int) {
	t.Helper()
	var all []listItem
	var totals []int
	next := ""
	for pages := 0; ; pages++ {
		if pages > 100 {
			t.Fatal("the cursor does not end")
		}
		u := "/api/v1/loans?limit=" + strconv.Itoa(limit) + "&" + query
		if next != "" {
			u += "&next=" + url.QueryEscape(next)
		}
		r := e.do(user.Viewer, http.MethodGet, u, nil)
		if r.status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", u, r.status, r.body)
		}
		page := r.json(t)
		items := page["items"].([]any)
		if len(items) > limit {
			t.Fatalf("%d items on a page of %d", len(items), limit)
		}
		for _, it := range items {
			all = append(all, toListItem(t, it.(map[string]any)))
		}
		totals = append(totals, int(page["total"].(float64)))
		n, _ := page["next"].(string)
		if n == "" {
			return all, totals
		}
		if len(items) != limit {
			t.Fatalf("a short page (%d of %d) with a next", len(items), limit)
		}
		next = n
	}
}

func toListItem(t *testing.T, m map[string]any) listItem {
	t.Helper()
	dec := func(k string) decimal.Decimal {
		d, err := decimal.Parse(m[k].(string))
		if err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		return d
	}
	return listItem{ID: int64(m["id"].(float64)), Reference: m["reference"].(string), Partner: m["partner_name"].(string),
		Status: m["status"].(string), Currency: m["currency"].(string), Signed: m["signed_on"].(string), Due: m["current_maturity_on"].(string),
		Committed: dec("committed_amount"), Outstanding: dec("outstanding_principal"),
		PartnerID: int64(m["partner_id"].(float64)), FundID: int64(m["fund_id"].(float64))}
}

// withDetails adds to each item what its detail says today: the replay's view.
func withDetails(t *testing.T, e *env, items []listItem) []listItem {
	t.Helper()
	for i, it := range items {
		d := e.do(user.Viewer, http.MethodGet, fmt.Sprintf("/api/v1/loans/%d", it.ID), nil).json(t)
		items[i].Overdue = d["overdue_principal"] != "0.00" && d["overdue_principal"] != "0" || d["days_past_due"].(float64) > 0
		items[i].Restructured = d["restructured_on"] != nil
		items[i].MaturityNow = d["current_terms"].(map[string]any)["maturity_on"].(string)
		if got := d["outstanding_principal"].(string); it.Outstanding.String() != got && it.Status != "cancelled" {
			t.Errorf("%s: outstanding %s in the list, %s in its detail", it.Reference, it.Outstanding, got)
		}
	}
	return items
}

func ids(items []listItem) []int64 {
	out := make([]int64, len(items))
	for i, it := range items {
		out[i] = it.ID
	}
	return out
}

func TestLoansListPagesEveryLoanOnce(t *testing.T) {
	e := listBook(t)
	var count int
	if err := e.conn.Get(&count, `SELECT count(*) FROM loans`); err != nil {
		t.Fatal(err)
	}
	all, totals := listAll(t, e, "", 1000)
	if len(all) != count || len(totals) != 1 || totals[0] != count {
		t.Fatalf("one page of 1000: %d loans, totals %v; want %d", len(all), totals, count)
	}
	// The default order is the one the list always had: the newest first, then id.
	want := slices.Clone(all)
	slices.SortStableFunc(want, func(a, b listItem) int {
		if c := strings.Compare(b.Signed, a.Signed); c != 0 {
			return c
		}
		return int(b.ID - a.ID)
	})
	if !slices.Equal(ids(all), ids(want)) {
		t.Errorf("default order %v, want %v", ids(all), ids(want))
	}
	for _, limit := range []int{1, 3, 7, 21, 22} {
		paged, totals := listAll(t, e, "", limit)
		if !slices.Equal(ids(paged), ids(all)) {
			t.Errorf("limit %d: %v, want %v", limit, ids(paged), ids(all))
		}
		for _, n := range totals {
			if n != count {
				t.Errorf("limit %d: a page's total %d, want %d", limit, n, count)
			}
		}
	}
	// The default limit is 100.
	if r := e.do(user.Viewer, http.MethodGet, "/api/v1/loans", nil).json(t); len(r["items"].([]any)) != count || r["next"] != nil {
		t.Errorf("default page: %d items, next %v", len(r["items"].([]any)), r["next"])
	}
}

func TestLoansListSorts(t *testing.T) {
	e := listBook(t)
	all, _ := listAll(t, e, "", 1000)
	all = withDetails(t, e, all)
	keys := map[string]func(a, b listItem) int{
		"reference": func(a, b listItem) int {
			return strings.Compare(strings.ToLower(a.Reference), strings.ToLower(b.Reference))
		},
		"partner": func(a, b listItem) int {
			return cmpThen(strings.Compare(a.Partner, b.Partner), int(a.PartnerID-b.PartnerID))
		},
		"signed_on":   func(a, b listItem) int { return strings.Compare(a.Signed, b.Signed) },
		"maturity_on": func(a, b listItem) int { return strings.Compare(a.MaturityNow, b.MaturityNow) },
		"outstanding": func(a, b listItem) int { return a.Outstanding.Cmp(b.Outstanding) },
		"committed":   func(a, b listItem) int { return a.Committed.Cmp(b.Committed) },
	}
	for key, cmp := range keys {
		for _, desc := range []bool{false, true} {
			sort := key
			if desc {
				sort = "-" + key
			}
			want := slices.Clone(all)
			slices.SortFunc(want, func(a, b listItem) int {
				c := cmpThen(cmp(a, b), int(a.ID-b.ID))
				if desc {
					return -c
				}
				return c
			})
			got, _ := listAll(t, e, "sort="+sort, 4)
			if !slices.Equal(ids(got), ids(want)) {
				t.Errorf("sort=%s: %v, want %v", sort, ids(got), ids(want))
			}
		}
	}
}

func cmpThen(c, then int) int {
	if c != 0 {
		return c
	}
	return then
}

func TestLoansListFilters(t *testing.T) {
	e := listBook(t)
	all, _ := listAll(t, e, "", 1000)
	all = withDetails(t, e, all)
	today := civil.Today().Format(civil.Layout)
	in30 := civil.Today().AddDate(0, 0, 30).Format(civil.Layout)
	cases := []struct {
		query string
		want  func(listItem) bool
		least int // the fixture has at least these many
	}{
		{"fund_id=2", func(l listItem) bool { return l.FundID == 2 }, 1},
		{"partner_id=3", func(l listItem) bool { return l.PartnerID == 3 }, 2},
		{"status=active", func(l listItem) bool { return l.Status == "active" }, 2},
		{"status=repaid,written_off", func(l listItem) bool { return l.Status == "repaid" || l.Status == "written_off" }, 2},
		{"status=cancelled", func(l listItem) bool { return l.Status == "cancelled" }, 1},
		{"status=pipeline&fund_id=1", func(l listItem) bool { return l.Status == "pipeline" && l.FundID == 1 }, 10},
		{"currency=bob", func(l listItem) bool { return l.Currency == "BOB" }, 1},
		{"currency=PEN", func(l listItem) bool { return l.Currency == "PEN" }, 1},
		{"overdue=true", func(l listItem) bool { return l.Overdue }, 1},
		{"restructured=true", func(l listItem) bool { return l.Restructured }, 1},
		{"maturing_within=30", func(l listItem) bool { return l.Status == "active" && l.MaturityNow >= today && l.MaturityNow <= in30 }, 1},
		{"maturing_within=0", func(l listItem) bool { return l.Status == "active" && l.MaturityNow == today }, 0},
		// Search: part of a reference or of a partner's name, in any letter case.
		{"q=imp-0", func(l listItem) bool {
			return strings.HasPrefix(l.Reference, "IMP-0") || strings.Contains(strings.ToLower(l.Partner), "imp-0")
		}, 3},
		{"q=MUJER", func(l listItem) bool { return l.Partner == "Pro Mujer" }, 2},
		{"q=pm-0", func(l listItem) bool { return strings.HasPrefix(strings.ToLower(l.Reference), "pm-0") }, 2},
		{"q=adra&status=repaid", func(l listItem) bool { return l.Partner == "ADRA Peru" && l.Status == "repaid" }, 1},
		{"overdue=false&restructured=no", func(listItem) bool { return true }, len(all)},
	}
	for _, c := range cases {
		var want []int64
		for _, l := range all {
			if c.want(l) {
				want = append(want, l.ID)
			}
		}
		got, totals := listAll(t, e, c.query, 2)
		if !slices.Equal(ids(got), want) || len(want) < c.least || totals[0] != len(want) {
			t.Errorf("%s: %v (total %v), want %v (at least %d)", c.query, ids(got), totals, want, c.least)
		}
	}
}

func TestLoansListBadParameters(t *testing.T) {
	e := listBook(t)
	first := e.do(user.Viewer, http.MethodGet, "/api/v1/loans?limit=2&sort=reference", nil).json(t)
	cursor := first["next"].(string)
	for _, c := range []struct{ query, field string }{
		{"limit=0", "limit"}, {"limit=-1", "limit"}, {"limit=ten", "limit"}, {"limit=1001", "limit"},
		{"sort=colour", "sort"}, {"sort=--reference", "sort"}, {"status=open", "status"}, {"status=active,gone", "status"},
		{"maturing_within=-1", "maturing_within"}, {"maturing_within=soon", "maturing_within"},
		{"next=garbage", "next"}, {"next=" + url.QueryEscape(cursor) + "&sort=-reference", "next"},
		{"partner_id=x", "partner_id"}, {"fund_id=0", "fund_id"}, {"currency=dollars", "currency"},
		{"overdue=maybe", "overdue"}, {"restructured=2", "restructured"}, {"format=pdf", "format"},
	} {
		assertProblem(t, e.do(user.Viewer, http.MethodGet, "/api/v1/loans?"+c.query, nil), 422, c.field)
	}
	// Every mistake at once.
	assertProblem(t, e.do(user.Viewer, http.MethodGet, "/api/v1/loans?limit=0&sort=x&status=y", nil), 422, "limit", "sort", "status")
	assertProblem(t, e.do("", http.MethodGet, "/api/v1/loans", nil), 401)
}

func TestLoansListDownloads(t *testing.T) {
	e := listBook(t)
	// A reference a spreadsheet would run as a formula, written as text.
	if _, err := e.conn.Exec(`UPDATE loans SET reference = '=1+2' WHERE reference = 'BULK-00'`); err != nil {
		t.Fatal(err)
	}
	const query = "status=pipeline&sort=reference"
	want, _ := listAll(t, e, query, 1000)
	if len(want) < 10 {
		t.Fatalf("the fixture has %d pipeline loans", len(want))
	}
	// The download is every match, whatever page it is asked from.
	page := e.do(user.Viewer, http.MethodGet, "/api/v1/loans?limit=2&"+query, nil).json(t)
	from := "&next=" + url.QueryEscape(page["next"].(string)) + "&limit=2"

	r := e.do(user.Viewer, http.MethodGet, "/api/v1/loans?format=csv&"+query+from, nil)
	if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(r.header.Get("Content-Disposition"), "loans-") {
		t.Fatalf("csv: %d %v", r.status, r.header)
	}
	rows, err := csv.NewReader(bytes.NewReader(r.body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	checkExport(t, "csv", rows, want)
	if !slices.ContainsFunc(rows, func(row []string) bool { return row[1] == "'=1+2" }) {
		t.Error("csv: the formula-like reference is not quoted")
	}
	// Accept: text/csv asks for the same, as for the exposure.
	req := httptest.NewRequest(http.MethodGet, "/api/v1/loans?"+query, nil)
	req.Header.Set("Authorization", "Bearer "+e.tokens[user.Viewer])
	req.Header.Set("Accept", "text/csv")
	if r := e.send(req); !bytes.Equal(r.body, e.do(user.Viewer, http.MethodGet, "/api/v1/loans?format=csv&"+query, nil).body) {
		t.Errorf("Accept: text/csv gave %.200s", r.body)
	}
	r = e.do(user.Viewer, http.MethodGet, "/api/v1/loans?format=xlsx&"+query+from, nil)
	if r.status != http.StatusOK || !strings.Contains(r.header.Get("Content-Type"), "spreadsheetml") {
		t.Fatalf("xlsx: %d %v", r.status, r.header)
	}
	f, err := excelize.OpenReader(bytes.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	xrows, err := f.GetRows("loans", excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	checkExport(t, "xlsx", xrows, want)
	if formula, _ := f.GetCellFormula("loans", "B2"); formula != "" {
		t.Errorf("xlsx: a reference became the formula %q", formula)
	}
}

// checkExport holds a download to the list: every loan once, in its order, with its
// reference and committed amount.
func checkExport(t *testing.T, what string, rows [][]string, want []listItem) {
	t.Helper()
	if len(rows) != len(want)+1 || rows[0][0] != "id" || rows[0][1] != "reference" || rows[0][7] != "committed_amount" {
		t.Fatalf("%s: %d rows, header %v; want %d loans", what, len(rows), rows[0], len(want))
	}
	for i, l := range want {
		row := rows[i+1]
		committed, err := decimal.Parse(row[7])
		if row[0] != strconv.FormatInt(l.ID, 10) || strings.TrimPrefix(row[1], "'") != l.Reference || err != nil || committed.Cmp(l.Committed) != 0 {
			t.Errorf("%s row %d: %v, want loan %d %s %s", what, i+2, row, l.ID, l.Reference, l.Committed)
		}
	}
}
