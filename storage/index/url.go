package index

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// Dialect names a database kind.
type Dialect string

const (
	DialectSQLite   Dialect = "sqlite"
	DialectPostgres Dialect = "postgres"
)

// maxURLLen bounds DATABASE_URL; nothing legitimate comes near it.
const maxURLLen = 4096

// Location is a parsed DATABASE_URL.
type Location struct {
	Dialect Dialect
	// Path is the SQLite file (absolute or relative to the working
	// directory); empty for an in-memory database.
	Path   string
	Memory bool
	// DSN is the connection string for a server database (postgres).
	DSN string
}

// ParseURL parses DATABASE_URL. Errors are *URLError (errors.Is ErrBadURL)
// and never repeat the URL, which may hold a password.
func ParseURL(raw string) (Location, error) {
	bad := func(format string, a ...any) (Location, error) {
		return Location{}, &URLError{Problem: fmt.Sprintf(format, a...)}
	}
	switch {
	case raw == "":
		return bad("empty")
	case len(raw) > maxURLLen:
		return bad("%d bytes, more than %d", len(raw), maxURLLen)
	case strings.ContainsAny(raw, "\x00\r\n\t "):
		return bad("contains whitespace or control characters")
	}
	scheme, rest, ok := strings.Cut(raw, ":")
	if !ok || scheme == "" {
		return bad("missing scheme; want sqlite:///path/to/index.db or postgres://…")
	}
	switch strings.ToLower(scheme) {
	case "sqlite", "sqlite3":
		return parseSQLite(rest)
	case "postgres", "postgresql":
		if !strings.HasPrefix(rest, "//") {
			return bad("postgres URL must start with postgres://")
		}
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" {
			// url's error text quotes the whole URL: not repeated here.
			return bad("postgres URL does not parse (check host, port and percent-escapes in the password)")
		}
		if _, err := url.ParseQuery(u.RawQuery); err != nil {
			return bad("postgres URL query does not parse (check its percent-escapes)")
		}
		if p := u.Port(); p != "" {
			if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
				return bad("postgres URL port is not 1..65535")
			}
		}
		return Location{Dialect: DialectPostgres, DSN: raw}, nil
	default:
		return bad("unknown scheme; want sqlite:// or postgres://")
	}
}

func parseSQLite(rest string) (Location, error) {
	bad := func(format string, a ...any) (Location, error) {
		return Location{}, &URLError{Problem: fmt.Sprintf(format, a...)}
	}
	if rest == ":memory:" {
		return Location{Dialect: DialectSQLite, Memory: true}, nil
	}
	path, ok := strings.CutPrefix(rest, "//")
	if !ok {
		return bad("want sqlite:///absolute/path.db, sqlite://relative/path.db or sqlite::memory:")
	}
	switch {
	case path == "" || path == "/":
		return bad("sqlite URL has no file path")
	case strings.ContainsAny(path, "?#"):
		return bad("sqlite URL takes no query or fragment; pragmas are set by the node")
	case strings.HasSuffix(path, "/"):
		return bad("sqlite path names a directory, want a file")
	}
	return Location{Dialect: DialectSQLite, Path: path}, nil
}

// Redacted describes a server location without credentials: host, port
// and database (postgres), or the file (sqlite). Safe to log.
func (l Location) Redacted() string {
	switch {
	case l.Dialect == DialectSQLite && l.Memory:
		return "sqlite::memory:"
	case l.Dialect == DialectSQLite:
		return "sqlite://" + l.Path
	}
	u, err := url.Parse(l.DSN)
	if err != nil {
		return "postgres://(unparsable)"
	}
	out := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}
	if u.User != nil {
		out.User = url.User(u.User.Username())
	}
	return out.String()
}

// secrets are the strings of the URL no error or log may show: the
// password of the userinfo and a password= query parameter, raw and
// percent-decoded.
func (l Location) secrets() []string {
	u, err := url.Parse(l.DSN)
	if err != nil {
		return nil
	}
	var out []string
	add := func(s string) {
		if s != "" {
			out = append(out, s, url.QueryEscape(s), url.PathEscape(s))
		}
	}
	if p, ok := u.User.Password(); ok {
		add(p)
	}
	for _, p := range u.Query()["password"] {
		add(p)
	}
	return out
}
