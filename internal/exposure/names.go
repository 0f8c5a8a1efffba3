package exposure

import (
	"sync"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"cartera/internal/partner"
)

// countryNames remembers the names looked up: x/text's lookup was a twentieth of an
// exposure by country.
var countryNames sync.Map

// countryName is a country's English name, or its code.
func countryName(code string) string {
	if n, ok := countryNames.Load(code); ok {
		return n.(string)
	}
	name := code
	if r, err := language.ParseRegion(code); err == nil {
		if n := display.English.Regions().Name(r); n != "" {
			name = n
		}
	}
	countryNames.Store(code, name)
	return name
}

var legalStatusLabels = map[partner.LegalStatus]string{
	partner.NGO: "NGO", partner.Cooperative: "Cooperative", partner.NBFI: "Non-bank financial institution",
	partner.Bank: "Bank", partner.OtherStatus: "Other",
}

func legalStatusLabel(s partner.LegalStatus) string {
	if l, ok := legalStatusLabels[s]; ok {
		return l
	}
	return string(s)
}
