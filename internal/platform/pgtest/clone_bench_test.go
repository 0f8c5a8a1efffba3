package pgtest

import (
	"os"
	"testing"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

// BenchmarkNew is the cost of a test's own database: clone the migrated template and
// connect to it (DESIGN.md expects tens of milliseconds).
func BenchmarkNew(b *testing.B) {
	New(b) // the first call starts the cluster and migrates the template
	for b.Loop() {
		New(b)
	}
}
