package db

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Versions reads the version of the data some answer is computed from: the number of
// statements that wrote the tables it reads (migration 00040 logs each in its writing
// transaction). The version only grows, and a later snapshot sees every write an
// earlier one saw: the same version read before and after an answer is computed means
// no write to those tables committed in between, so the answer holds until the version
// moves. Every server sharing the database reads the same versions: a write committed
// through any of them is seen by the next request to all.
//
// Readers fold the log when they find it longer than foldAfter; after a long time with
// writes and no reader, the first read counts a long log once (a million changes: tens
// of milliseconds) and folds it. A database restored from a backup could count a
// version again with other data: restart the servers after a restore, as they keep
// answers in memory.
type Versions struct {
	conn    *sqlx.DB
	scopes  pq.StringArray
	folding sync.Mutex
	q       struct {
		Version *sqlx.Stmt `query:"data-version"`
		Lock    *sqlx.Stmt `query:"lock-data-versions"`
		Fold    *sqlx.Stmt `query:"fold-data-changes"`
	}
}

// foldAfter is how long the log of changes may grow before a reader folds it into the
// versions' bases: counting a longer log is slower (2,000 rows: about 0.1 ms).
const foldAfter = 2000

// NewVersions reads the version of the tables named.
func NewVersions(ctx context.Context, conn *sqlx.DB, tables ...string) (*Versions, error) {
	v := &Versions{conn: conn, scopes: tables}
	if err := PrepareQueries(ctx, conn, "versions.sql", &v.q); err != nil {
		return nil, err
	}
	return v, nil
}

// Read is the tables' version now.
func (v *Versions) Read(ctx context.Context) (int64, error) {
	var version, logged int64
	if err := v.q.Version.QueryRowContext(ctx, v.scopes).Scan(&version, &logged); err != nil {
		return 0, fmt.Errorf("data version: %w", err)
	}
	if logged > foldAfter && v.folding.TryLock() {
		// Apart from the request that saw the log long: folding 2,000 changes takes a few
		// milliseconds, and a failed fold is tried again by a later read.
		go func() {
			defer v.folding.Unlock()
			ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
			defer cancel()
			_ = v.fold(ctx)
		}()
	}
	return version, nil
}

// fold counts the log of changes into the versions' bases, which leaves every version
// as it was.
func (v *Versions) fold(ctx context.Context) error {
	err := InTx(ctx, v.conn, func(tx *sqlx.Tx) error {
		if _, err := tx.StmtxContext(ctx, v.q.Lock).ExecContext(ctx); err != nil {
			return err
		}
		_, err := tx.StmtxContext(ctx, v.q.Fold).ExecContext(ctx)
		return err
	})
	if err != nil {
		return fmt.Errorf("fold data changes: %w", err)
	}
	return nil
}

// Kept holds answers computed at one version of their data, by key, up to a size (in
// the caller's unit) in all.
type Kept[K comparable, V any] struct {
	mu      sync.Mutex
	version int64
	answers map[K]V
	size    int
	max     int
	sizeOf  func(V) int
}

// NewKept keeps answers of at most max in size, measured by sizeOf.
func NewKept[K comparable, V any](max int, sizeOf func(V) int) *Kept[K, V] {
	return &Kept[K, V]{max: max, sizeOf: sizeOf}
}

func (k *Kept[K, V]) get(version int64, key K) (V, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	var zero V
	if version != k.version {
		return zero, false
	}
	a, ok := k.answers[key]
	return a, ok
}

// put keeps a at version: a newer version than the one held replaces it (no request
// can match the older answers again); an older one is not kept.
func (k *Kept[K, V]) put(version int64, key K, a V) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if version < k.version {
		return
	}
	size := k.sizeOf(a)
	if version > k.version || k.answers == nil || k.size+size > k.max {
		k.version, k.answers, k.size = version, map[K]V{}, 0
	}
	if _, ok := k.answers[key]; !ok {
		k.answers[key], k.size = a, k.size+size
	}
}

// Len is how many answers are kept.
func (k *Kept[K, V]) Len() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.answers)
}

// Answer is key's answer: the one kept at the data's version now, or compute's, kept
// when the version read after it is the one read before (no write it could have read
// committed meanwhile). kept reports whether it came from the keep, shared with other
// callers (not to be changed).
func Answer[K comparable, V any](ctx context.Context, vs *Versions, k *Kept[K, V], key K, compute func() (V, error)) (a V, kept bool, err error) {
	before, err := vs.Read(ctx)
	if err != nil {
		return a, false, err
	}
	if a, ok := k.get(before, key); ok {
		return a, true, nil
	}
	if a, err = compute(); err != nil {
		return a, false, err
	}
	after, err := vs.Read(ctx)
	if err != nil {
		return a, false, err
	}
	if after == before {
		k.put(before, key, a)
		return a, true, nil
	}
	return a, false, nil
}
