package ingest

import (
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"errors"
	"log/slog"
	"sync"
	"testing"

	"aitbc/engine"
	"aitbc/engine/enginetest"
	"aitbc/engine/exec"
	"aitbc/engine/mempool"
	"aitbc/engine/metrics"
	"aitbc/engine/state"
	"aitbc/engine/types"
	"aitbc/gpu"
)

const testChain = "aitbc-ingest-test"

// countingVerifier is the synchronous CPU verifier that counts VerifyAll
// calls and their sizes, or fails every call with err.
type countingVerifier struct {
	enginetest.SyncVerifier
	mu    sync.Mutex
	calls []int
	err   error
}

func (v *countingVerifier) VerifyAll(ctx context.Context, items []gpu.Item) ([]bool, error) {
	v.mu.Lock()
	v.calls = append(v.calls, len(items))
	err := v.err
	v.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return v.SyncVerifier.VerifyAll(ctx, items)
}

func testKey(i int) ed25519.PrivateKey {
	var seed [ed25519.SeedSize]byte
	binary.BigEndian.PutUint64(seed[:], uint64(i)+1)
	copy(seed[8:], "aitbc-ingest-test")
	return ed25519.NewKeyFromSeed(seed[:])
}

// newTestAdmitter funds the accounts of testKey(0..funded-1) with balance each.
func newTestAdmitter(t *testing.T, v engine.SigVerifier, funded int, balance uint64) (*Admitter, *exec.Ledger, *[]*types.Tx) {
	t.Helper()
	st := state.New(types.DefaultParams())
	for i := range funded {
		st.Set(types.AddressFromPubKey(testKey(i).Public().(ed25519.PublicKey)), state.Account{Balance: balance})
	}
	m := metrics.New(nil)
	ledger := exec.NewLedger(st, mempool.New(mempool.DefaultConfig()), m)
	var relayed []*types.Tx
	a := New(Deps{ChainID: testChain, Ledger: ledger, Verifier: v, Verdicts: exec.NewVerdictCache(1024),
		Clock: enginetest.NewSimClock(enginetest.Epoch), Publish: engine.NopBroadcaster{}, Metrics: m,
		Log: slog.New(slog.DiscardHandler), Relay: func(tx *types.Tx) { relayed = append(relayed, tx) },
		Penalize: func(engine.PeerID, string, error) {}})
	return a, ledger, &relayed
}

func testTransfer(t *testing.T, ledger *exec.Ledger, from ed25519.PrivateKey, nonce, amount uint64) *types.Tx {
	tx := &types.Tx{ChainID: testChain, Type: types.TxTransfer, Nonce: nonce, Amount: amount}
	tx.Recipient[0] = 0xaa
	tx.Fee = ledger.MinFee(tx)
	tx.Sign(from)
	return tx
}

// TestSubmitTxsOneSignatureBatch: a batch's signatures go to the verifier
// in one call, and each tx gets exactly the outcome SubmitTx gives it.
func TestSubmitTxsOneSignatureBatch(t *testing.T) {
	v := &countingVerifier{}
	a, ledger, relayed := newTestAdmitter(t, v, 3, 1_000_000)
	good1 := testTransfer(t, ledger, testKey(0), 1, 10)
	good2 := testTransfer(t, ledger, testKey(0), 2, 10) // same sender, next nonce: admitted after good1
	badSig := testTransfer(t, ledger, testKey(1), 1, 10)
	badSig.Sig[0] ^= 1
	wrongChain := testTransfer(t, ledger, testKey(2), 1, 10)
	wrongChain.ChainID = "other"
	broke := testTransfer(t, ledger, testKey(5), 1, 10)  // unfunded sender
	gap := testTransfer(t, ledger, testKey(2), 5000, 10) // past the nonce window
	txs := []*types.Tx{good1, badSig, wrongChain, good2, broke, gap, good1}

	hashes, errs := a.SubmitTxs(context.Background(), txs)
	if len(v.calls) != 1 || v.calls[0] != 6 {
		t.Fatalf("verifier calls %v, want one call of 6 items (the txs past the stateless checks)", v.calls)
	}
	want := []error{nil, engine.ErrBadSignature, types.ErrInvalidTx, nil, mempool.ErrInsufficientFunds, mempool.ErrNonceGap, mempool.ErrDuplicate}
	for i, w := range want {
		if w == nil {
			if errs[i] != nil || hashes[i] != txs[i].Hash() {
				t.Errorf("tx %d: %v, %s; want admitted as %s", i, errs[i], hashes[i], txs[i].Hash())
			}
			continue
		}
		if !errors.Is(errs[i], w) || hashes[i] != (types.Hash{}) {
			t.Errorf("tx %d: %v, %s; want %v and no hash", i, errs[i], hashes[i], w)
		}
		// The same tx alone through SubmitTx gives the same class of error.
		if _, err := a.SubmitTx(context.Background(), txs[i]); !errors.Is(err, w) {
			t.Errorf("tx %d alone: %v, want %v", i, err, w)
		}
	}
	if _, ok := ledger.Pending(good2.Hash()); !ok || len(*relayed) != 2 {
		t.Errorf("pending good2 %v, relayed %d; want pending and 2 relayed", ok, len(*relayed))
	}
}

// TestSubmitTxsVerifierFailure: when the verifier gives no verdicts, every
// tx waiting on it fails with SubmitTx's error for that, and none is admitted.
func TestSubmitTxsVerifierFailure(t *testing.T) {
	v := &countingVerifier{err: gpu.ErrBusy}
	a, ledger, _ := newTestAdmitter(t, v, 2, 1_000_000)
	invalid := testTransfer(t, ledger, testKey(1), 1, 10)
	invalid.ChainID = "other"
	txs := []*types.Tx{testTransfer(t, ledger, testKey(0), 1, 10), invalid, testTransfer(t, ledger, testKey(0), 2, 10)}
	_, errs := a.SubmitTxs(context.Background(), txs)
	if !errors.Is(errs[0], engine.ErrBusy) || !errors.Is(errs[2], engine.ErrBusy) || !errors.Is(errs[1], types.ErrInvalidTx) {
		t.Fatalf("errs %v, want busy, invalid, busy", errs)
	}
	if _, ok := ledger.Pending(txs[0].Hash()); ok {
		t.Error("a tx was admitted without a verdict")
	}
	v.err = gpu.ErrClosed
	if _, errs = a.SubmitTxs(context.Background(), txs[:1]); !errors.Is(errs[0], engine.ErrStopped) {
		t.Errorf("closed verifier: %v, want engine.ErrStopped", errs[0])
	}
}

// TestSubmitTxsEmpty: an empty batch asks nothing of the verifier.
func TestSubmitTxsEmpty(t *testing.T) {
	v := &countingVerifier{}
	a, _, _ := newTestAdmitter(t, v, 0, 0)
	if h, e := a.SubmitTxs(context.Background(), nil); len(h) != 0 || len(e) != 0 || len(v.calls) != 0 {
		t.Fatalf("empty batch: %v %v, %d verifier calls", h, e, len(v.calls))
	}
}

// TestPeerTxsRelayedOnce: a tx that arrives again (from another peer, or
// by RPC after a peer sent it) is neither verified nor relayed again, so
// this node hands each tx to the transport once; the transport leaves out
// the peer it came from (netio/gossip's origin tracking).
func TestPeerTxsRelayedOnce(t *testing.T) {
	v := &countingVerifier{}
	a, ledger, relayed := newTestAdmitter(t, v, 2, 1_000_000)
	batch := []*types.Tx{testTransfer(t, ledger, testKey(0), 1, 10), testTransfer(t, ledger, testKey(1), 1, 10)}
	a.AdmitPeerTxs(context.Background(), "peer-a", batch)
	a.AdmitPeerTxs(context.Background(), "peer-b", batch)
	if _, errs := a.SubmitTxs(context.Background(), batch); !errors.Is(errs[0], mempool.ErrDuplicate) || !errors.Is(errs[1], mempool.ErrDuplicate) {
		t.Errorf("resubmitted by RPC: %v, want duplicates", errs)
	}
	if len(*relayed) != 2 {
		t.Errorf("relayed %d txs, want each of the 2 once", len(*relayed))
	}
	if len(v.calls) != 1 || v.calls[0] != 2 {
		t.Errorf("verifier calls %v, want one batch of 2 (then pending or cached verdicts)", v.calls)
	}
}
