// Package csvsafe writes text users typed into CSV files a spreadsheet opens without
// running it as a formula, and reads such files back to the text as typed.
package csvsafe

// risky reports whether a spreadsheet may read text starting with c as a formula: =,
// +, - and @ start one; a tab or carriage return in front hides one from a reader's
// eye and from some spreadsheets' own checks (OWASP's CSV injection advice).
func risky(c byte) bool {
	return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r'
}

// Text keeps a spreadsheet from reading text as a formula: text that begins with =, +,
// -, @, a tab or a carriage return gets a quote in front. Only text goes through it:
// a number such as -12.5 is written as it is, so that it stays a number.
func Text(s string) string {
	if s != "" && risky(s[0]) {
		return "'" + s
	}
	return s
}

// Unquote undoes Text: it drops a leading quote only when what follows would have
// been quoted, so that a name that really begins with a quote (“'t Hooft”) keeps it.
// Unquote(Text(s)) is s, except for text that itself begins with a quote and then one
// of those characters ("'=x"): it reads back as a spreadsheet shows it, "=x".
func Unquote(s string) string {
	if len(s) > 1 && s[0] == '\'' && risky(s[1]) {
		return s[1:]
	}
	return s
}
