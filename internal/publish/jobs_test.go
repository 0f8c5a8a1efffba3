package publish

import (
	"errors"
	"testing"
	"time"

	"cartera/internal/platform/apperr"
)

// The job store never holds more than maxJobs, drops finished jobs before refusing,
// never drops running ones, and forgets finished jobs after jobKept.
func TestBatchJobsLimits(t *testing.T) {
	now := time.Date(2025, 6, 1, 9, 0, 0, 0, time.UTC)
	b := NewJobs()
	job := func(id string, owner int64, at time.Time) *Job {
		return &Job{id: id, owner: owner, started: at}
	}
	// A user runs at most maxRunningPerUser at once.
	for i := range maxRunningPerUser {
		if err := b.Add(job(string(rune('a'+i)), 1, now), now); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Add(job("x", 1, now), now); !apperr.IsKind(err, apperr.KindConflict) {
		t.Fatalf("a third running job for one user: %v", err)
	}
	// Finished jobs make room for others; running ones are never dropped.
	b.jobs["a"].Finish([]byte("zip"), nil, now)
	for i := range maxJobs - 2 {
		if err := b.Add(job(string(rune('A'+i)), int64(100+i), now.Add(time.Duration(i+1)*time.Second)), now); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Add(job("late", 999, now.Add(time.Minute)), now); err != nil {
		t.Fatalf("no room made by dropping a finished job: %v", err)
	}
	if _, err := b.Get("a", 1, now); err == nil {
		t.Error("the oldest finished job was kept past the cap")
	}
	if err := b.Add(job("later", 998, now.Add(time.Minute)), now); !apperr.IsKind(err, apperr.KindConflict) {
		t.Fatalf("every slot running, a job was still accepted: %v", err)
	}
	if len(b.jobs) != maxJobs {
		t.Fatalf("%d jobs held, cap %d", len(b.jobs), maxJobs)
	}
	// Only the owner sees a job; a finished job expires after jobKept.
	if _, err := b.Get("b", 2, now); !apperr.IsKind(err, apperr.KindNotFound) {
		t.Errorf("another user's job: %v", err)
	}
	b.jobs["b"].Finish(nil, errors.New("boom"), now)
	if _, err := b.Get("b", 1, now.Add(jobKept-time.Minute)); err != nil {
		t.Errorf("a job gone before its hour: %v", err)
	}
	if _, err := b.Get("b", 1, now.Add(jobKept+time.Minute)); err == nil {
		t.Error("a job kept past its hour")
	}
}

// Finished zips are dropped, oldest first, once together they pass maxHeldBytes.
func TestBatchJobsHeldBytes(t *testing.T) {
	now := time.Date(2025, 6, 1, 9, 0, 0, 0, time.UTC)
	b := NewJobs()
	big := make([]byte, maxHeldBytes/2+1)
	for i, id := range []string{"first", "second"} {
		j := &Job{id: id, owner: int64(i + 1), started: now.Add(time.Duration(i) * time.Second)}
		if err := b.Add(j, now); err != nil {
			t.Fatal(err)
		}
		j.Finish(big, nil, now)
	}
	if err := b.Add(&Job{id: "third", owner: 3, started: now.Add(time.Minute)}, now); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Get("first", 1, now); err == nil {
		t.Error("the oldest zip was kept past the byte cap")
	}
	if _, err := b.Get("second", 2, now); err != nil {
		t.Errorf("a zip within the cap was dropped: %v", err)
	}
}
