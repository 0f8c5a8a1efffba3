// External test package: pgtest imports db, so an in-package test importing pgtest
// would be an import cycle. Everything tested here is exported.
package db_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"cartera/internal/platform/apperr"
	"cartera/internal/platform/db"
	"cartera/internal/platform/pgtest"
	sqlfs "cartera/sql"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func TestLoadQueries(t *testing.T) {
	tests := []struct {
		file      string
		wantNames []string
		// wantText maps a query name to its exact text, as written in the file.
		wantText map[string]string
		// wantPrefix maps a query name to how its text starts.
		wantPrefix map[string]string
	}{
		{
			file: "partner.sql",
			wantNames: []string{"delete-partner", "get-partner", "get-partner-for-update",
				"insert-partner", "list-partner-refs", "list-partners", "update-partner"},
			wantText:   map[string]string{"delete-partner": "DELETE FROM partners WHERE id = $1;"},
			wantPrefix: map[string]string{"list-partners": "-- Filters are optional", "insert-partner": "INSERT INTO partners"},
		},
		{
			file:      "audit.sql",
			wantNames: []string{"insert-entries", "insert-entry", "list-entries"},
			wantPrefix: map[string]string{
				"insert-entry": "INSERT INTO audit_log",
				"list-entries": "-- Newest first",
			},
		},
		{
			file:      "demo.sql",
			wantNames: []string{"get-meta", "set-meta"},
			wantText:  map[string]string{"get-meta": "SELECT value FROM app_meta WHERE key = $1;"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := db.LoadQueries(tt.file)
			if err != nil {
				t.Fatalf("LoadQueries(%q): %v", tt.file, err)
			}
			names := make([]string, 0, len(got))
			for name := range got {
				names = append(names, name)
			}
			slices.Sort(names)
			if !slices.Equal(names, tt.wantNames) {
				t.Errorf("names = %v, want %v", names, tt.wantNames)
			}
			for name, want := range tt.wantText {
				if got[name] != want {
					t.Errorf("query %q = %q, want %q", name, got[name], want)
				}
			}
			for name, want := range tt.wantPrefix {
				if !strings.HasPrefix(got[name], want) {
					t.Errorf("query %q = %q, want it to start with %q", name, got[name], want)
				}
			}
			for name, q := range got {
				// One query must not swallow the next one.
				if strings.Contains(q, "-- name:") {
					t.Errorf("query %q contains another query's header:\n%s", name, q)
				}
				if !strings.HasSuffix(q, ";") {
					t.Errorf("query %q should end with its own ';':\n%s", name, q)
				}
			}
		})
	}
}

// Every embedded query file parses: no empty or doubly defined query anywhere.
func TestLoadQueriesEveryFile(t *testing.T) {
	entries, err := fs.ReadDir(sqlfs.Queries, "queries")
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) == 0 {
		t.Fatal("no embedded query files")
	}
	for _, e := range entries {
		qs, err := db.LoadQueries(e.Name())
		if err != nil {
			t.Errorf("LoadQueries(%q): %v", e.Name(), err)
			continue
		}
		if len(qs) == 0 {
			t.Errorf("%s: no queries found", e.Name())
		}
	}
}

func TestLoadQueriesMissingFile(t *testing.T) {
	for _, file := range []string{"missing.sql", "", "../embed.go", "queries/partner.sql"} {
		qs, err := db.LoadQueries(file)
		if err == nil {
			t.Errorf("LoadQueries(%q) = %d queries, want an error", file, len(qs))
		} else if !strings.Contains(err.Error(), file) {
			t.Errorf("LoadQueries(%q) error %q does not name the file", file, err)
		}
	}
}

// auditQueries mirrors the query struct of package audit, which db cannot import.
type auditQueries struct {
	Insert   *sqlx.Stmt `query:"insert-entry"`
	Batch    *sqlx.Stmt `query:"insert-entries"`
	List     *sqlx.Stmt `query:"list-entries"`
	Untagged int        // fields without a query tag are left alone
}

// partnerQueries covers the *sqlx.NamedStmt case.
type partnerQueries struct {
	List      *sqlx.Stmt      `query:"list-partners"`
	Refs      *sqlx.Stmt      `query:"list-partner-refs"`
	Get       *sqlx.Stmt      `query:"get-partner"`
	ForUpdate *sqlx.Stmt      `query:"get-partner-for-update"`
	Insert    *sqlx.NamedStmt `query:"insert-partner"`
	Update    *sqlx.NamedStmt `query:"update-partner"`
	Delete    *sqlx.Stmt      `query:"delete-partner"`
}

type auditEntry struct {
	ID          int64     `db:"id"`
	At          time.Time `db:"at"`
	ActorUserID *int64    `db:"actor_user_id"`
	Actor       string    `db:"actor"`
	Via         string    `db:"via"`
	Action      string    `db:"action"`
	Entity      string    `db:"entity"`
	EntityID    string    `db:"entity_id"`
	Before      *string   `db:"before"`
	After       *string   `db:"after"`
}

type partnerRow struct {
	ID           int64          `db:"id"`
	Name         string         `db:"name"`
	Country      string         `db:"country"`
	Region       string         `db:"region"`
	LegalStatus  string         `db:"legal_status"`
	Founded      *int           `db:"founded"`
	PartnerSince *int           `db:"partner_since"`
	Methodology  *string        `db:"methodology"`
	Sectors      pq.StringArray `db:"sectors"`
	Description  string         `db:"description"`
	Strengths    string         `db:"strengths"`
	Risks        string         `db:"risks"`
	// The reporting obligation (migration 00024).
	ReportingFrequency *string    `db:"reporting_frequency"`
	ReportingFrom      *time.Time `db:"reporting_from"`
	ReportingDueDays   *int       `db:"reporting_due_days"`
	CreatedAt          time.Time  `db:"created_at"`
	UpdatedAt          time.Time  `db:"updated_at"`
}

func TestPrepareQueries(t *testing.T) {
	ctx := context.Background()
	conn := pgtest.New(t)

	t.Run("audit.sql into matching struct", func(t *testing.T) {
		var q auditQueries
		q.Untagged = 7
		if err := db.PrepareQueries(ctx, conn, "audit.sql", &q); err != nil {
			t.Fatalf("PrepareQueries: %v", err)
		}
		if q.Insert == nil || q.List == nil {
			t.Fatalf("statements not set: %+v", q)
		}
		if q.Untagged != 7 {
			t.Errorf("untagged field changed to %d", q.Untagged)
		}
		// The statements are the right ones, in the right fields: insert then list.
		if _, err := q.Insert.ExecContext(ctx, nil, "tester", "system", "create", "thing", "42", nil, `{"a":1}`); err != nil {
			t.Fatalf("insert-entry: %v", err)
		}
		var rows []auditEntry
		if err := q.List.SelectContext(ctx, &rows, nil, "thing", "", nil, nil, nil, 10); err != nil {
			t.Fatalf("list-entries: %v", err)
		}
		if len(rows) != 1 || rows[0].Entity != "thing" || rows[0].EntityID != "42" || rows[0].Actor != "tester" ||
			rows[0].Before != nil || rows[0].After == nil || *rows[0].After != `{"a": 1}` {
			t.Errorf("list-entries returned %+v, want the one entry inserted", rows)
		}
	})

	t.Run("partner.sql with named statements", func(t *testing.T) {
		var q partnerQueries
		if err := db.PrepareQueries(ctx, conn, "partner.sql", &q); err != nil {
			t.Fatalf("PrepareQueries: %v", err)
		}
		if q.List == nil || q.Get == nil || q.ForUpdate == nil || q.Insert == nil || q.Update == nil || q.Delete == nil {
			t.Fatalf("statements not all set: %+v", q)
		}
		var inserted partnerRow
		if err := q.Insert.GetContext(ctx, &inserted, map[string]any{
			"name": "Crecer", "country": "BO", "region": "", "legal_status": "ngo", "founded": 1990,
			"partner_since": nil, "methodology": nil, "sectors": pq.StringArray{"agriculture"}, "description": "",
			"strengths": "", "risks": "", "reporting_frequency": nil, "reporting_from": nil, "reporting_due_days": nil,
		}); err != nil {
			t.Fatalf("insert-partner: %v", err)
		}
		var got partnerRow
		if err := q.Get.GetContext(ctx, &got, inserted.ID); err != nil {
			t.Fatalf("get-partner: %v", err)
		}
		if got.Name != "Crecer" || got.Country != "BO" || got.Founded == nil || *got.Founded != 1990 ||
			len(got.Sectors) != 1 || got.Sectors[0] != "agriculture" {
			t.Errorf("get-partner = %+v, want the partner inserted", got)
		}
	})

	errTests := []struct {
		name     string
		file     string
		dst      any
		wantErrs []string // substrings of the error
	}{
		{
			name: "field names a query not in the file",
			file: "audit.sql",
			dst: &struct {
				Insert *sqlx.Stmt `query:"insert-entry"`
				Batch  *sqlx.Stmt `query:"insert-entries"`
				List   *sqlx.Stmt `query:"list-entries"`
				Purge  *sqlx.Stmt `query:"purge-entries"`
			}{},
			wantErrs: []string{"audit.sql", `"purge-entries"`, "Purge"},
		},
		{
			name: "file has a query the struct does not use",
			file: "audit.sql",
			dst: &struct {
				Insert *sqlx.Stmt `query:"insert-entry"`
				Batch  *sqlx.Stmt `query:"insert-entries"`
			}{},
			wantErrs: []string{"audit.sql", `"list-entries"`, "not used"},
		},
		{
			name: "field of the wrong type",
			file: "audit.sql",
			dst: &struct {
				Insert *sql.Stmt  `query:"insert-entry"`
				List   *sqlx.Stmt `query:"list-entries"`
			}{},
			wantErrs: []string{"Insert", "*sqlx.Stmt"},
		},
		{
			name:     "missing file",
			file:     "nope.sql",
			dst:      &auditQueries{},
			wantErrs: []string{"nope.sql"},
		},
		{
			name: "struct for another file",
			file: "demo.sql",
			dst:  &auditQueries{},
			// The first tagged field fails: demo.sql has no insert-entry.
			wantErrs: []string{"demo.sql", `"insert-entry"`},
		},
	}
	for _, tt := range errTests {
		t.Run(tt.name, func(t *testing.T) {
			err := db.PrepareQueries(ctx, conn, tt.file, tt.dst)
			if err == nil {
				t.Fatal("PrepareQueries succeeded, want an error")
			}
			for _, want := range tt.wantErrs {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
		})
	}
}

func TestTranslateError(t *testing.T) {
	ctx := context.Background()
	conn := pgtest.New(t)
	if _, err := conn.ExecContext(ctx, `INSERT INTO partners (name, country, legal_status) VALUES ('Crecer', 'BO', 'ngo')`); err != nil {
		t.Fatal(err)
	}
	const (
		duplicate = `INSERT INTO partners (name, country, legal_status) VALUES ('CRECER', 'BO', 'ngo')`
		badStatus = `INSERT INTO partners (name, country, legal_status) VALUES ('Pro Mujer', 'BO', 'corp')`
		noStatus  = `INSERT INTO partners (name, country) VALUES ('Pro Mujer', 'BO')`
		noUser    = `INSERT INTO api_tokens (user_id, name, token_hash, prefix)
		             VALUES (999999, 'ci', decode(repeat('ab', 32), 'hex'), 'cart_abcdef')`
		badSQL = `INSERT INTO partners (nme) VALUES ('x')`
	)
	known := map[string]db.Constraint{
		"partners_country_name_key":   {Field: "name", Message: "a partner with this name already exists"},
		"partners_legal_status_check": {Field: "legal_status", Message: "must be a known legal status"},
		"api_tokens_user_id_fkey":     {Field: "user", Message: "no such user"},
	}
	tests := []struct {
		name        string
		stmt        string
		constraints map[string]db.Constraint
		wantKind    apperr.Kind // 0: the error passes through unchanged
		wantField   string      // "" means no field at all
		wantMessage string      // substring of the field (or conflict) message
	}{
		{"unique, known", duplicate, known, apperr.KindConflict, "name", "already exists"},
		{"unique, unknown falls back", duplicate, nil, apperr.KindConflict, "", "already exists"},
		{"check, known", badStatus, known, apperr.KindInvalid, "legal_status", "must be a known legal status"},
		{"check, unknown falls back", badStatus, nil, apperr.KindInvalid, "", "is not valid"},
		{"foreign key, known", noUser, known, apperr.KindInvalid, "user", "no such user"},
		{"foreign key, unknown falls back", noUser, nil, apperr.KindInvalid, "", "is not valid"},
		{"not null names the column", noStatus, nil, apperr.KindInvalid, "legal_status", "is not valid"},
		{"other database error passes through", badSQL, known, 0, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, raw := conn.ExecContext(ctx, tt.stmt)
			var pqErr *pq.Error
			if !errors.As(raw, &pqErr) {
				t.Fatalf("statement did not fail with a *pq.Error: %v", raw)
			}
			// Callers often wrap; the translation must see through that.
			for _, in := range []error{raw, fmt.Errorf("insert partner: %w", raw)} {
				got := db.TranslateError(in, tt.constraints)
				if tt.wantKind == 0 {
					if got != in {
						t.Errorf("TranslateError(%v) = %v, want it unchanged", in, got)
					}
					continue
				}
				e, ok := apperr.As(got)
				if !ok {
					t.Fatalf("TranslateError(%v) = %T %v, want *apperr.Error", in, got, got)
				}
				if e.Kind != tt.wantKind {
					t.Errorf("kind = %v, want %v", e.Kind, tt.wantKind)
				}
				if strings.Contains(got.Error(), pqErr.Message) || strings.Contains(got.Error(), "violates") {
					t.Errorf("driver text leaked: %q", got)
				}
				if tt.wantField == "" {
					for _, f := range e.Fields {
						if f.Field != "" {
							t.Errorf("field = %q, want none", f.Field)
						}
					}
				} else if len(e.Fields) != 1 || e.Fields[0].Field != tt.wantField {
					t.Errorf("fields = %+v, want one for %q", e.Fields, tt.wantField)
				}
				msg := e.Message
				if len(e.Fields) > 0 {
					msg = e.Fields[0].Message
				}
				if !strings.Contains(msg, tt.wantMessage) {
					t.Errorf("message = %q, want it to contain %q", msg, tt.wantMessage)
				}
				// The database's own names never reach a client.
				if strings.Contains(msg, "_check") || strings.Contains(msg, "_fkey") || strings.Contains(msg, "_key") {
					t.Errorf("message %q names a database constraint", msg)
				}
			}
		})
	}

	t.Run("non-database errors pass through", func(t *testing.T) {
		sentinel := errors.New("boom")
		for _, in := range []error{nil, sentinel, sql.ErrNoRows, fmt.Errorf("wrapped: %w", sentinel)} {
			if got := db.TranslateError(in, known); got != in {
				t.Errorf("TranslateError(%v) = %v, want it unchanged", in, got)
			}
		}
	})
}

func TestIsForeignKeyViolation(t *testing.T) {
	ctx := context.Background()
	conn := pgtest.New(t)
	_, fk := conn.ExecContext(ctx, `INSERT INTO api_tokens (user_id, name, token_hash, prefix)
		VALUES (999999, 'ci', decode(repeat('ab', 32), 'hex'), 'cart_abcdef')`)
	_, check := conn.ExecContext(ctx, `INSERT INTO partners (name, country, legal_status) VALUES ('X', 'BO', 'corp')`)
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"foreign key", fk, true},
		{"wrapped foreign key", fmt.Errorf("x: %w", fk), true},
		{"check", check, false},
		{"nil", nil, false},
		{"plain", errors.New("23503"), false},
	}
	for _, tt := range tests {
		if got := db.IsForeignKeyViolation(tt.err); got != tt.want {
			t.Errorf("%s: IsForeignKeyViolation(%v) = %v, want %v", tt.name, tt.err, got, tt.want)
		}
	}
}

func TestRedact(t *testing.T) {
	tests := []struct {
		name   string
		dsn    string
		want   string
		secret string // must not appear in the result
	}{
		{
			name: "URL with password",
			dsn:  "postgres://cartera:s3cr3t@db.example.org:5432/cartera?sslmode=require",
			want: "postgres://cartera:***@db.example.org:5432/cartera?sslmode=require", secret: "s3cr3t",
		},
		{
			name: "URL with @ and : in the password",
			dsn:  "postgresql://app:p@ss:w0rd@localhost/app",
			want: "postgresql://app:***@localhost/app", secret: "ss:w0rd",
		},
		{
			name:   "URL with password as a parameter",
			dsn:    "postgres://cartera@localhost/cartera?password=s3cr3t&sslmode=disable",
			want:   "postgres://cartera@localhost/cartera?password=***&sslmode=disable",
			secret: "s3cr3t",
		},
		{
			name: "URL without password",
			dsn:  "postgres://cartera@localhost/cartera?sslmode=disable",
			want: "postgres://cartera@localhost/cartera?sslmode=disable",
		},
		{
			name: "URL without user",
			dsn:  "postgres:///cartera?host=/run/postgresql",
			want: "postgres:///cartera?host=/run/postgresql",
		},
		{
			name: "key=value with password",
			dsn:  "host=localhost user=cartera password=s3cr3t dbname=cartera",
			want: "host=localhost user=cartera password=*** dbname=cartera", secret: "s3cr3t",
		},
		{
			name: "key=value with quoted password containing spaces",
			dsn:  "host=localhost password='s3cr3t and more' dbname=cartera",
			want: "host=localhost password=*** dbname=cartera", secret: "more",
		},
		{
			name:   "key=value with spaces around =",
			dsn:    "host=localhost password = s3cr3t dbname=cartera",
			want:   "host=localhost password=*** dbname=cartera",
			secret: "s3cr3t",
		},
		{
			name:   "key=value with escaped space and quote in the password",
			dsn:    `host=localhost password=s3cr\ et\'x dbname=cartera`,
			want:   "host=localhost password=*** dbname=cartera",
			secret: "et",
		},
		{
			name:   "key=value with quoted password containing an escaped quote",
			dsn:    `password='it\'s s3cr3t' host=localhost dbname=cartera`,
			want:   "password=*** host=localhost dbname=cartera",
			secret: "s3cr3t",
		},
		{
			name:   "key=value with sslpassword",
			dsn:    "host=db sslpassword=k3y dbname=cartera",
			want:   "host=db sslpassword=*** dbname=cartera",
			secret: "k3y",
		},
		{
			name: "key=value without password",
			dsn:  "host=/tmp/cartera dbname=cartera sslmode=disable",
			want: "host=/tmp/cartera dbname=cartera sslmode=disable",
		},
		{name: "empty", dsn: "", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := db.Redact(tt.dsn)
			if tt.want != "" && got != tt.want {
				t.Errorf("Redact(%q) = %q, want %q", tt.dsn, got, tt.want)
			}
			if tt.secret != "" && strings.Contains(got, tt.secret) {
				t.Errorf("Redact(%q) = %q still shows the password", tt.dsn, got)
			}
			if tt.secret != "" && !strings.Contains(got, "***") {
				t.Errorf("Redact(%q) = %q, want the password replaced by ***", tt.dsn, got)
			}
			if tt.dsn != "" && strings.Contains(tt.dsn, "cartera") && !strings.Contains(got, "cartera") {
				t.Errorf("Redact(%q) = %q lost the rest of the address", tt.dsn, got)
			}
		})
	}
}

func TestInTx(t *testing.T) {
	ctx := context.Background()
	conn := pgtest.New(t)
	errRefused := errors.New("refused")
	exists := func(t *testing.T, key string) bool {
		t.Helper()
		var n int
		if err := conn.GetContext(ctx, &n, `SELECT count(*) FROM app_meta WHERE key = $1`, key); err != nil {
			t.Fatal(err)
		}
		return n == 1
	}
	tests := []struct {
		name       string
		fnErr      error
		panics     bool
		wantStored bool
	}{
		{name: "nil commits", wantStored: true},
		{name: "error rolls back", fnErr: errRefused},
		{name: "translated error rolls back", fnErr: apperr.Conflict("name", "taken")},
		{name: "panic rolls back and panics on", panics: true},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := fmt.Sprintf("intx-%d", i)
			var recovered any
			var err error
			func() {
				defer func() { recovered = recover() }()
				err = db.InTx(ctx, conn, func(tx *sqlx.Tx) error {
					if _, err := tx.ExecContext(ctx, `INSERT INTO app_meta (key, value) VALUES ($1, 'v')`, key); err != nil {
						t.Fatalf("insert: %v", err)
					}
					// Inside the transaction the row is visible...
					var n int
					if err := tx.GetContext(ctx, &n, `SELECT count(*) FROM app_meta WHERE key = $1`, key); err != nil || n != 1 {
						t.Fatalf("row not visible in its own transaction: n=%d err=%v", n, err)
					}
					// ...but not outside it until commit.
					if exists(t, key) {
						t.Error("row visible outside the transaction before commit")
					}
					if tt.panics {
						panic("fn panicked")
					}
					return tt.fnErr
				})
			}()
			if tt.panics && recovered == nil {
				t.Error("InTx swallowed the panic")
			}
			if !tt.panics && recovered != nil {
				t.Errorf("unexpected panic: %v", recovered)
			}
			if !errors.Is(err, tt.fnErr) || (tt.fnErr == nil && err != nil) {
				t.Errorf("InTx returned %v, want %v", err, tt.fnErr)
			}
			if got := exists(t, key); got != tt.wantStored {
				t.Errorf("row stored = %v, want %v", got, tt.wantStored)
			}
		})
	}

	t.Run("connections are returned to the pool", func(t *testing.T) {
		// Each failed InTx must release its connection, or the pool runs dry.
		conn.SetMaxOpenConns(1)
		defer conn.SetMaxOpenConns(20)
		for range 5 {
			_ = db.InTx(ctx, conn, func(*sqlx.Tx) error { return errRefused })
		}
		tctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if err := db.InTx(tctx, conn, func(*sqlx.Tx) error { return nil }); err != nil {
			t.Fatalf("InTx after failed ones: %v", err)
		}
	})
}
