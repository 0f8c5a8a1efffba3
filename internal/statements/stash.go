package statements

import (
	"crypto/rand"
	"encoding/base64"
	"sync"
	"time"
)

// An import is previewed, then confirmed. Between the two the uploaded file waits
// here, on the server, under a random id the preview page's confirm form carries:
// the user does not upload it twice, the confirmation imports the very bytes (and
// options) that were previewed, and the preview page stays small whatever the file's
// size (a hidden base64 field would make it a third larger than the file, and send
// it both ways).
//
// The stash is this process's memory, like the sign-in limiter: Cartera is one
// process (DESIGN.md, "One binary, one database"). After a restart, or once an
// entry expires, the confirm step says so and the user uploads the file again;
// nothing is imported half-way. Entries are bound to the session that made them.
// NewImportStash is the stash of import previews: 30 minutes, 64 MB in all, four
// previews a session.
func NewImportStash() *Stash { return NewStash(30*time.Minute, 64<<20, 4) }

// Stashed is a file kept between its preview and its import.
type Stashed struct {
	Session int64 // the session that uploaded it: only it may confirm
	Name    string
	Data    []byte
	Sum     string // SHA-256 of Data, hex, as the preview page showed it
	Opts    ImportOptions
	added   time.Time
}

// Stash keeps uploaded files by a random id, in this process's memory.
type Stash struct {
	mu         sync.Mutex
	entries    map[string]*Stashed
	bytes      int
	ttl        time.Duration
	maxBytes   int // all entries together; the oldest go first (one upload is at most the server's body limit, 16 MB)
	perSession int // previews a session may have open at once (several tabs)
}

// NewStash keeps files for ttl, at most maxBytes in all and perSession a session.
func NewStash(ttl time.Duration, maxBytes, perSession int) *Stash {
	return &Stash{entries: map[string]*Stashed{}, ttl: ttl, maxBytes: maxBytes, perSession: perSession}
}

// Put keeps u and returns its id, making room by dropping expired entries, then the
// session's oldest beyond perSession, then the oldest of all beyond maxBytes.
func (s *Stash) Put(now time.Time, u Stashed) string {
	var raw [16]byte
	if _, err := rand.Read(raw[:]); err != nil {
		panic("crypto/rand: " + err.Error()) // never fails on supported platforms
	}
	id := base64.RawURLEncoding.EncodeToString(raw[:])
	u.added = now

	s.mu.Lock()
	defer s.mu.Unlock()
	for k, e := range s.entries {
		if now.Sub(e.added) > s.ttl {
			s.drop(k)
		}
	}
	for s.count(u.Session) >= s.perSession {
		s.drop(s.oldest(func(e *Stashed) bool { return e.Session == u.Session }))
	}
	for len(s.entries) > 0 && s.bytes+len(u.Data) > s.maxBytes {
		s.drop(s.oldest(func(*Stashed) bool { return true }))
	}
	s.entries[id] = &u
	s.bytes += len(u.Data)
	return id
}

// Get returns the upload kept under id for this session, if it is still there.
func (s *Stash) Get(now time.Time, id string, session int64) (*Stashed, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.entries[id]
	if !ok || e.Session != session {
		return nil, false
	}
	if now.Sub(e.added) > s.ttl {
		s.drop(id)
		return nil, false
	}
	return e, true
}

// Remove forgets an upload once it is imported (or refused), so a second click on
// "Confirm import" cannot run it again.
func (s *Stash) Remove(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.drop(id)
}

func (s *Stash) drop(id string) {
	if e, ok := s.entries[id]; ok {
		s.bytes -= len(e.Data)
		delete(s.entries, id)
	}
}

func (s *Stash) count(session int64) int {
	n := 0
	for _, e := range s.entries {
		if e.Session == session {
			n++
		}
	}
	return n
}

func (s *Stash) oldest(match func(*Stashed) bool) string {
	var id string
	var at time.Time
	for k, e := range s.entries {
		if match(e) && (id == "" || e.added.Before(at)) {
			id, at = k, e.added
		}
	}
	return id
}
