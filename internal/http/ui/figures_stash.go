package ui

import (
	"crypto/rand"
	"encoding/base64"
	"sync"
	"time"

	"cartera/internal/figures"
)

// An import is previewed, then confirmed. Between the two the uploaded file waits
// here, on the server, under a random id the preview page's confirm form carries:
// the user does not upload it twice, the confirmation imports the very bytes (and
// options) that were previewed, and the preview page stays small whatever the file's
// size (a hidden base64 field would make it a third larger than the file, and send
// it both ways).
//
// The stash is this process's memory, like the login limiter: Cartera is one
// process (DESIGN.md, "One binary, one database"). After a restart, or once an
// entry expires, the confirm step says so and the user uploads the file again;
// nothing is imported half-way. Entries are bound to the session that made them.
func newUploads() *uploadStash { return newUploadStash(30*time.Minute, 64<<20, 4) }

type stashedUpload struct {
	session int64 // the session that uploaded it: only it may confirm
	name    string
	data    []byte
	sum     string // SHA-256 of data, hex, as the preview page showed it
	opts    figures.ImportOptions
	added   time.Time
}

type uploadStash struct {
	mu         sync.Mutex
	entries    map[string]*stashedUpload
	bytes      int
	ttl        time.Duration
	maxBytes   int // all entries together; the oldest go first (one upload is at most the server's body limit, 16 MB)
	perSession int // previews a session may have open at once (several tabs)
}

func newUploadStash(ttl time.Duration, maxBytes, perSession int) *uploadStash {
	return &uploadStash{entries: map[string]*stashedUpload{}, ttl: ttl, maxBytes: maxBytes, perSession: perSession}
}

// put keeps u and returns its id, making room by dropping expired entries, then the
// session's oldest beyond perSession, then the oldest of all beyond maxBytes.
func (s *uploadStash) put(now time.Time, u stashedUpload) string {
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
	for s.count(u.session) >= s.perSession {
		s.drop(s.oldest(func(e *stashedUpload) bool { return e.session == u.session }))
	}
	for len(s.entries) > 0 && s.bytes+len(u.data) > s.maxBytes {
		s.drop(s.oldest(func(*stashedUpload) bool { return true }))
	}
	s.entries[id] = &u
	s.bytes += len(u.data)
	return id
}

// get returns the upload kept under id for this session, if it is still there.
func (s *uploadStash) get(now time.Time, id string, session int64) (*stashedUpload, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.entries[id]
	if !ok || e.session != session {
		return nil, false
	}
	if now.Sub(e.added) > s.ttl {
		s.drop(id)
		return nil, false
	}
	return e, true
}

// remove forgets an upload once it is imported (or refused), so a second click on
// "Confirm import" cannot run it again.
func (s *uploadStash) remove(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.drop(id)
}

func (s *uploadStash) drop(id string) {
	if e, ok := s.entries[id]; ok {
		s.bytes -= len(e.data)
		delete(s.entries, id)
	}
}

func (s *uploadStash) count(session int64) int {
	n := 0
	for _, e := range s.entries {
		if e.session == session {
			n++
		}
	}
	return n
}

func (s *uploadStash) oldest(match func(*stashedUpload) bool) string {
	var id string
	var at time.Time
	for k, e := range s.entries {
		if match(e) && (id == "" || e.added.Before(at)) {
			id, at = k, e.added
		}
	}
	return id
}
