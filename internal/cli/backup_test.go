package cli

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
)

// TestConnEnv: both forms of connection string lib/pq accepts become PG* variables,
// password included, quoting and escapes undone, the last of a repeated key winning;
// nothing of it is left for a command line.
func TestConnEnv(t *testing.T) {
	cases := []struct {
		dsn  string
		want []string
	}{
		{"postgres://cartera:s%40cret@db:5433/cartera?sslmode=require",
			[]string{"PGDATABASE=cartera", "PGHOST=db", "PGPASSWORD=s@cret", "PGPORT=5433", "PGSSLMODE=require", "PGUSER=cartera"}},
		{"postgresql://cartera@db/cartera",
			[]string{"PGDATABASE=cartera", "PGHOST=db", "PGUSER=cartera"}},
		{"host=/tmp/x port=5432 user=cartera dbname=cartera",
			[]string{"PGDATABASE=cartera", "PGHOST=/tmp/x", "PGPORT=5432", "PGUSER=cartera"}},
		{`host=db.example user = cartera password='it\'s a secret' dbname=old dbname=new sslmode=verify-full`,
			[]string{"PGDATABASE=new", "PGHOST=db.example", "PGPASSWORD=it's a secret", "PGSSLMODE=verify-full", "PGUSER=cartera"}},
		{`host=db password=back\\slash\ space`,
			[]string{"PGHOST=db", `PGPASSWORD=back\slash space`}},
		{"host=db password='' binary_parameters=yes search_path='cartera, public' options='-c work_mem=64MB'",
			[]string{"PGHOST=db", `PGOPTIONS=-c work_mem=64MB -c search_path=cartera,\ public`, "PGPASSWORD="}},
		{"postgres://u:p@db/cartera?search_path=x&application_name=cartera-backup",
			[]string{"PGAPPNAME=cartera-backup", "PGDATABASE=cartera", "PGHOST=db", "PGOPTIONS=-c search_path=x", "PGPASSWORD=p", "PGUSER=u"}},
	}
	for _, c := range cases {
		got, err := connEnv(c.dsn)
		if err != nil {
			t.Errorf("connEnv(%q): %v", c.dsn, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("connEnv(%q)\n got %q\nwant %q", c.dsn, got, c.want)
		}
	}
	for _, bad := range []string{"host=db password='open", "host", `host=db password=x\`, "sslinline=true", "postgres://u:se%ZZcret@db/x"} {
		_, err := connEnv(bad)
		if err == nil {
			t.Errorf("connEnv(%q) accepted", bad)
		} else if strings.Contains(err.Error(), "cret") {
			t.Errorf("connEnv(%q): the error shows the password: %v", bad, err)
		}
	}
}

// TestPlaceBackupWithoutHardLinks plays a filesystem with no hard links (link fails
// with EPERM, as on FAT or some network filesystems): the backup is still put in place,
// and an existing file is still refused without --force and replaced with it.
func TestPlaceBackupWithoutHardLinks(t *testing.T) {
	link = func(oldname, newname string) error {
		return &os.LinkError{Op: "link", Old: oldname, New: newname, Err: syscall.EPERM}
	}
	t.Cleanup(func() { link = os.Link })
	dir := t.TempDir()
	file := filepath.Join(dir, "cartera.dump")
	partial := func(content string) string {
		p := filepath.Join(dir, ".cartera.dump.1.partial")
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	if err := placeBackup(partial("first"), file, false); err != nil {
		t.Fatalf("place: %v", err)
	}
	if err := placeBackup(partial("second"), file, false); err == nil || !strings.Contains(err.Error(), "--force") {
		t.Errorf("place over an existing file: %v", err)
	}
	if b, _ := os.ReadFile(file); string(b) != "first" {
		t.Errorf("the refused backup changed the file: %q", b)
	}
	if err := placeBackup(partial("third"), file, true); err != nil {
		t.Fatalf("place with force: %v", err)
	}
	if b, _ := os.ReadFile(file); string(b) != "third" {
		t.Errorf("with force: %q", b)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 { // the partial, moved into place
		t.Errorf("left in the directory: %v", entries)
	}
}

// TestRemoveMadeRelocated: a failed restore whose cluster pgserver put elsewhere
// (running as root, a data directory the postgres user cannot reach) removes that
// cluster too, not only the link to it.
func TestRemoveMadeRelocated(t *testing.T) {
	for _, existed := range []bool{true, false} {
		elsewhere := t.TempDir()
		cluster := filepath.Join(elsewhere, "cluster-0123abcd")
		if err := os.MkdirAll(filepath.Join(cluster, "base"), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(cluster, "PG_VERSION"), []byte("15\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(t.TempDir(), "data")
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(cluster, filepath.Join(dir, "postgres")); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "postgres.log"), []byte("log"), 0o600); err != nil {
			t.Fatal(err)
		}
		removeMade(dir, existed)
		if _, err := os.Lstat(cluster); !os.IsNotExist(err) {
			t.Errorf("existed %v: the relocated cluster is left behind (%v)", existed, err)
		}
		entries, err := os.ReadDir(dir)
		if existed && (err != nil || len(entries) != 0) {
			t.Errorf("existed: the data directory holds %v (%v)", entries, err)
		}
		if !existed && !os.IsNotExist(err) {
			t.Errorf("made: the data directory is left (%v)", err)
		}
	}
}
