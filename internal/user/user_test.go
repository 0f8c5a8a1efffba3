package user

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"golang.org/x/crypto/bcrypt"

	"cartera/internal/audit"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

var system = audit.System("test")

func TestRoleAllows(t *testing.T) {
	tests := []struct {
		role     Role
		required Role
		want     bool
	}{
		{Viewer, Viewer, true},
		{Viewer, Manager, false},
		{Viewer, Admin, false},
		{Manager, Viewer, true},
		{Manager, Manager, true},
		{Manager, Admin, false},
		{Admin, Viewer, true},
		{Admin, Manager, true},
		{Admin, Admin, true},
		// An unknown role allows nothing.
		{"", Viewer, false},
		{"root", Viewer, false},
		{"Admin", Viewer, false}, // roles are lower-case; ParseRole normalises
		{"", "", false},
		{"root", "root", false},
		// A requirement that names no role is a programming error: nobody passes it.
		{Admin, "", false},
		{Admin, "superuser", false},
		{Viewer, "admin ", false},
	}
	for _, tt := range tests {
		if got := tt.role.Allows(tt.required); got != tt.want {
			t.Errorf("Role(%q).Allows(%q) = %v, want %v", tt.role, tt.required, got, tt.want)
		}
	}
}

func TestParseRole(t *testing.T) {
	tests := []struct {
		in      string
		want    Role
		wantErr bool
	}{
		{"viewer", Viewer, false},
		{"manager", Manager, false},
		{"admin", Admin, false},
		{" Admin ", Admin, false},
		{"MANAGER", Manager, false},
		{"", "", true},
		{"root", "", true},
		{"admins", "", true},
		{"view er", "", true},
	}
	for _, tt := range tests {
		got, err := ParseRole(tt.in)
		if tt.wantErr {
			if !apperr.IsKind(err, apperr.KindInvalid) {
				t.Errorf("ParseRole(%q) = %q, %v; want an invalid-input error", tt.in, got, err)
			} else if e, _ := apperr.As(err); len(e.Fields) != 1 || e.Fields[0].Field != "role" {
				t.Errorf("ParseRole(%q) fields = %+v, want role", tt.in, e.Fields)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseRole(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

// newService returns a service on a fresh database, with the cheapest bcrypt cost so
// the tests stay fast (the cost is read back from each stored hash when checking).
func newService(t *testing.T) (*Service, *sqlx.DB) {
	t.Helper()
	ctx := context.Background()
	conn := pgtest.New(t)
	log, err := audit.NewLog(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewService(ctx, conn, log)
	if err != nil {
		t.Fatal(err)
	}
	s.bcryptCost = bcrypt.MinCost
	return s, conn
}

func countRows(t *testing.T, conn *sqlx.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := conn.Get(&n, query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func auditCount(t *testing.T, conn *sqlx.DB) int {
	t.Helper()
	return countRows(t, conn, `SELECT count(*) FROM audit_log`)
}

// wantFields checks that err is an invalid-input error naming exactly these fields.
func wantFields(t *testing.T, err error, kind apperr.Kind, fields ...string) {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Kind != kind {
		t.Fatalf("error = %v, want kind %v", err, kind)
	}
	var got []string
	for _, f := range e.Fields {
		got = append(got, f.Field)
	}
	slices.Sort(got)
	want := slices.Clone(fields)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("fields = %v, want %v (%v)", got, want, err)
	}
}

func mustCreate(t *testing.T, s *Service, email string, role Role) User {
	t.Helper()
	u, err := s.Create(context.Background(), system, NewUser{Email: email, Name: "Test " + email, Role: role, Password: "correct horse battery"})
	if err != nil {
		t.Fatalf("Create(%s): %v", email, err)
	}
	return u
}

func TestCreate(t *testing.T) {
	ctx := context.Background()
	s, conn := newService(t)

	ok := NewUser{Email: "ana@example.org", Name: " Ana Quispe ", Role: Manager, Password: "lima-cusco-puno"}
	u, err := s.Create(ctx, system, ok)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if u.ID == 0 || u.Email != "ana@example.org" || u.Name != "Ana Quispe" || u.Role != Manager || !u.Active {
		t.Errorf("Create returned %+v", u)
	}
	if u.CreatedAt.IsZero() || u.UpdatedAt.IsZero() {
		t.Errorf("timestamps not set: %+v", u)
	}
	// The password is stored hashed, and the hash checks.
	var hash string
	if err := conn.Get(&hash, `SELECT password_hash FROM users WHERE id = $1`, u.ID); err != nil {
		t.Fatal(err)
	}
	if hash == ok.Password || bcrypt.CompareHashAndPassword([]byte(hash), []byte(ok.Password)) != nil {
		t.Errorf("stored password hash %q does not check against the password", hash)
	}
	if n := auditCount(t, conn); n != 1 {
		t.Errorf("audit rows after one create = %d, want 1", n)
	}
	var e struct {
		Action   string `db:"action"`
		Entity   string `db:"entity"`
		EntityID string `db:"entity_id"`
		Before   []byte `db:"before"`
		After    []byte `db:"after"`
	}
	if err := conn.Get(&e, `SELECT action, entity, entity_id, before, after FROM audit_log`); err != nil {
		t.Fatal(err)
	}
	if e.Action != "create" || e.Entity != "user" || e.EntityID != itoa(u.ID) || e.Before != nil ||
		!strings.Contains(string(e.After), `"ana@example.org"`) {
		t.Errorf("audit entry = %+v / %s", e, e.After)
	}
	// Not "password" alone: the entry shows must_change_password (issue 17, item 3).
	if strings.Contains(string(e.After), "password_hash") || strings.Contains(string(e.After), hash) || strings.Contains(string(e.After), ok.Password) {
		t.Errorf("audit entry shows the password hash: %s", e.After)
	}

	bad := []struct {
		name   string
		in     NewUser
		fields []string
	}{
		{"empty email", NewUser{Email: "", Role: Viewer, Password: "lima-cusco-puno"}, []string{"email"}},
		{"no at sign", NewUser{Email: "ana.example.org", Role: Viewer, Password: "lima-cusco-puno"}, []string{"email"}},
		{"display name form", NewUser{Email: "Ana <ana2@example.org>", Role: Viewer, Password: "lima-cusco-puno"}, []string{"email"}},
		{"two addresses", NewUser{Email: "a@example.org, b@example.org", Role: Viewer, Password: "lima-cusco-puno"}, []string{"email"}},
		{"too long email", NewUser{Email: strings.Repeat("a", 250) + "@example.org", Role: Viewer, Password: "lima-cusco-puno"}, []string{"email"}},
		// Issue 17, item 3: at least 12 characters (it was 10), not a common password,
		// not one character repeated, not the email.
		{"short password", NewUser{Email: "b@example.org", Role: Viewer, Password: "lima-cusco!"}, []string{"password"}},
		{"ten characters, once enough", NewUser{Email: "b@example.org", Role: Viewer, Password: "0123456789"}, []string{"password"}},
		{"short password in characters, long in bytes", NewUser{Email: "b@example.org", Role: Viewer, Password: "ñññññññññtu"}, []string{"password"}},
		{"one character repeated", NewUser{Email: "b@example.org", Role: Viewer, Password: "aaaaaaaaaaaa"}, []string{"password"}},
		{"common password", NewUser{Email: "b@example.org", Role: Viewer, Password: "1qaz2wsx3edc"}, []string{"password"}},
		{"common password in another case", NewUser{Email: "b@example.org", Role: Viewer, Password: "QAZWSXEDCRFV"}, []string{"password"}},
		{"the email", NewUser{Email: "bea.quispe@example.org", Role: Viewer, Password: "Bea.Quispe@example.org"}, []string{"password"}},
		{"password over 72 bytes", NewUser{Email: "b@example.org", Role: Viewer, Password: strings.Repeat("x", 73)}, []string{"password"}},
		{"bad role", NewUser{Email: "b@example.org", Role: "root", Password: "lima-cusco-puno"}, []string{"role"}},
		{"empty role", NewUser{Email: "b@example.org", Password: "lima-cusco-puno"}, []string{"role"}},
		{"long name", NewUser{Email: "b@example.org", Name: strings.Repeat("n", 201), Role: Viewer, Password: "lima-cusco-puno"}, []string{"name"}},
		{"everything wrong at once", NewUser{Email: "nope", Role: "boss", Password: "short"}, []string{"email", "password", "role"}},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Create(ctx, system, tt.in)
			wantFields(t, err, apperr.KindInvalid, tt.fields...)
		})
	}

	t.Run("duplicate email in another letter case", func(t *testing.T) {
		_, err := s.Create(ctx, system, NewUser{Email: "ANA@Example.org", Role: Viewer, Password: "lima-cusco-puno"})
		wantFields(t, err, apperr.KindConflict, "email")
	})

	t.Run("failed writes leave no row and no audit entry", func(t *testing.T) {
		if n := countRows(t, conn, `SELECT count(*) FROM users`); n != 1 {
			t.Errorf("users = %d, want 1", n)
		}
		if n := auditCount(t, conn); n != 1 {
			t.Errorf("audit rows = %d, want 1", n)
		}
	})

	t.Run("the user and its audit entry are one transaction", func(t *testing.T) {
		// An actor without a name makes the audit write fail: the user must not stay.
		_, err := s.Create(ctx, audit.Actor{}, NewUser{Email: "ghost@example.org", Role: Viewer, Password: "lima-cusco-puno"})
		if err == nil {
			t.Fatal("Create with no actor succeeded")
		}
		if n := countRows(t, conn, `SELECT count(*) FROM users WHERE email = 'ghost@example.org'`); n != 0 {
			t.Errorf("user stored although its audit entry failed")
		}
	})

	t.Run("ByEmail ignores letter case, Count and List", func(t *testing.T) {
		mustCreate(t, s, "Bea@example.org", Admin)
		got, err := s.ByEmail(ctx, " ANA@EXAMPLE.ORG ")
		if err != nil || got.ID != u.ID {
			t.Errorf("ByEmail = %+v, %v; want user %d", got, err, u.ID)
		}
		if _, err := s.ByEmail(ctx, "nobody@example.org"); !apperr.IsKind(err, apperr.KindNotFound) {
			t.Errorf("ByEmail(unknown) error = %v, want not found", err)
		}
		if n, err := s.Count(ctx); err != nil || n != 2 {
			t.Errorf("Count = %d, %v; want 2", n, err)
		}
		list, err := s.List(ctx)
		if err != nil || len(list) != 2 || list[0].Email != "ana@example.org" || list[1].Email != "Bea@example.org" {
			t.Errorf("List = %+v, %v; want ana then Bea", list, err)
		}
	})
}

func TestCheckPassword(t *testing.T) {
	ctx := context.Background()
	s, _ := newService(t)
	ana := mustCreate(t, s, "ana@example.org", Viewer)
	gone := mustCreate(t, s, "gone@example.org", Viewer)
	if _, err := s.Update(ctx, system, gone.ID, func(c *Changes) error { c.Active = false; return nil }); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		email    string
		password string
		wantID   int64 // 0: unauthenticated
	}{
		{"right", "ana@example.org", "correct horse battery", ana.ID},
		{"email in another case", "ANA@example.org", "correct horse battery", ana.ID},
		{"wrong password", "ana@example.org", "correct horse battery!", 0},
		{"password in another case", "ana@example.org", "Correct horse battery", 0},
		{"empty password", "ana@example.org", "", 0},
		{"unknown email", "nobody@example.org", "correct horse battery", 0},
		{"deactivated", "gone@example.org", "correct horse battery", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := s.CheckPassword(ctx, tt.email, tt.password)
			if tt.wantID == 0 {
				if !apperr.IsKind(err, apperr.KindUnauthenticated) {
					t.Fatalf("CheckPassword = %+v, %v; want unauthenticated", u, err)
				}
				// The message must not tell which part was wrong.
				if e, _ := apperr.As(err); e.Message != "wrong email or password" {
					t.Errorf("message = %q", e.Message)
				}
				return
			}
			if err != nil || u.ID != tt.wantID {
				t.Errorf("CheckPassword = %+v, %v; want user %d", u, err, tt.wantID)
			}
		})
	}
}

func TestUpdate(t *testing.T) {
	ctx := context.Background()
	s, conn := newService(t)
	u := mustCreate(t, s, "ana@example.org", Viewer)
	before := auditCount(t, conn)

	got, err := s.Update(ctx, system, u.ID, func(c *Changes) error {
		if c.Name != u.Name || c.Role != Viewer || !c.Active {
			t.Errorf("change sees %+v, want the stored values", *c)
		}
		c.Name = "  Ana Q.  "
		c.Role = " MANAGER "
		c.Active = false
		return nil
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if got.Name != "Ana Q." || got.Role != Manager || got.Active || !got.UpdatedAt.After(u.UpdatedAt) {
		t.Errorf("Update returned %+v", got)
	}
	if n := auditCount(t, conn) - before; n != 1 {
		t.Errorf("audit rows written by one update = %d, want 1", n)
	}
	var e struct {
		Before []byte `db:"before"`
		After  []byte `db:"after"`
	}
	if err := conn.Get(&e, `SELECT before, after FROM audit_log WHERE action = 'update' AND entity = 'user' AND entity_id = $1`, itoa(u.ID)); err != nil {
		t.Fatal(err)
	}
	var b, a User
	if err := json.Unmarshal(e.Before, &b); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(e.After, &a); err != nil {
		t.Fatal(err)
	}
	if b.Name != u.Name || b.Role != Viewer || !b.Active {
		t.Errorf("audit before = %+v, want the old values", b)
	}
	if a.Name != "Ana Q." || a.Role != Manager || a.Active {
		t.Errorf("audit after = %+v, want the new values", a)
	}

	errStop := errors.New("changed my mind")
	fails := []struct {
		name   string
		id     int64
		change func(*Changes) error
		check  func(t *testing.T, err error)
	}{
		{"missing user", 999999, func(*Changes) error { return nil }, func(t *testing.T, err error) {
			if !apperr.IsKind(err, apperr.KindNotFound) {
				t.Errorf("error = %v, want not found", err)
			}
		}},
		{"change refuses", u.ID, func(c *Changes) error { c.Name = "X"; return errStop }, func(t *testing.T, err error) {
			if !errors.Is(err, errStop) {
				t.Errorf("error = %v, want the change's own", err)
			}
		}},
		{"bad role", u.ID, func(c *Changes) error { c.Name = "X"; c.Role = "boss"; return nil }, func(t *testing.T, err error) {
			wantFields(t, err, apperr.KindInvalid, "role")
		}},
		{"long name", u.ID, func(c *Changes) error { c.Name = strings.Repeat("n", 201); return nil }, func(t *testing.T, err error) {
			wantFields(t, err, apperr.KindInvalid, "name")
		}},
	}
	for _, tt := range fails {
		t.Run(tt.name, func(t *testing.T) {
			n := auditCount(t, conn)
			_, err := s.Update(ctx, system, tt.id, tt.change)
			tt.check(t, err)
			if auditCount(t, conn) != n {
				t.Error("a failed update wrote an audit row")
			}
			stored, err := s.ByEmail(ctx, "ana@example.org")
			if err != nil || stored.Name != "Ana Q." || stored.Role != Manager {
				t.Errorf("a failed update changed the user: %+v, %v", stored, err)
			}
		})
	}

	t.Run("no actor: nothing changes", func(t *testing.T) {
		_, err := s.Update(ctx, audit.Actor{}, u.ID, func(c *Changes) error { c.Name = "Changed"; return nil })
		if err == nil {
			t.Fatal("Update with no actor succeeded")
		}
		if stored, _ := s.ByEmail(ctx, "ana@example.org"); stored.Name != "Ana Q." {
			t.Errorf("name = %q although the audit write failed", stored.Name)
		}
	})
}

func TestTokens(t *testing.T) {
	ctx := context.Background()
	s, conn := newService(t)
	ana := mustCreate(t, s, "ana@example.org", Manager)

	n0 := auditCount(t, conn)
	tok, secret, err := s.CreateToken(ctx, system, "ANA@example.org", " ci ")
	if err != nil {
		t.Fatalf("CreateToken: %v", err)
	}
	if auditCount(t, conn)-n0 != 1 {
		t.Errorf("CreateToken wrote %d audit rows, want 1", auditCount(t, conn)-n0)
	}

	t.Run("secret and what is stored", func(t *testing.T) {
		if !strings.HasPrefix(secret, "cart_") || len(secret) < len("cart_")+40 {
			t.Errorf("secret = %q, want cart_ and at least 40 random characters", secret)
		}
		if tok.ID == 0 || tok.UserID != ana.ID || tok.UserEmail != "ana@example.org" || tok.Name != "ci" ||
			tok.RevokedAt != nil || tok.LastUsedAt != nil {
			t.Errorf("token = %+v", tok)
		}
		if !strings.HasPrefix(secret, tok.Prefix) || len(tok.Prefix) >= len(secret)/2 || len(tok.Prefix) <= len("cart_") {
			t.Errorf("prefix %q should be a short beginning of the secret", tok.Prefix)
		}
		// The secret is nowhere in the database, in any column, nor its random part.
		body := strings.TrimPrefix(secret, "cart_")
		for _, table := range []string{"api_tokens", "audit_log", "users"} {
			if n := countRows(t, conn, `SELECT count(*) FROM `+table+` r WHERE strpos(r::text, $1) > 0 OR strpos(r::text, $2) > 0`,
				secret, body[len(body)-20:]); n != 0 {
				t.Errorf("%d rows of %s contain the secret", n, table)
			}
		}
		var hash []byte
		if err := conn.Get(&hash, `SELECT token_hash FROM api_tokens WHERE id = $1`, tok.ID); err != nil {
			t.Fatal(err)
		}
		want := sha256.Sum256([]byte(secret))
		if !bytes.Equal(hash, want[:]) {
			t.Errorf("token_hash = %x, want sha256(secret) = %x", hash, want)
		}
	})

	t.Run("a second token has another secret", func(t *testing.T) {
		_, other, err := s.CreateToken(ctx, system, "ana@example.org", "laptop")
		if err != nil {
			t.Fatal(err)
		}
		if other == secret {
			t.Error("two tokens share a secret")
		}
	})

	t.Run("authenticate", func(t *testing.T) {
		p, err := s.Authenticate(ctx, secret)
		if err != nil {
			t.Fatalf("Authenticate: %v", err)
		}
		want := Principal{UserID: ana.ID, Email: "ana@example.org", Role: Manager, TokenID: tok.ID, TokenName: "ci"}
		if p != want {
			t.Errorf("principal = %+v, want %+v", p, want)
		}
		var used *time.Time
		if err := conn.Get(&used, `SELECT last_used_at FROM api_tokens WHERE id = $1`, tok.ID); err != nil {
			t.Fatal(err)
		}
		if used == nil || time.Since(*used) > time.Minute {
			t.Errorf("last_used_at = %v, want just now", used)
		}
		// Reading is not auditing: authentication writes no audit row.
		n := auditCount(t, conn)
		if _, err := s.Authenticate(ctx, secret); err != nil {
			t.Fatal(err)
		}
		if auditCount(t, conn) != n {
			t.Error("Authenticate wrote an audit row")
		}
	})

	t.Run("bad secrets", func(t *testing.T) {
		last := secret[len(secret)-1]
		flipped := secret[:len(secret)-1] + string("ab"[boolInt(last == 'a')])
		for _, bad := range []string{"", "garbage", "cart_", "cart_" + strings.Repeat("a", 52), flipped,
			strings.ToUpper(secret), secret + "x", secret[:len(secret)-1], " " + secret, tok.Prefix} {
			if p, err := s.Authenticate(ctx, bad); !apperr.IsKind(err, apperr.KindUnauthenticated) {
				t.Errorf("Authenticate(%q) = %+v, %v; want unauthenticated", bad, p, err)
			}
		}
	})

	t.Run("token names", func(t *testing.T) {
		// A live token of the same name, in any case, is a conflict.
		_, _, err := s.CreateToken(ctx, system, "ana@example.org", "CI")
		wantFields(t, err, apperr.KindConflict, "name")
		// Another user may use the name.
		mustCreate(t, s, "bea@example.org", Viewer)
		if _, _, err := s.CreateToken(ctx, system, "bea@example.org", "ci"); err != nil {
			t.Errorf("another user's token named ci: %v", err)
		}
		for _, name := range []string{"", "   ", strings.Repeat("n", 101)} {
			_, _, err := s.CreateToken(ctx, system, "ana@example.org", name)
			wantFields(t, err, apperr.KindInvalid, "name")
		}
		_, _, err = s.CreateToken(ctx, system, "nobody@example.org", "x")
		wantFields(t, err, apperr.KindInvalid, "email")
	})

	t.Run("revoke", func(t *testing.T) {
		n := auditCount(t, conn)
		revoked, err := s.RevokeToken(ctx, system, tok.ID)
		if err != nil {
			t.Fatalf("RevokeToken: %v", err)
		}
		if revoked.RevokedAt == nil || revoked.ID != tok.ID || revoked.Name != "ci" {
			t.Errorf("revoked token = %+v", revoked)
		}
		if auditCount(t, conn)-n != 1 {
			t.Errorf("RevokeToken wrote %d audit rows, want 1", auditCount(t, conn)-n)
		}
		var before, after []byte
		if err := conn.QueryRow(`SELECT before, after FROM audit_log WHERE entity = 'api_token' AND action = 'update'`).Scan(&before, &after); err != nil {
			t.Fatal(err)
		}
		var b, a Token
		if err := json.Unmarshal(before, &b); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(after, &a); err != nil {
			t.Fatal(err)
		}
		if b.ID != tok.ID || b.RevokedAt != nil || a.ID != tok.ID || a.RevokedAt == nil || !a.RevokedAt.Equal(*revoked.RevokedAt) {
			t.Errorf("audit before %s / after %s should show the revocation", before, after)
		}
		if _, err := s.Authenticate(ctx, secret); !apperr.IsKind(err, apperr.KindUnauthenticated) {
			t.Errorf("Authenticate with a revoked token: %v, want unauthenticated", err)
		}
		n = auditCount(t, conn)
		if _, err := s.RevokeToken(ctx, system, tok.ID); !apperr.IsKind(err, apperr.KindConflict) {
			t.Errorf("second RevokeToken: %v, want conflict", err)
		}
		if _, err := s.RevokeToken(ctx, system, 999999); !apperr.IsKind(err, apperr.KindNotFound) {
			t.Errorf("RevokeToken(unknown): %v, want not found", err)
		}
		if auditCount(t, conn) != n {
			t.Error("failed revocations wrote audit rows")
		}
		// The name is free again.
		again, secret2, err := s.CreateToken(ctx, system, "ana@example.org", "ci")
		if err != nil {
			t.Fatalf("reuse of a revoked token's name: %v", err)
		}
		if p, err := s.Authenticate(ctx, secret2); err != nil || p.TokenID != again.ID {
			t.Errorf("new token: %+v, %v", p, err)
		}
		// ListTokens shows live ones first.
		list, err := s.ListTokens(ctx, &ana.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 3 || list[len(list)-1].ID != tok.ID || list[len(list)-1].RevokedAt == nil {
			t.Errorf("ListTokens = %+v, want 3 with the revoked one last", list)
		}
		for _, tk := range list {
			if tk.UserID != ana.ID {
				t.Errorf("ListTokens(ana) returned %+v", tk)
			}
		}
		all, err := s.ListTokens(ctx, nil)
		if err != nil || len(all) != 4 {
			t.Errorf("ListTokens(nil) = %d tokens, %v; want 4", len(all), err)
		}
	})

	t.Run("deactivated user", func(t *testing.T) {
		cid := mustCreate(t, s, "cid@example.org", Admin)
		_, sec, err := s.CreateToken(ctx, system, "cid@example.org", "ci")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, sec); err != nil {
			t.Fatalf("before deactivation: %v", err)
		}
		if _, err := s.Update(ctx, system, cid.ID, func(c *Changes) error { c.Active = false; return nil }); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, sec); !apperr.IsKind(err, apperr.KindUnauthenticated) {
			t.Errorf("token of a deactivated user: %v, want unauthenticated", err)
		}
		_, _, err = s.CreateToken(ctx, system, "cid@example.org", "new")
		wantFields(t, err, apperr.KindInvalid, "email")
	})

	t.Run("the token and its audit entry are one transaction", func(t *testing.T) {
		n := countRows(t, conn, `SELECT count(*) FROM api_tokens`)
		if _, _, err := s.CreateToken(ctx, audit.Actor{}, "ana@example.org", "orphan"); err == nil {
			t.Fatal("CreateToken with no actor succeeded")
		}
		if countRows(t, conn, `SELECT count(*) FROM api_tokens`) != n {
			t.Error("token stored although its audit entry failed")
		}
	})
}

// Every write leaves exactly one audit row; checked again across a sequence of writes.
func TestEveryWriteAudited(t *testing.T) {
	ctx := context.Background()
	s, conn := newService(t)
	var u User
	var tok Token
	steps := []struct {
		name   string
		write  func() error
		entity string
		action string
	}{
		{"create user", func() (err error) {
			u, err = s.Create(ctx, system, NewUser{Email: "a@example.org", Role: Viewer, Password: "lima-cusco-puno"})
			return err
		}, "user", "create"},
		{"update user", func() error {
			_, err := s.Update(ctx, system, u.ID, func(c *Changes) error { c.Role = Admin; return nil })
			return err
		}, "user", "update"},
		{"create token", func() (err error) {
			tok, _, err = s.CreateToken(ctx, system, "a@example.org", "t")
			return err
		}, "api_token", "create"},
		{"revoke token", func() error {
			_, err := s.RevokeToken(ctx, system, tok.ID)
			return err
		}, "api_token", "update"},
	}
	for _, st := range steps {
		n := auditCount(t, conn)
		if err := st.write(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if got := auditCount(t, conn) - n; got != 1 {
			t.Errorf("%s: %d audit rows, want 1", st.name, got)
		}
		var entity, action string
		if err := conn.QueryRow(`SELECT entity, action FROM audit_log ORDER BY id DESC LIMIT 1`).Scan(&entity, &action); err != nil {
			t.Fatal(err)
		}
		if entity != st.entity || action != st.action {
			t.Errorf("%s: audit says %s %s, want %s %s", st.name, action, entity, st.action, st.entity)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
