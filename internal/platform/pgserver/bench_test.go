package pgserver

import (
	"context"
	"os"
	"testing"
)

func benchDir(b *testing.B) string {
	dir, err := os.MkdirTemp("", "pgserver-bench-")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	return dir
}

// BenchmarkFirstStart is `cartera` on a fresh machine: initdb, then start, with the
// durable settings the service uses (target: under 15 s).
func BenchmarkFirstStart(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		dir := benchDir(b)
		b.StartTimer()
		s, err := Start(context.Background(), Options{DataDir: dir})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if err := s.Stop(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}

// BenchmarkRestart is `cartera` on an existing data directory: start the cluster and
// wait until it answers (target: the whole service ready under 3 s).
func BenchmarkRestart(b *testing.B) {
	dir := benchDir(b)
	s, err := Start(context.Background(), Options{DataDir: dir})
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Stop(); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		s, err := Start(context.Background(), Options{DataDir: dir})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if err := s.Stop(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}
