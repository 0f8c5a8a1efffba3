package watchlist

import (
	"time"

	"cartera/internal/platform/db"
)

// The whole list is kept in memory at the version of the tables it reads (db.Versions)
// and given again, for the same day, while it stays the same; filtered lists are cut
// from it. The dashboard, the watch list page and its filters and the partners list's
// filter each computed the list (30–60 ms on the large book with covenants) on every
// request.

// watchedTables are the tables the list reads.
var watchedTables = []string{"loans", "financial_statements", "covenants", "covenant_breaches", "covenant_waivers", "partners"}

// maxKeptEntries bounds the memory kept: the entries of every list (the large book's
// has 1,600 partners).
const maxKeptEntries = 50_000

// newKeptLists keeps whole lists by the day they are of.
func newKeptLists() *db.Kept[time.Time, List] {
	return db.NewKept[time.Time](maxKeptEntries, func(l List) int { return len(l.Entries) + 1 })
}
