package statements

import (
	"testing"
	"time"
)

func TestUploadStash(t *testing.T) {
	s := NewStash(time.Hour, 10, 2)
	t0 := time.Date(2024, 1, 1, 9, 0, 0, 0, time.UTC)
	a := s.Put(t0, Stashed{Session: 1, Data: []byte("aaaa")})
	if _, ok := s.Get(t0, a, 2); ok {
		t.Error("another session reads the upload")
	}
	if u, ok := s.Get(t0.Add(time.Minute), a, 1); !ok || string(u.Data) != "aaaa" {
		t.Fatalf("get = %v, %v", u, ok)
	}
	if _, ok := s.Get(t0.Add(61*time.Minute), a, 1); ok {
		t.Error("an expired upload is still there")
	}

	// A session keeps at most two; the oldest goes first.
	b := s.Put(t0, Stashed{Session: 1, Data: []byte("b")})
	c := s.Put(t0.Add(time.Second), Stashed{Session: 1, Data: []byte("c")})
	d := s.Put(t0.Add(2*time.Second), Stashed{Session: 1, Data: []byte("d")})
	if _, ok := s.Get(t0, b, 1); ok {
		t.Error("the session's oldest upload was kept beyond two")
	}
	for _, id := range []string{c, d} {
		if _, ok := s.Get(t0, id, 1); !ok {
			t.Error("a recent upload was dropped")
		}
	}
	// The byte cap drops the oldest of anyone's.
	e := s.Put(t0.Add(3*time.Second), Stashed{Session: 2, Data: []byte("eeeeeeeee")})
	if _, ok := s.Get(t0, c, 1); ok {
		t.Error("the byte cap was not enforced")
	}
	if _, ok := s.Get(t0, d, 1); !ok {
		t.Error("the byte cap dropped more than it needed")
	}
	if _, ok := s.Get(t0, e, 2); !ok || s.bytes != 10 {
		t.Errorf("bytes held %d", s.bytes)
	}
	s.Remove(e)
	if _, ok := s.Get(t0, e, 2); ok {
		t.Error("a removed upload is still there")
	}
}

// Every canonical figure has a plain-English label and a fieldset, once.
