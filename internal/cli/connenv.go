package cli

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"sort"
	"strings"
	"unicode"
)

// libpqEnv names the environment variable libpq (so pg_dump and pg_restore) reads for
// each connection setting.
var libpqEnv = map[string]string{
	"host":                 "PGHOST",
	"hostaddr":             "PGHOSTADDR",
	"port":                 "PGPORT",
	"dbname":               "PGDATABASE",
	"user":                 "PGUSER",
	"password":             "PGPASSWORD",
	"passfile":             "PGPASSFILE",
	"options":              "PGOPTIONS",
	"application_name":     "PGAPPNAME",
	"sslmode":              "PGSSLMODE",
	"sslcert":              "PGSSLCERT",
	"sslkey":               "PGSSLKEY",
	"sslrootcert":          "PGSSLROOTCERT",
	"sslcrl":               "PGSSLCRL",
	"sslsni":               "PGSSLSNI",
	"requiressl":           "PGREQUIRESSL",
	"gssencmode":           "PGGSSENCMODE",
	"krbsrvname":           "PGKRBSRVNAME",
	"channel_binding":      "PGCHANNELBINDING",
	"connect_timeout":      "PGCONNECT_TIMEOUT",
	"client_encoding":      "PGCLIENTENCODING",
	"target_session_attrs": "PGTARGETSESSIONATTRS",
	"service":              "PGSERVICE",
}

// pqOnly are lib/pq's own settings, which change how the service talks to the server
// but mean nothing to pg_dump.
var pqOnly = map[string]bool{"binary_parameters": true, "disable_prepared_binary_result": true, "fallback_application_name": true}

// connEnv turns a connection string lib/pq accepts, URL or key=value, into the PG*
// environment variables that give pg_dump the same connection: a command line, unlike
// a process's environment, is readable by every user of the machine, so the password
// must never be on one. A setting libpq has no variable for but the server knows
// (lib/pq sends it at startup, e.g. search_path) goes in PGOPTIONS as -c name=value.
func connEnv(dsn string) ([]string, error) {
	settings, err := connSettings(dsn)
	if err != nil {
		return nil, err
	}
	var env, runtime []string
	for key, value := range settings {
		switch name, known := libpqEnv[key]; {
		case key == "options" || pqOnly[key]:
		case known:
			env = append(env, name+"="+value)
		case key == "sslinline" || key == "krbspn":
			return nil, fmt.Errorf("the connection setting %s is lib/pq's own; pg_dump cannot use it", key)
		default:
			runtime = append(runtime, "-c "+escapeOption(key)+"="+escapeOption(value))
		}
	}
	sort.Strings(runtime)
	if options := strings.TrimSpace(settings["options"] + " " + strings.Join(runtime, " ")); options != "" {
		env = append(env, "PGOPTIONS="+options)
	}
	sort.Strings(env)
	return env, nil
}

// escapeOption escapes the spaces and backslashes PGOPTIONS would split or eat.
func escapeOption(s string) string {
	return strings.NewReplacer(`\`, `\\`, " ", `\ `).Replace(s)
}

// connSettings reads a postgres:// URL or a libpq key=value string into its settings.
func connSettings(dsn string) (map[string]string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return urlSettings(dsn)
	}
	return keyValueSettings(dsn)
}

// urlSettings reads a URL as lib/pq does: user, password, host, port and database from
// its parts, every other setting from its query.
func urlSettings(dsn string) (map[string]string, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		var urlErr *url.Error
		if errors.As(err, &urlErr) {
			err = urlErr.Err // without the URL, which may hold a password
		}
		return nil, fmt.Errorf("database URL: %w", err)
	}
	out := map[string]string{}
	if u.User != nil {
		out["user"] = u.User.Username()
		if password, set := u.User.Password(); set {
			out["password"] = password
		}
	}
	if host, port, err := net.SplitHostPort(u.Host); err == nil {
		out["host"], out["port"] = host, port
	} else if u.Host != "" {
		out["host"] = u.Host
	}
	if db := strings.TrimPrefix(u.Path, "/"); db != "" {
		out["dbname"] = db
	}
	for key, values := range u.Query() {
		out[key] = values[0]
	}
	for key, value := range out {
		if value == "" {
			delete(out, key)
		}
	}
	return out, nil
}

// keyValueSettings reads a libpq key=value string: values single-quoted when they hold
// spaces or are empty, a backslash escaping the next character; the last of a repeated
// key wins.
func keyValueSettings(dsn string) (map[string]string, error) {
	out := map[string]string{}
	s := []rune(dsn)
	i := 0
	skipSpaces := func() {
		for i < len(s) && unicode.IsSpace(s[i]) {
			i++
		}
	}
	for skipSpaces(); i < len(s); skipSpaces() {
		start := i
		for i < len(s) && s[i] != '=' && !unicode.IsSpace(s[i]) {
			i++
		}
		key := string(s[start:i])
		skipSpaces()
		if i >= len(s) || s[i] != '=' || key == "" {
			return nil, fmt.Errorf(`connection string: missing "=" after %q`, key)
		}
		i++
		skipSpaces()
		value, next, err := scanValue(s, i)
		if err != nil {
			return nil, fmt.Errorf("connection string: %s: %w", key, err)
		}
		out[key], i = value, next
	}
	return out, nil
}

// scanValue reads one value starting at s[i], quoted or not, and returns it with the
// index just past it.
func scanValue(s []rune, i int) (string, int, error) {
	var value []rune
	quoted := i < len(s) && s[i] == '\''
	if quoted {
		i++
	}
	for ; i < len(s); i++ {
		switch r := s[i]; {
		case r == '\\':
			if i++; i >= len(s) {
				return "", i, errors.New("nothing after a backslash")
			}
			value = append(value, s[i])
		case quoted && r == '\'':
			return string(value), i + 1, nil
		case !quoted && unicode.IsSpace(r):
			return string(value), i, nil
		default:
			value = append(value, r)
		}
	}
	if quoted {
		return "", i, errors.New("unterminated quoted value")
	}
	return string(value), i, nil
}
