package ui

import (
	"testing"

	"cartera/internal/kpi"
)

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
