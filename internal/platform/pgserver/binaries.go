package pgserver

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
)

// DebianRoots are the folders searched after PATH: Debian and Ubuntu install each
// PostgreSQL major version under lib/postgresql/<version>/bin, outside PATH.
var DebianRoots = []string{"/usr/lib/postgresql", "/usr/local/lib/postgresql"}

// ErrNoBinaries says what to install or set when no PostgreSQL is found.
var ErrNoBinaries = errors.New("no PostgreSQL server binaries (initdb, postgres) found in PATH or /usr/lib/postgresql/<version>/bin: " +
	"install them (Debian/Ubuntu: apt-get install postgresql; macOS: brew install postgresql), " +
	"or set DATABASE_URL to use an existing PostgreSQL server")

// Binaries are the absolute paths of the server programs the cluster needs.
type Binaries struct {
	InitDB   string
	Postgres string
}

// FindBinaries looks for initdb and postgres side by side: first in the directories
// of pathEnv, then in the highest version under each of roots (<root>/<version>/bin).
func FindBinaries(pathEnv string, roots []string) (Binaries, error) {
	for _, dir := range filepath.SplitList(pathEnv) {
		if b, err := binariesIn(dir); err == nil {
			return b, nil
		}
	}
	for _, root := range roots {
		entries, err := os.ReadDir(root)
		if err != nil {
			continue
		}
		var versions []string
		for _, e := range entries {
			if _, err := strconv.ParseFloat(e.Name(), 64); err == nil {
				versions = append(versions, e.Name())
			}
		}
		sort.Slice(versions, func(i, j int) bool {
			vi, _ := strconv.ParseFloat(versions[i], 64)
			vj, _ := strconv.ParseFloat(versions[j], 64)
			return vi > vj
		})
		for _, v := range versions {
			if b, err := binariesIn(filepath.Join(root, v, "bin")); err == nil {
				return b, nil
			}
		}
	}
	return Binaries{}, ErrNoBinaries
}

func binariesIn(dir string) (Binaries, error) {
	if dir == "" {
		return Binaries{}, ErrNoBinaries
	}
	b := Binaries{InitDB: filepath.Join(dir, "initdb"), Postgres: filepath.Join(dir, "postgres")}
	for _, p := range []string{b.InitDB, b.Postgres} {
		info, err := os.Stat(p)
		if err != nil || info.IsDir() || info.Mode()&0o111 == 0 {
			return Binaries{}, fmt.Errorf("%w (looked in %s)", ErrNoBinaries, dir)
		}
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return Binaries{}, err
	}
	return Binaries{InitDB: filepath.Join(abs, "initdb"), Postgres: filepath.Join(abs, "postgres")}, nil
}

// FindTool returns the path of a PostgreSQL client program (pg_dump, pg_restore) that
// sits beside the server binaries: in binDir when set, else where FindBinaries finds
// them, so that it is of the same version as the cluster it works on.
func FindTool(binDir, name string) (string, error) {
	var b Binaries
	var err error
	if binDir != "" {
		b, err = binariesIn(binDir)
	} else {
		b, err = FindBinaries(os.Getenv("PATH"), DebianRoots)
	}
	if err != nil {
		return "", err
	}
	p := filepath.Join(filepath.Dir(b.Postgres), name)
	if info, err := os.Stat(p); err != nil || info.IsDir() || info.Mode()&0o111 == 0 {
		return "", fmt.Errorf("%s not found beside %s: install the PostgreSQL client programs", name, b.Postgres)
	}
	return p, nil
}
