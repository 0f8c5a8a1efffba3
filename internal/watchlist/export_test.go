package watchlist

import "context"

// ComputeList is List computed from the data for f, not kept and not cut from the whole
// list: the oracle of the kept and cut lists' tests.
func (s *Service) ComputeList(ctx context.Context, f Filter) (List, error) {
	return s.list(ctx, s.clock.Today(), f)
}
