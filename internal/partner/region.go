package partner

import (
	"fmt"
	"strings"
	"sync"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// WorldRegion is a group of countries of the UN M.49 standard, such as 419 (Latin
// America and the Caribbean), 005 (South America) or 202 (Sub-Saharan Africa). Peer
// groups and exposure are cut by world region; a partner's own Region field is the
// area it works in (a city, a province), too local to group by.
type WorldRegion struct {
	Code string // the M.49 code, e.g. "419"
	Name string // its English name, e.g. "Latin America"
	r    language.Region
}

// ParseWorldRegion reads an M.49 group code ("419") or its English name, in any
// letter case ("latin america").
func ParseWorldRegion(s string) (WorldRegion, error) {
	s = strings.TrimSpace(s)
	if r, err := language.ParseRegion(s); err == nil && r.IsGroup() && r.M49() != 0 {
		return worldRegion(r), nil
	}
	regionNamesOnce.Do(loadRegionNames)
	if wr, ok := regionNames[strings.ToLower(s)]; ok {
		return wr, nil
	}
	return WorldRegion{}, fmt.Errorf("%q is not a UN M.49 region code or name (e.g. 419 or Latin America, 005 or South America, 202 or Sub-Saharan Africa)", s)
}

func worldRegion(r language.Region) WorldRegion {
	return WorldRegion{Code: fmt.Sprintf("%03d", r.M49()), Name: display.English.Regions().Name(r), r: r}
}

// Contains reports whether the country (ISO 3166-1 alpha-2) lies in the region.
func (w WorldRegion) Contains(country string) bool {
	c, err := language.ParseRegion(country)
	return err == nil && w.r.Contains(c)
}

// Countries lists the region's countries (ISO codes, sorted).
func (w WorldRegion) Countries() []string {
	countriesOnce.Do(loadCountries)
	var out []string
	for _, c := range allCountries {
		if w.Contains(c) {
			out = append(out, c)
		}
	}
	return out
}

var (
	regionNamesOnce sync.Once
	regionNames     map[string]WorldRegion // lower-case English name → region
	countriesOnce   sync.Once
	allCountries    []string
)

// loadRegionNames indexes the M.49 groups by name: the three-digit codes are few.
func loadRegionNames() {
	regionNames = map[string]WorldRegion{}
	for n := 1; n < 1000; n++ {
		r, err := language.ParseRegion(fmt.Sprintf("%03d", n))
		if err != nil || !r.IsGroup() {
			continue
		}
		wr := worldRegion(r)
		if wr.Name != "" {
			regionNames[strings.ToLower(wr.Name)] = wr
		}
	}
}

func loadCountries() {
	for a := 'A'; a <= 'Z'; a++ {
		for b := 'A'; b <= 'Z'; b++ {
			if code := string([]rune{a, b}); IsCountryCode(code) {
				allCountries = append(allCountries, code)
			}
		}
	}
}

// peerRegions are the UN M.49 groupings partners are compared within, the cuts rating
// agencies and MIX Market benchmark by; a country belongs to the first that holds it.
var peerRegions = []string{"419", "202", "015", "145", "143", "030", "034", "035", "151", "150", "021", "009"}

// IsPeerRegion reports whether an M.49 code is one of the regions partners are
// grouped by (PeerRegionOf's).
func IsPeerRegion(code string) bool {
	for _, c := range peerRegions {
		if c == code {
			return true
		}
	}
	return false
}

// PeerRegionOf is the world region a partner in the country is compared within:
// Latin America and the Caribbean, Sub-Saharan Africa, Northern Africa, Western,
// Central, Eastern, Southern or South-eastern Asia, Eastern Europe, the rest of
// Europe, Northern America or Oceania.
func PeerRegionOf(country string) (WorldRegion, bool) {
	for _, code := range peerRegions {
		if wr, err := ParseWorldRegion(code); err == nil && wr.Contains(country) {
			return wr, true
		}
	}
	return WorldRegion{}, false
}
