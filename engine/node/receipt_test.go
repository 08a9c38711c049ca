package node

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"aitbc/engine"
	"aitbc/engine/enginetest"
	"aitbc/engine/exec"
	"aitbc/engine/mempool"
	"aitbc/engine/state"
	"aitbc/engine/types"
	"aitbc/gpu"
	"aitbc/internal/wait"
)

// claimChain is a test chain whose genesis lists one coordinator and mints
// 5 per unit.
func claimChain(t testing.TB) (*testChain, ed25519.PrivateKey) {
	c := newTestChain(t)
	coord := ed25519.NewKeyFromSeed(sha256.New().Sum([]byte("coordinator"))[:32])
	c.gen.Params.Coordinators = []types.HexBytes{types.HexBytes(coord.Public().(ed25519.PublicKey))}
	c.gen.Params.MintPerUnit = 5
	return c, coord
}

// claimTx builds a signed RECEIPT_CLAIM by miner for job, attested by coord,
// with the given fee.
func (c *testChain) claimTx(miner, coord ed25519.PrivateKey, nonce uint64, job string, units, fee uint64) *types.Tx {
	from := types.AddressFromPubKey(miner.Public().(ed25519.PublicKey))
	rc := types.NewReceiptClaim(c.gen.ChainID, []byte(job), units, from, coord)
	tx := &types.Tx{ChainID: c.gen.ChainID, Type: types.TxReceiptClaim, Nonce: nonce, Fee: fee, Payload: rc.Encode()}
	tx.Sign(miner)
	return tx
}

// receiptIndex records the receipts of every block the indexer hands it.
type receiptIndex struct {
	mu       sync.Mutex
	receipts []state.Receipt
	last     uint64
}

func (x *receiptIndex) IndexBlocks(_ context.Context, bs []*engine.CommittedBlock) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, b := range bs {
		x.receipts = append(x.receipts, b.Receipts...)
		x.last = b.Block.Header.Height
	}
	return nil
}

func (x *receiptIndex) LastIndexedHeight(context.Context) (uint64, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.last, nil
}

func (x *receiptIndex) Close() error { return nil }

func (x *receiptIndex) all() []state.Receipt {
	x.mu.Lock()
	defer x.mu.Unlock()
	return append([]state.Receipt(nil), x.receipts...)
}

func TestReceiptClaimThroughThePipeline(t *testing.T) {
	c, coord := claimChain(t)
	store, wal, idx := enginetest.NewMemStore(), enginetest.NewMemWAL(), &receiptIndex{}
	n := startNode(t, c, store, wal, idx)
	miner := ed25519.NewKeyFromSeed(sha256.New().Sum([]byte("miner"))[:32]) // no balance at all
	M := types.AddressFromPubKey(miner.Public().(ed25519.PublicKey))
	fee := n.MinFee(c.claimTx(miner, coord, 1, "job-1", 100, 0))
	ctx := context.Background()

	badAttest := c.claimTx(miner, coord, 1, "job-1", 100, fee)
	rc, _ := types.DecodeReceiptClaim(badAttest.Payload)
	rc.CoordinatorSig[7] ^= 1
	badAttest.Payload = rc.Encode()
	badAttest.Sign(miner) // the miner's signature is good; the attestation is not
	badSender := c.claimTx(miner, coord, 1, "job-1", 100, fee)
	badSender.Sig[3] ^= 1
	otherMiner := c.claimTx(miner, coord, 1, "job-1", 100, fee)
	{ // attested for another miner, submitted by this one
		rc := types.NewReceiptClaim(c.gen.ChainID, []byte("job-1"), 100, types.Address{1}, coord)
		otherMiner.Payload = rc.Encode()
		otherMiner.Sign(miner)
	}
	stranger := ed25519.NewKeyFromSeed(make([]byte, 32))
	withAmount := c.claimTx(miner, coord, 1, "job-1", 100, fee)
	withAmount.Amount = 1
	withAmount.Sign(miner)
	for _, tc := range []struct {
		name string
		tx   *types.Tx
		want error
		says string
	}{
		{"bad coordinator signature", badAttest, engine.ErrBadSignature, "coordinator attestation"},
		{"attestation for another miner", otherMiner, engine.ErrBadSignature, "coordinator attestation"},
		{"bad miner signature", badSender, engine.ErrBadSignature, "sender signature"},
		{"unknown coordinator", c.claimTx(miner, stranger, 1, "job-1", 100, fee), state.ErrUnknownCoordinator, "coordinator"},
		{"amount set", withAmount, state.ErrBadReceipt, "amount"},
		{"fee above the mint", c.claimTx(miner, coord, 1, "job-1", 1, fee), mempool.ErrInsufficientFunds, "balance 5"},
	} {
		_, err := n.SubmitTx(ctx, tc.tx)
		if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%s: got %v, want %v saying %q", tc.name, err, tc.want, tc.says)
		}
	}

	good := c.claimTx(miner, coord, 1, "job-1", 100, fee)
	hash, err := n.SubmitTx(ctx, good)
	if err != nil {
		t.Fatal(err)
	}
	var info engine.TxInfo
	wait.Until(t, "claim commit", 20*time.Second, func() bool { info, err = n.Tx(hash); return err == nil && !info.Pending })
	if a, _ := n.Account(M); a.Balance != 500-fee || a.Nonce != 1 {
		t.Fatalf("miner %+v, want balance %d nonce 1", a, 500-fee)
	}
	job := types.ReceiptJobHash([]byte("job-1"))
	var stored []types.Hash
	if err := store.LoadClaimedJobs(func(h types.Hash) error { stored = append(stored, h); return nil }); err != nil || len(stored) != 1 || stored[0] != job {
		t.Fatalf("stored claims %v, %v", stored, err)
	}
	wait.Until(t, "indexed receipt", 20*time.Second, func() bool { return len(idx.all()) == 1 })
	r := idx.all()[0]
	if r.JobHash != job || r.Miner != M || r.Minted != 500 || r.Units != 100 || r.TxIndex != info.Index ||
		r.ID != types.ReceiptID(c.gen.ChainID, []byte("job-1"), M, 100) {
		t.Fatalf("indexed receipt %+v (tx at %d/%d)", r, info.Height, info.Index)
	}

	// The job is taken: by the same miner, by another, with any units.
	second := c.claimTx(miner, coord, 2, "job-1", 100, fee)
	if _, err := n.SubmitTx(ctx, second); !errors.Is(err, state.ErrReceiptClaimed) {
		t.Fatalf("second claim: %v", err)
	}
	if _, err := n.SubmitTx(ctx, c.claimTx(c.faucet, coord, 1, "job-1", 7, fee)); !errors.Is(err, state.ErrReceiptClaimed) {
		t.Fatalf("second claim by another miner: %v", err)
	}

	// Restart: the claimed set comes back from the store, with the same root.
	if err := n.Stop(); err != nil {
		t.Fatal(err)
	}
	head, _ := n.Head()
	n2 := startNode(t, c, store, wal, nil)
	if h2, _ := n2.Head(); h2.StateRoot != head.StateRoot && h2.Height == head.Height {
		t.Fatalf("restarted root %s, was %s", h2.StateRoot, head.StateRoot)
	}
	if _, err := n2.SubmitTx(ctx, second); !errors.Is(err, state.ErrReceiptClaimed) {
		t.Fatalf("claim after restart: %v", err)
	}
	next, err := n2.SubmitTx(ctx, c.claimTx(miner, coord, 2, "job-2", 100, fee))
	if err != nil {
		t.Fatal(err)
	}
	wait.Until(t, "second job", 20*time.Second, func() bool { i, err := n2.Tx(next); return err == nil && !i.Pending })
	if a, _ := n2.Account(M); a.Balance != 2*(500-fee) || a.Nonce != 2 {
		t.Fatalf("miner after two claims %+v", a)
	}
}

// The signature check of block validation (exec.CheckSigs) verifies the
// attestation of claims it has not seen, and caches a tx only when both of
// its signatures pass.
func TestCheckSigsChecksAttestations(t *testing.T) {
	c, coord := claimChain(t)
	n := startNode(t, c, enginetest.NewMemStore(), enginetest.NewMemWAL(), nil)
	miner := ed25519.NewKeyFromSeed(sha256.New().Sum([]byte("miner"))[:32])
	transfer := c.transfer(t, c.faucet, 1, types.Address{9}, 1, 1000)
	good := c.claimTx(miner, coord, 1, "job-v", 100, 1000)
	bad := c.claimTx(miner, coord, 2, "job-w", 100, 1000)
	rc, _ := types.DecodeReceiptClaim(bad.Payload)
	rc.CoordinatorSig[0] ^= 0x80
	bad.Payload = rc.Encode()
	bad.Sign(miner)
	malformed := c.claimTx(miner, coord, 3, "job-x", 1, 1000)
	malformed.Payload = malformed.Payload[:10]
	malformed.Sign(miner)

	cache := exec.NewVerdictCache(16)
	check := func(txs ...*types.Tx) []error {
		t.Helper()
		checks := make([]exec.SigCheck, len(txs))
		for i, tx := range txs {
			checks[i] = exec.SigCheck{Tx: tx, Hash: tx.Hash()}
		}
		v, err := exec.CheckSigs(context.Background(), n.verify, cache, c.gen.ChainID, checks)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	v := check(transfer, good, bad, malformed)
	if v[0] != nil || v[1] != nil {
		t.Fatalf("good txs: %v, %v", v[0], v[1])
	}
	if !errors.Is(v[2], engine.ErrBadSignature) || !strings.Contains(v[2].Error(), "coordinator") {
		t.Fatalf("bad attestation: %v, want the coordinator attestation to fail", v[2])
	}
	if !errors.Is(v[3], state.ErrBadReceipt) {
		t.Fatalf("malformed claim: %v", v[3])
	}
	if cache.Has(bad.Hash()) || cache.Has(malformed.Hash()) {
		t.Fatal("a claim with a bad attestation was cached")
	}
	if !cache.Has(transfer.Hash()) || !cache.Has(good.Hash()) {
		t.Fatal("verified txs not cached")
	}
	// A cached verdict is not checked again: a verifier that fails every
	// call still passes them.
	if v, err := exec.CheckSigs(context.Background(), failingVerifier{}, cache, c.gen.ChainID,
		[]exec.SigCheck{{Tx: transfer, Hash: transfer.Hash()}, {Tx: good, Hash: good.Hash()}}); err != nil || v[0] != nil || v[1] != nil {
		t.Fatalf("cached verdicts re-checked: %v %v", v, err)
	}
}

// failingVerifier answers every call with an error.
type failingVerifier struct{}

func (failingVerifier) Verify(context.Context, gpu.Item) (bool, error) { return false, gpu.ErrBusy }
func (failingVerifier) VerifyAll(context.Context, []gpu.Item) ([]bool, error) {
	return nil, gpu.ErrBusy
}
func (failingVerifier) Backend() string { return "failing" }
