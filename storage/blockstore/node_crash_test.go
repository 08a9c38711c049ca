package blockstore

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"aitbc/engine"
	"aitbc/engine/bls"
	"aitbc/engine/consensus"
	"aitbc/engine/node"
	"aitbc/engine/state"
	"aitbc/engine/types"
	"aitbc/gpu"
	"aitbc/storage/wal"
)

// The node crash tests run a whole node.Node on this store in a child
// process (the test binary re-executed) under a load of transfers and
// RECEIPT_CLAIMs. The child prints "final HEIGHT HASH..." for every block
// it publishes. Either the child kills itself with SIGKILL at one commit
// step (node.Machine.SetFaultHook), or the parent SIGKILLs it at a random
// moment. The parent then reopens the store and checks it.
const (
	envNodeCrashDir  = "AITBC_NODE_CRASH_DIR"
	envNodeCrashStep = "AITBC_NODE_CRASH_STEP" // a commit step; empty: wait for the parent's SIGKILL
	envNodeCrashMode = "AITBC_NODE_CRASH_MODE" // "write-behind": node.Config.WriteBehind
	nodeCrashSenders = 6
	nodeKillRounds   = 5
)

// crashChain is the child's chain, rebuilt identically by the parent.
type crashChain struct {
	gen     *types.Genesis
	sk      *bls.SecretKey
	senders []ed25519.PrivateKey
	miner   ed25519.PrivateKey // starts with nothing: its claims pay their own fees
	coord   ed25519.PrivateKey
}

func newCrashChain() *crashChain {
	key := func(s string) ed25519.PrivateKey { h := sha256.Sum256([]byte(s)); return ed25519.NewKeyFromSeed(h[:]) }
	pubOf := func(k ed25519.PrivateKey) ed25519.PublicKey { return k.Public().(ed25519.PublicKey) }
	sk, err := bls.GenerateKey(mrand.New(mrand.NewSource(7)))
	if err != nil {
		panic(err)
	}
	c := &crashChain{sk: sk, miner: key("miner"), coord: key("coordinator")}
	val := key("validator")
	pk, pop := sk.PublicKey(), bls.ProvePossession(sk)
	p := types.DefaultParams()
	p.MintPerUnit = 10
	p.Coordinators = []types.HexBytes{types.HexBytes(pubOf(c.coord))}
	c.gen = &types.Genesis{ChainID: testChainID, GenesisTime: 1_700_000_000_000, ConsensusMode: "poa", Params: p,
		Authorities: []types.Authority{{Address: types.AddressFromPubKey(pubOf(val)), PubKey: types.HexBytes(pubOf(val)),
			BLSPubKey: pk[:], BLSPoP: pop[:], Weight: 1}}}
	for i := range nodeCrashSenders {
		k := key(fmt.Sprint("sender-", i))
		c.senders = append(c.senders, k)
		c.gen.Accounts = append(c.gen.Accounts, types.GenesisAccount{Address: types.AddressFromPubKey(pubOf(k)), Balance: 1 << 50})
	}
	return c
}

// finalPrinter reports every published block's txs on stdout, one write
// per block, before the commit goes on.
type finalPrinter struct{}

func (finalPrinter) BlockCommitted(cb *engine.CommittedBlock) {
	var b strings.Builder
	fmt.Fprintf(&b, "final %d", cb.Block.Header.Height)
	for _, h := range cb.TxHashes {
		b.WriteString(" " + h.String())
	}
	b.WriteByte('\n')
	os.Stdout.WriteString(b.String())
}
func (finalPrinter) TxAdmitted(*types.Tx, types.Hash) {}
func (finalPrinter) ConsensusEvent(engine.Event)      {}

// walPath is the consensus WAL of the node whose store is dir.
func walPath(dir string) string { return dir + ".wal" }

// slowStore is a disk whose commits take longer than a block time, so
// the next height signs before its parent is written (node's
// ahead-of-store step).
type slowStore struct{ *Store }

func (s slowStore) Commit(cb *engine.CommittedBlock) error {
	time.Sleep(30 * time.Millisecond)
	return s.Store.Commit(cb)
}

// openNode restores a node from the store and the WAL file beside it (as
// aitbcd start does); the caller closes the batcher and the WAL after
// stopping the node.
func openNode(c *crashChain, s engine.BlockStore, w engine.WAL, log *slog.Logger, pub engine.Broadcaster) (*node.Node, *gpu.Batcher, error) {
	v := gpu.NewCPU(1)
	b, err := gpu.NewBatcher(v, v, gpu.DefaultBatcherConfig(), gpu.NopMetrics())
	if err != nil {
		return nil, nil, err
	}
	cfg := node.DefaultConfig()
	cfg.TickInterval, cfg.BlockTime = time.Millisecond, 20*time.Millisecond
	cfg.WriteBehind = os.Getenv(envNodeCrashMode) == "write-behind"
	n, err := node.New(cfg, node.Deps{Genesis: c.gen, Store: s, Verifier: b, Signer: consensus.NewKeySigner(c.sk),
		WAL: w, Publish: pub, Log: log})
	if err != nil {
		b.Close()
		return nil, nil, err
	}
	return n, b, nil
}

func TestNodeCrashChild(t *testing.T) {
	dir := os.Getenv(envNodeCrashDir)
	if dir == "" {
		t.Skip("only runs as the child of TestNodeCrashAtEachCommitStep / TestNodeRepeatedKill")
	}
	die := func(err error) { fmt.Printf("error %v\n", err); os.Exit(2) }
	c := newCrashChain()
	s, err := Open(DefaultOptions(dir))
	if err != nil {
		die(err)
	}
	if err := s.CheckChain(c.gen.ChainID, c.gen.Hash()); err != nil {
		die(err)
	}
	w, err := wal.Open(walPath(dir))
	if err != nil {
		die(err)
	}
	var store engine.BlockStore = s
	if os.Getenv(envNodeCrashStep) == node.FaultAheadOfStore {
		store = slowStore{s}
	}
	n, _, err := openNode(c, store, w, slog.New(slog.DiscardHandler), finalPrinter{})
	if err != nil {
		die(err)
	}
	if step := os.Getenv(envNodeCrashStep); step != "" {
		at := n.Status().Head.Height + 6 // some loaded blocks first
		n.SetFaultHook(func(s string, cb *engine.CommittedBlock) {
			if s == step && cb.Block.Header.Height >= at {
				os.Stdout.WriteString(fmt.Sprintf("dying %s %d %d\n", s, cb.Block.Header.Height, len(cb.Receipts)))
				_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
				select {} // the signal is on its way
			}
		})
	}
	n.Start()
	go func() { <-n.Done(); die(fmt.Errorf("node halted: %v", n.Err())) }()
	loadNode(n, c)
}

// loadNode submits transfers from every sender and claims from the miner,
// one goroutine per key (a submission waits for its signature batch),
// until the process dies (or a minute passes, which the parent reports).
// Each key keeps its next nonce and resyncs it from the committed state
// whenever a submission is refused (pool full, a tx dropped, a duplicate).
func loadNode(n *node.Node, c *crashChain) {
	ctx := context.Background()
	chain := c.gen.ChainID
	miner := types.AddressFromPubKey(c.miner.Public().(ed25519.PublicKey))
	deadline := time.Now().Add(time.Minute)
	run := func(k ed25519.PrivateKey, build func(i int) *types.Tx) {
		from := types.AddressFromPubKey(k.Public().(ed25519.PublicKey))
		committed := func() uint64 { a, _ := n.Account(from); return a.Nonce }
		next := committed() + 1
		for i := 0; time.Now().Before(deadline); i++ {
			tx := build(i)
			tx.Nonce = next
			tx.Fee = n.MinFee(tx)
			tx.Sign(k)
			if _, err := n.SubmitTx(ctx, tx); err != nil {
				next = committed() + 1
				time.Sleep(time.Millisecond)
				continue
			}
			next++
		}
	}
	for s, k := range c.senders {
		go run(k, func(i int) *types.Tx {
			return &types.Tx{ChainID: chain, Type: types.TxTransfer, Recipient: types.Address{byte(s) + 1, byte(i)}, Amount: 1 + uint64(i)}
		})
	}
	go run(c.miner, func(i int) *types.Tx {
		rc := types.NewReceiptClaim(chain, fmt.Appendf(nil, "job-%d-%d", os.Getpid(), i), 100, miner, c.coord)
		return &types.Tx{ChainID: chain, Type: types.TxReceiptClaim, Payload: rc.Encode()}
	})
	time.Sleep(time.Until(deadline))
	fmt.Println("error no crash within a minute")
	os.Exit(3)
}

// childRun is one child process and what it reported.
type childRun struct {
	final map[types.Hash]uint64 // tx -> height, for blocks the child published
	top   uint64                // highest published height
	dying string                // the "dying STEP HEIGHT RECEIPTS" line, if any
}

// runNodeChild starts the child on dir. With a step, it waits for the
// child to kill itself; without, it SIGKILLs it after a random number of
// published blocks and a random delay.
func runNodeChild(t *testing.T, dir, step, mode string, rng *rand.Rand) childRun {
	t.Helper()
	cmd, out := startChild(t, "TestNodeCrashChild", envNodeCrashDir+"="+dir, envNodeCrashStep+"="+step, envNodeCrashMode+"="+mode)
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	run := childRun{final: map[types.Hash]uint64{}}
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(nil, 64<<20)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	killAfter := 3 + rng.IntN(8) // blocks published by this run, without a step
	published, killed := 0, false
	for line := range lines {
		switch f := strings.Fields(line); {
		case len(f) >= 2 && f[0] == "final":
			h, err := strconv.ParseUint(f[1], 10, 64)
			if err != nil {
				t.Fatalf("child said %q", line)
			}
			for _, s := range f[2:] {
				if th, err := types.ParseHash(s); err == nil { // a line cut by the kill loses its tail only
					run.final[th] = h
				}
			}
			run.top = max(run.top, h)
			if published++; step == "" && !killed && published >= killAfter {
				// A random moment inside the next commits, not a timing assertion.
				time.Sleep(time.Duration(rng.IntN(20_000)) * time.Microsecond)
				if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
					t.Fatal(err)
				}
				killed = true
			}
		case len(f) >= 1 && f[0] == "dying":
			run.dying = line
		case len(f) >= 1 && f[0] == "error":
			t.Fatalf("child: %s", line)
		}
	}
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child ended with %v, want SIGKILL", err)
	}
	return run
}

// checkNodeStore reopens dir after a crash and checks it: a linked chain up
// to a head whose state root the stored accounts and claims reproduce,
// nothing above the head, every tx the child published still there at its
// height, and a node that restores from it and commits further blocks.
// It returns the head height.
func checkNodeStore(t *testing.T, dir string, run childRun) uint64 {
	t.Helper()
	c := newCrashChain()
	s := openDir(t, dir)
	defer s.Close()
	head, headHash, err := s.Head()
	if err != nil || head < run.top {
		t.Fatalf("head %d (%v) is below published height %d", head, err, run.top)
	}
	var parent types.Hash
	var claims []types.Hash
	var last *types.Block
	for h := uint64(1); h <= head; h++ {
		blk, err := s.Block(h)
		if err != nil {
			t.Fatalf("block %d: %v", h, err)
		}
		cert, err := s.CommitCert(h)
		if err != nil || cert.BlockHash != blk.Hash() || blk.Header.ParentHash != parent {
			t.Fatalf("block %d not linked to its parent or its cert: %v", h, err)
		}
		for _, tx := range blk.Txs {
			if tx.Type == types.TxReceiptClaim {
				rc, err := types.DecodeReceiptClaim(tx.Payload)
				if err != nil {
					t.Fatal(err)
				}
				claims = append(claims, types.ReceiptJobHash(rc.JobID))
			}
		}
		parent, last = blk.Hash(), blk
	}
	if headHash != parent {
		t.Fatalf("head record %s, block %d hashes to %s", headHash, head, parent)
	}
	if _, err := s.Block(head + 1); !errors.Is(err, engine.ErrNotFound) {
		t.Fatalf("a block above the head: %v", err)
	}
	// The stored state (accounts + claimed set) is exactly the head's.
	st, err := state.FromGenesis(c.gen)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.LoadAccounts(func(a types.Address, acct state.Account) error { st.Set(a, acct); return nil }); err != nil {
		t.Fatal(err)
	}
	stored := loadClaims(t, s)
	for _, h := range stored {
		st.AddClaimed(h)
	}
	slices.SortFunc(claims, func(a, b types.Hash) int { return bytes.Compare(a[:], b[:]) })
	if !slices.Equal(stored, claims) {
		t.Fatalf("stored claimed set has %d jobs, blocks 1..%d claim %d", len(stored), head, len(claims))
	}
	if st.Root() != last.Header.StateRoot {
		t.Fatalf("stored state root %s, head %d says %s", st.Root(), head, last.Header.StateRoot)
	}
	for th, h := range run.final {
		if gh, _, err := s.TxLocation(th); err != nil || gh != h {
			t.Fatalf("tx %s published final at %d; store says %d, %v", th, h, gh, err)
		}
	}
	// The node restores from it and the WAL (restore checks the root too)
	// and goes on.
	w, err := wal.Open(walPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	// Our proposals the WAL holds above the head: the next one's parent may
	// be a block only the WAL holds (a parent record).
	proposed := map[uint64]*types.Hash{head + 1: walProposalHash(t, w, head+1), head + 2: walProposalHash(t, w, head+2)}
	n, batcher, err := openNode(c, s, w, testLogger(t), nil)
	if err != nil {
		t.Fatalf("restart: %v", err)
	}
	defer batcher.Close()
	restored := n.Status().Head.Height
	n.Start()
	deadline := time.Now().Add(20 * time.Second)
	for n.Status().Head.Height < head+2 {
		if time.Now().After(deadline) {
			t.Fatalf("restarted node stuck at %d", n.Status().Head.Height)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := n.Stop(); err != nil {
		t.Fatal(err)
	}
	for h, p := range proposed {
		if p == nil {
			continue
		}
		blk, err := s.Block(h)
		if err != nil || blk.Hash() != *p {
			t.Fatalf("block %d after restart is not the one proposed before the kill (%v): it signed two", h, err)
		}
	}
	return max(head, restored)
}

// walProposalHash is the block hash of our proposal of height in the
// WAL, if it holds one (record kind 1: u8 1 || u32 len || proposal || block).
func walProposalHash(t *testing.T, w *wal.Log, height uint64) *types.Hash {
	t.Helper()
	recs, err := w.Records(height)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if len(r) > 5 && r[0] == 1 {
			n := binary.BigEndian.Uint32(r[1:5])
			blk, err := types.DecodeBlock(r[5+n:])
			if err != nil {
				t.Fatal(err)
			}
			h := blk.Hash()
			return &h
		}
	}
	return nil
}

func TestNodeCrashAtEachCommitStep(t *testing.T) {
	if os.Getenv(envNodeCrashDir) != "" {
		t.Skip("child")
	}
	if testing.Short() {
		t.Skip("runs node processes; skipped with -short")
	}
	rng := newCrashRand(t)
	for _, mode := range []string{"in-place", "write-behind"} {
		for _, step := range node.FaultSteps {
			if step == node.FaultAheadOfStore && mode == "in-place" {
				continue // nothing is signed above a block being written
			}
			t.Run(mode+"/"+step, func(t *testing.T) { crashAtStep(t, step, mode, rng) })
		}
	}
}

// crashAtStep kills a node at step and checks what it restarts from.
func crashAtStep(t *testing.T, step, mode string, rng *rand.Rand) {
	dir := t.TempDir()
	run := runNodeChild(t, dir, step, mode, rng)
	var h uint64
	var receipts int
	if _, err := fmt.Sscanf(run.dying, "dying "+step+" %d %d", &h, &receipts); err != nil {
		t.Fatalf("child did not die at %s: %q", step, run.dying)
	}
	head := checkNodeStore(t, dir, run)
	// The block is durable from after-store on; killed ahead of the
	// store, the WAL holds it and the restart commits it.
	want := h
	if step == node.FaultBeforeStore || step == node.FaultAfterApply {
		want = h - 1
	}
	if head != want {
		t.Fatalf("killed at %s of block %d: head %d, want %d", step, h, head, want)
	}
	t.Logf("%s: killed at block %d (%d claims in it), %d txs published final", step, h, receipts, len(run.final))
}

func TestNodeRepeatedKill(t *testing.T) {
	if os.Getenv(envNodeCrashDir) != "" {
		t.Skip("child")
	}
	if testing.Short() {
		t.Skip("runs node processes; skipped with -short")
	}
	rng := newCrashRand(t)
	dir := t.TempDir()
	var prev uint64
	for round := range nodeKillRounds {
		mode := "in-place"
		if round%2 == 1 {
			mode = "write-behind"
		}
		run := runNodeChild(t, dir, "", mode, rng)
		head := checkNodeStore(t, dir, run)
		if head < prev {
			t.Fatalf("round %d: head went back from %d to %d", round, prev, head)
		}
		t.Logf("round %d: head %d, %d txs published final before the kill", round, head, len(run.final))
		prev = head
	}
}

func newCrashRand(t *testing.T) *rand.Rand {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("AITBC_CRASH_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	t.Logf("seed %d (replay with AITBC_CRASH_SEED=%d)", seed, seed)
	return rand.New(rand.NewPCG(seed, 0))
}
