package notify

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"cartera/internal/platform/civil"
)

// fakeSweeper notes the dates it swept, and fails or panics when told.
type fakeSweeper struct {
	dates []string
	fail  error
	panic bool
}

func (f *fakeSweeper) Sweep(_ context.Context, today time.Time) error {
	f.dates = append(f.dates, civil.Format(today))
	if f.panic {
		panic("sweeper bug")
	}
	return f.fail
}

func TestTheSweepRunnerSweepsAtStartAndOnEachNewDate(t *testing.T) {
	now := time.Date(2026, 12, 3, 23, 58, 0, 0, time.UTC)
	var logs bytes.Buffer
	ok, failing, panicking := &fakeSweeper{}, &fakeSweeper{fail: errors.New("disk full")}, &fakeSweeper{panic: true}
	r := &SweepRunner{Clock: func() time.Time { return now }, Sweepers: []Sweeper{failing, panicking, ok},
		Log: slog.New(slog.NewTextHandler(&logs, nil))}
	ctx := context.Background()
	steps := []struct {
		advance time.Duration
		swept   bool
	}{
		{0, true},               // at start
		{time.Minute, false},    // 23:59, same date
		{2 * time.Minute, true}, // 00:01 the next day
		{10 * time.Hour, false}, // later that day
		{48 * time.Hour, true},  // two days on (a server that slept): once, for that date
		{-24 * time.Hour, true}, // the clock set back: a date not swept last is swept
	}
	for i, s := range steps {
		now = now.Add(s.advance)
		if got := r.Tick(ctx); got != s.swept {
			t.Errorf("step %d at %v: swept %v, want %v", i, now, got, s.swept)
		}
	}
	want := "2026-12-03 2026-12-04 2026-12-06 2026-12-05"
	for _, f := range []*fakeSweeper{ok, failing, panicking} {
		if got := strings.Join(f.dates, " "); got != want {
			t.Errorf("swept %s, want %s", got, want)
		}
	}
	if !strings.Contains(logs.String(), "disk full") || !strings.Contains(logs.String(), "sweeper bug") {
		t.Errorf("errors not logged: %s", logs.String())
	}
}

func TestTheSweepRunnerRunsWithNoSweepersAndStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	r := &SweepRunner{Clock: civil.FixedAt(time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)), Log: slog.Default(), Every: time.Millisecond}
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	time.Sleep(10 * time.Millisecond)
	cancel()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("the runner did not stop")
	}
}
