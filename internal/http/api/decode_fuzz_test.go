package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
)

// FuzzParseObject feeds arbitrary bytes to the API's JSON body reader: it never
// panics, refuses with a 400 only, and what it accepts is one valid JSON object whose
// strings hold no replacement character the body did not send itself (the silent
// substitution of invalid UTF-8 or a lone surrogate that strict reading prevents).
// Seeds: testdata/fuzz/FuzzParseObject and the cases below.
func FuzzParseObject(f *testing.F) {
	for _, seed := range []string{
		`{"name": "Impro", "country": "BO"}`,
		`{"rates": [{"date": "2024-01-01", "currency": "BOB", "rate": "6.96"}]}`,
		`{"a": 1, "a": 2}`, `{"x": {"b": [1, {"c": 1, "c": 2}]}}`,
		`{"name": "\ud83d\ude00"}`, `{"name": "\ud83d"}`, `{"name": "\\ud800"}`, "{\"name\": \"\xff\"}",
		`[]`, `null`, ``, `{"a": "\ufffd"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		members, err := parseObject(body)
		if err != nil {
			var fe *fiber.Error
			if !errors.As(err, &fe) || fe.Code != http.StatusBadRequest {
				t.Fatalf("refused with %v, want a 400", err)
			}
			return
		}
		if !utf8.Valid(body) || !json.Valid(body) || members == nil {
			t.Fatalf("accepted a body that is not one valid UTF-8 JSON object: %q", body)
		}
		var tree any
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber() // 1e400 is valid JSON, though no float64
		if err := dec.Decode(&tree); err != nil {
			t.Fatalf("accepted, but encoding/json refuses it: %v", err)
		}
		sent := bytes.Count(body, []byte("\uFFFD")) + strings.Count(strings.ToLower(string(body)), `\ufffd`)
		if got := replacements(tree); got > sent {
			t.Fatalf("%d replacement characters read from a body that sent %d: %q", got, sent, body)
		}
	})
}

// replacements counts U+FFFD in every key and string of a decoded JSON value.
func replacements(v any) int {
	switch v := v.(type) {
	case string:
		return strings.Count(v, "\uFFFD")
	case []any:
		n := 0
		for _, x := range v {
			n += replacements(x)
		}
		return n
	case map[string]any:
		n := 0
		for k, x := range v {
			n += strings.Count(k, "\uFFFD") + replacements(x)
		}
		return n
	}
	return 0
}
