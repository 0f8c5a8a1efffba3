// Package watchlist is the watch list: every partner with a reason to be watched (an
// open covenant breach, an overdue report, a loan more than 30 days past due, a
// restructured loan, deteriorating figures), each reason with the date it holds since.
// It is a read model over published tables (covenants, partners' obligations, financial
// statements, loans) and writes only the outbox's events its daily sweep finds.
package watchlist

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/govalues/decimal"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"cartera/internal/covenant"
	"cartera/internal/notify"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/civil"
	"cartera/internal/platform/db"
)

// Reason is why a partner is watched.
type Reason string

// The reasons, the most serious first: the order the list sorts by.
const (
	OpenBreach    Reason = "open_breach"
	PastDue30     Reason = "past_due_30"
	OverdueReport Reason = "overdue_report"
	Deterioration Reason = "deterioration"
	Restructured  Reason = "restructured"
)

// Reasons lists the reasons, the most serious first.
var Reasons = []Reason{OpenBreach, PastDue30, OverdueReport, Deterioration, Restructured}

// Label is the reason as people read it.
func (r Reason) Label() string {
	switch r {
	case OpenBreach:
		return "Open covenant breach"
	case PastDue30:
		return "Loan over 30 days past due"
	case OverdueReport:
		return "Overdue report"
	case Deterioration:
		return "Deteriorating figures"
	case Restructured:
		return "Restructured loan"
	}
	return string(r)
}

// ParseReason reads a reason's name.
func ParseReason(s string) (Reason, error) {
	if r := Reason(s); slices.Contains(Reasons, r) {
		return r, nil
	}
	return "", apperr.Invalid(apperr.FieldError{Field: "reason",
		Message: fmt.Sprintf("%q is no reason: use open_breach, past_due_30, overdue_report, deterioration or restructured", s)})
}

// Item is one reason a partner is watched, since a date. Which other fields are set
// depends on the reason: a breach's (BreachID, CovenantID, Metric, PeriodEnd, Value,
// Threshold, Operator, CureBy, Uncured), a loan's (LoanID, Reference, DaysPastDue),
// the overdue periods (Late), a deterioration's (Metric, PeriodEnd, Values: the PAR30
// ratios oldest first, or the latest self-sufficiency).
type Item struct {
	Reason Reason
	Since  time.Time
	Detail string // one line saying what is wrong

	BreachID, CovenantID int64
	LoanID               int64
	Reference            string
	Metric               string
	Operator             string
	PeriodEnd            *time.Time
	Value, Threshold     *decimal.Decimal
	CureBy               *time.Time
	Uncured              bool
	DaysPastDue          int
	Late                 []covenant.Late
	Values               []decimal.Decimal
}

// Entry is a partner on the watch list with its reasons, the most serious first.
type Entry struct {
	PartnerID int64
	Name      string
	Country   string
	Reasons   []Item
}

// List is the watch list as of a date.
type List struct {
	AsOf    time.Time
	Entries []Entry
}

// Filter narrows the list: one reason (its other reasons hidden too), one country.
type Filter struct {
	Reason  Reason
	Country string
}

// Service computes the watch list and sweeps its events.
type Service struct {
	conn   *sqlx.DB
	clock  civil.Clock
	notify *notify.Service
	// versions and kept keep lists in memory while nothing they read changes (cache.go).
	versions *db.Versions
	kept     *db.Kept[time.Time, List]
	q        struct {
		Breaches      *sqlx.Stmt `query:"open-breaches"`
		Obligations   *sqlx.Stmt `query:"obligations"`
		Reported      *sqlx.Stmt `query:"reported-periods"`
		PastDue       *sqlx.Stmt `query:"past-due-30"`
		Restructured  *sqlx.Stmt `query:"restructured"`
		Deterioration *sqlx.Stmt `query:"deterioration"`
		Refs          *sqlx.Stmt `query:"partner-refs"`
	}
}

// NewService prepares the watch list's queries.
func NewService(ctx context.Context, conn *sqlx.DB, n *notify.Service, clock civil.Clock) (*Service, error) {
	s := &Service{conn: conn, clock: clock, notify: n, kept: newKeptLists()}
	if err := db.PrepareQueries(ctx, conn, "watchlist.sql", &s.q); err != nil {
		return nil, err
	}
	var err error
	if s.versions, err = db.NewVersions(ctx, conn, watchedTables...); err != nil {
		return nil, err
	}
	return s, nil
}

// Today is the service clock's date.
func (s *Service) Today() time.Time { return s.clock.Today() }

// reasons finds every partner's reasons as of today, by partner id.
func (s *Service) reasons(ctx context.Context, today time.Time, only Reason) (map[int64][]Item, error) {
	finders := []struct {
		reason Reason
		find   func(context.Context, time.Time, map[int64][]Item) error
	}{
		{OpenBreach, s.openBreaches}, {PastDue30, s.pastDue}, {OverdueReport, s.overdueReports},
		{Deterioration, s.deterioration}, {Restructured, s.restructured},
	}
	// The reasons are read at once, each on its own connection: on the large book the
	// slowest two take about as long as all the others, so the list waits for the
	// slowest rather than the sum. Each reads its own snapshot, milliseconds apart: a
	// write between them may show in one reason and not yet in another, as it would
	// in the next request.
	parts := make([]map[int64][]Item, len(finders))
	errs := make([]error, len(finders))
	var wg sync.WaitGroup
	for i, f := range finders {
		if only != "" && only != f.reason {
			continue
		}
		parts[i] = map[int64][]Item{}
		wg.Go(func() {
			if err := f.find(ctx, today, parts[i]); err != nil {
				errs[i] = fmt.Errorf("watch list, %s: %w", f.reason, err)
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	found := map[int64][]Item{}
	for _, part := range parts {
		for id, items := range part {
			found[id] = append(found[id], items...)
		}
	}
	return found, nil
}

// List is the watch list today, filtered: partners by their most serious reason, then
// the oldest, then name. It is kept in memory while nothing it reads changes.
// A filtered list is the whole one's entries of the country, with only the reason's
// items (TestFilteredListIsTheWholeOneCut): the dashboard, the list and its filters
// share one computation.
func (s *Service) List(ctx context.Context, f Filter) (List, error) {
	today := s.clock.Today()
	l, kept, err := db.Answer(ctx, s.versions, s.kept, today, func() (List, error) { return s.list(ctx, today, Filter{}) })
	if err != nil {
		return List{}, err
	}
	if f == (Filter{}) {
		if kept {
			l.Entries = slices.Clone(l.Entries)
		}
		return l, nil
	}
	return filtered(l, f), nil
}

// filtered is the whole list l cut by f: its items are in compareItems' order, a total
// order, so a reason's items are too; the entries are sorted again by their first.
func filtered(l List, f Filter) List {
	out := List{AsOf: l.AsOf, Entries: []Entry{}}
	for _, e := range l.Entries {
		if f.Country != "" && e.Country != f.Country {
			continue
		}
		if f.Reason != "" {
			var items []Item
			for _, it := range e.Reasons {
				if it.Reason == f.Reason {
					items = append(items, it)
				}
			}
			if len(items) == 0 {
				continue
			}
			e.Reasons = items
		}
		out.Entries = append(out.Entries, e)
	}
	if f.Reason != "" {
		slices.SortFunc(out.Entries, compareEntries)
	}
	return out
}

// list is the watch list on today, computed from the data.
func (s *Service) list(ctx context.Context, today time.Time, f Filter) (List, error) {
	found, err := s.reasons(ctx, today, f.Reason)
	if err != nil {
		return List{}, err
	}
	ids := make([]int64, 0, len(found))
	for id := range found {
		ids = append(ids, id)
	}
	refs, err := s.refs(ctx, ids)
	if err != nil {
		return List{}, err
	}
	out := List{AsOf: today, Entries: make([]Entry, 0, len(found))}
	for id, items := range found {
		ref := refs[id]
		if f.Country != "" && ref.Country != f.Country {
			continue
		}
		slices.SortFunc(items, compareItems)
		out.Entries = append(out.Entries, Entry{PartnerID: id, Name: ref.Name, Country: ref.Country, Reasons: items})
	}
	slices.SortFunc(out.Entries, compareEntries)
	return out, nil
}

// compareEntries orders partners by their most serious reason, then name, then id.
func compareEntries(a, b Entry) int {
	return cmp.Or(compareItems(a.Reasons[0], b.Reasons[0]), cmp.Compare(a.Name, b.Name), cmp.Compare(a.PartnerID, b.PartnerID))
}

// Partners is the set of partners on the watch list today, for filters elsewhere: the
// whole list's.
func (s *Service) Partners(ctx context.Context) (map[int64]bool, error) {
	l, err := s.List(ctx, Filter{})
	if err != nil {
		return nil, err
	}
	out := make(map[int64]bool, len(l.Entries))
	for _, e := range l.Entries {
		out[e.PartnerID] = true
	}
	return out, nil
}

// compareItems orders reasons: an uncured breach first, then by seriousness, then
// the oldest.
func compareItems(a, b Item) int {
	if a.Uncured != b.Uncured {
		if a.Uncured {
			return -1
		}
		return 1
	}
	// The metric last: a partner's two deteriorations (PAR30, self-sufficiency) may share
	// a date, and a total order keeps a reason's items in the same order alone or among
	// the others.
	return cmp.Or(cmp.Compare(slices.Index(Reasons, a.Reason), slices.Index(Reasons, b.Reason)), a.Since.Compare(b.Since),
		cmp.Compare(a.BreachID, b.BreachID), cmp.Compare(a.LoanID, b.LoanID), strings.Compare(a.Metric, b.Metric))
}

type ref struct {
	ID      int64  `db:"id"`
	Name    string `db:"name"`
	Country string `db:"country"`
}

func (s *Service) refs(ctx context.Context, ids []int64) (map[int64]ref, error) {
	var rows []ref
	if err := s.q.Refs.SelectContext(ctx, &rows, pq.Array(ids)); err != nil {
		return nil, fmt.Errorf("watch list partners: %w", err)
	}
	out := make(map[int64]ref, len(rows))
	for _, r := range rows {
		out[r.ID] = r
	}
	return out, nil
}
