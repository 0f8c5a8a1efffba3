package demo

import (
	"context"
	"fmt"

	"cartera/internal/app"
	"cartera/internal/audit"
	"cartera/internal/demo/seed"
	"cartera/internal/partner"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/civil"
)

// loadStatements stores the demo's reports through the statements service, so they are
// validated and audited like any other. On an installation that had the earlier parts
// of the demo, a demo partner may have been renamed or given a report of its own for
// one of these months: that report is skipped and said so, not a failed start.
func loadStatements(ctx context.Context, s app.Services, actor audit.Actor) (n int, skipped []string, err error) {
	refs, err := s.Partners.Refs(ctx, partner.Filter{})
	if err != nil {
		return 0, nil, err
	}
	ids := map[string]int64{}
	for _, r := range refs {
		ids[r.Name] = r.ID
	}
	for name, reports := range seed.Statements() {
		id, ok := ids[name]
		if !ok {
			skipped = append(skipped, fmt.Sprintf("the figures of %s: no partner of that name any more", name))
			continue
		}
		for _, r := range reports {
			_, _, err := s.Statements.Put(ctx, actor, id, r)
			if apperr.IsKind(err, apperr.KindConflict) {
				skipped = append(skipped, fmt.Sprintf("%s at %s: %v", name, r.PeriodEnd.Format(civil.Layout), err))
				continue
			}
			if err != nil {
				return n, skipped, fmt.Errorf("demo figures of %s at %s: %w", name, r.PeriodEnd.Format(civil.Layout), err)
			}
			n++
		}
	}
	return n, skipped, nil
}
