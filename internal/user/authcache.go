package user

import (
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// authChannel is the PostgreSQL channel on which every change that can end or alter
// a token's rights is announced: a revocation, a user's role or active flag. Every
// process on the database hears it, so a token revoked from the command line stops
// working in the server at once.
const authChannel = "cartera_auth"

// authCacheTTL bounds how long a verified token is trusted without asking the
// database, should a notification ever be lost; authCacheMax bounds its memory.
const (
	authCacheTTL = time.Minute
	authCacheMax = 10_000
)

// authCache remembers verified tokens, saving the API a database round trip per
// request (a fifth of an exposure by country's time). It only answers while a
// listener on authChannel is connected: without one (commands, tests, a dropped
// connection) every request asks the database.
type authCache struct {
	mu      sync.Mutex
	live    bool
	gen     uint64 // counts resets: an answer read before one must not be kept
	entries map[[sha256.Size]byte]cachedAuth
}

type cachedAuth struct {
	principal Principal
	verified  time.Time
	touched   time.Time // last_used_at as last written
}

// get returns the entry for hash if it may be trusted, and otherwise the generation
// to hand back to put with what the database says.
func (c *authCache) get(hash [sha256.Size]byte, now time.Time) (cachedAuth, uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[hash]
	if !c.live || !ok || now.Sub(e.verified) > authCacheTTL {
		return cachedAuth{}, c.gen, false
	}
	return e, c.gen, true
}

// put remembers what the database said, unless a change was announced since it was
// asked (gen is get's): the answer may predate a revocation.
func (c *authCache) put(hash [sha256.Size]byte, e cachedAuth, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.live || gen != c.gen {
		return
	}
	if c.entries == nil || len(c.entries) >= authCacheMax {
		c.entries = map[[sha256.Size]byte]cachedAuth{}
	}
	c.entries[hash] = e
}

// reset forgets every entry; live says whether entries may be kept from now on.
func (c *authCache) reset(live bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.live, c.entries = live, nil
	c.gen++
}

// notifyAuthChange announces, inside tx, a change to who may do what: delivered on
// commit, and not at all if the transaction rolls back.
func notifyAuthChange(ctx context.Context, tx *sqlx.Tx) error {
	if _, err := tx.ExecContext(ctx, "SELECT pg_notify($1, '')", authChannel); err != nil {
		return fmt.Errorf("announce an access change: %w", err)
	}
	return nil
}

// WatchAuthChanges listens on the database at dsn for revocations and user changes
// until ctx ends, and meanwhile lets Authenticate remember verified tokens. Each
// announcement, and each loss of the connection, empties the memory.
func (s *Service) WatchAuthChanges(ctx context.Context, dsn string, log *slog.Logger) error {
	l := pq.NewListener(dsn, 100*time.Millisecond, 10*time.Second, func(ev pq.ListenerEventType, err error) {
		switch ev {
		case pq.ListenerEventReconnected:
			// pq listens again before it reports the reconnection.
			s.tokens.reset(true)
		case pq.ListenerEventDisconnected, pq.ListenerEventConnectionAttemptFailed:
			s.tokens.reset(false)
			log.Warn("not listening for token revocations: every API request checks its token in the database", "error", err)
		}
	})
	if err := l.Listen(authChannel); err != nil {
		l.Close()
		return fmt.Errorf("listen for token revocations: %w", err)
	}
	if err := l.Ping(); err != nil {
		l.Close()
		return fmt.Errorf("listen for token revocations: %w", err)
	}
	s.tokens.reset(true)
	go func() {
		defer l.Close()
		defer s.tokens.reset(false)
		for {
			select {
			case <-ctx.Done():
				return
			case <-l.Notify: // an announcement, or nil after a reconnection
				s.tokens.reset(true)
			}
		}
	}()
	return nil
}

func hashOf(secret string) [sha256.Size]byte { return sha256.Sum256([]byte(secret)) }
