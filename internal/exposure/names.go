package exposure

import "cartera/internal/partner"

func countryName(code string) string { return partner.CountryName(code) }

func legalStatusLabel(s partner.LegalStatus) string { return s.Label() }
