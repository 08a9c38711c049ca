package blockstore

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"aitbc/engine"
	"aitbc/engine/state"
	"aitbc/engine/types"
)

// The crash test re-executes the test binary as a child that commits the
// generator's chain in a loop; the parent SIGKILLs it at a random moment and
// checks the store it left.
const (
	envCrashDir   = "AITBC_BLOCKSTORE_CRASH_DIR"
	crashKeys     = 16
	crashTxs      = 12
	crashRounds   = 4
	childDeadline = 60 * time.Second // a child whose parent died stops by itself
)

func TestCrashChild(t *testing.T) {
	dir := os.Getenv(envCrashDir)
	if dir == "" {
		t.Skip("only runs as the child of TestCrashConsistency")
	}
	s, err := Open(DefaultOptions(dir))
	if err != nil {
		fmt.Printf("error %v\n", err)
		os.Exit(2)
	}
	head, _, _ := s.Head()
	g := newChainGen(crashKeys, crashTxs)
	for g.height < head {
		g.next()
	}
	deadline := time.Now().Add(childDeadline)
	for time.Now().Before(deadline) {
		cb := g.next()
		if err := s.Commit(cb); err != nil {
			fmt.Printf("error %v\n", err)
			os.Exit(2)
		}
		// Printed only once Commit has returned: the parent may rely on it.
		fmt.Printf("committed %d\n", cb.Block.Header.Height)
	}
	os.Exit(3)
}

func TestCrashConsistency(t *testing.T) {
	if os.Getenv(envCrashDir) != "" {
		t.Skip("child")
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	dir := t.TempDir()
	for round := range crashRounds {
		reported := runAndKill(t, dir, rng)
		t.Logf("round %d: child reported height %d when killed", round, reported)
		checkCrashedStore(t, dir, reported)
	}
}

// startChild runs test (a child test of this binary) as its own process
// with env added, its stdout piped to the caller and its stderr ours.
func startChild(t *testing.T, test string, env ...string) (*exec.Cmd, io.ReadCloser) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, out
}

// runAndKill starts the child, lets it commit a random number of blocks,
// kills it after a random short delay and returns the last height it
// reported as committed.
func runAndKill(t *testing.T, dir string, rng *rand.Rand) uint64 {
	t.Helper()
	cmd, out := startChild(t, "TestCrashChild", envCrashDir+"="+dir)
	killed := false
	defer func() {
		if !killed {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	}()
	wantLines := 1 + rng.IntN(30)
	var last uint64
	var err error
	sc := bufio.NewScanner(out)
	for lines := 0; lines < wantLines && sc.Scan(); {
		line := sc.Text()
		if h, ok := strings.CutPrefix(line, "committed "); ok {
			if last, err = strconv.ParseUint(h, 10, 64); err != nil {
				t.Fatalf("child said %q", line)
			}
			lines++
		} else if strings.HasPrefix(line, "error ") {
			t.Fatalf("child: %s", line)
		}
	}
	if last == 0 {
		t.Fatalf("child exited before committing: %v", sc.Err())
	}
	// A random moment inside the next commits, not a timing assertion.
	time.Sleep(time.Duration(rng.IntN(3000)) * time.Microsecond)
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	killed = true
	// Heights reported between our last read and the kill are durable too.
	for sc.Scan() {
		if h, ok := strings.CutPrefix(sc.Text(), "committed "); ok {
			if v, err := strconv.ParseUint(h, 10, 64); err == nil {
				last = v
			}
		}
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ProcessState.Success() {
		t.Fatalf("child ended with %v, want killed", err)
	}
	return last
}

// checkCrashedStore reopens dir and checks: the head is at least the last
// reported commit; every block up to the head is exactly the generator's,
// with its cert and tx locations; the accounts are exactly the state after
// the head; nothing of the block above the head is visible.
func checkCrashedStore(t *testing.T, dir string, reported uint64) {
	t.Helper()
	s := openDir(t, dir)
	defer s.Close()
	head, headHash, err := s.Head()
	if err != nil {
		t.Fatal(err)
	}
	if head < reported {
		t.Fatalf("head %d is below height %d that Commit had returned for", head, reported)
	}
	g := newChainGen(crashKeys, crashTxs)
	want := map[types.Address]state.Account{}
	var cb *engine.CommittedBlock
	var blocks []*engine.CommittedBlock
	for g.height < head {
		cb = g.next()
		blocks = append(blocks, cb)
		checkBlock(t, s, cb)
		for _, u := range cb.Accounts {
			want[u.Address] = u.Account
		}
	}
	if headHash != cb.Block.Hash() {
		t.Fatalf("head hash %s, want %s", headHash, cb.Block.Hash())
	}
	checkAccounts(t, s, want)
	checkClaims(t, s, blocks) // exactly the claims up to the head

	above := g.next()
	if _, err := s.Block(head + 1); !errors.Is(err, engine.ErrNotFound) {
		t.Fatalf("block above head: %v", err)
	}
	if _, err := s.CommitCert(head + 1); !errors.Is(err, engine.ErrNotFound) {
		t.Fatalf("cert above head: %v", err)
	}
	if _, err := s.BlockByHash(above.Block.Hash()); !errors.Is(err, engine.ErrNotFound) {
		t.Fatalf("hash index above head: %v", err)
	}
	for _, th := range above.TxHashes {
		if _, _, err := s.TxLocation(th); !errors.Is(err, engine.ErrNotFound) {
			t.Fatalf("tx location above head: %v", err)
		}
	}
	for _, r := range above.Receipts {
		if _, _, err := s.ClaimLocation(r.JobHash); !errors.Is(err, engine.ErrNotFound) {
			t.Fatalf("claim above head: %v", err)
		}
	}
}
