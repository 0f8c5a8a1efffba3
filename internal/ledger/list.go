package ledger

// The loans list across all partners: filters, a sort, pages by keyset (a cursor
// naming the last row's sort key and id, so a page is as quick at the end of the
// list as at its start and a loan written meanwhile neither repeats nor skips one).

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/govalues/decimal"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"cartera/internal/loan"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/civil"
	"cartera/internal/platform/db"
)

// Summary is a loan in a list, with the figures the last write to it stored.
type Summary struct {
	loan.Loan
	Disbursed   decimal.Decimal `db:"disbursed"`
	Outstanding decimal.Decimal `db:"outstanding"`
	// CurrentMaturityOn is the maturity as rescheduled (the terms' when never moved).
	CurrentMaturityOn time.Time `db:"current_maturity_on"`
	PartnerName       string    `db:"partner_name"`
	FundName          string    `db:"fund_name"`
}

// Filter selects loans; nil, empty and false fields select all.
type Filter struct {
	PartnerID *int64
	FundID    *int64
	Statuses  []loan.Status
	Currency  string
	// Overdue: loans with an installment due before today and unpaid.
	Overdue bool
	// Restructured: loans a rescheduling of overdue amounts restructured.
	Restructured bool
	// MaturingWithin: active loans maturing from today to that many days on.
	MaturingWithin *int
	// Query: a case-insensitive part of the loan's reference or its partner's name.
	Query string
}

// SortKeys are what a list sorts by; ties go by id.
var SortKeys = []string{"reference", "partner", "signed_on", "maturity_on", "outstanding", "committed"}

// Sort orders a list by Key, descending when Desc.
type Sort struct {
	Key  string
	Desc bool
}

// DefaultSort is the newest first, as the list always was.
var DefaultSort = Sort{Key: "signed_on", Desc: true}

// ParseSort reads "key" or "-key" (descending); empty is DefaultSort.
func ParseSort(s string) (Sort, error) {
	if s == "" {
		return DefaultSort, nil
	}
	key, desc := strings.CutPrefix(s, "-")
	if !slices.Contains(SortKeys, key) {
		return DefaultSort, fmt.Errorf("must be one of %s, each with - in front for descending", strings.Join(SortKeys, ", "))
	}
	return Sort{Key: key, Desc: desc}, nil
}

func (s Sort) String() string {
	if s.Desc {
		return "-" + s.Key
	}
	return s.Key
}

// ListQuery is a page of the list: Limit loans (0: every match) after the cursor Next
// ("" for the first page), which only a page of the same sort gave.
type ListQuery struct {
	Filter
	Sort  Sort
	Limit int
	Next  string
}

// Page is a page of the list: its loans, how many match in all, and the cursor of the
// next page ("" on the last).
type Page struct {
	Items []Summary
	Total int
	Next  string
}

// cursor is where a page ended: the sort and the last loan's sort key (as text, one
// value per column of the sort) and id.
type cursor struct {
	Sort string   `json:"s"`
	Keys []string `json:"k"`
	ID   int64    `json:"id"`
}

const cursorMessage = "is not a cursor this list gave: start again from the first page"

func (c cursor) encode() string {
	b, _ := json.Marshal(c) // strings and a number: cannot fail
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string, sort Sort) (*cursor, error) {
	if s == "" {
		return nil, nil
	}
	bad := func(msg string) error { return apperr.Invalid(apperr.FieldError{Field: "next", Message: msg}) }
	b, err := base64.RawURLEncoding.DecodeString(s)
	var c cursor
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil || c.ID <= 0 {
		return nil, bad(cursorMessage)
	}
	if c.Sort != sort.String() {
		return nil, bad("belongs to the list sorted by " + c.Sort + ", not " + sort.String())
	}
	cols := sortColumns[sort.Key]
	if len(c.Keys) != len(cols) {
		return nil, bad(cursorMessage)
	}
	for i, col := range cols {
		if !col.valid(c.Keys[i]) {
			return nil, bad(cursorMessage)
		}
	}
	return &c, nil
}

// List returns a page of the loans matching q, in its order (DefaultSort when it has
// none), as recorded today, with how many match.
func (s *Service) List(ctx context.Context, q ListQuery) (Page, error) {
	if q.Sort.Key == "" {
		q.Sort = DefaultSort
	}
	after, err := decodeCursor(q.Next, q.Sort)
	if err != nil {
		return Page{}, err
	}
	// The search, the count and the page from one snapshot: a loan written meanwhile
	// is in all or none.
	tx, err := s.conn.BeginTxx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return Page{}, fmt.Errorf("list loans: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // read only: nothing to undo
	var found pq.Int64Array
	if q.Query != "" {
		if err := tx.SelectContext(ctx, &found, s.list.search, q.Query); err != nil {
			return Page{}, fmt.Errorf("search loans: %w", err)
		}
	}
	var args sqlArgs
	filters := q.Filter.where(&args, civil.Of(s.clock.Today()), found)
	out := Page{Items: []Summary{}}
	var rows []listRow
	if err := tx.GetContext(ctx, &out.Total, s.list.count(filters), args...); err != nil {
		return Page{}, fmt.Errorf("count loans: %w", err)
	}
	if err := tx.SelectContext(ctx, &rows, s.list.page(filters, q, after, &args), args...); err != nil {
		return Page{}, fmt.Errorf("list loans: %w", err)
	}
	for i, r := range rows {
		if q.Limit > 0 && i == q.Limit {
			last := rows[i-1]
			keys := []string{last.Sort0, last.Sort1}[:len(sortColumns[q.Sort.Key])]
			out.Next = cursor{Sort: q.Sort.String(), Keys: keys, ID: last.ID}.encode()
			break
		}
		r.Loan = loan.Normalize(r.Loan)
		out.Items = append(out.Items, r.Summary)
	}
	return out, nil
}

// listRow is a row of list-loans: a loan and its sort key as text.
type listRow struct {
	Summary
	Sort0 string `db:"sort_0"`
	Sort1 string `db:"sort_1"`
}

// sortColumn is a column of a sort key: its expression (that of an index) and type.
type sortColumn struct{ expr, typ string }

var sortColumns = map[string][]sortColumn{
	"reference":   {{"lower(l.reference)", "text"}},
	"partner":     {{"lower(p.name)", "text"}, {"l.partner_id", "bigint"}},
	"signed_on":   {{"l.signed_on", "date"}},
	"maturity_on": {{"coalesce(l.current_maturity_on, l.maturity_on)", "date"}},
	"outstanding": {{"l.outstanding", "numeric"}},
	"committed":   {{"l.committed_amount", "numeric"}},
}

// valid reports whether a cursor's key is a value of the column's type.
func (c sortColumn) valid(v string) bool {
	var err error
	switch c.typ {
	case "date":
		_, err = civil.Parse(v)
	case "numeric":
		_, err = decimal.Parse(v)
	case "bigint":
		_, err = strconv.ParseInt(v, 10, 64)
	}
	return err == nil
}

// sqlArgs are a query's parameters; add returns the placeholder of the one added.
type sqlArgs []any

func (a *sqlArgs) add(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}

// where is the filters as SQL over loans l: fixed fragments, every value a parameter;
// found are the loans the search (f.Query) found.
func (f Filter) where(args *sqlArgs, today time.Time, found pq.Int64Array) string {
	w := []string{"TRUE"}
	if f.PartnerID != nil {
		w = append(w, "l.partner_id = "+args.add(*f.PartnerID))
	}
	if f.FundID != nil {
		w = append(w, "l.fund_id = "+args.add(*f.FundID))
	}
	if len(f.Statuses) > 0 {
		var st pq.StringArray
		for _, s := range f.Statuses {
			st = append(st, string(s))
		}
		w = append(w, "l.status = ANY ("+args.add(st)+"::text[])")
	}
	if f.Currency != "" {
		w = append(w, "l.currency = "+args.add(f.Currency))
	}
	if f.Overdue {
		// An installment due before today and unpaid, as the last write stored it.
		w = append(w, "l.oldest_unpaid_due_on < "+args.add(today)+"::date")
	}
	if f.Restructured {
		w = append(w, "l.restructured_on IS NOT NULL")
	}
	if f.MaturingWithin != nil {
		from, to := args.add(today), args.add(today.AddDate(0, 0, *f.MaturingWithin))
		w = append(w, "l.status = 'active' AND coalesce(l.current_maturity_on, l.maturity_on) BETWEEN "+from+"::date AND "+to+"::date")
	}
	if f.Query != "" {
		// The loans the search found (List's first query): the planner fetches them by
		// id and sorts them, where it would walk a sort's whole index for a word that
		// matches few loans (it guesses a third of them match).
		w = append(w, "l.id = ANY ("+args.add(found)+"::bigint[])")
	}
	return strings.Join(w, " AND ")
}

// listQueries are the templates of ledger_list.sql.
type listQueries struct{ list, countAll, search string }

func loadListQueries(ctx context.Context, conn *sqlx.DB) (listQueries, error) {
	qs, err := db.LoadQueries("ledger_list.sql")
	if err != nil {
		return listQueries{}, err
	}
	l := listQueries{list: qs["list-loans"], countAll: qs["count-loans"], search: qs["search-loans"]}
	if l.list == "" || l.countAll == "" || l.search == "" || len(qs) != 3 {
		return l, fmt.Errorf("ledger_list.sql: want the queries list-loans, count-loans and search-loans")
	}
	// Every filter on, the sort of two columns after a cursor: each fragment is prepared.
	var args sqlArgs
	n := 1
	every := Filter{PartnerID: new(int64), FundID: new(int64), Statuses: []loan.Status{loan.Active}, Currency: "USD",
		Overdue: true, Restructured: true, MaturingWithin: &n, Query: "x"}
	filters := every.where(&args, time.Time{}, pq.Int64Array{1})
	after := &cursor{Keys: []string{"", "1"}, ID: 1}
	for _, q := range []string{l.search, l.count(filters), l.page(filters, ListQuery{Sort: Sort{Key: "partner"}, Limit: 1}, after, &args)} {
		st, err := conn.PreparexContext(ctx, q)
		if err != nil {
			return l, fmt.Errorf("ledger_list.sql: prepare %q: %w", q, err)
		}
		st.Close()
	}
	return l, nil
}

func (l listQueries) count(filters string) string {
	return strings.Replace(l.countAll, "{{filters}}", filters, 1)
}

// page is the query of a page of q: the filters, after the cursor, in the sort's order.
func (l listQueries) page(filters string, q ListQuery, after *cursor, args *sqlArgs) string {
	cols := sortColumns[q.Sort.Key]
	dir := map[bool]string{false: "", true: " DESC"}[q.Sort.Desc]
	var keys, order, left, right []string
	for i, c := range cols {
		keys = append(keys, c.expr+"::text AS sort_"+strconv.Itoa(i))
		order = append(order, c.expr+dir)
		left = append(left, c.expr)
		if after != nil {
			right = append(right, args.add(after.Keys[i])+"::"+c.typ)
		}
	}
	if len(cols) == 1 {
		keys = append(keys, "''::text AS sort_1")
	}
	order = append(order, "l.id"+dir)
	afterSQL := "TRUE"
	if after != nil {
		op := map[bool]string{false: ">", true: "<"}[q.Sort.Desc]
		afterSQL = "(" + strings.Join(append(left, "l.id"), ", ") + ") " + op + " (" + strings.Join(append(right, args.add(after.ID)), ", ") + ")"
	}
	limit := "ALL"
	if q.Limit > 0 {
		limit = args.add(q.Limit + 1)
	}
	return strings.NewReplacer("{{keys}}", strings.Join(keys, ", "), "{{filters}}", filters, "{{after}}", afterSQL,
		"{{order}}", strings.Join(order, ", "), "{{limit}}", limit).Replace(l.list)
}
