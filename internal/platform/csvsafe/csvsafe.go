// Package csvsafe writes text users typed into CSV files a spreadsheet opens without
// running it as a formula.
package csvsafe

// Text keeps a spreadsheet from reading text as a formula (OWASP's CSV injection
// advice): a leading =, +, -, @, tab or carriage return gets a quote in front.
func Text(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r') {
		return "'" + s
	}
	return s
}
