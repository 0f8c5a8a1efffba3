package user

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"cartera/internal/platform/db"
)

// A device cookie marks a browser where an account signed in (OWASP's "device
// cookies" against lockout): the sign-in limiter counts that browser's attempts apart,
// so a stranger's failures never keep the owner out. The cookie is a random nonce and
// a MAC of it and the account's email, keyed by the account's password hash: only the
// server can make one, it needs no table, and a password change or reset voids every
// device cookie of the account, as it should after a compromise.

// DeviceCookie is the cookie's name.
const DeviceCookie = "cartera_device"

// DeviceToken returns a new device cookie for the account with this email.
func (s *Service) DeviceToken(ctx context.Context, email string) (string, error) {
	hash, err := s.passwordHash(ctx, email)
	if err != nil || hash == "" {
		return "", err
	}
	nonce, err := randomToken()
	if err != nil {
		return "", err
	}
	return nonce + "." + deviceMAC(hash, email, nonce), nil
}

// trustedDevice returns the nonce of a device cookie the account with this email
// issued, as the limiter's key for the device, or "" when token is none of them.
func (s *Service) trustedDevice(ctx context.Context, email, token string) (string, error) {
	nonce, mac, ok := strings.Cut(token, ".")
	if !ok || nonce == "" || len(token) > 200 {
		return "", nil
	}
	hash, err := s.passwordHash(ctx, email)
	if err != nil || hash == "" {
		return "", err
	}
	if !hmac.Equal([]byte(mac), []byte(deviceMAC(hash, email, nonce))) {
		return "", nil
	}
	return nonce, nil
}

func deviceMAC(passwordHash, email, nonce string) string {
	m := hmac.New(sha256.New, []byte(passwordHash))
	fmt.Fprintf(m, "cartera device\x00%s\x00%s", strings.ToLower(strings.TrimSpace(email)), nonce)
	return hex.EncodeToString(m.Sum(nil))
}

// passwordHash is the hash of the active account with this email; "" for none.
func (s *Service) passwordHash(ctx context.Context, email string) (string, error) {
	var row struct {
		ID     int64  `db:"id"`
		Hash   string `db:"password_hash"`
		Active bool   `db:"active"`
	}
	err := s.q.PasswordHash.GetContext(ctx, &row, strings.TrimSpace(email))
	if err != nil || !row.Active {
		if err != nil && !db.IsNoRows(err) {
			return "", fmt.Errorf("device cookie: %w", err)
		}
		return "", nil
	}
	return row.Hash, nil
}
