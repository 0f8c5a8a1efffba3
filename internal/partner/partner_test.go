package partner

import (
	"slices"
	"strings"
	"testing"

	"github.com/lib/pq"

	"cartera/internal/platform/apperr"
)

func ptr[T any](v T) *T { return &v }

// validFields is a partner that passes every rule in thisYear.
func validFields() Fields {
	return Fields{
		Name:         "Crecer IFD",
		Country:      "BO",
		Region:       "La Paz, El Alto",
		LegalStatus:  NGO,
		Founded:      ptr(1985),
		PartnerSince: ptr(2010),
		Methodology:  ptr(VillageBanking),
		Sectors:      pq.StringArray{"agriculture", "trade"},
		Description:  "Village banking for rural women.",
	}
}

const thisYear = 2025

func TestNormalize(t *testing.T) {
	f := Fields{
		Name:        "  Crecer IFD \n",
		Country:     " bo ",
		Region:      "\tLa Paz ",
		LegalStatus: " ngo ",
		Sectors:     pq.StringArray{" Agriculture ", "agriculture", "", "   ", "Livestock", "trade", "LIVESTOCK"},
		Description: "  text  ",
		Strengths:   " s ",
		Risks:       " r ",
	}
	f.Normalize()
	want := Fields{
		Name: "Crecer IFD", Country: "BO", Region: "La Paz", LegalStatus: NGO,
		Sectors:     pq.StringArray{"agriculture", "livestock", "trade"},
		Description: "text", Strengths: "s", Risks: "r",
	}
	if f.Name != want.Name || f.Country != want.Country || f.Region != want.Region || f.LegalStatus != want.LegalStatus ||
		f.Description != want.Description || f.Strengths != want.Strengths || f.Risks != want.Risks {
		t.Errorf("Normalize = %+v, want %+v", f, want)
	}
	if !slices.Equal(f.Sectors, want.Sectors) {
		t.Errorf("sectors = %q, want %q (trimmed, lower-case, no blanks or repeats, in order)", f.Sectors, want.Sectors)
	}
	if err := f.Validate(thisYear); err != nil {
		t.Errorf("normalized fields do not validate: %v", err)
	}

	// No sectors becomes an empty list, not nil: the column is NOT NULL.
	var empty Fields
	empty.Normalize()
	if empty.Sectors == nil || len(empty.Sectors) != 0 {
		t.Errorf("Normalize of no sectors = %#v, want an empty, non-nil list", empty.Sectors)
	}
	// Normalize is idempotent.
	again := f
	again.Sectors = slices.Clone(f.Sectors)
	again.Normalize()
	if again.Name != f.Name || !slices.Equal(again.Sectors, f.Sectors) {
		t.Errorf("second Normalize changed %+v into %+v", f, again)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Fields)
		want   []string // fields reported, in order; nil means valid
	}{
		{"valid", func(*Fields) {}, nil},
		{"optional fields empty", func(f *Fields) {
			f.Region, f.Founded, f.PartnerSince, f.Methodology, f.Sectors, f.Description = "", nil, nil, nil, nil, ""
		}, nil},
		{"empty name", func(f *Fields) { f.Name = "" }, []string{"name"}},
		{"blank name", func(f *Fields) { f.Name = "   " }, []string{"name"}},
		{"200-character name", func(f *Fields) { f.Name = strings.Repeat("ñ", 200) }, nil},
		{"201-character name", func(f *Fields) { f.Name = strings.Repeat("n", 201) }, []string{"name"}},
		{"empty country", func(f *Fields) { f.Country = "" }, []string{"country"}},
		{"lowercase country normalizes", func(f *Fields) { f.Country = "bo" }, nil},
		{"country XX", func(f *Fields) { f.Country = "XX" }, []string{"country"}},
		{"country UK (deprecated for GB)", func(f *Fields) { f.Country = "UK" }, []string{"country"}},
		{"country GB", func(f *Fields) { f.Country = "GB" }, nil},
		{"country ZZ", func(f *Fields) { f.Country = "ZZ" }, []string{"country"}},
		{"country BOL", func(f *Fields) { f.Country = "BOL" }, []string{"country"}},
		{"501-character region", func(f *Fields) { f.Region = strings.Repeat("r", 501) }, []string{"region"}},
		{"empty legal status", func(f *Fields) { f.LegalStatus = "" }, []string{"legal_status"}},
		{"legal status corp", func(f *Fields) { f.LegalStatus = "corp" }, []string{"legal_status"}},
		{"legal status in capitals", func(f *Fields) { f.LegalStatus = "NGO" }, []string{"legal_status"}},
		{"founded this year", func(f *Fields) { f.Founded, f.PartnerSince = ptr(thisYear), ptr(thisYear) }, nil},
		{"founded in the future", func(f *Fields) { f.Founded, f.PartnerSince = ptr(thisYear+1), nil }, []string{"founded"}},
		{"founded 1800", func(f *Fields) { f.Founded = ptr(1800) }, nil},
		{"founded 1799", func(f *Fields) { f.Founded = ptr(1799) }, []string{"founded"}},
		{"partner since 1899", func(f *Fields) { f.Founded, f.PartnerSince = nil, ptr(1899) }, []string{"partner_since"}},
		{"partner since in the future", func(f *Fields) { f.PartnerSince = ptr(thisYear + 1) }, []string{"partner_since"}},
		{"partner since before founded", func(f *Fields) { f.Founded, f.PartnerSince = ptr(2000), ptr(1999) }, []string{"partner_since"}},
		{"partner since the year founded", func(f *Fields) { f.Founded, f.PartnerSince = ptr(2000), ptr(2000) }, nil},
		{"partner since without founded", func(f *Fields) { f.Founded = nil }, nil},
		{"unknown methodology", func(f *Fields) { f.Methodology = ptr(Methodology("pyramid")) }, []string{"methodology"}},
		{"empty methodology", func(f *Fields) { f.Methodology = ptr(Methodology("")) }, []string{"methodology"}},
		{"30 sectors", func(f *Fields) { f.Sectors = sectors(30, 5) }, nil},
		{"31 sectors", func(f *Fields) { f.Sectors = sectors(31, 5) }, []string{"sectors"}},
		{"101-character sector", func(f *Fields) { f.Sectors = sectors(2, 101) }, []string{"sectors"}},
		{"20000-character description", func(f *Fields) { f.Description = strings.Repeat("d", 20000) }, nil},
		{"20001-character description", func(f *Fields) { f.Description = strings.Repeat("d", 20001) }, []string{"description"}},
		{"20001-character strengths", func(f *Fields) { f.Strengths = strings.Repeat("s", 20001) }, []string{"strengths"}},
		{"20001-character risks", func(f *Fields) { f.Risks = strings.Repeat("r", 20001) }, []string{"risks"}},
		{"several errors at once", func(f *Fields) {
			f.Name, f.Country, f.LegalStatus = "", "XX", "corp"
			f.Founded, f.PartnerSince = ptr(1700), ptr(thisYear+5)
			f.Methodology = ptr(Methodology("pyramid"))
			f.Description = strings.Repeat("d", 20001)
		}, []string{"name", "country", "legal_status", "founded", "partner_since", "methodology", "description"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := validFields()
			tt.change(&f)
			f.Normalize()
			err := f.Validate(thisYear)
			if tt.want == nil {
				if err != nil {
					t.Errorf("Validate = %v, want valid", err)
				}
				return
			}
			e, ok := apperr.As(err)
			if !ok || e.Kind != apperr.KindInvalid {
				t.Fatalf("Validate = %v, want an invalid-input error", err)
			}
			var got []string
			for _, fe := range e.Fields {
				if fe.Message == "" {
					t.Errorf("field %s has no message", fe.Field)
				}
				got = append(got, fe.Field)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("fields = %v, want %v (%v)", got, tt.want, err)
			}
		})
	}
}

// The values the schema's CHECK constraints allow are all accepted, and nothing else.
func TestValidateEnums(t *testing.T) {
	for _, s := range []string{"ngo", "cooperative", "nbfi", "bank", "other"} {
		f := validFields()
		f.LegalStatus = LegalStatus(s)
		if err := f.Validate(thisYear); err != nil {
			t.Errorf("legal status %q: %v", s, err)
		}
	}
	if len(LegalStatuses) != 5 {
		t.Errorf("LegalStatuses = %v, want the 5 of the schema", LegalStatuses)
	}
	for _, m := range []string{"individual", "solidarity_group", "village_banking", "mixed"} {
		f := validFields()
		f.Methodology = ptr(Methodology(m))
		if err := f.Validate(thisYear); err != nil {
			t.Errorf("methodology %q: %v", m, err)
		}
	}
	if len(Methodologies) != 4 {
		t.Errorf("Methodologies = %v, want the 4 of the schema", Methodologies)
	}
}

func sectors(n, length int) pq.StringArray {
	s := pq.StringArray{}
	for i := range n {
		s = append(s, strings.Repeat(string(rune('a'+i%26)), length-1)+string(rune('a'+i/26)))
	}
	return s
}

func TestIsCountryCode(t *testing.T) {
	tests := []struct {
		code string
		want bool
	}{
		{"BO", true},
		{"PE", true},
		{"US", true},
		{"GB", true},
		{"CD", true},
		{"SS", true}, // South Sudan, assigned 2011
		{"", false},
		{"B", false},
		{"BOL", false},
		{"bo", false}, // valid only once upper-cased by Normalize
		{"Bo", false},
		{"XX", false}, // user-assigned
		{"ZZ", false}, // unknown region
		{"AA", false}, // user-assigned
		{"UK", false}, // exceptionally reserved; the code is GB
		{"EU", false}, // exceptionally reserved, not a country
		{"UN", false}, // exceptionally reserved
		{"EZ", false}, // exceptionally reserved (eurozone)
		{"AC", false}, // exceptionally reserved (Ascension Island)
		{"IC", false}, // exceptionally reserved (Canary Islands)
		{"SU", false}, // Soviet Union, withdrawn
		{"YU", false}, // Yugoslavia, withdrawn
		{"CS", false}, // Serbia and Montenegro, withdrawn
		{"AN", false}, // Netherlands Antilles, withdrawn
		{"ZR", false}, // Zaire, now CD
		{"TP", false}, // East Timor, now TL
		{"DD", false}, // East Germany
		{"12", false},
		{"B0", false},
	}
	for _, tt := range tests {
		if got := IsCountryCode(tt.code); got != tt.want {
			t.Errorf("IsCountryCode(%q) = %v, want %v", tt.code, got, tt.want)
		}
	}
}

// iso3166 lists the 249 officially assigned ISO 3166-1 alpha-2 codes.
const iso3166 = `AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ
BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ
CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ
DE DJ DK DM DO DZ
EC EE EG EH ER ES ET
FI FJ FK FM FO FR
GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY
HK HM HN HR HT HU
ID IE IL IM IN IO IQ IR IS IT
JE JM JO JP
KE KG KH KI KM KN KP KR KW KY KZ
LA LB LC LI LK LR LS LT LU LV LY
MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ
NA NC NE NF NG NI NL NO NP NR NU NZ
OM
PA PE PF PG PH PK PL PM PN PR PS PT PW PY
QA
RE RO RS RU RW
SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ
TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ
UA UG UM US UY UZ
VA VC VE VG VI VN VU
WF WS
YE YT
ZA ZM ZW`

// Every pair of capital letters: accepted exactly when ISO assigns it (plus XK, the
// user-assigned code for Kosovo that the EU, IMF and CLDR use).
func TestIsCountryCodeEveryPair(t *testing.T) {
	assigned := map[string]bool{"XK": true}
	for _, c := range strings.Fields(iso3166) {
		assigned[c] = true
	}
	if len(assigned) != 250 {
		t.Fatalf("list has %d codes, want 249 + XK", len(assigned))
	}
	for a := 'A'; a <= 'Z'; a++ {
		for b := 'A'; b <= 'Z'; b++ {
			code := string([]rune{a, b})
			if got := IsCountryCode(code); got != assigned[code] {
				t.Errorf("IsCountryCode(%q) = %v, want %v", code, got, assigned[code])
			}
		}
	}
}
