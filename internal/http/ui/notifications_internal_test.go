package ui

import "testing"

// A notification's ids are JSON numbers; read into float64 and printed with %v, an
// id of a million or more reads 1e+06 on the notifications page.
func TestPayloadFactsPrintIDsAsWritten(t *testing.T) {
	for _, f := range payloadFacts(`{"breach_id": 1234567, "loan_id": 2000000}`) {
		if f.Value != "1234567" && f.Value != "2000000" {
			t.Errorf("%s reads %q", f.Name, f.Value)
		}
	}
}
