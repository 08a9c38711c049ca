package rpc

import (
	"testing"

	"aitbc/engine"
	"aitbc/engine/types"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

type countingBroadcaster struct{ blocks, txs, events int }

func (c *countingBroadcaster) BlockCommitted(*engine.CommittedBlock) { c.blocks++ }
func (c *countingBroadcaster) TxAdmitted(*types.Tx, types.Hash)      { c.txs++ }
func (c *countingBroadcaster) ConsensusEvent(engine.Event)           { c.events++ }

// TestSigningWatch: a block whose parent certificate has this validator's
// bit counts as signed, one without it as missed; heights where the node is
// no validator, blocks without a certificate and malformed bitmaps count
// nothing; every call is forwarded.
func TestSigningWatch(t *testing.T) {
	cert := func(h uint64, n int, signers ...int) *types.CommitCert {
		bm := types.NewBitmap(n)
		for _, i := range signers {
			bm.Set(i)
		}
		return &types.CommitCert{Height: h, Signers: bm}
	}
	block := func(c *types.CommitCert) *engine.CommittedBlock {
		return &engine.CommittedBlock{Block: &types.Block{LastCommit: c}}
	}
	// Validator 2 of 4 until height 10, then out of the set.
	index := func(h uint64) (int, bool) { return 2, h < 10 }
	next := &countingBroadcaster{}
	reg := prometheus.NewPedanticRegistry()
	w := NewSigningWatch(next, index, reg)
	for _, cb := range []*engine.CommittedBlock{
		block(nil),                 // height 1: no parent certificate
		block(cert(1, 4, 0, 1, 2)), // signed
		block(cert(2, 4, 0, 1, 3)), // missed
		block(cert(3, 4, 2)),       // signed
		block(cert(11, 4, 0, 1)),   // not a validator at 11
		block(&types.CommitCert{Height: 4, Signers: types.Bitmap{N: 4}}), // no bits: malformed, ignored
		nil,
	} {
		w.BlockCommitted(cb)
	}
	w.TxAdmitted(nil, types.Hash{})
	w.ConsensusEvent(engine.Event{})
	if s, m := testutil.ToFloat64(w.signed), testutil.ToFloat64(w.missed); s != 2 || m != 1 {
		t.Fatalf("signed %v missed %v, want 2 and 1", s, m)
	}
	if next.blocks != 7 || next.txs != 1 || next.events != 1 {
		t.Fatalf("forwarded %+v, want every call", *next)
	}
	if n, err := testutil.GatherAndCount(reg, "aitbc_validator_signed_commits_total", "aitbc_validator_missed_commits_total"); err != nil || n != 2 {
		t.Fatalf("registered %d series (%v), want 2", n, err)
	}
	NewSigningWatch(next, nil, nil).BlockCommitted(block(cert(1, 4))) // full node: no index, no panic
}
