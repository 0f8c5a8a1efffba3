package publish

import (
	"cartera/internal/platform/apperr"
	"cartera/reports"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// Newsletter jobs: a batch of fact sheets made in the background, held in memory
// for its owner to download.

const (
	// jobKept is how long a finished job, and its zip, stays downloadable.
	jobKept = time.Hour
	// maxJobs caps the jobs held at once, across users: each holds its zip in memory
	// (about 40 KB a sheet).
	maxJobs = 12
	// maxRunningPerUser keeps one user from taking every core with batches.
	maxRunningPerUser = 2
	// maxHeldBytes caps the finished zips kept at once: the oldest go first (a sheet
	// is 20–40 KB, so a 2,000-partner book's zip is about 60 MB).
	maxHeldBytes = 256 << 20
	// JobTimeout bounds a job, however large the batch or slow the database.
	JobTimeout = 15 * time.Minute
)

// Jobs are the newsletter jobs of every user, in memory: a restart loses them,
// which costs no more than making the zip again.
type Jobs struct {
	mu   sync.Mutex
	jobs map[string]*Job
}

// NewJobs is an empty job store.
func NewJobs() *Jobs { return &Jobs{jobs: map[string]*Job{}} }

// Job is one zip being made, or made. Its fields after mu change as it runs.
type Job struct {
	id      string
	owner   int64 // the user who started it; nobody else may see it
	lang    reports.Lang
	started time.Time

	mu          sync.Mutex
	done, total int
	ended       time.Time // zero while running
	err         error
	zip         []byte
}

// JobStatus is a job as its page shows it, copied under the job's lock.
type JobStatus struct {
	ID          string
	Lang        reports.Lang
	Done, Total int
	Running     bool
	Error       string
	Size        int
	Started     time.Time
}

// Percent is how far the job is, for people who read numbers rather than bars.
func (s JobStatus) Percent() int {
	if s.Total == 0 {
		return 0
	}
	return 100 * s.Done / s.Total
}

// KB is the zip's size, rounded up.
func (s JobStatus) KB() int { return (s.Size + 1023) / 1024 }

// Status is the job as it stands.
func (j *Job) Status() JobStatus {
	j.mu.Lock()
	defer j.mu.Unlock()
	s := JobStatus{ID: j.id, Lang: j.lang, Done: j.done, Total: j.total, Running: j.ended.IsZero(), Size: len(j.zip), Started: j.started}
	if j.err != nil {
		s.Error = jobErrorMessage(j.err)
	}
	return s
}

// Progress records how many sheets of how many are made.
func (j *Job) Progress(done, total int) {
	j.mu.Lock()
	j.done, j.total = done, total
	j.mu.Unlock()
}

// Finish records the job's outcome: its zip, or why it failed.
func (j *Job) Finish(zip []byte, err error, at time.Time) {
	j.mu.Lock()
	j.zip, j.err, j.ended = zip, err, at
	if err != nil {
		j.zip = nil
	}
	j.mu.Unlock()
}

// expired reports whether a finished job has been kept long enough.
func (j *Job) expired(now time.Time) bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	return !j.ended.IsZero() && now.Sub(j.ended) > jobKept
}

func (j *Job) running() bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.ended.IsZero()
}

// Add registers a new job. It makes room by forgetting expired jobs, then the
// oldest finished ones; running jobs are never dropped, so when every slot runs, or
// the user already runs their share, the job is refused.
func (b *Jobs) Add(j *Job, now time.Time) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.prune(now)
	mine := 0
	for _, o := range b.jobs {
		if o.owner == j.owner && o.running() {
			mine++
		}
	}
	if mine >= maxRunningPerUser {
		return apperr.Conflict("", fmt.Sprintf("You already have %d newsletters being made: wait for one of them to finish, then start this one.", mine))
	}
	for len(b.jobs) >= maxJobs || b.heldBytes() > maxHeldBytes {
		var oldest *Job
		for _, o := range b.jobs {
			if !o.running() && (oldest == nil || o.started.Before(oldest.started)) {
				oldest = o
			}
		}
		if oldest == nil {
			if len(b.jobs) < maxJobs {
				break // only running jobs hold memory: they finish first
			}
			return apperr.Conflict("", "Too many newsletters are being made right now: please try again in a minute.")
		}
		delete(b.jobs, oldest.id)
	}
	b.jobs[j.id] = j
	return nil
}

// heldBytes is the size of the finished zips kept.
func (b *Jobs) heldBytes() int {
	n := 0
	for _, j := range b.jobs {
		j.mu.Lock()
		n += len(j.zip)
		j.mu.Unlock()
	}
	return n
}

func (b *Jobs) prune(now time.Time) {
	for id, j := range b.jobs {
		if j.expired(now) {
			delete(b.jobs, id)
		}
	}
}

// Get returns the user's job. Another user's job is reported as missing, the same
// as an unknown one, so ids reveal nothing.
func (b *Jobs) Get(id string, owner int64, now time.Time) (*Job, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.prune(now)
	j := b.jobs[id]
	if j == nil || j.owner != owner {
		return nil, apperr.NotFound("there is no newsletter %q: finished newsletters are kept for an hour", id)
	}
	return j, nil
}

func newJobID() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("job id: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// jobErrorMessage is what the job page says of a failure: a domain error's own words
// (a partner without figures for a year asked for), else no internals.
func jobErrorMessage(err error) string {
	if e, ok := apperr.As(err); ok {
		if len(e.Fields) == 0 {
			return e.Message
		}
		msgs := make([]string, len(e.Fields))
		for i, f := range e.Fields {
			msgs[i] = f.Field + ": " + f.Message
		}
		return strings.Join(msgs, "; ")
	}
	if strings.Contains(err.Error(), context.DeadlineExceeded.Error()) {
		return fmt.Sprintf("It took longer than %s and was stopped: choose fewer partners and try again.", JobTimeout)
	}
	return "Something went wrong on our side while making the fact sheets; please try again."
}

// Of lists a user's jobs, newest first, for the form page.
func (b *Jobs) Of(owner int64, now time.Time) []JobStatus {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.prune(now)
	var out []JobStatus
	for _, j := range b.jobs {
		if j.owner == owner {
			out = append(out, j.Status())
		}
	}
	slices.SortFunc(out, func(a, b JobStatus) int { return b.Started.Compare(a.Started) })
	return out
}

// NewJob is a job for the owner's batch of total sheets in lang, started now, with a
// random id that names it in URLs.
func NewJob(owner int64, lang reports.Lang, total int, now time.Time) (*Job, error) {
	id, err := newJobID()
	if err != nil {
		return nil, err
	}
	return &Job{id: id, owner: owner, lang: lang, started: now, total: total}, nil
}

// ID names the job.
func (j *Job) ID() string { return j.id }

// Owner is the user who started the job.
func (j *Job) Owner() int64 { return j.owner }

// Zip is the finished job's archive (nil while running or after a failure).
func (j *Job) Zip() []byte {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.zip // never changed once the job has ended
}
