package partner

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"cartera/internal/audit"
	"cartera/internal/platform/apperr"
	"cartera/internal/platform/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

var system = audit.System("test")

func newService(t *testing.T) (*Service, *sqlx.DB) {
	t.Helper()
	ctx := context.Background()
	conn := pgtest.New(t)
	log, err := audit.NewLog(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewService(ctx, conn, log, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s, conn
}

func count(t *testing.T, conn *sqlx.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := conn.Get(&n, query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func auditCount(t *testing.T, conn *sqlx.DB) int {
	t.Helper()
	return count(t, conn, `SELECT count(*) FROM audit_log`)
}

type auditRow struct {
	Actor  string `db:"actor"`
	Via    string `db:"via"`
	Action string `db:"action"`
	Before []byte `db:"before"`
	After  []byte `db:"after"`
}

// lastAudit returns the newest audit entry about partner id.
func lastAudit(t *testing.T, conn *sqlx.DB, id int64) auditRow {
	t.Helper()
	var r auditRow
	if err := conn.Get(&r, `SELECT actor, via, action, before, after FROM audit_log
		WHERE entity = 'partner' AND entity_id = $1 ORDER BY id DESC LIMIT 1`, strconv.FormatInt(id, 10)); err != nil {
		t.Fatalf("audit entry for partner %d: %v", id, err)
	}
	return r
}

func wantErr(t *testing.T, err error, kind apperr.Kind, field string) {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Kind != kind {
		t.Fatalf("error = %v, want kind %v", err, kind)
	}
	if field == "" {
		return
	}
	if len(e.Fields) != 1 || e.Fields[0].Field != field {
		t.Errorf("fields = %+v, want one for %q", e.Fields, field)
	}
}

func mustCreate(t *testing.T, s *Service, name, country, region string) Partner {
	t.Helper()
	p, err := s.Create(context.Background(), system, Fields{Name: name, Country: country, Region: region, LegalStatus: NGO})
	if err != nil {
		t.Fatalf("Create(%s, %s): %v", name, country, err)
	}
	return p
}

func TestCreateGet(t *testing.T) {
	ctx := context.Background()
	s, conn := newService(t)
	tests := []struct {
		name string
		in   Fields
		want Fields // after normalization
	}{
		{
			name: "every field",
			in: Fields{
				Name: "  Crecer IFD ", Country: "bo", Region: " La Paz ", LegalStatus: NGO,
				Founded: ptr(1985), PartnerSince: ptr(2010), Methodology: ptr(VillageBanking),
				Sectors:     pq.StringArray{"Agriculture", " trade", "agriculture"},
				Description: "Village banking.", Strengths: "Reach.", Risks: "Climate.",
			},
			want: Fields{
				Name: "Crecer IFD", Country: "BO", Region: "La Paz", LegalStatus: NGO,
				Founded: ptr(1985), PartnerSince: ptr(2010), Methodology: ptr(VillageBanking),
				Sectors:     pq.StringArray{"agriculture", "trade"},
				Description: "Village banking.", Strengths: "Reach.", Risks: "Climate.",
			},
		},
		{
			name: "only what is required",
			in:   Fields{Name: "Pro Mujer", Country: "PE", LegalStatus: NBFI},
			want: Fields{Name: "Pro Mujer", Country: "PE", LegalStatus: NBFI, Sectors: pq.StringArray{}},
		},
		{
			name: "unicode name and nil methodology",
			in:   Fields{Name: "Fundación Ñande", Country: "PY", LegalStatus: Cooperative, Founded: ptr(1990), Methodology: nil},
			want: Fields{Name: "Fundación Ñande", Country: "PY", LegalStatus: Cooperative, Founded: ptr(1990), Sectors: pq.StringArray{}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			n := auditCount(t, conn)
			created, err := s.Create(ctx, system, tt.in)
			if err != nil {
				t.Fatalf("Create: %v", err)
			}
			if created.ID == 0 || created.CreatedAt.Before(start.Add(-time.Minute)) || created.UpdatedAt.IsZero() {
				t.Errorf("Create returned %+v", created)
			}
			got, err := s.Get(ctx, created.ID)
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			for _, p := range []Partner{created, got} {
				if !sameFields(p.Fields, tt.want) {
					t.Errorf("stored %+v\nwant   %+v", p.Fields, tt.want)
				}
			}
			if !got.CreatedAt.Equal(created.CreatedAt) {
				t.Errorf("Get created_at %v, Create %v", got.CreatedAt, created.CreatedAt)
			}
			if auditCount(t, conn)-n != 1 {
				t.Errorf("Create wrote %d audit rows, want 1", auditCount(t, conn)-n)
			}
			a := lastAudit(t, conn, created.ID)
			if a.Action != "create" || a.Actor != "test" || a.Via != "system" || a.Before != nil {
				t.Errorf("audit = %+v", a)
			}
			var after Partner
			if err := json.Unmarshal(a.After, &after); err != nil {
				t.Fatal(err)
			}
			if after.ID != created.ID || !sameFields(after.Fields, tt.want) {
				t.Errorf("audit after = %+v, want the created partner", after)
			}
		})
	}

	if _, err := s.Get(ctx, 999999); !apperr.IsKind(err, apperr.KindNotFound) {
		t.Errorf("Get(missing) = %v, want not found", err)
	}
}

func sameFields(a, b Fields) bool {
	eqInt := func(x, y *int) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	eqM := func(x, y *Methodology) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	return a.Name == b.Name && a.Country == b.Country && a.Region == b.Region && a.LegalStatus == b.LegalStatus &&
		eqInt(a.Founded, b.Founded) && eqInt(a.PartnerSince, b.PartnerSince) && eqM(a.Methodology, b.Methodology) &&
		slices.Equal(a.Sectors, b.Sectors) && a.Description == b.Description && a.Strengths == b.Strengths && a.Risks == b.Risks
}

func TestCreateInvalid(t *testing.T) {
	ctx := context.Background()
	s, conn := newService(t)
	tests := []struct {
		name  string
		in    Fields
		field string
	}{
		{"no name", Fields{Country: "BO", LegalStatus: NGO}, "name"},
		{"bad country", Fields{Name: "A", Country: "UK", LegalStatus: NGO}, "country"},
		{"bad legal status", Fields{Name: "A", Country: "BO", LegalStatus: "corp"}, "legal_status"},
		{"founded in the future", Fields{Name: "A", Country: "BO", LegalStatus: NGO, Founded: ptr(time.Now().Year() + 1)}, "founded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Create(ctx, system, tt.in)
			wantErr(t, err, apperr.KindInvalid, tt.field)
		})
	}
	if n := count(t, conn, `SELECT count(*) FROM partners`); n != 0 {
		t.Errorf("%d partners stored by invalid creates", n)
	}
	if n := auditCount(t, conn); n != 0 {
		t.Errorf("%d audit rows written by invalid creates", n)
	}
}

func TestCreateDuplicate(t *testing.T) {
	ctx := context.Background()
	s, conn := newService(t)
	first := mustCreate(t, s, "Crecer", "BO", "")
	n := auditCount(t, conn)

	for _, name := range []string{"Crecer", "CRECER", " crecer "} {
		_, err := s.Create(ctx, system, Fields{Name: name, Country: "bo", LegalStatus: Bank})
		wantErr(t, err, apperr.KindConflict, "name")
	}
	if auditCount(t, conn) != n {
		t.Error("a failed create wrote an audit row")
	}
	if c := count(t, conn, `SELECT count(*) FROM partners`); c != 1 {
		t.Errorf("partners = %d, want 1", c)
	}

	other, err := s.Create(ctx, system, Fields{Name: "Crecer", Country: "PE", LegalStatus: NGO})
	if err != nil {
		t.Fatalf("same name in another country: %v", err)
	}
	if other.ID == first.ID {
		t.Error("same id for two partners")
	}

	t.Run("the partner and its audit entry are one transaction", func(t *testing.T) {
		if _, err := s.Create(ctx, audit.Actor{}, Fields{Name: "Orphan", Country: "BO", LegalStatus: NGO}); err == nil {
			t.Fatal("Create with no actor succeeded")
		}
		if c := count(t, conn, `SELECT count(*) FROM partners WHERE name = 'Orphan'`); c != 0 {
			t.Error("partner stored although its audit entry failed")
		}
	})
}

func TestList(t *testing.T) {
	ctx := context.Background()
	s, _ := newService(t)
	crecer := mustCreate(t, s, "Crecer", "BO", "La Paz")
	proBO := mustCreate(t, s, "Pro Mujer", "BO", "Cochabamba")
	proPE := mustCreate(t, s, "pro mujer", "PE", "Lima")
	arariwa := mustCreate(t, s, "Arariwa", "PE", "Cusco, Sacred Valley")
	bancamia := mustCreate(t, s, "Bancamía", "CO", "Bogotá")
	tests := []struct {
		name   string
		filter Filter
		want   []int64 // in order: by name, whatever the case, then id
	}{
		{"all", Filter{}, []int64{arariwa.ID, bancamia.ID, crecer.ID, proBO.ID, proPE.ID}},
		{"country", Filter{Country: "BO"}, []int64{crecer.ID, proBO.ID}},
		{"other country", Filter{Country: "PE"}, []int64{arariwa.ID, proPE.ID}},
		{"country without partners", Filter{Country: "US"}, nil},
		{"q in name, any case", Filter{Query: "MUJER"}, []int64{proBO.ID, proPE.ID}},
		{"q in the middle of a name", Filter{Query: "rari"}, []int64{arariwa.ID}},
		{"q in region", Filter{Query: "lima"}, []int64{proPE.ID}},
		{"q in region, not name", Filter{Query: "valley"}, []int64{arariwa.ID}},
		{"q with accent", Filter{Query: "bogotá"}, []int64{bancamia.ID}},
		{"q and country", Filter{Country: "PE", Query: "mujer"}, []int64{proPE.ID}},
		{"q matching nothing", Filter{Query: "zzz"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.List(ctx, tt.filter)
			if err != nil {
				t.Fatalf("List: %v", err)
			}
			if got == nil {
				t.Error("List returned nil, want an empty list")
			}
			var ids []int64
			for _, p := range got {
				ids = append(ids, p.ID)
			}
			if !slices.Equal(ids, tt.want) {
				t.Errorf("List(%+v) = %v, want %v", tt.filter, ids, tt.want)
			}
		})
	}
}

func TestUpdate(t *testing.T) {
	ctx := context.Background()
	s, conn := newService(t)
	p, err := s.Create(ctx, system, Fields{Name: "Crecer", Country: "BO", LegalStatus: NGO, Sectors: pq.StringArray{"agriculture"}})
	if err != nil {
		t.Fatal(err)
	}
	mustCreate(t, s, "Pro Mujer", "BO", "")
	n := auditCount(t, conn)

	got, err := s.Update(ctx, system, p.ID, func(f *Fields) error {
		if f.Name != "Crecer" || !slices.Equal(f.Sectors, []string{"agriculture"}) {
			t.Errorf("change sees %+v, want the stored fields", *f)
		}
		f.Name = " Crecer IFD "
		f.Sectors = append(f.Sectors, "Trade")
		f.Methodology = ptr(SolidarityGroup)
		return nil
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if got.ID != p.ID || got.Name != "Crecer IFD" || !slices.Equal(got.Sectors, []string{"agriculture", "trade"}) ||
		got.Methodology == nil || *got.Methodology != SolidarityGroup || !got.CreatedAt.Equal(p.CreatedAt) ||
		!got.UpdatedAt.After(p.UpdatedAt) {
		t.Errorf("Update returned %+v", got)
	}
	if stored, _ := s.Get(ctx, p.ID); !sameFields(stored.Fields, got.Fields) {
		t.Errorf("stored %+v, Update returned %+v", stored.Fields, got.Fields)
	}
	if auditCount(t, conn)-n != 1 {
		t.Errorf("Update wrote %d audit rows, want 1", auditCount(t, conn)-n)
	}
	a := lastAudit(t, conn, p.ID)
	var before, after Partner
	if err := json.Unmarshal(a.Before, &before); err != nil {
		t.Fatalf("audit before %s: %v", a.Before, err)
	}
	if err := json.Unmarshal(a.After, &after); err != nil {
		t.Fatalf("audit after %s: %v", a.After, err)
	}
	if a.Action != "update" || before.Name != "Crecer" || after.Name != "Crecer IFD" ||
		len(before.Sectors) != 1 || len(after.Sectors) != 2 || before.Methodology != nil {
		t.Errorf("audit %s: before %s, after %s", a.Action, a.Before, a.After)
	}

	errStop := errors.New("stop")
	fails := []struct {
		name   string
		id     int64
		change func(*Fields) error
		check  func(*testing.T, error)
	}{
		{"missing partner", 999999, func(*Fields) error { return nil }, func(t *testing.T, err error) {
			wantErr(t, err, apperr.KindNotFound, "")
		}},
		{"invalid result", p.ID, func(f *Fields) error { f.Name = "Other"; f.Country = "XX"; return nil }, func(t *testing.T, err error) {
			wantErr(t, err, apperr.KindInvalid, "country")
		}},
		{"partner since before founded", p.ID, func(f *Fields) error { f.Founded, f.PartnerSince = ptr(2000), ptr(1990); return nil }, func(t *testing.T, err error) {
			wantErr(t, err, apperr.KindInvalid, "partner_since")
		}},
		{"rename onto another partner", p.ID, func(f *Fields) error { f.Name = "PRO MUJER"; return nil }, func(t *testing.T, err error) {
			wantErr(t, err, apperr.KindConflict, "name")
		}},
		{"change refuses", p.ID, func(f *Fields) error { f.Name = "Other"; return errStop }, func(t *testing.T, err error) {
			if !errors.Is(err, errStop) {
				t.Errorf("error = %v, want the change's own", err)
			}
		}},
		{"sectors edited in place", p.ID, func(f *Fields) error { f.Sectors[0] = "fishing"; return errStop }, func(t *testing.T, err error) {
			if !errors.Is(err, errStop) {
				t.Errorf("error = %v, want the change's own", err)
			}
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
			stored, err := s.Get(ctx, p.ID)
			if err != nil || !sameFields(stored.Fields, got.Fields) {
				t.Errorf("a failed update changed the partner: %+v, %v", stored.Fields, err)
			}
		})
	}

	t.Run("no actor: nothing changes", func(t *testing.T) {
		if _, err := s.Update(ctx, audit.Actor{}, p.ID, func(f *Fields) error { f.Name = "Changed"; return nil }); err == nil {
			t.Fatal("Update with no actor succeeded")
		}
		if stored, _ := s.Get(ctx, p.ID); stored.Name != "Crecer IFD" {
			t.Errorf("name = %q although the audit write failed", stored.Name)
		}
	})
}

func TestDelete(t *testing.T) {
	ctx := context.Background()
	s, conn := newService(t)
	p := mustCreate(t, s, "Crecer", "BO", "La Paz")
	keep := mustCreate(t, s, "Pro Mujer", "BO", "")

	n := auditCount(t, conn)
	if err := s.Delete(ctx, system, p.ID); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := s.Get(ctx, p.ID); !apperr.IsKind(err, apperr.KindNotFound) {
		t.Errorf("Get after Delete = %v, want not found", err)
	}
	if _, err := s.Get(ctx, keep.ID); err != nil {
		t.Errorf("Delete removed another partner: %v", err)
	}
	if auditCount(t, conn)-n != 1 {
		t.Errorf("Delete wrote %d audit rows, want 1", auditCount(t, conn)-n)
	}
	a := lastAudit(t, conn, p.ID)
	var before Partner
	if err := json.Unmarshal(a.Before, &before); err != nil {
		t.Fatal(err)
	}
	if a.Action != "delete" || a.After != nil || before.ID != p.ID || before.Name != "Crecer" || before.Region != "La Paz" {
		t.Errorf("audit = %s, before %s, after %s", a.Action, a.Before, a.After)
	}

	n = auditCount(t, conn)
	if err := s.Delete(ctx, system, p.ID); !apperr.IsKind(err, apperr.KindNotFound) {
		t.Errorf("second Delete = %v, want not found", err)
	}
	if auditCount(t, conn) != n {
		t.Error("a failed delete wrote an audit row")
	}

	t.Run("still referenced", func(t *testing.T) {
		// Stands in for loans, which arrive later.
		if _, err := conn.Exec(`CREATE TABLE loans_stub (partner_id bigint NOT NULL REFERENCES partners(id))`); err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Exec(`INSERT INTO loans_stub (partner_id) VALUES ($1)`, keep.ID); err != nil {
			t.Fatal(err)
		}
		n := auditCount(t, conn)
		err := s.Delete(ctx, system, keep.ID)
		wantErr(t, err, apperr.KindConflict, "")
		if got, err := s.Get(ctx, keep.ID); err != nil || got.Name != "Pro Mujer" {
			t.Errorf("referenced partner after failed Delete: %+v, %v", got, err)
		}
		if auditCount(t, conn) != n {
			t.Error("a failed delete wrote an audit row")
		}
		// Once nothing refers to it, it can go.
		if _, err := conn.Exec(`DELETE FROM loans_stub`); err != nil {
			t.Fatal(err)
		}
		if err := s.Delete(ctx, system, keep.ID); err != nil {
			t.Errorf("Delete once unreferenced: %v", err)
		}
	})

	t.Run("no actor: nothing deleted", func(t *testing.T) {
		q := mustCreate(t, s, "Arariwa", "PE", "")
		if err := s.Delete(ctx, audit.Actor{}, q.ID); err == nil {
			t.Fatal("Delete with no actor succeeded")
		}
		if _, err := s.Get(ctx, q.ID); err != nil {
			t.Errorf("partner gone although the audit write failed: %v", err)
		}
	})
}
