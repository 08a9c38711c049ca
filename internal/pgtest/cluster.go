package pgtest

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Environment variables the package reads.
const (
	EnvURL     = "AITBC_TEST_POSTGRES_URL" // use this server instead of starting one
	EnvBin     = "AITBC_PG_BIN"            // directory holding initdb and pg_ctl
	EnvRequire = "AITBC_REQUIRE_POSTGRES"  // "1": no server is a failure, not a skip
)

// ErrNoBinaries: initdb/pg_ctl were not found.
var ErrNoBinaries = errors.New("pgtest: PostgreSQL binaries (initdb, pg_ctl) not found")

// Cluster is a throwaway PostgreSQL cluster in a temporary directory.
type Cluster struct {
	Dir      string // data directory and socket directory
	Bin      string // directory of initdb, pg_ctl
	Port     int
	User     string
	Password string
	cred     *syscall.Credential // run the server as this user (we are root)
	owner    [2]int              // uid, gid of Dir's owner when cred is set
}

// FindBin returns the directory of initdb and pg_ctl.
func FindBin() (string, error) {
	has := func(dir string) bool {
		for _, b := range []string{"initdb", "pg_ctl"} {
			if st, err := os.Stat(filepath.Join(dir, b)); err != nil || st.IsDir() {
				return false
			}
		}
		return true
	}
	if dir := os.Getenv(EnvBin); dir != "" {
		if has(dir) {
			return dir, nil
		}
		return "", fmt.Errorf("%w in %s=%s", ErrNoBinaries, EnvBin, dir)
	}
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil && has(filepath.Dir(real)) {
			return filepath.Dir(real), nil
		}
		if has(filepath.Dir(p)) {
			return filepath.Dir(p), nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int { return versionOf(b) - versionOf(a) })
	for _, d := range dirs {
		if has(d) {
			return d, nil
		}
	}
	return "", ErrNoBinaries
}

func versionOf(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

// StartCluster creates a cluster with initdb (password authentication over
// TCP, user "aitbc" with a random password) and starts it on 127.0.0.1.
func StartCluster() (*Cluster, error) {
	bin, err := FindBin()
	if err != nil {
		return nil, err
	}
	c := &Cluster{Bin: bin, User: "aitbc", Password: "pw-" + randHex(12)}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("pgtest: running as root needs the 'postgres' OS user (Debian's postgresql package creates it): %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		c.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		c.owner = [2]int{uid, gid}
	}
	// Under os.TempDir, not t.TempDir: the postgres user must reach it.
	if c.Dir, err = os.MkdirTemp("", "aitbc-pg-"); err != nil {
		return nil, err
	}
	if err := c.initdb(); err != nil {
		_ = os.RemoveAll(c.Dir)
		return nil, err
	}
	var lastErr error
	for range 3 { // a free port can be taken between probing and binding
		if c.Port, err = freePort(); err != nil {
			return nil, err
		}
		if lastErr = c.Start(); lastErr == nil {
			return c, nil
		}
	}
	_ = os.RemoveAll(c.Dir)
	return nil, lastErr
}

func (c *Cluster) data() string { return filepath.Join(c.Dir, "data") }

func (c *Cluster) initdb() error {
	if c.cred != nil {
		if err := os.Chown(c.Dir, c.owner[0], c.owner[1]); err != nil {
			return err
		}
	}
	pw := filepath.Join(c.Dir, "pwfile")
	if err := os.WriteFile(pw, []byte(c.Password+"\n"), 0o600); err != nil {
		return err
	}
	if c.cred != nil {
		if err := os.Chown(pw, c.owner[0], c.owner[1]); err != nil {
			return err
		}
	}
	defer os.Remove(pw)
	return c.run("initdb", "-D", c.data(), "-U", c.User, "--pwfile", pw,
		"--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--no-locale", "--no-sync")
}

// Start starts the server (again, after Stop) and waits until it accepts
// connections.
func (c *Cluster) Start() error {
	opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -c port=%d -c unix_socket_directories=%s -c max_connections=200",
		c.Port, c.Dir)
	return c.run("pg_ctl", "-D", c.data(), "-l", filepath.Join(c.Dir, "server.log"), "-w", "-t", "60", "-o", opts, "start")
}

// Stop stops the server ("fast": open connections are terminated).
func (c *Cluster) Stop() error {
	return c.run("pg_ctl", "-D", c.data(), "-w", "-t", "60", "-m", "fast", "stop")
}

// Remove stops the server if it runs and deletes the cluster.
func (c *Cluster) Remove() error {
	_ = c.run("pg_ctl", "-D", c.data(), "-w", "-t", "60", "-m", "immediate", "stop")
	return os.RemoveAll(c.Dir)
}

// URL is a postgres:// URL for database db as the cluster's user.
func (c *Cluster) URL(db string) string {
	u := url.URL{Scheme: "postgres", User: url.UserPassword(c.User, c.Password),
		Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(c.Port)), Path: "/" + db, RawQuery: "sslmode=disable"}
	return u.String()
}

// Log returns the end of the server log, for failure messages.
func (c *Cluster) Log() string {
	b, _ := os.ReadFile(filepath.Join(c.Dir, "server.log"))
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

func (c *Cluster) run(prog string, args ...string) error {
	cmd := exec.Command(filepath.Join(c.Bin, prog), args...)
	cmd.Dir = c.Dir
	cmd.Env = []string{"PATH=/usr/bin:/bin", "LANG=C", "LC_ALL=C", "HOME=" + c.Dir}
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	}
	// Output goes to a file, not a pipe: the server pg_ctl starts must not
	// hold our pipe open (Wait would block until it exits).
	out, err := os.CreateTemp(c.Dir, "cmd-*.out")
	if err != nil {
		return err
	}
	defer os.Remove(out.Name())
	defer out.Close()
	cmd.Stdout, cmd.Stderr = out, out
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("pgtest: %s: %w", prog, err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(2 * time.Minute):
		_ = cmd.Process.Kill()
		err = fmt.Errorf("timed out")
	}
	if err != nil {
		text, _ := os.ReadFile(out.Name())
		return fmt.Errorf("pgtest: %s %s: %w\n%s", prog, strings.Join(args, " "), err, strings.TrimSpace(string(text)))
	}
	return nil
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
