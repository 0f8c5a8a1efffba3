package partner

import (
	"context"
	"strings"
	"testing"
)

func TestParseWorldRegion(t *testing.T) {
	tests := []struct {
		in, code      string
		contains, not []string
	}{
		{"419", "419", []string{"BO", "PE", "MX", "HT"}, []string{"US", "KE", "ES"}},
		{"latin america", "419", []string{"CO"}, []string{"CA"}},
		{" South America ", "005", []string{"BO", "EC"}, []string{"MX"}},
		{"202", "202", []string{"KE", "SN"}, []string{"MA", "EG"}},
		{"Southeast Asia", "035", []string{"KH", "PH"}, []string{"IN"}},
	}
	for _, tt := range tests {
		wr, err := ParseWorldRegion(tt.in)
		if err != nil {
			t.Errorf("%q: %v", tt.in, err)
			continue
		}
		if wr.Code != tt.code || wr.Name == "" {
			t.Errorf("%q = %+v, want code %s", tt.in, wr, tt.code)
		}
		for _, c := range tt.contains {
			if !wr.Contains(c) {
				t.Errorf("%s should contain %s", wr.Name, c)
			}
		}
		for _, c := range tt.not {
			if wr.Contains(c) {
				t.Errorf("%s should not contain %s", wr.Name, c)
			}
		}
		countries := wr.Countries()
		if len(countries) == 0 || !strings.Contains(strings.Join(countries, ","), tt.contains[0]) {
			t.Errorf("%s countries %v", wr.Name, countries)
		}
	}
	for _, bad := range []string{"", "BO", "Atlantis", "999", "12345"} {
		if _, err := ParseWorldRegion(bad); err == nil {
			t.Errorf("%q was taken for a world region", bad)
		}
	}
}

func TestFilters(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	village := VillageBanking
	for _, f := range []Fields{
		{Name: "Crecer", Country: "BO", LegalStatus: NGO, Methodology: &village},
		{Name: "BancoSol", Country: "BO", LegalStatus: Bank},
		{Name: "Mibanco", Country: "PE", LegalStatus: Bank},
		{Name: "Faulu", Country: "KE", LegalStatus: NBFI, Methodology: &village},
	} {
		if _, err := s.Create(ctx, system, f); err != nil {
			t.Fatal(err)
		}
	}
	latam, _ := ParseWorldRegion("419")
	tests := []struct {
		name   string
		filter Filter
		want   string
	}{
		{"all", Filter{}, "BancoSol,Crecer,Faulu,Mibanco"},
		{"legal status", Filter{LegalStatus: Bank}, "BancoSol,Mibanco"},
		{"methodology", Filter{Methodology: VillageBanking}, "Crecer,Faulu"},
		{"world region", Filter{WorldRegion: &latam}, "BancoSol,Crecer,Mibanco"},
		{"region and status", Filter{WorldRegion: &latam, LegalStatus: Bank, Country: "PE"}, "Mibanco"},
	}
	for _, tt := range tests {
		refs, err := s.Refs(ctx, tt.filter)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, r := range refs {
			names = append(names, r.Name)
		}
		if got := strings.Join(names, ","); got != tt.want {
			t.Errorf("%s: refs %s, want %s", tt.name, got, tt.want)
		}
		full, err := s.List(ctx, tt.filter)
		if err != nil || len(full) != len(refs) {
			t.Errorf("%s: list has %d partners, refs %d (%v)", tt.name, len(full), len(refs), err)
		}
	}
}

func TestPeerRegionOf(t *testing.T) {
	cases := []struct{ country, region string }{
		{"BO", "419"}, {"PE", "419"}, {"MX", "419"}, {"HT", "419"},
		{"KE", "202"}, {"SN", "202"}, {"MA", "015"}, {"KH", "035"}, {"IN", "034"},
		{"KG", "143"}, {"GE", "145"}, {"UA", "151"}, {"BE", "150"}, {"US", "021"}, {"PG", "009"},
	}
	for _, c := range cases {
		wr, ok := PeerRegionOf(c.country)
		if !ok || wr.Code != c.region {
			t.Errorf("PeerRegionOf(%s) = %s %v, want %s", c.country, wr.Code, ok, c.region)
		}
	}
	if wr, ok := PeerRegionOf("XX"); ok {
		t.Errorf("PeerRegionOf(XX) = %s, want none", wr.Code)
	}
}
