package user

import (
	"bufio"
	"crypto/rand"
	_ "embed"
	"encoding/base32"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"
)

// MinPasswordLength is the shortest password accepted, in characters (OWASP ASVS
// level 2 asks for at least 12).
const MinPasswordLength = 12

// maxPasswordBytes is bcrypt's limit: it ignores every byte after the 72nd.
const maxPasswordBytes = 72

// commonPasswordsText is a list of passwords people choose most often (see the file's
// header for its source and licence). A long password from it is no better than a
// short one: guessing starts there.
//
//go:embed common-passwords.txt
var commonPasswordsText string

var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	set := make(map[string]struct{}, 30_000)
	sc := bufio.NewScanner(strings.NewReader(commonPasswordsText))
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" && !strings.HasPrefix(line, "#") {
			set[strings.ToLower(line)] = struct{}{}
		}
	}
	return set
})

// passwordProblem says what is wrong with password for the account of email, or ""
// when it is acceptable: long enough, within bcrypt's limit, not one of the common
// passwords (in any letter case), not one character repeated, not the email.
func passwordProblem(password, email string) string {
	n := utf8.RuneCountInString(password)
	switch {
	case n < MinPasswordLength:
		return fmt.Sprintf("must be at least %d characters", MinPasswordLength)
	case len(password) > maxPasswordBytes:
		return fmt.Sprintf("must be at most %d bytes", maxPasswordBytes) // bcrypt ignores the rest
	case strings.Count(password, string([]rune(password)[:1])) == n:
		return "must not be one character repeated"
	case strings.EqualFold(strings.TrimSpace(password), strings.TrimSpace(email)):
		return "must not be your email address"
	}
	if _, common := commonPasswords()[strings.ToLower(password)]; common {
		return "is one of the most common passwords; choose another"
	}
	return ""
}

// NewOneTimePassword returns 100 random bits as four groups of five letters and
// digits: easy to read out or copy, well under bcrypt's 72 bytes, and never a weak one.
func NewOneTimePassword() (string, error) {
	b := make([]byte, 13)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate password: %w", err)
	}
	s := strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))[:20]
	return s[:5] + "-" + s[5:10] + "-" + s[10:15] + "-" + s[15:], nil
}
