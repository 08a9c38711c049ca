package exec

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"log/slog"
	"math"
	"strings"
	"testing"
	"time"

	"aitbc/engine"
	"aitbc/engine/consensus"
	"aitbc/engine/enginetest"
	"aitbc/engine/mempool"
	"aitbc/engine/metrics"
	"aitbc/engine/state"
	"aitbc/engine/types"
	"aitbc/engine/validators"
	"aitbc/engine/validators/valtest"
	"aitbc/gpu"
)

// testExec is an executor on a one-validator chain whose faucet holds
// funds, with maxBytes as its max_block_bytes.
type testExec struct {
	gen    *types.Genesis
	faucet ed25519.PrivateKey
	ledger *Ledger
	exec   *Executor
}

func newTestExec(t *testing.T, maxBytes uint32) *testExec {
	t.Helper()
	seed := sha256.Sum256([]byte("exec faucet"))
	faucet := ed25519.NewKeyFromSeed(seed[:])
	gen := valtest.Genesis("exec-test", 1)
	gen.GenesisTime = uint64(enginetest.Epoch.UnixMilli())
	gen.Params.MaxBlockBytes = maxBytes
	gen.Accounts = []types.GenesisAccount{{Address: types.AddressFromPubKey(faucet.Public().(ed25519.PublicKey)), Balance: 1 << 40}}
	ledger, vals := ledgerOf(t, gen)
	x := NewExecutor(gen.ChainID, vals, vals.Get(0).Address, ledger, enginetest.SyncVerifier{}, NewVerdictCache(1024), slog.New(slog.DiscardHandler))
	return &testExec{gen: gen, faucet: faucet, ledger: ledger, exec: x}
}

// ledgerOf validates gen and returns a ledger on its state (an empty
// mempool) and its validator set.
func ledgerOf(t *testing.T, gen *types.Genesis) (*Ledger, *validators.Set) {
	t.Helper()
	if err := gen.Validate(); err != nil {
		t.Fatal(err)
	}
	st, err := state.FromGenesis(gen)
	if err != nil {
		t.Fatal(err)
	}
	vals, err := validators.FromGenesis(gen)
	if err != nil {
		t.Fatal(err)
	}
	return NewLedger(st, mempool.New(mempool.DefaultConfig()), metrics.Nop()), vals
}

// admit puts n signed transfers from the faucet into the mempool.
func (c *testExec) admit(t *testing.T, n int) {
	t.Helper()
	for i := 1; i <= n; i++ {
		tx := &types.Tx{ChainID: c.gen.ChainID, Type: types.TxTransfer, Nonce: uint64(i), Recipient: types.Address{1}, Amount: 1,
			Payload: make([]byte, 512)}
		tx.Fee = c.ledger.MinFee(tx)
		tx.Sign(c.faucet)
		if err := c.ledger.Admit(tx, tx.Hash(), 0, enginetest.Epoch); err != nil {
			t.Fatal(err)
		}
	}
}

func (c *testExec) head() engine.Head {
	return engine.Head{Hash: types.ZeroHash, Time: c.gen.GenesisTime, StateRoot: c.ledger.Root()}
}

// A proposal larger than max_block_bytes is invalid, however valid its txs.
func TestValidateEnforcesMaxBlockBytes(t *testing.T) {
	big := newTestExec(t, 8<<20)
	big.admit(t, 200) // ~120 KB of txs
	blk := big.exec.Build(&consensus.BuildRequest{Height: 1}, big.head(), enginetest.Epoch.Add(time.Second))
	if len(blk.Txs) != 200 {
		t.Fatalf("built %d txs", len(blk.Txs))
	}
	small := newTestExec(t, types.MaxTxBytes) // the smallest limit the genesis allows
	if blk.EncodedSize() <= int(types.MaxTxBytes) {
		t.Fatalf("block of %d bytes is not over the limit", blk.EncodedSize())
	}
	err := small.exec.Validate(context.Background(), blk, small.head())
	if !errors.Is(err, engine.ErrInvalidBlock) {
		t.Fatalf("Validate of a %d-byte block with max_block_bytes %d: %v", blk.EncodedSize(), types.MaxTxBytes, err)
	}
	// The same block is valid under its own chain's limit.
	if err := newTestExec(t, 8<<20).exec.Validate(context.Background(), blk, big.head()); err != nil {
		t.Fatalf("Validate under the builder's limit: %v", err)
	}
}

// The vectors of docs/spec.md §14.13.
func TestTimelyVectors(t *testing.T) {
	p := types.DefaultParams() // time params unset: 500 and 2000 ms
	for _, v := range []struct {
		local, block uint64
		timely       bool
	}{
		{1000000, 1000000, true},
		{1000000, 1000500, true},
		{1000000, 1000501, false},
		{1000000, 997500, true},
		{1000000, 997499, false},
		{1000000, math.MaxUint64, false},
		{1000, 0, true},
	} {
		err := Timely(v.block, time.UnixMilli(int64(v.local)), p)
		if (err == nil) != v.timely || err != nil && !errors.Is(err, ErrUntimely) {
			t.Errorf("local %d, block time %d: %v, want timely=%v", v.local, v.block, err, v.timely)
		}
	}
	p.TimePrecisionMs, p.TimeMsgDelayMs = 10, 20
	if Timely(1_000_011, time.UnixMilli(1_000_000), p) == nil || Timely(999_969, time.UnixMilli(1_000_000), p) == nil ||
		Timely(999_970, time.UnixMilli(1_000_000), p) != nil {
		t.Fatal("the genesis params do not set the window")
	}
}

// A block stamped past 2^53 ms is invalid whoever proposes it, so parent
// time + 1 can never overflow.
func TestValidateRejectsOverflowingTime(t *testing.T) {
	x := newTestExec(t, 8<<20)
	blk := x.exec.Build(&consensus.BuildRequest{Height: 1}, x.head(), enginetest.Epoch.Add(time.Second))
	x.exec.Reset()
	blk.Header.Time = math.MaxUint64
	if err := x.exec.Validate(context.Background(), blk, x.head()); !errors.Is(err, engine.ErrInvalidBlock) {
		t.Fatalf("Validate of a block at 2^64-1: %v", err)
	}
}

// busyVerifier fails every call, as a saturated batcher does.
type busyVerifier struct{}

func (busyVerifier) Verify(context.Context, gpu.Item) (bool, error) { return false, gpu.ErrBusy }
func (busyVerifier) VerifyAll(context.Context, []gpu.Item) ([]bool, error) {
	return nil, gpu.ErrBusy
}
func (busyVerifier) Backend() string { return "busy" }

// A signature backend that fails without verdicts does not make a good
// block invalid: validation checks the signatures on the CPU instead (and
// a bad signature is still found there).
func TestValidateSurvivesVerifierFailure(t *testing.T) {
	x := newTestExec(t, 8<<20)
	x.admit(t, 5)
	blk := x.exec.Build(&consensus.BuildRequest{Height: 1}, x.head(), enginetest.Epoch.Add(time.Second))
	y := newTestExec(t, 8<<20)
	y.exec.verify = busyVerifier{}
	if err := y.exec.Validate(context.Background(), blk, y.head()); err != nil {
		t.Fatalf("a good block with a failing verifier: %v", err)
	}
	bad := newTestExec(t, 8<<20)
	bad.exec.verify = busyVerifier{}
	forged := *blk
	forged.Txs = append([]*types.Tx(nil), blk.Txs...)
	tx := *forged.Txs[0]
	tx.Sig[0] ^= 1
	forged.Txs[0] = &tx
	forged.Header.TxRoot = types.MerkleRoot(forged.TxHashes())
	if err := bad.exec.Validate(context.Background(), &forged, bad.head()); !errors.Is(err, engine.ErrBadSignature) {
		t.Fatalf("a forged signature with a failing verifier: %v", err)
	}
}

// On the commit path too: a decided block that this node did not
// validate before is executed with its signatures checked on the CPU when
// the backend fails, instead of failing the commit (which halted the node).
func TestDecidedSurvivesVerifierFailure(t *testing.T) {
	x := newTestExec(t, 8<<20)
	x.admit(t, 3)
	blk := x.exec.Build(&consensus.BuildRequest{Height: 1}, x.head(), enginetest.Epoch.Add(time.Second))
	y := newTestExec(t, 8<<20)
	y.exec.verify = busyVerifier{}
	got, err := y.exec.Decided(context.Background(), blk, y.head())
	if err != nil {
		t.Fatalf("a decided block with a failing verifier: %v", err)
	}
	if got.Block != blk || len(got.Hashes) != 3 || got.Batch.Root() != blk.Header.StateRoot {
		t.Fatalf("executed %d txs to root %s, want 3 to %s", len(got.Hashes), got.Batch.Root(), blk.Header.StateRoot)
	}
}

// A header commits to the set of the next height: Build stamps it, and
// Validate refuses a block whose next_validators_hash is not the set this
// node expects for height+1 (docs/spec.md §3, §17).
func TestNextValidatorsHash(t *testing.T) {
	builder, plain := newTestExec(t, 8<<20), newTestExec(t, 8<<20)
	blk := builder.exec.Build(&consensus.BuildRequest{Height: 1}, builder.head(), enginetest.Epoch.Add(time.Second))
	if blk.Header.NextValidatorsHash != blk.Header.ValidatorsHash {
		t.Fatalf("fixed set: next %s, this %s", blk.Header.NextValidatorsHash, blk.Header.ValidatorsHash)
	}
	if err := plain.exec.Validate(context.Background(), blk, plain.head()); err != nil {
		t.Fatal(err)
	}

	other, _ := valtest.Set(3, 4)
	changing := func(height uint64) *validators.Set {
		if height >= 2 {
			return other
		}
		return nil // the executor's own set
	}
	next := newTestExec(t, 8<<20)
	next.exec.SetSetAt(changing)
	blk2 := next.exec.Build(&consensus.BuildRequest{Height: 1}, next.head(), enginetest.Epoch.Add(time.Second))
	if blk2.Header.NextValidatorsHash != other.Hash() {
		t.Fatalf("next_validators_hash %s, want the set of height 2 %s", blk2.Header.NextValidatorsHash, other.Hash())
	}
	// A node expecting no change refuses it; one expecting it accepts it.
	wantSetHash(t, plain.exec.Validate(context.Background(), blk2, plain.head()), "next_validators_hash", 2, other.Hash(), blk.Header.ValidatorsHash)
	check := newTestExec(t, 8<<20)
	check.exec.SetSetAt(changing)
	if err := check.exec.Validate(context.Background(), blk2, check.head()); err != nil {
		t.Fatalf("expected next set: %v", err)
	}
	// And the expected change missing from a header is refused too.
	wantSetHash(t, check.exec.Validate(context.Background(), blk, check.head()), "next_validators_hash", 2, blk.Header.ValidatorsHash, other.Hash())

	// The set of the block's own height is checked the same way.
	wrong := *blk
	wrong.Header.ValidatorsHash = other.Hash()
	wantSetHash(t, plain.exec.Validate(context.Background(), &wrong, plain.head()), "validators_hash", 1, other.Hash(), blk.Header.ValidatorsHash)
}

// wantSetHash asserts err is an invalid block naming field, with the set
// hash the header carried (got) and the one of height that was expected.
func wantSetHash(t *testing.T, err error, field string, height uint64, got, want types.Hash) {
	t.Helper()
	var se *SetHashError
	if !errors.Is(err, engine.ErrInvalidBlock) || !errors.As(err, &se) {
		t.Fatalf("%s: got %v, want an invalid block with a *SetHashError", field, err)
	}
	if se.Field != field || se.Height != height || se.Got != got || se.Want != want {
		t.Fatalf("got %+v, want field %s height %d got %s want %s", se, field, height, got, want)
	}
	if !strings.Contains(err.Error(), field) {
		t.Fatalf("message does not name %s: %v", field, err)
	}
}

// A block's last commit verifies against the set of its own height (the
// parent's), not the block's: a certificate of height 1 signed by another
// set is refused, and accepted once the lookup says that set signs height
// 1 (docs/spec.md §14.7).
func TestLastCommitVerifiedAgainstItsHeight(t *testing.T) {
	ctx := context.Background()
	builder := newTestExec(t, 8<<20)
	genesisSet, genesisKeys := valtest.Set(1) // the genesis set of newTestExec
	other, otherKeys := otherSet(t, 1)        // same size: the pairing check refuses it
	blk1 := builder.exec.Build(&consensus.BuildRequest{Height: 1}, builder.head(), enginetest.Epoch.Add(time.Second))
	head1 := engine.Head{Height: 1, Hash: blk1.Hash(), Time: blk1.Header.Time, StateRoot: blk1.Header.StateRoot}
	block2 := func(set *validators.Set, keys []valtest.Keys) *types.Block {
		cert := commitOf(t, builder.gen.ChainID, set, keys, 1, blk1.Hash())
		return builder.exec.Build(&consensus.BuildRequest{Height: 2, LastCommit: cert}, head1, enginetest.Epoch.Add(2*time.Second))
	}
	byGenesis, byOther := block2(genesisSet, genesisKeys), block2(other, otherKeys)

	plain := newTestExec(t, 8<<20)
	if err := plain.exec.Validate(ctx, byGenesis, head1); err != nil {
		t.Fatalf("certificate of the genesis set: %v", err)
	}
	wantBadCommit(t, plain.exec.Validate(ctx, byOther, head1))

	// The set of height 1 is other; heights 2 and on keep the genesis set,
	// so both blocks' own set hashes still match.
	changed := newTestExec(t, 8<<20)
	changed.exec.SetSetAt(func(height uint64) *validators.Set {
		if height == 1 {
			return other
		}
		return nil
	})
	if err := changed.exec.Validate(ctx, byOther, head1); err != nil {
		t.Fatalf("certificate of the set of height 1: %v", err)
	}
	wantBadCommit(t, changed.exec.Validate(ctx, byGenesis, head1))
}

// otherSet is a set of n equal validators that shares no key with
// valtest.Set's first validators.
func otherSet(t *testing.T, n int) (*validators.Set, []valtest.Keys) {
	t.Helper()
	vals := make([]validators.Validator, n)
	keys := make([]valtest.Keys, n)
	for i := range vals {
		vals[i], keys[i] = valtest.Validator(100+i, 1)
	}
	s, err := validators.NewSet(vals)
	if err != nil {
		t.Fatal(err)
	}
	return s, keys
}

// commitOf is a certificate of height, round 0, signed by every member of set.
func commitOf(t *testing.T, chainID string, set *validators.Set, keys []valtest.Keys, height uint64, block types.Hash) *types.CommitCert {
	t.Helper()
	votes := make([]*types.Vote, len(keys))
	for i, k := range keys {
		votes[i] = valtest.Vote(chainID, k, types.Precommit, i, height, 0, block)
	}
	cert, err := set.MakeCommit(height, 0, block, votes)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

// wantBadCommit asserts err is an invalid block whose last commit's
// signature does not verify.
func wantBadCommit(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, engine.ErrInvalidBlock) || !errors.Is(err, validators.ErrBadSignature) || !strings.Contains(err.Error(), "last commit of height 1") {
		t.Fatalf("got %v, want an invalid block whose last commit of height 1 does not verify", err)
	}
}

// A proposal whose end of block would fail (paying the fees would
// overflow the proposer's balance) is built empty, its txs stay pooled,
// and the empty block validates.
func TestBuildEmptyWhenEndFails(t *testing.T) {
	c := newTestExec(t, 8<<20)
	c.admit(t, 3)
	c.ledger.st.Set(c.exec.self, state.Account{Balance: math.MaxUint64 - 1})
	blk := c.exec.Build(&consensus.BuildRequest{Height: 1}, c.head(), enginetest.Epoch.Add(time.Second))
	if len(blk.Txs) != 0 {
		t.Fatalf("built %d txs", len(blk.Txs))
	}
	if n, _ := c.ledger.PoolSize(); n != 3 {
		t.Fatalf("%d txs pooled, want 3", n)
	}
	if err := c.exec.Validate(context.Background(), blk, c.head()); err != nil {
		t.Fatalf("Validate of the empty block: %v", err)
	}
}

// testEvidence is a real double sign: validator 0 of the test chain
// precommits two blocks at height 1, round 0, both signatures valid.
func testEvidence(t *testing.T, chainID string) *types.Evidence {
	t.Helper()
	v, k := valtest.Validator(0, 1)
	a := valtest.Vote(chainID, k, types.Precommit, 0, 1, 0, types.Hash{0x0a})
	b := valtest.Vote(chainID, k, types.Precommit, 0, 1, 0, types.Hash{0x0b})
	ev, err := types.NewDuplicateVoteEvidence(a, b, v.Address, v.BLSPubKey)
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

// Blocks carry evidence (header evidence_hash); a poa chain has no stake
// to slash, so a block with any is invalid there, and one whose
// evidence_hash does not match its evidence is invalid for that first.
func TestValidateRefusesBlockEvidence(t *testing.T) {
	x := newTestExec(t, 8<<20)
	x.admit(t, 2)
	build := func() *types.Block {
		blk := x.exec.Build(&consensus.BuildRequest{Height: 1}, x.head(), enginetest.Epoch.Add(time.Second))
		x.exec.Reset()
		if !blk.Header.EvidenceHash.IsZero() || len(blk.Evidence) != 0 {
			t.Fatalf("Build stamped evidence: hash %s, %d pieces", blk.Header.EvidenceHash, len(blk.Evidence))
		}
		return blk
	}
	if err := x.exec.Validate(context.Background(), build(), x.head()); err != nil {
		t.Fatalf("the built block without evidence: %v", err)
	}
	ev := testEvidence(t, x.gen.ChainID)

	for _, tc := range []struct {
		name string
		mut  func(*types.Block)
		want string
	}{
		{"one piece, its root", func(b *types.Block) {
			b.Evidence = []*types.Evidence{ev}
			b.Header.EvidenceHash = types.EvidenceRoot(b.Evidence)
		}, "evidence on a chain without stake"},
		{"one piece, zero evidence_hash", func(b *types.Block) {
			b.Evidence = []*types.Evidence{ev}
		}, "evidence root mismatch"},
		{"one piece, another root", func(b *types.Block) {
			b.Evidence = []*types.Evidence{ev}
			b.Header.EvidenceHash = types.MerkleRoot(nil)
		}, "evidence root mismatch"},
		{"no evidence, evidence_hash of one", func(b *types.Block) {
			b.Header.EvidenceHash = types.EvidenceRoot([]*types.Evidence{ev})
		}, "evidence root mismatch"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			blk := build()
			tc.mut(blk)
			// The block still survives the wire: the decoder leaves the
			// root and the execution to validation.
			wire, err := types.DecodeBlock(blk.Encode())
			if err != nil {
				t.Fatal(err)
			}
			err = x.exec.Validate(context.Background(), wire, x.head())
			if !errors.Is(err, engine.ErrInvalidBlock) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate: %v, want ErrInvalidBlock %q", err, tc.want)
			}
			if _, err := x.exec.Decided(context.Background(), wire, x.head()); !errors.Is(err, engine.ErrInvalidBlock) {
				t.Fatalf("Decided: %v, want ErrInvalidBlock", err)
			}
		})
	}
}

// CheckBody binds a block's evidence to its header like its txs: a peer
// cannot strip or swap the evidence under a certified header.
func TestCheckBodyEvidence(t *testing.T) {
	x := newTestExec(t, 8<<20)
	x.admit(t, 1)
	blk := x.exec.Build(&consensus.BuildRequest{Height: 1}, x.head(), enginetest.Epoch.Add(time.Second))
	if err := CheckBody(blk); err != nil {
		t.Fatalf("CheckBody of a block without evidence: %v", err)
	}
	ev := testEvidence(t, x.gen.ChainID)
	blk.Evidence = []*types.Evidence{ev}
	blk.Header.EvidenceHash = types.EvidenceRoot(blk.Evidence)
	if err := CheckBody(blk); err != nil {
		t.Fatalf("CheckBody of a block with matching evidence: %v", err)
	}
	v, k := valtest.Validator(0, 1)
	other, err := types.NewDuplicateVoteEvidence(
		valtest.Vote(x.gen.ChainID, k, types.Prevote, 0, 1, 0, types.Hash{0x0a}),
		valtest.Vote(x.gen.ChainID, k, types.Prevote, 0, 1, 0, types.ZeroHash), v.Address, v.BLSPubKey)
	if err != nil {
		t.Fatal(err)
	}
	root := blk.Header.EvidenceHash
	for _, tc := range []struct {
		name string
		evs  []*types.Evidence
		hash types.Hash
	}{
		{"stripped", nil, root},
		{"swapped", []*types.Evidence{other}, root},
		{"added to", []*types.Evidence{ev, other}, root},
		{"reordered", []*types.Evidence{other, ev}, types.EvidenceRoot([]*types.Evidence{ev, other})},
	} {
		body := *blk
		body.Evidence, body.Header.EvidenceHash = tc.evs, tc.hash
		if err := CheckBody(&body); !errors.Is(err, engine.ErrBadPeerMessage) || !strings.Contains(err.Error(), "evidence") {
			t.Errorf("CheckBody of a block with its evidence %s: %v, want ErrBadPeerMessage", tc.name, err)
		}
	}
}
