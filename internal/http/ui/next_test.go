package ui

import "testing"

func TestSafeNext(t *testing.T) {
	tests := map[string]string{
		"/partners?q=x&country=BO": "/partners?q=x&country=BO",
		"/loans/7":                 "/loans/7",
		"":                         "/",
		"partners":                 "/",
		"//evil.example":           "/",
		"/\\evil.example":          "/",
		"/\t/evil.example":         "/",
		"/%0d%0aSet-Cookie:x=1":    "/%0d%0aSet-Cookie:x=1", // escaped: stays one harmless path
		"/\r\nSet-Cookie: x=1":     "/",
		"https://evil.example/":    "/",
		"/login?next=/x":           "/",
		"/logout":                  "/",
		"/a\x7f":                   "/",
	}
	for in, want := range tests {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}
