package user

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// A device cookie marks a browser where an account signed in (OWASP's "device
// cookies" against lockout): the sign-in limiter counts that browser's attempts apart,
// so a stranger's failures never keep the owner out of a browser they have used. The
// cookie is a random nonce, the day it was issued and a MAC of both and the account's
// email, keyed by a secret of the installation (server_secrets): only the server makes
// one, none outlives DeviceCookieAge, and a password change or reset leaves them valid,
// so the owner's own browsers still get in while a stranger keeps the account's delay
// running (a cookie keyed by the password hash was void exactly then: second review).

// DeviceCookie is the cookie's name; DeviceCookieAge how long one is honoured.
const (
	DeviceCookie    = "cartera_device"
	DeviceCookieAge = 180 * 24 * time.Hour
)

// loadDeviceKey reads the installation's device-cookie key, making it on first use.
func loadDeviceKey(ctx context.Context, conn *sqlx.DB) ([]byte, error) {
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, `INSERT INTO server_secrets (name, secret) VALUES ('device_cookie', $1) ON CONFLICT (name) DO NOTHING`, fresh); err != nil {
		return nil, fmt.Errorf("device cookie key: %w", err)
	}
	var key []byte
	if err := conn.GetContext(ctx, &key, `SELECT secret FROM server_secrets WHERE name = 'device_cookie'`); err != nil {
		return nil, fmt.Errorf("device cookie key: %w", err)
	}
	return key, nil
}

// DeviceToken returns a new device cookie for the account with this email, issued now.
func (s *Service) DeviceToken(email string, now time.Time) (string, error) {
	nonce, err := randomToken()
	if err != nil {
		return "", err
	}
	issued := strconv.FormatInt(now.Unix(), 36)
	return nonce + "." + issued + "." + s.deviceMAC(email, nonce, issued), nil
}

// trustedDevice returns the nonce of a device cookie issued to the account with this
// email within DeviceCookieAge of now, as the limiter's key for the device; "" when
// token is none of them. It reads nothing from the database.
func (s *Service) trustedDevice(email, token string, now time.Time) string {
	if len(token) > 200 {
		return ""
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 || parts[0] == "" {
		return ""
	}
	issued, err := strconv.ParseInt(parts[1], 36, 64)
	if err != nil || now.Sub(time.Unix(issued, 0)) > DeviceCookieAge || time.Unix(issued, 0).After(now.Add(time.Minute)) {
		return ""
	}
	if !hmac.Equal([]byte(parts[2]), []byte(s.deviceMAC(email, parts[0], parts[1]))) {
		return ""
	}
	return parts[0]
}

func (s *Service) deviceMAC(email, nonce, issued string) string {
	m := hmac.New(sha256.New, s.deviceKey)
	fmt.Fprintf(m, "cartera device\x00%s\x00%s\x00%s", strings.ToLower(strings.TrimSpace(email)), nonce, issued)
	return hex.EncodeToString(m.Sum(nil))
}
