package notify

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"cartera/internal/platform/civil"
)

// SweepRunner runs the daily sweeps: every sweeper once at start, then again each
// time the clock's date changes (looked at every Every). A sweeper's error or panic
// is logged and the others still run; the next date tries again.
type SweepRunner struct {
	Clock    civil.Clock
	Sweepers []Sweeper
	Log      *slog.Logger
	Every    time.Duration
	last     time.Time // the date swept last
}

// Run sweeps until ctx ends.
func (r *SweepRunner) Run(ctx context.Context) {
	every := r.Every
	if every <= 0 {
		every = time.Minute
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		r.Tick(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Tick sweeps if the date changed since the last sweep (or none ran yet); it
// returns whether it swept.
func (r *SweepRunner) Tick(ctx context.Context) bool {
	today := r.Clock.Today()
	if !r.last.IsZero() && today.Equal(r.last) {
		return false
	}
	r.last = today
	for _, s := range r.Sweepers {
		if ctx.Err() != nil {
			return true
		}
		if err := sweepOne(ctx, s, today); err != nil {
			r.Log.Error("daily sweep failed", "sweeper", fmt.Sprintf("%T", s), "date", civil.Format(today), "error", err)
		}
	}
	return true
}

// sweepOne runs one sweeper, turning a panic into an error: one sweeper's bug must
// neither stop the others nor the server.
func sweepOne(ctx context.Context, s Sweeper, today time.Time) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return s.Sweep(ctx, today)
}
