package exposure

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"
)

// Reports are kept in memory at the version of the data they were computed from (the
// sum of data_versions, migration 00040: the book adds one to a country's version as it
// rewrites its ranges, triggers to that of the partners, funds, rates and limits). A
// report is given again while that version stays the same: on the large book the
// exposure by country is then one query of a few rows instead of 1.3 ms of SQL, and by
// partner 0.2 ms instead of 30 ms. Any number of servers may share the database: each
// asks it for the version at every request, so a write committed anywhere is seen by
// the next request everywhere.

// maxCachedGroups bounds the memory the cache holds: the groups of every report kept
// (a report by partner on the large book has 2,000; a group is about 200 bytes).
const maxCachedGroups = 50_000

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

// reportCache holds the reports of one version of the data.
type reportCache struct {
	mu      sync.Mutex
	version int64
	reports map[reportKey]Report
	groups  int
}

// get is the report kept for k at version v.
func (c *reportCache) get(v int64, k reportKey) (Report, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if v != c.version {
		return Report{}, false
	}
	r, ok := c.reports[k]
	return r, ok
}

// put keeps r for k at version v: a newer version than the one held replaces it (and
// its reports, which no later request can match); an older one is not kept.
func (c *reportCache) put(v int64, k reportKey, r Report) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if v < c.version {
		return
	}
	if v > c.version || c.reports == nil || c.groups+len(r.Groups) > maxCachedGroups {
		c.version, c.reports, c.groups = v, map[reportKey]Report{}, 0
	}
	if _, ok := c.reports[k]; !ok {
		c.reports[k], c.groups = r, c.groups+len(r.Groups)
	}
}

// dataVersion is the version of what reports are computed from.
func (s *Service) dataVersion(ctx context.Context) (int64, error) {
	var v int64
	if err := s.q.Version.QueryRowContext(ctx).Scan(&v); err != nil {
		return 0, fmt.Errorf("exposure: data version: %w", err)
	}
	return v, nil
}

// cached is the report for q from the cache, or computed by compute and kept when no
// write it depends on committed while it was computed (the version read before and
// after are the same). Each caller gets its own slice of groups.
func (s *Service) cached(ctx context.Context, q Query, compute func() (Report, error)) (Report, error) {
	v, err := s.dataVersion(ctx)
	if err != nil {
		return Report{}, err
	}
	k := keyOf(q)
	if r, ok := s.cache.get(v, k); ok {
		r.Groups = slices.Clone(r.Groups)
		return r, nil
	}
	r, err := compute()
	if err != nil {
		return Report{}, err
	}
	after, err := s.dataVersion(ctx)
	if err != nil {
		return Report{}, err
	}
	if after == v {
		s.cache.put(v, k, r)
		r.Groups = slices.Clone(r.Groups)
	}
	return r, nil
}
