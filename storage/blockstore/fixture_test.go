package blockstore

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"log/slog"
	"slices"
	"testing"

	"aitbc/engine"
	"aitbc/engine/state"
	"aitbc/engine/types"
	"aitbc/internal/logtest"
)

const testChainID = "aitbc-test"

// chainGen builds a deterministic chain of committed blocks with real
// signed transfers and RECEIPT_CLAIMs (tx i of a block is a claim when
// i % claimEvery == 1): block h depends only on h and the blocks before
// it, so a test can rebuild what any height must contain.
type chainGen struct {
	keys        []ed25519.PrivateKey
	addrs       []types.Address
	coordinator ed25519.PrivateKey
	txsPerBlock int
	claimEvery  int // 0: transfers only; 1: claims only
	height      uint64
	parent      types.Hash
	lastCert    *types.CommitCert
}

func newChainGen(nKeys, txsPerBlock int) *chainGen {
	cseed := sha256.Sum256([]byte("blockstore-test-coordinator"))
	g := &chainGen{txsPerBlock: txsPerBlock, claimEvery: 4, coordinator: ed25519.NewKeyFromSeed(cseed[:])}
	for i := range nKeys {
		seed := sha256.Sum256(fmt.Appendf(nil, "blockstore-test-key-%d", i))
		k := ed25519.NewKeyFromSeed(seed[:])
		g.keys = append(g.keys, k)
		g.addrs = append(g.addrs, types.AddressFromPubKey(k.Public().(ed25519.PublicKey)))
	}
	return g
}

// next returns the committed block at g.height+1 and advances.
func (g *chainGen) next() *engine.CommittedBlock {
	h := g.height + 1
	n := g.txsPerBlock
	txs := make([]*types.Tx, n)
	touched := map[types.Address]bool{}
	var receipts []state.Receipt
	for i := range n {
		s := (int(h)*7 + i) % len(g.keys)
		r := (s + 1 + i%3) % len(g.keys)
		tx := &types.Tx{
			ChainID:   testChainID,
			Type:      types.TxTransfer,
			Nonce:     h*uint64(n+1) + uint64(i) + 1,
			Recipient: g.addrs[r],
			Amount:    uint64(i) + 1,
			Fee:       10,
		}
		claim := g.claimEvery == 1 || g.claimEvery > 1 && i%g.claimEvery == 1
		if claim {
			rc := types.NewReceiptClaim(testChainID, fmt.Appendf(nil, "job-%d-%d", h, i), uint64(i)+1, g.addrs[s], g.coordinator)
			tx.Type, tx.Recipient, tx.Amount, tx.Payload = types.TxReceiptClaim, types.Address{}, 0, rc.Encode()
		}
		tx.Sign(g.keys[s])
		txs[i] = tx
		touched[g.addrs[s]] = true
		if claim {
			rcpt, err := state.ReceiptOf(tx, uint32(i), 1)
			if err != nil {
				panic(err)
			}
			receipts = append(receipts, rcpt)
		} else {
			touched[g.addrs[r]] = true
		}
	}
	proposer := g.addrs[int(h)%len(g.addrs)]
	touched[proposer] = true
	blk := &types.Block{
		Header: types.Header{
			ChainID:        testChainID,
			Height:         h,
			Time:           1_700_000_000_000 + h*1000,
			ParentHash:     g.parent,
			Proposer:       proposer,
			StateRoot:      types.Sum256(binary.BigEndian.AppendUint64([]byte("state"), h)),
			ValidatorsHash: types.Sum256([]byte("validators")), NextValidatorsHash: types.Sum256([]byte("validators")),
		},
		Txs:        txs,
		LastCommit: g.lastCert,
	}
	hashes := blk.TxHashes()
	blk.Header.TxRoot = types.MerkleRoot(hashes)
	if g.lastCert != nil {
		blk.Header.LastCommitHash = g.lastCert.Hash()
	}
	cert := &types.CommitCert{Height: h, BlockHash: blk.Hash(), Signers: types.NewBitmap(4)}
	for i := range 3 {
		cert.Signers.Set(i)
	}
	copy(cert.AggSig[:], bytes.Repeat([]byte{byte(h)}, types.BLSSigLen))

	addrs := make([]types.Address, 0, len(touched))
	for a := range touched {
		addrs = append(addrs, a)
	}
	slices.SortFunc(addrs, func(a, b types.Address) int { return bytes.Compare(a[:], b[:]) })
	updates := make([]state.AccountUpdate, len(addrs))
	for i, a := range addrs {
		updates[i] = state.AccountUpdate{Address: a, Account: state.Account{Balance: h*1_000_000 + uint64(i), Nonce: h}}
	}

	g.height, g.parent, g.lastCert = h, blk.Hash(), cert
	return &engine.CommittedBlock{Block: blk, Cert: cert, TxHashes: hashes, Accounts: updates, Receipts: receipts}
}

// testLogger routes slog output to t.Log.
func testLogger(t testing.TB) *slog.Logger {
	return logtest.New(t, slog.LevelDebug)
}

func openMem(t testing.TB) *Store {
	t.Helper()
	s, err := Open(Options{InMemory: true, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func openDir(t testing.TB, dir string) *Store {
	t.Helper()
	opts := DefaultOptions(dir)
	opts.Logger = testLogger(t)
	s, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustCommit(t testing.TB, s *Store, cb *engine.CommittedBlock) {
	t.Helper()
	if err := s.Commit(cb); err != nil {
		t.Fatalf("commit %d: %v", cb.Block.Header.Height, err)
	}
}
