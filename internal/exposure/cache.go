package exposure

import (
	"context"
	"slices"
	"time"

	"cartera/internal/platform/db"
)

// Reports are kept in memory at the version of the data they are computed from
// (db.Versions: the book, the partners, funds, rates and limits) and given again while
// it stays the same. On the large book the exposure by country is then one query of a
// few rows instead of 1.3 ms of SQL, and by partner 0.2 ms instead of 30 ms.

// exposureTables are the tables a report reads.
var exposureTables = []string{"loan_book", "loan_book_country", "loan_book_partners", "loan_book_stale_countries", "partners",
	"funds", "fx_rates", "exposure_limits"}

// maxKeptGroups bounds the memory kept: the groups of every report (a report by
// partner on the large book has 2,000; a group is about 200 bytes).
const maxKeptGroups = 50_000

// reportKey is what a report depends on besides the data.
type reportKey struct {
	by       Dimension
	asOf     time.Time
	currency string
	fund     int64 // 0: every fund (ids start at 1)
}

func keyOf(q Query) reportKey {
	k := reportKey{by: q.By, asOf: q.AsOf, currency: q.Currency}
	if q.FundID != nil {
		k.fund = *q.FundID
	}
	return k
}

func newKeptReports() *db.Kept[reportKey, Report] {
	return db.NewKept[reportKey](maxKeptGroups, func(r Report) int { return len(r.Groups) + 1 })
}

// cached is the report for q: kept, or computed by compute (and kept when no write it
// reads committed meanwhile). Each caller gets its own slice of groups.
func (s *Service) cached(ctx context.Context, q Query, compute func() (Report, error)) (Report, error) {
	r, kept, err := db.Answer(ctx, s.versions, s.kept, keyOf(q), compute)
	if err != nil {
		return Report{}, err
	}
	if kept {
		r.Groups = slices.Clone(r.Groups)
	}
	return r, nil
}
