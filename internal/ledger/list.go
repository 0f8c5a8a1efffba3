package ledger

// The loans list across all partners: filters, a sort, pages by keyset (a cursor
// naming the last row's sort key and id, so a page is as quick at the end of the
// list as at its start and a loan written meanwhile neither repeats nor skips one).

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/govalues/decimal"
	"github.com/lib/pq"

	"cartera/internal/loan"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/civil"
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

// cursor is where a page ended: the sort and the last loan's sort key and id.
type cursor struct {
	Sort   string `json:"s"`
	Text   string `json:"t,omitempty"`
	Number string `json:"n"`
	ID     int64  `json:"id"`
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
	if err == nil {
		_, err = decimal.Parse(c.Number)
	}
	if err != nil || c.ID <= 0 {
		return nil, bad(cursorMessage)
	}
	if c.Sort != sort.String() {
		return nil, bad("belongs to the list sorted by " + c.Sort + ", not " + sort.String())
	}
	return &c, nil
}

// List returns a page of the loans matching q, in its order (DefaultSort when it has
// none), as recorded today.
func (s *Service) List(ctx context.Context, q ListQuery) (Page, error) {
	if q.Sort.Key == "" {
		q.Sort = DefaultSort
	}
	after, err := decodeCursor(q.Next, q.Sort)
	if err != nil {
		return Page{}, err
	}
	var rows []listRow
	if err := s.listRows(ctx, &rows, q, after); err != nil {
		return Page{}, err
	}
	out := Page{Items: make([]Summary, 0, len(rows))}
	if len(rows) == 0 && after != nil {
		// Past the end (the loans after the cursor went meanwhile): the total still counts.
		if err := s.listRows(ctx, &rows, ListQuery{Filter: q.Filter, Sort: q.Sort, Limit: 1}, nil); err != nil {
			return Page{}, err
		}
		if len(rows) > 0 {
			out.Total = rows[0].Total
		}
		return out, nil
	}
	for i, r := range rows {
		out.Total = r.Total
		if q.Limit > 0 && i == q.Limit {
			last := rows[i-1]
			out.Next = cursor{Sort: q.Sort.String(), Text: last.SortText, Number: last.SortNumber, ID: last.ID}.encode()
			break
		}
		r.Loan = loan.Normalize(r.Loan)
		out.Items = append(out.Items, r.Summary)
	}
	return out, nil
}

// listRow is a row of list-loans: a loan, its place in the order, the count of all.
type listRow struct {
	Summary
	SortText   string `db:"sort_text"`
	SortNumber string `db:"sort_number"`
	Total      int    `db:"total"`
}

// listRows reads q's page, with one row more than its limit: whether there is a next.
func (s *Service) listRows(ctx context.Context, rows *[]listRow, q ListQuery, after *cursor) error {
	f := q.Filter
	var statuses pq.StringArray
	for _, st := range f.Statuses {
		statuses = append(statuses, string(st))
	}
	if len(statuses) == 0 {
		statuses = nil // any
	}
	today := civil.Of(s.clock.Today())
	var maturingBy *time.Time
	if f.MaturingWithin != nil {
		d := today.AddDate(0, 0, *f.MaturingWithin)
		maturingBy = &d
	}
	var limit *int
	if q.Limit > 0 {
		n := q.Limit + 1
		limit = &n
	}
	var afterText, afterNumber *string
	var afterID *int64
	if after != nil {
		afterText, afterNumber, afterID = &after.Text, &after.Number, &after.ID
	}
	err := s.q.List.SelectContext(ctx, rows, f.PartnerID, f.FundID, statuses, f.Currency, f.Overdue, f.Restructured,
		maturingBy, today, f.Query, q.Sort.Key, q.Sort.Desc, afterText, afterID, afterNumber, limit)
	if err != nil {
		return fmt.Errorf("list loans: %w", err)
	}
	return nil
}
