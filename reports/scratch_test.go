package reports

import (
	"os"
	"testing"
)

func TestScratchRender(t *testing.T) {
	for _, l := range Langs {
		b, err := RenderProfile(adraProfile(l))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile("/tmp/scratch/profile-"+string(l)+".pdf", b, 0o644)
		b, err = RenderFactSheet(improFactSheet(l))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile("/tmp/scratch/fact-"+string(l)+".pdf", b, 0o644)
	}
}
