package index

import (
	"context"
	"errors"
	"net"
	neturl "net/url"
	"strconv"
	"strings"
	"testing"

	"aitbc/internal/pgtest"
)

func TestParseURL(t *testing.T) {
	tests := []struct {
		in   string
		want Location
	}{
		{"sqlite:///var/lib/aitbc/index.db", Location{Dialect: DialectSQLite, Path: "/var/lib/aitbc/index.db"}},
		{"sqlite://data/index.db", Location{Dialect: DialectSQLite, Path: "data/index.db"}},
		{"sqlite://index.db", Location{Dialect: DialectSQLite, Path: "index.db"}},
		{"SQLite:///x.db", Location{Dialect: DialectSQLite, Path: "/x.db"}},
		{"sqlite3:///x.db", Location{Dialect: DialectSQLite, Path: "/x.db"}},
		{"sqlite::memory:", Location{Dialect: DialectSQLite, Memory: true}},
		{"postgres://u:p@db:5432/aitbc?sslmode=disable", Location{Dialect: DialectPostgres, DSN: "postgres://u:p@db:5432/aitbc?sslmode=disable"}},
		{"postgresql://db/aitbc", Location{Dialect: DialectPostgres, DSN: "postgresql://db/aitbc"}},
	}
	for _, tc := range tests {
		got, err := ParseURL(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseURL(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
}

const secret = "s3cr3t-Pa55"

func TestParseURLRejects(t *testing.T) {
	tests := []struct{ in, problem string }{
		{"", "empty"},
		{"index.db", "missing scheme"},
		{":" + secret, "missing scheme"},
		{"mysql://root:" + secret + "@db/aitbc", "unknown scheme"},
		{secret + ":" + secret + "@db", "unknown scheme"},
		{"sqlite:index.db", "want sqlite:///"},
		{"sqlite://", "no file path"},
		{"sqlite:///", "no file path"},
		{"sqlite:///data/", "directory"},
		{"sqlite:///data/index.db?_journal_mode=DELETE", "no query"},
		{"sqlite:///data/index.db#x", "no query"},
		{"sqlite:///a b.db", "whitespace"},
		{"sqlite:///a\x00.db", "control"},
		{"postgres:" + secret + "@db", "must start with postgres://"},
		{"postgres://user:" + secret + "@db:port/aitbc", "does not parse"},
		{"postgres://user:" + secret + "%zz@db/aitbc", "does not parse"},
		{"postgres:///aitbc?password=" + secret, "does not parse"},
		{"sqlite:///" + strings.Repeat("a", maxURLLen), "more than"},
	}
	for _, tc := range tests {
		_, err := ParseURL(tc.in)
		var ue *URLError
		if !errors.Is(err, ErrBadURL) || !errors.As(err, &ue) {
			t.Errorf("ParseURL(%q) = %v, want *URLError", tc.in, err)
			continue
		}
		if !strings.Contains(err.Error(), tc.problem) {
			t.Errorf("ParseURL(%q) = %q, want it to say %q", tc.in, err, tc.problem)
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("ParseURL error repeats the password: %q", err)
		}
	}
}

// Connection failures name the server, never the password.
func TestOpenPostgresErrorsHidePassword(t *testing.T) {
	ctx := context.Background()
	port := closedPort(t)
	_, err := Open(ctx, "postgres://aitbc:"+secret+"@127.0.0.1:"+port+"/aitbc?sslmode=disable", nil)
	if err == nil || strings.Contains(err.Error(), secret) || !strings.Contains(err.Error(), "127.0.0.1:"+port) {
		t.Fatalf("Open(unreachable) = %v", err)
	}
	if _, err := Open(ctx, "postgres://aitbc:"+secret+"@db:x/aitbc", nil); !errors.Is(err, ErrBadURL) || strings.Contains(err.Error(), secret) {
		t.Fatalf("Open(bad postgres URL) = %v", err)
	}
	url := pgtest.URL(t)
	u, _ := neturl.Parse(url)
	good, _ := u.User.Password()
	for name, bad := range map[string]string{
		"wrong password":    strings.Replace(url, good, secret, 1),
		"password in query": strings.Replace(url, ":"+good+"@", "@", 1) + "&password=" + secret,
		"unknown database":  strings.Replace(url, "/postgres?", "/no_such_db?", 1),
	} {
		_, err := Open(ctx, bad, nil)
		if err == nil {
			t.Fatalf("%s: Open succeeded", name)
		}
		if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), good) {
			t.Fatalf("%s: error shows the password: %v", name, err)
		}
		t.Logf("%s: %v", name, err)
	}
}

// closedPort is a loopback port nothing listens on.
func closedPort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	return port
}

func TestLocationRedacted(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://u:" + secret + "@db:5432/aitbc?sslmode=disable&password=" + secret: "postgres://u@db:5432/aitbc",
		"postgresql://db/aitbc":  "postgresql://db/aitbc",
		"sqlite:///var/index.db": "sqlite:///var/index.db",
		"sqlite::memory:":        "sqlite::memory:",
	} {
		loc, err := ParseURL(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := loc.Redacted(); got != want {
			t.Errorf("Redacted(%q) = %q, want %q", in, got, want)
		}
	}
	loc, _ := ParseURL("postgres://u:" + secret + "@db/aitbc?password=q%20" + secret)
	err := redact(errors.New("login as u:"+secret+" with q "+secret+" failed"), loc.secrets())
	if strings.Contains(err.Error(), secret) {
		t.Fatalf("redact left the secret: %v", err)
	}
}

// FuzzParseURL: no panics, only *URLError failures, and a password put into
// the URL never comes back in the error.
func FuzzParseURL(f *testing.F) {
	for _, s := range []string{"sqlite:///a/b.db", "sqlite://rel.db", "sqlite::memory:", "postgres://u:p@h:5432/d", "postgres://u:p@h:x/d", "x:y", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		check := func(in string, mustHide string) {
			loc, err := ParseURL(in)
			if err == nil {
				if loc.Dialect == DialectSQLite && !loc.Memory && loc.Path == "" {
					t.Fatalf("ParseURL(%q) accepted a sqlite URL without a path", in)
				}
				return
			}
			if !errors.Is(err, ErrBadURL) {
				t.Fatalf("ParseURL(%q) = %v, not ErrBadURL", in, err)
			}
			if mustHide != "" && strings.Contains(err.Error(), mustHide) {
				t.Fatalf("ParseURL(%q) error repeats the password: %q", in, err)
			}
		}
		check(s, "")
		if strings.Contains(s, "@") {
			check(strings.Replace(s, "@", ":Zq9hidden9qZ@", 1), "Zq9hidden9qZ")
		}
	})
}
