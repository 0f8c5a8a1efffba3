package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/govalues/decimal"

	"github.com/gofiber/fiber/v2"

	"cartera/internal/http/edge"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/civil"
	"cartera/internal/platform/money"
)

// MaxJSONBody is the largest JSON request body accepted. (The server's own limit is
// higher, for file uploads.)
const MaxJSONBody = 1 << 20

// object is a decoded JSON object whose members are read one by one into typed
// values, so that every member of the wrong type is reported by name, and members
// nobody read are reported as unknown instead of being ignored.
type object struct {
	members map[string]json.RawMessage
	read    map[string]bool
	bad     apperr.Fields
}

// decodeObject reads the request body as one JSON object.
func decodeObject(c *fiber.Ctx) (*object, error) {
	mediaType, _, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if err != nil || !(mediaType == "application/json" || strings.HasSuffix(mediaType, "+json")) {
		return nil, fiber.NewError(http.StatusUnsupportedMediaType, "send the body as JSON, with Content-Type: application/json")
	}
	body := c.Body()
	if len(body) > MaxJSONBody {
		return nil, fiber.NewError(http.StatusRequestEntityTooLarge, fmt.Sprintf("the JSON body is larger than %d bytes", MaxJSONBody))
	}
	members, err := parseObject(body)
	if err != nil {
		return nil, err
	}
	return &object{members: members, read: map[string]bool{}}, nil
}

// parseObject reads body as one JSON object of members, refusing (400, saying what
// and where) what encoding/json would read silently otherwise: bytes that are not
// UTF-8, escaped halves of surrogate pairs, keys given twice.
func parseObject(body []byte) (map[string]json.RawMessage, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, fiber.NewError(http.StatusBadRequest, "the request body is empty; send a JSON object")
	}
	// encoding/json would store each invalid byte as U+FFFD: the text saved would not
	// be the text sent, and nobody would know.
	if !utf8.Valid(body) {
		return nil, fiber.NewError(http.StatusBadRequest, fmt.Sprintf("the body is not valid UTF-8 (from byte offset %d); send JSON encoded as UTF-8", validPrefix(body)))
	}
	// The same for an escaped half of a UTF-16 surrogate pair ("\ud800" alone): it
	// names no character, and encoding/json would store U+FFFD for it.
	if at := loneSurrogate(body); at >= 0 {
		return nil, fiber.NewError(http.StatusBadRequest, fmt.Sprintf("the body escapes half a UTF-16 surrogate pair (%s at byte offset %d), which is no character; send the character itself or both halves", body[at:at+6], at))
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(body, &members); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return nil, fiber.NewError(http.StatusBadRequest, "the body must be a JSON object")
		}
		return nil, fiber.NewError(http.StatusBadRequest, "malformed JSON: "+err.Error())
	}
	if members == nil {
		return nil, fiber.NewError(http.StatusBadRequest, "the body must be a JSON object")
	}
	// Unmarshal has checked the syntax and the nesting depth; now the keys.
	if err := refuseDuplicateKeys(body); err != nil {
		return nil, err
	}
	return members, nil
}

// validPrefix is the length of body's longest valid UTF-8 prefix: where it goes wrong.
func validPrefix(body []byte) int {
	n := 0
	for n < len(body) {
		r, size := utf8.DecodeRune(body[n:])
		if r == utf8.RuneError && size <= 1 {
			break
		}
		n += size
	}
	return n
}

// loneSurrogate is the offset of the first \u escape in body's strings that is half
// of a UTF-16 surrogate pair without its other half, or -1. body need not be valid
// JSON: a malformed body is refused by the parser after this.
func loneSurrogate(body []byte) int {
	inString := false
	for i := 0; i < len(body); i++ {
		switch {
		case body[i] == '"':
			inString = !inString
		case !inString || body[i] != '\\':
		case i+1 < len(body) && body[i+1] != 'u':
			i++ // an escape such as \" or \\: its second byte is no delimiter
		default:
			r, ok := escapedUnit(body[i:])
			if !ok || !utf16.IsSurrogate(r) {
				i++
				continue
			}
			low, ok := escapedUnit(body[i+6:])
			if r >= 0xDC00 || !ok || low < 0xDC00 || low > 0xDFFF {
				return i // a low half first, or a high half not followed by a low one
			}
			i += 11
		}
	}
	return -1
}

// escapedUnit reads a \uXXXX escape at the start of b.
func escapedUnit(b []byte) (rune, bool) {
	if len(b) < 6 || b[0] != '\\' || b[1] != 'u' {
		return 0, false
	}
	n, err := strconv.ParseUint(string(b[2:6]), 16, 16)
	return rune(n), err == nil
}

// refuseDuplicateKeys answers 400 naming a key that an object of body (at any depth)
// has twice. encoding/json keeps the last one silently, and another reader of the
// same body (a proxy, a log of the request) may keep the first: the body would mean
// two different things.
func refuseDuplicateKeys(body []byte) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber() // numbers are only skipped: none is refused for its size here
	dup, err := duplicateKey(dec, "")
	switch {
	case err != nil:
		return fiber.NewError(http.StatusBadRequest, "malformed JSON: "+err.Error())
	case dup == nil:
		return nil
	case dup.in == "":
		return fiber.NewError(http.StatusBadRequest, fmt.Sprintf("the key %q appears twice in the JSON object; send each key once", dup.key))
	}
	return fiber.NewError(http.StatusBadRequest, fmt.Sprintf("the key %q appears twice in the JSON object at %s; send each key once", dup.key, dup.in))
}

// duplicate is a key an object repeats, and the path of that object ("" for the
// body itself, "rates[1]" for the second item of its rates).
type duplicate struct{ key, in string }

// duplicateKey reads one value from dec and returns the first key repeated in it.
func duplicateKey(dec *json.Decoder, path string) (*duplicate, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch tok {
	case json.Delim('{'):
		seen := map[string]bool{}
		for dec.More() {
			t, err := dec.Token()
			if err != nil {
				return nil, err
			}
			k, _ := t.(string)
			if seen[k] {
				return &duplicate{key: k, in: path}, nil
			}
			seen[k] = true
			child := k
			if path != "" {
				child = path + "." + k
			}
			if dup, err := duplicateKey(dec, child); dup != nil || err != nil {
				return dup, err
			}
		}
	case json.Delim('['):
		for i := 0; dec.More(); i++ {
			if dup, err := duplicateKey(dec, path+"["+strconv.Itoa(i)+"]"); dup != nil || err != nil {
				return dup, err
			}
		}
	default:
		return nil, nil
	}
	_, err = dec.Token() // the closing delimiter
	return nil, err
}

// has reports whether the member is present (even as null).
func (o *object) has(name string) bool {
	_, ok := o.members[name]
	return ok
}

// get unmarshals a present, non-null member into dst and reports whether it did.
// A member present as null is marked read and left alone: the caller decides what
// null means there.
func (o *object) get(name string, dst any, expected string) bool {
	raw, ok := o.members[name]
	if !ok {
		return false
	}
	o.read[name] = true
	if string(bytes.TrimSpace(raw)) == "null" {
		return false
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		o.bad.Add(name, "must be %s", expected)
		return false
	}
	return true
}

func (o *object) isNull(name string) bool {
	raw, ok := o.members[name]
	return ok && string(bytes.TrimSpace(raw)) == "null"
}

// text reads a string member; null sets it to "".
func (o *object) text(name string, dst *string) {
	if o.isNull(name) {
		o.read[name] = true
		*dst = ""
		return
	}
	var s string
	if o.get(name, &s, "a string") {
		if strings.ContainsRune(s, 0) {
			o.bad.Add(name, "must not contain NUL characters")
			return
		}
		*dst = s
	}
}

// year reads an optional whole number; null clears it.
func (o *object) year(name string, dst **int) {
	if o.isNull(name) {
		o.read[name] = true
		*dst = nil
		return
	}
	var n json.Number
	// json.Number would also take "1995" in quotes; a year is a JSON number.
	if raw := bytes.TrimSpace(o.members[name]); len(raw) > 0 && raw[0] == '"' {
		o.read[name] = true
		o.bad.Add(name, "must be a year, as a whole number")
		return
	}
	if !o.get(name, &n, "a year, as a whole number") {
		return
	}
	v, err := strconv.Atoi(n.String())
	if err != nil {
		o.bad.Add(name, "must be a year, as a whole number")
		return
	}
	*dst = &v
}

// textList reads a list of strings; null empties it.
func (o *object) textList(name string, dst *[]string) {
	if o.isNull(name) {
		o.read[name] = true
		*dst = []string{}
		return
	}
	var list []string
	if o.get(name, &list, "a list of strings") {
		for _, s := range list {
			if strings.ContainsRune(s, 0) {
				o.bad.Add(name, "must not contain NUL characters")
				return
			}
		}
		*dst = list
	}
}

// done reports members no one read, and every type error found on the way.
func (o *object) done() error {
	var unknown []string
	for name := range o.members {
		if !o.read[name] {
			unknown = append(unknown, name)
		}
	}
	sort.Strings(unknown)
	for _, name := range unknown {
		o.bad.Add(name, "is not a known field")
	}
	return o.bad.Err()
}

// ignore marks read-only members (id, timestamps) as read, so a client may send back
// what it received.
func (o *object) ignore(names ...string) {
	for _, n := range names {
		o.read[n] = true
	}
}

// amount reads a decimal amount, sent as a string ("1250.50") or a JSON number.
func (o *object) amount(name string, dst *decimal.Decimal) bool {
	raw, ok := o.members[name]
	if !ok {
		return false
	}
	o.read[name] = true
	text := string(bytes.TrimSpace(raw))
	if text == "null" {
		return false
	}
	if strings.HasPrefix(text, `"`) {
		if err := json.Unmarshal(raw, &text); err != nil {
			o.bad.Add(name, "must be a decimal string such as \"1250.50\"")
			return false
		}
	}
	d, err := money.ParseAmount(text)
	if err != nil {
		o.bad.Add(name, "must be a decimal string such as \"1250.50\"")
		return false
	}
	*dst = d
	return true
}

// date reads a YYYY-MM-DD string.
func (o *object) date(name string, dst *time.Time) bool {
	var s string
	if !o.get(name, &s, "a date, YYYY-MM-DD") {
		return false
	}
	t, err := civil.Parse(s)
	if err != nil {
		o.bad.Add(name, edge.DateMessage)
		return false
	}
	*dst = t
	return true
}

// integer reads a whole JSON number.
func (o *object) integer(name string, dst *int) bool {
	raw := bytes.TrimSpace(o.members[name])
	if len(raw) > 0 && raw[0] == '"' {
		o.read[name] = true
		o.bad.Add(name, "must be a whole number")
		return false
	}
	var n json.Number
	if !o.get(name, &n, "a whole number") {
		return false
	}
	v, err := strconv.Atoi(n.String())
	if err != nil {
		o.bad.Add(name, "must be a whole number")
		return false
	}
	*dst = v
	return true
}

// require reports each named member that is absent or null.
func (o *object) require(names ...string) {
	for _, n := range names {
		if !o.has(n) || o.isNull(n) {
			o.bad.Add(n, "is required")
		}
	}
}

// idAndBody reads the :id of a path naming entity, then the JSON object body: the
// opening of every handler that changes one thing.
func idAndBody(c *fiber.Ctx, entity string) (int64, *object, error) {
	id, err := edge.PathID(c, entity)
	if err != nil {
		return 0, nil, err
	}
	o, err := decodeObject(c)
	return id, o, err
}

// wholeNumber reads a count: a whole JSON number (not a string), into a decimal.
func (o *object) wholeNumber(name string, dst *decimal.Decimal) bool {
	raw := bytes.TrimSpace(o.members[name])
	if len(raw) > 0 && raw[0] == '"' {
		o.read[name] = true
		o.bad.Add(name, "must be a whole number (a JSON number, not a string)")
		return false
	}
	var n json.Number
	if !o.get(name, &n, "a whole number") {
		return false
	}
	// 2503 and 2503.0 are the same count; 2503.5 is not a count.
	v, err := decimal.Parse(n.String())
	if err != nil || v.MinScale() > 0 {
		o.bad.Add(name, "must be a whole number")
		return false
	}
	*dst = v.Trim(0)
	return true
}
