package exposure

import (
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"cartera/internal/partner"
)

// countryName is a country's English name, or its code.
func countryName(code string) string {
	if r, err := language.ParseRegion(code); err == nil {
		if n := display.English.Regions().Name(r); n != "" {
			return n
		}
	}
	return code
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
