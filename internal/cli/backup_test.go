package cli

import "testing"

func TestSplitPassword(t *testing.T) {
	cases := []struct{ dsn, rest, password string }{
		{"postgres://cartera:s%40cret@db:5432/cartera?sslmode=require", "postgres://cartera@db:5432/cartera?sslmode=require", "s@cret"},
		{"postgresql://cartera@db/cartera", "postgresql://cartera@db/cartera", ""},
		{"host=/tmp/x port=5432 user=cartera dbname=cartera", "host=/tmp/x port=5432 user=cartera dbname=cartera", ""},
	}
	for _, c := range cases {
		rest, password := splitPassword(c.dsn)
		if rest != c.rest || password != c.password {
			t.Errorf("splitPassword(%q) = %q, %q; want %q, %q", c.dsn, rest, password, c.rest, c.password)
		}
	}
}
