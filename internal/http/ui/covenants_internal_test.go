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

// TestOptionsHTML: the partner filter's options, written without the template engine,
// escape what a name holds and select the one chosen.
func TestOptionsHTML(t *testing.T) {
	got := string(optionsHTML([]Option{{"", "every partner"}, {"7", `Fe & "Vida" <sa>`}, {"8", "Otra"}}, "7"))
	want := `<option value="">every partner</option><option value="7" selected>Fe &amp; &#34;Vida&#34; &lt;sa&gt;</option>` +
		`<option value="8">Otra</option>`
	if got != want {
		t.Errorf("optionsHTML:\n%s\nwant\n%s", got, want)
	}
}
