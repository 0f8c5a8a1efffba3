package watchlist

import (
	"time"

	"cartera/internal/platform/db"
)

// Lists are kept in memory at the version of the tables they read (db.Versions) and
// given again, for the same day and filter, while it stays the same: the dashboard,
// the watch list page and the partners list's filter each computed the whole list
// (30–60 ms on the large book with covenants) on every request.

// watchedTables are the tables the list reads.
var watchedTables = []string{"loans", "financial_statements", "covenants", "covenant_breaches", "covenant_waivers", "partners"}

// maxKeptEntries bounds the memory kept: the entries of every list (the large book's
// has 1,600 partners).
const maxKeptEntries = 50_000

// listKey is what a list depends on besides the data.
type listKey struct {
	today  time.Time
	filter Filter
}

func newKeptLists() *db.Kept[listKey, List] {
	return db.NewKept[listKey](maxKeptEntries, func(l List) int { return len(l.Entries) + 1 })
}
