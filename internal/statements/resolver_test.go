package statements

import (
	"strings"
	"testing"

	"cartera/internal/partner"
)

// TestPartnerResolver walks every way a partner cell resolves, without a database.
func TestPartnerResolver(t *testing.T) {
	resolve := partnerResolver([]partner.Ref{
		{ID: 1, Name: "Impro", Country: "BO"},
		{ID: 2, Name: "Impro", Country: "PE"},
		{ID: 3, Name: "7", Country: "BO"}, // a name that reads as another partner's id
		{ID: 7, Name: "Fie", Country: "BO"},
		{ID: 9, Name: "Crecer", Country: "PE"},
		{ID: 4, Name: "1", Country: "PE"}, // a name that reads as the id of a partner elsewhere
	})
	tests := []struct {
		cell, country string
		id            int64
		msg           string // a part of the message; "" for none
	}{
		{"impro", "PE", 2, ""},
		{"IMPRO", "BO", 1, ""},
		{"Impro", "", 0, "2 partners are named \"Impro\" (in BO, PE)"},
		{"Nueva", "BO", 0, ""}, // no such name: may be created
		{"9", "", 9, ""},       // an id alone
		{"9", "PE", 9, ""},     // an id in the row's country
		{"9", "BO", 0, "partner 9 is in PE, not BO"},
		{"7", "", 0, "both partner 7's id and the name of partner 3"},
		{"7", "BO", 0, "both partner 7's id and the name of partner 3"},
		{"4242", "", 0, "no partner has the id 4242"},
		{"1", "PE", 4, ""}, // partner 1 is in BO: in PE the cell is a name
		{"1", "BO", 1, ""},
		{"1", "", 0, "both partner 1's id and the name of partner 4"},
	}
	for _, tt := range tests {
		id, msg := resolve(tt.cell, tt.country)
		if id != tt.id || (tt.msg == "") != (msg == "") || !strings.Contains(msg, tt.msg) {
			t.Errorf("resolve(%q, %q) = %d, %q; want %d, %q", tt.cell, tt.country, id, msg, tt.id, tt.msg)
		}
	}
}
