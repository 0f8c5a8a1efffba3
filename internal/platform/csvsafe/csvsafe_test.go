package csvsafe

import "testing"

func TestText(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", ""}, {"IMP-01", "IMP-01"}, {"=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"}, {"+1", "'+1"}, {"-2", "'-2"},
		{"@SUM(A1)", "'@SUM(A1)"}, {"\tx", "'\tx"}, {"\rx", "'\rx"}, {"a=b", "a=b"}, {"'quoted", "'quoted"},
		{"'=x", "'=x"}, // a quote already in front: the spreadsheet shows the text as it is
	} {
		if got := Text(c.in); got != c.want {
			t.Errorf("Text(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestUnquote(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", ""}, {"'", "'"}, {"IMP-01", "IMP-01"}, {"'=HYPERLINK(\"x\")", "=HYPERLINK(\"x\")"}, {"'+1", "+1"}, {"'-2", "-2"},
		{"'@SUM(A1)", "@SUM(A1)"}, {"'\tx", "\tx"}, {"'\rx", "\rx"}, {"'quoted", "'quoted"}, {"''=x", "''=x"},
		{"'t Hooft", "'t Hooft"}, {"-2", "-2"},
	} {
		if got := Unquote(c.in); got != c.want {
			t.Errorf("Unquote(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// Text then Unquote gives back the text as typed, but for a quote typed in front of
// =, +, -, @, a tab or a carriage return, which reads back as a spreadsheet shows it.
func TestRoundTrip(t *testing.T) {
	for _, s := range []string{"", "'", "''", "'quoted", "'q=x", "=HYPERLINK(\"http://x\",\"y\")", "+cmd|' /C calc'!A0",
		"-2+3", "@SUM(A1)", "\t=1", "\r=1", "Pro Mujer", "-"} {
		if got := Unquote(Text(s)); got != s {
			t.Errorf("Unquote(Text(%q)) = %q", s, got)
		}
	}
	if got := Unquote(Text("'=x")); got != "=x" {
		t.Errorf("Unquote(Text(\"'=x\")) = %q, want what a spreadsheet shows, \"=x\"", got)
	}
}
