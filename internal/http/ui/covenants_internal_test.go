package ui

import (
	"testing"

	"cartera/internal/covenant"
)

// Every metric a covenant may test reads in words in the add form's list, and no two
// read alike (the ratio "women_share" and the count "women_clients" once did).
func TestEveryCovenantMetricHasItsOwnLabel(t *testing.T) {
	seen := map[string]string{}
	for _, m := range covenant.Metrics() {
		l := metricLabel(m.Name)
		if other, ok := seen[l]; ok {
			t.Errorf("%s and %s both read %q", other, m.Name, l)
		}
		seen[l] = m.Name
	}
}
