// Package partner holds the fund's partner institutions (MFIs): who they are, where
// they work, how they lend.
package partner

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lib/pq"
	"golang.org/x/text/language"

	"cartera/internal/covenant"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/civil"
)

// LegalStatus is a partner's legal form.
type LegalStatus string

// The legal forms.
const (
	NGO         LegalStatus = "ngo"
	Cooperative LegalStatus = "cooperative"
	NBFI        LegalStatus = "nbfi" // non-bank financial institution
	Bank        LegalStatus = "bank"
	OtherStatus LegalStatus = "other"
)

// LegalStatuses lists the legal forms in display order.
var LegalStatuses = []LegalStatus{NGO, Cooperative, NBFI, Bank, OtherStatus}

// Methodology is how a partner lends to its clients.
type Methodology string

// The lending methodologies.
const (
	Individual      Methodology = "individual"
	SolidarityGroup Methodology = "solidarity_group"
	VillageBanking  Methodology = "village_banking"
	Mixed           Methodology = "mixed"
)

// Methodologies lists the methodologies in display order.
var Methodologies = []Methodology{Individual, SolidarityGroup, VillageBanking, Mixed}

// Length limits, also enforced by the schema.
const (
	MaxNameLength   = 200
	MaxRegionLength = 500
	MaxTextLength   = 20000
	MaxSectors      = 30
	MaxSectorLength = 100
	earliestYear    = 1800
)

// Fields are the facts a user sets on a partner.
type Fields struct {
	Name         string         `db:"name" json:"name"`
	Country      string         `db:"country" json:"country"`
	Region       string         `db:"region" json:"region"`
	LegalStatus  LegalStatus    `db:"legal_status" json:"legal_status"`
	Founded      *int           `db:"founded" json:"founded"`
	PartnerSince *int           `db:"partner_since" json:"partner_since"`
	Methodology  *Methodology   `db:"methodology" json:"methodology"`
	Sectors      pq.StringArray `db:"sectors" json:"sectors"`
	Description  string         `db:"description" json:"description"`
	Strengths    string         `db:"strengths" json:"strengths"`
	Risks        string         `db:"risks" json:"risks"`
	// The reporting obligation: how often the partner reports its figures (quarterly,
	// semiannual, annual), from which period on, and the days after a period end they
	// are due (nil: covenant.Obligation's default). Frequency and start go together.
	ReportingFrequency *string    `db:"reporting_frequency" json:"reporting_frequency"`
	ReportingFrom      *time.Time `db:"reporting_from" json:"reporting_from"`
	ReportingDueDays   *int       `db:"reporting_due_days" json:"reporting_due_days"`
}

// Partner is a stored partner.
type Partner struct {
	ID int64 `db:"id" json:"id"`
	Fields
	CreatedAt time.Time `db:"created_at" json:"created_at"`
	UpdatedAt time.Time `db:"updated_at" json:"updated_at"`
}

// Normalize trims text, upper-cases the country code and tidies the sector list
// (trimmed, lower-case, no blanks or repeats, in the order given).
func (f *Fields) Normalize() {
	f.Name = strings.TrimSpace(f.Name)
	f.Country = strings.ToUpper(strings.TrimSpace(f.Country))
	f.Region = strings.TrimSpace(f.Region)
	f.LegalStatus = LegalStatus(strings.TrimSpace(string(f.LegalStatus)))
	f.Description = strings.TrimSpace(f.Description)
	f.Strengths = strings.TrimSpace(f.Strengths)
	f.Risks = strings.TrimSpace(f.Risks)
	sectors := pq.StringArray{}
	seen := map[string]bool{}
	for _, s := range f.Sectors {
		s = strings.ToLower(strings.TrimSpace(s))
		if s != "" && !seen[s] {
			seen[s] = true
			sectors = append(sectors, s)
		}
	}
	f.Sectors = sectors
	if f.ReportingFrequency != nil {
		v := strings.ToLower(strings.TrimSpace(*f.ReportingFrequency))
		f.ReportingFrequency = &v
		if v == "" {
			f.ReportingFrequency = nil
		}
	}
	if f.ReportingFrom != nil {
		// A date compares as a date: the driver's time zone must not make an edit look
		// like a change.
		d := civil.Of(*f.ReportingFrom)
		f.ReportingFrom = &d
	}
}

// Obligation is the partner's reporting obligation, and whether it has one.
func (f Fields) Obligation() (covenant.Obligation, bool) {
	if f.ReportingFrequency == nil || f.ReportingFrom == nil {
		return covenant.Obligation{}, false
	}
	o := covenant.Obligation{Frequency: covenant.Frequency(*f.ReportingFrequency), From: *f.ReportingFrom}
	if f.ReportingDueDays != nil {
		o.DueDays = *f.ReportingDueDays
	}
	return o, true
}

// Validate checks every rule and reports every field that breaks one. thisYear bounds
// the years: nothing was founded, or became a partner, in the future.
func (f Fields) Validate(thisYear int) error {
	var bad apperr.Fields
	f.checkIdentity(&bad)
	f.checkYears(&bad, thisYear)
	if f.Methodology != nil && !f.Methodology.Valid() {
		bad.Add("methodology", "must be one of individual, solidarity_group, village_banking, mixed")
	}
	f.checkTexts(&bad)
	f.checkReporting(&bad)
	return bad.Err()
}

// checkIdentity checks the name, the country, the region and the legal status.
func (f Fields) checkIdentity(bad *apperr.Fields) {
	switch n := utf8.RuneCountInString(f.Name); {
	case n == 0:
		bad.Add("name", "is required")
	case n > MaxNameLength:
		bad.Add("name", "must be at most %d characters", MaxNameLength)
	}
	if f.Country == "" {
		bad.Add("country", "is required")
	} else if !IsCountryCode(f.Country) {
		bad.Add("country", "%q is not an ISO 3166-1 alpha-2 country code (e.g. BO, PE)", f.Country)
	}
	if utf8.RuneCountInString(f.Region) > MaxRegionLength {
		bad.Add("region", "must be at most %d characters", MaxRegionLength)
	}
	switch {
	case f.LegalStatus == "":
		bad.Add("legal_status", "is required")
	case !f.LegalStatus.Valid():
		bad.Add("legal_status", "must be one of ngo, cooperative, nbfi, bank, other")
	}
}

// checkYears checks the year founded and the year the partnership began.
func (f Fields) checkYears(bad *apperr.Fields, thisYear int) {
	if f.Founded != nil && (*f.Founded < earliestYear || *f.Founded > thisYear) {
		bad.Add("founded", "must be a year between %d and %d", earliestYear, thisYear)
	}
	if f.PartnerSince != nil {
		switch {
		case *f.PartnerSince < 1900 || *f.PartnerSince > thisYear:
			bad.Add("partner_since", "must be a year between 1900 and %d", thisYear)
		case f.Founded != nil && *f.PartnerSince < *f.Founded:
			bad.Add("partner_since", "cannot be before the year founded (%d)", *f.Founded)
		}
	}
}

// checkTexts checks the sectors and the free texts' lengths.
func (f Fields) checkTexts(bad *apperr.Fields) {
	if len(f.Sectors) > MaxSectors {
		bad.Add("sectors", "at most %d sectors", MaxSectors)
	}
	for _, s := range f.Sectors {
		if utf8.RuneCountInString(s) > MaxSectorLength {
			bad.Add("sectors", "each sector must be at most %d characters", MaxSectorLength)
			break
		}
	}
	for _, text := range []struct{ field, value string }{
		{"description", f.Description}, {"strengths", f.Strengths}, {"risks", f.Risks},
	} {
		if utf8.RuneCountInString(text.value) > MaxTextLength {
			bad.Add(text.field, "must be at most %d characters", MaxTextLength)
		}
	}
}

// checkReporting checks the reporting obligation: a known frequency and a start
// date, both or neither, and due days within the schema's 1 to 365.
func (f Fields) checkReporting(bad *apperr.Fields) {
	if f.ReportingFrequency != nil {
		if _, err := covenant.ParseReportingFrequency(*f.ReportingFrequency); err != nil {
			bad.Add("reporting_frequency", "must be one of quarterly, semiannual, annual")
		} else if f.ReportingFrom == nil {
			bad.Add("reporting_from", "is required with a reporting frequency: the first period the partner reports")
		}
	}
	if f.ReportingFrom != nil {
		if y := f.ReportingFrom.Year(); y < 1900 || y > 2200 {
			bad.Add("reporting_from", "must be a date between 1900 and 2200")
		}
		if f.ReportingFrequency == nil {
			bad.Add("reporting_frequency", "is required with a reporting start date: quarterly, semiannual or annual")
		}
	}
	if f.ReportingDueDays != nil {
		switch {
		case *f.ReportingDueDays < 1 || *f.ReportingDueDays > 365:
			bad.Add("reporting_due_days", "must be a number of days from 1 to 365 (empty: 45 for quarters and half-years, 120 for years)")
		case f.ReportingFrequency == nil:
			bad.Add("reporting_due_days", "applies only with a reporting frequency")
		}
	}
}

// Valid reports whether s is a known legal status.
func (s LegalStatus) Valid() bool {
	for _, v := range LegalStatuses {
		if s == v {
			return true
		}
	}
	return false
}

// Valid reports whether m is a known methodology.
func (m Methodology) Valid() bool {
	for _, v := range Methodologies {
		if m == v {
			return true
		}
	}
	return false
}

// IsCountryCode reports whether code is an assigned ISO 3166-1 alpha-2 country code
// (or XK, Kosovo's user-assigned code, which CLDR treats as a country).
func IsCountryCode(code string) bool {
	if len(code) != 2 || withdrawnCodes[code] {
		return false
	}
	r, err := language.ParseRegion(code)
	// ParseRegion keeps deprecated codes (UK, ZR, TP...) and reserved ones (EU, UN, AC,
	// IC...) as they are. A deprecated code canonicalizes to its successor, and a
	// reserved one has no UN M.49 number: only current codes are accepted, so stored
	// codes are canonical.
	return err == nil && r.IsCountry() && r.String() == code &&
		r.Canonicalize() == r && r.M49() != 0
}

// withdrawnCodes are former ISO 3166-1 codes of countries that split, which CLDR keeps
// because no single code replaces them.
var withdrawnCodes = map[string]bool{"AN": true, "CS": true, "NT": true, "SU": true, "YU": true}
