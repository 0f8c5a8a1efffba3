package edge

import (
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// Matcher tells whether an entity's current ETag meets a request's If-Match. Nil
// means the request set no condition: the write goes ahead, as before ETags existed.
type Matcher func(etag string) bool

// IfMatch reads the If-Match header (RFC 9110, section 13.1.1): "*" or a list of entity
// tags. A weak tag (W/"…") never matches, since If-Match compares strongly; a header
// that is not a list of tags is a 400 rather than a condition silently never met.
func IfMatch(c *fiber.Ctx) (Matcher, error) {
	// Several If-Match lines are one list (RFC 9110, section 5.3).
	var lines []string
	for _, v := range c.Request().Header.PeekAll(fiber.HeaderIfMatch) {
		lines = append(lines, string(v))
	}
	header := strings.TrimSpace(strings.Join(lines, ", "))
	if header == "" {
		return nil, nil
	}
	if header == "*" {
		return func(string) bool { return true }, nil
	}
	tags, ok := parseEntityTags(header)
	if !ok {
		return nil, fiber.NewError(http.StatusBadRequest, `If-Match must be "*" or entity tags as the ETag header gave them, in double quotes`)
	}
	return func(etag string) bool {
		for _, t := range tags {
			if t == etag {
				return true
			}
		}
		return false
	}, nil
}

// parseEntityTags splits a list of entity tags, keeping the strong ones (quotes
// included, as ETag sends them) and dropping weak ones.
func parseEntityTags(s string) ([]string, bool) {
	var tags []string
	for {
		s = strings.TrimLeft(s, " \t,")
		if s == "" {
			return tags, true
		}
		weak := strings.HasPrefix(s, "W/")
		if weak {
			s = s[2:]
		}
		if !strings.HasPrefix(s, `"`) {
			return nil, false
		}
		end := strings.IndexByte(s[1:], '"')
		if end < 0 {
			return nil, false
		}
		if !weak {
			tags = append(tags, s[:end+2])
		}
		s = s[end+2:]
		if s != "" && !strings.HasPrefix(strings.TrimLeft(s, " \t"), ",") {
			return nil, false
		}
	}
}
