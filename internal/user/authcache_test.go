package user

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"cartera/internal/audit"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/db"
	"cartera/internal/platform/pgtest"
)

// TestRevocationReachesAListeningServer: a server remembers verified tokens, and a
// revocation, a deactivation or a new role made by another process (the command
// line) takes effect there at once, not when the memory expires.
func TestRevocationReachesAListeningServer(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dsn := pgtest.NewDSN(t)
	open := func() *Service {
		conn, err := db.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		log, err := audit.NewLog(ctx, conn)
		if err != nil {
			t.Fatal(err)
		}
		s, err := NewService(ctx, conn, log)
		if err != nil {
			t.Fatal(err)
		}
		s.bcryptCost = 4
		return s
	}
	server, cli := open(), open()
	if err := server.WatchAuthChanges(ctx, dsn, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	actor := audit.System("test")
	u, err := cli.Create(ctx, actor, NewUser{Email: "ana@example.org", Role: Manager, Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	tok, secret, err := cli.CreateToken(ctx, actor, u.Email, "laptop")
	if err != nil {
		t.Fatal(err)
	}
	if p, err := server.Authenticate(ctx, secret); err != nil || p.Role != Manager {
		t.Fatalf("first use: %+v, %v", p, err)
	}
	// The second use is answered from memory.
	if _, _, ok := server.tokens.get(hashOf(secret), time.Now()); !ok {
		t.Fatal("a verified token was not remembered while listening")
	}

	eventually := func(what string, check func() bool) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for !check() {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not seen by the server within 5 s", what)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	// A new role is seen.
	if _, err := cli.Update(ctx, actor, u.ID, func(c *Changes) error { c.Role = Viewer; return nil }); err != nil {
		t.Fatal(err)
	}
	eventually("a new role", func() bool { p, err := server.Authenticate(ctx, secret); return err == nil && p.Role == Viewer })
	// A revocation is seen.
	if _, err := cli.RevokeToken(ctx, actor, tok.ID); err != nil {
		t.Fatal(err)
	}
	eventually("a revocation", func() bool {
		_, err := server.Authenticate(ctx, secret)
		return apperr.IsKind(err, apperr.KindUnauthenticated)
	})

	// A deactivation is seen, for another token of the same user.
	_, secret2, err := cli.CreateToken(ctx, actor, u.Email, "phone")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := server.Authenticate(ctx, secret2); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.Update(ctx, actor, u.ID, func(c *Changes) error { c.Active = false; return nil }); err != nil {
		t.Fatal(err)
	}
	eventually("a deactivation", func() bool {
		_, err := server.Authenticate(ctx, secret2)
		return apperr.IsKind(err, apperr.KindUnauthenticated)
	})

	// Without a listener nothing is remembered: the command line always asks.
	if _, _, ok := cli.tokens.get(hashOf(secret2), time.Now()); ok {
		t.Error("a service that does not listen remembered a token")
	}
	// When the listening stops, so does the memory.
	cancel()
	eventually("the end of listening", func() bool {
		_, _, ok := server.tokens.get(hashOf(secret2), time.Now())
		return !ok && !server.tokens.listening()
	})
}

// An answer read before an announcement is not kept after it.
func TestAuthCacheDropsAnswersOlderThanAReset(t *testing.T) {
	var c authCache
	c.reset(true)
	h := hashOf("cart_x")
	_, gen, _ := c.get(h, time.Now())
	c.reset(true) // a revocation announced while the database was being asked
	c.put(h, cachedAuth{verified: time.Now()}, gen)
	if _, _, ok := c.get(h, time.Now()); ok {
		t.Fatal("an answer from before the announcement was kept")
	}
	_, gen, _ = c.get(h, time.Now())
	c.put(h, cachedAuth{verified: time.Now()}, gen)
	if _, _, ok := c.get(h, time.Now().Add(authCacheTTL+time.Second)); ok {
		t.Fatal("an entry outlived its time to live")
	}
}

// listening reports whether entries are kept: a listener is connected.
func (c *authCache) listening() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.live
}
