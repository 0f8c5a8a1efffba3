package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"cartera/internal/platform/db"
	"cartera/internal/platform/pgserver"
	"cartera/internal/platform/pgtest"
)

// tableDigests reads, for every table of the cluster's cartera database, its row count
// and a checksum of its rows in a fixed order.
func tableDigests(t *testing.T, dataDir string) map[string]string {
	t.Helper()
	ctx := context.Background()
	cluster, err := pgserver.Start(ctx, pgserver.Options{DataDir: dataDir})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cluster.Stop() }()
	conn, err := db.Open(ctx, cluster.DSN("cartera"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var tables []string
	if err := conn.Select(&tables, `SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) FROM pg_tables
		WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, table := range tables {
		var count int
		var sum string
		q := fmt.Sprintf(`SELECT count(*), coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM %s t`, table)
		if err := conn.QueryRowx(q).Scan(&count, &sum); err != nil {
			t.Fatal(err)
		}
		out[table] = fmt.Sprintf("%d rows, md5 %s", count, sum)
	}
	return out
}

// TestBackupRestore backs up the demo while `cartera serve` runs on it, restores it
// into another, empty directory, and finds every table with the same rows. A restore
// into a directory with anything in it, a backup with no cluster to back up and a
// backup over an existing file are refused, and change nothing.
func TestBackupRestore(t *testing.T) {
	data := dataDir(t)
	srv := startServer(t, data)
	file := filepath.Join(t.TempDir(), "cartera.dump")
	if res := runCartera(t, "", []string{"backup", "--data-dir", data, file}); res.code != 0 {
		t.Fatalf("backup while serving: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if code, body, _ := get(t, srv.url+"/readyz", ""); code != 200 {
		t.Errorf("the server after a backup: /readyz %d %s", code, body)
	}
	srv.stop(t)
	before, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if res := runCartera(t, "", []string{"backup", "--data-dir", data, file}); res.code != 1 || !strings.Contains(res.stderr, "--force") {
		t.Errorf("backup over an existing file: exit %d\n%s", res.code, res.stderr)
	}
	if after, _ := os.ReadFile(file); string(after) != string(before) {
		t.Error("a refused backup changed the existing file")
	}

	restored := dataDir(t)
	res := runCartera(t, "", []string{"restore", "--data-dir", restored, file})
	if res.code != 0 {
		t.Fatalf("restore: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	want, got := tableDigests(t, data), tableDigests(t, restored)
	filled := 0
	for table, w := range want {
		if got[table] != w {
			t.Errorf("%s: restored %q, backed up %q", table, got[table], w)
		}
		if !strings.HasPrefix(w, "0 rows") {
			filled++
		}
	}
	t.Logf("%d tables compared, %d with rows", len(want), filled)
	if len(got) != len(want) || filled < 10 {
		t.Errorf("%d tables restored, %d backed up, %d with rows: %v", len(got), len(want), filled, want)
	}

	if res := runCartera(t, "", []string{"restore", "--data-dir", data, file}); res.code != 1 || !strings.Contains(res.stderr, "is not empty") {
		t.Errorf("restore into a data directory in use: exit %d\n%s", res.code, res.stderr)
	}
	if digests := tableDigests(t, data); fmt.Sprint(digests) != fmt.Sprint(want) {
		t.Error("a refused restore changed the cluster")
	}
	missing := dataDir(t)
	res = runCartera(t, "", []string{"backup", "--data-dir", missing, filepath.Join(t.TempDir(), "none.dump")})
	if res.code != 1 || !strings.Contains(res.stderr, "no Cartera database in") {
		t.Errorf("backup with no cluster: exit %d\n%s", res.code, res.stderr)
	}
	if pgserver.HasCluster(missing) {
		t.Error("a backup with no cluster made one")
	}
}

// TestBackupDatabaseURL backs up a database named by --database-url, starting no
// cluster; restore, which makes an embedded cluster, refuses one, and restores the
// backup into a new data directory although it grants rights to a role the new
// cluster lacks (as a server database's backup may).
func TestBackupDatabaseURL(t *testing.T) {
	dsn := pgtest.NewDSN(t)
	role := fmt.Sprintf("cartera_reader_%d", time.Now().UnixNano())
	grantTo(t, dsn, role)
	file := filepath.Join(t.TempDir(), "server.dump")
	data := dataDir(t)
	res := runCartera(t, "", []string{"backup", "--database-url", dsn, "--data-dir", data, file})
	if res.code != 0 {
		t.Fatalf("backup: exit %d\n%s", res.code, res.stderr)
	}
	if info, err := os.Stat(file); err != nil || info.Size() == 0 {
		t.Fatalf("no backup written: %v", err)
	}
	if pgserver.HasCluster(data) {
		t.Error("a backup of --database-url started an embedded cluster")
	}
	res = runCartera(t, "", []string{"restore", "--database-url", dsn, "--data-dir", data, file})
	if res.code != 1 || !strings.Contains(res.stderr, "pg_restore") {
		t.Errorf("restore with --database-url: exit %d\n%s", res.code, res.stderr)
	}
	res = runCartera(t, "", []string{"restore", "--data-dir", data, file})
	if res.code != 0 {
		t.Fatalf("restore of a backup with grants to %s: exit %d\n%s", role, res.code, res.stderr)
	}
	if digests := tableDigests(t, data); len(digests) < 10 {
		t.Errorf("restored only %d tables: %v", len(digests), digests)
	}
}

// grantTo creates role, for the test's duration, with the right to read every table of
// dsn's database.
func grantTo(t *testing.T, dsn, role string) {
	t.Helper()
	conn, err := db.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Exec("CREATE ROLE " + role); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec("GRANT SELECT ON ALL TABLES IN SCHEMA public TO " + role); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn, err := db.Open(context.Background(), dsn)
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		if _, err := conn.Exec("DROP OWNED BY " + role + "; DROP ROLE " + role); err != nil {
			t.Error(err)
		}
	})
}
