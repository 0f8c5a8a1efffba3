package ui

import (
	"testing"
	"time"

	"cartera/internal/kpi"
)

func TestUploadStash(t *testing.T) {
	s := newUploadStash(time.Hour, 10, 2)
	t0 := time.Date(2024, 1, 1, 9, 0, 0, 0, time.UTC)
	a := s.put(t0, stashedUpload{session: 1, data: []byte("aaaa")})
	if _, ok := s.get(t0, a, 2); ok {
		t.Error("another session reads the upload")
	}
	if u, ok := s.get(t0.Add(time.Minute), a, 1); !ok || string(u.data) != "aaaa" {
		t.Fatalf("get = %v, %v", u, ok)
	}
	if _, ok := s.get(t0.Add(61*time.Minute), a, 1); ok {
		t.Error("an expired upload is still there")
	}

	// A session keeps at most two; the oldest goes first.
	b := s.put(t0, stashedUpload{session: 1, data: []byte("b")})
	c := s.put(t0.Add(time.Second), stashedUpload{session: 1, data: []byte("c")})
	d := s.put(t0.Add(2*time.Second), stashedUpload{session: 1, data: []byte("d")})
	if _, ok := s.get(t0, b, 1); ok {
		t.Error("the session's oldest upload was kept beyond two")
	}
	for _, id := range []string{c, d} {
		if _, ok := s.get(t0, id, 1); !ok {
			t.Error("a recent upload was dropped")
		}
	}
	// The byte cap drops the oldest of anyone's.
	e := s.put(t0.Add(3*time.Second), stashedUpload{session: 2, data: []byte("eeeeeeeee")})
	if _, ok := s.get(t0, c, 1); ok {
		t.Error("the byte cap was not enforced")
	}
	if _, ok := s.get(t0, d, 1); !ok {
		t.Error("the byte cap dropped more than it needed")
	}
	if _, ok := s.get(t0, e, 2); !ok || s.bytes != 10 {
		t.Errorf("bytes held %d", s.bytes)
	}
	s.remove(e)
	if _, ok := s.get(t0, e, 2); ok {
		t.Error("a removed upload is still there")
	}
}

// Every canonical figure has a plain-English label and a fieldset, once.
func TestFigureFormCoversEveryInput(t *testing.T) {
	seen := map[string]bool{}
	for _, g := range figureGroups() {
		for _, f := range g.Fields {
			if seen[f.Name] {
				t.Errorf("%s is in two fieldsets", f.Name)
			}
			seen[f.Name] = true
			if f.Label == f.Name {
				t.Errorf("%s has no label", f.Name)
			}
		}
	}
	for _, in := range kpi.Inputs {
		if !seen[in.Name] {
			t.Errorf("%s is not on the form (group %q)", in.Name, in.Group)
		}
	}
}
