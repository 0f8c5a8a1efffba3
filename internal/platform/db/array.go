package db

import (
	"database/sql/driver"
	"strings"
)

// NullableText is a text[] parameter whose elements may be NULL (nil), for bulk writes
// through unnest(): one statement for a whole batch of rows, whatever its size.
// pq.StringArray cannot carry NULL; the server casts the text to each column's type.
type NullableText []*string

// Value writes the array literal: {"a",NULL,"b"}.
func (a NullableText) Value() (driver.Value, error) {
	if a == nil {
		return nil, nil
	}
	var b strings.Builder
	b.WriteByte('{')
	for i, s := range a {
		if i > 0 {
			b.WriteByte(',')
		}
		if s == nil {
			b.WriteString("NULL")
			continue
		}
		b.WriteByte('"')
		for _, r := range *s {
			if r == '"' || r == '\\' {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		}
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String(), nil
}
