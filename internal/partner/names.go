package partner

import (
	"sync"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// countryNames remembers the names looked up: x/text's lookup was a twentieth of an
// exposure by country.
var countryNames sync.Map

// CountryName is a country's English name, or its code when it has none.
func CountryName(code string) string {
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

var legalStatusLabels = map[LegalStatus]string{
	NGO: "NGO", Cooperative: "Cooperative", NBFI: "Non-bank financial institution",
	Bank: "Bank", OtherStatus: "Other",
}

// Label is the legal form's English name.
func (s LegalStatus) Label() string {
	if l, ok := legalStatusLabels[s]; ok {
		return l
	}
	return string(s)
}

var methodologyLabels = map[Methodology]string{
	Individual: "Individual", SolidarityGroup: "Solidarity group", VillageBanking: "Village banking", Mixed: "Mixed",
}

// Label is the methodology's English name.
func (m Methodology) Label() string {
	if l, ok := methodologyLabels[m]; ok {
		return l
	}
	return string(m)
}
