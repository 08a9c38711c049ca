package node

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"aitbc/engine"
	"aitbc/engine/consensus"
	"aitbc/engine/enginetest"
	"aitbc/internal/wait"
)

// TestWALReplayKeepsSignedBlock: a validator that signed a block and died
// before storing it must, after restart, commit that same block — not
// build and sign a different one for the same height.
func TestWALReplayKeepsSignedBlock(t *testing.T) {
	c := newTestChain(t)
	mem, wal := enginetest.NewMemStore(), enginetest.NewMemWAL()
	// Height 4's commit fails, like a crash between signing the block's
	// precommit and writing the block.
	store := &enginetest.FaultStore{BlockStore: mem}
	store.FailCommitAt.Store(4)
	n := startNode(t, c, store, wal, nil)
	<-n.Done()
	if n.Err() == nil {
		t.Fatal("node did not halt on the failed commit")
	}
	recs, _ := wal.Records(4)
	var signed *consensus.ProposalMsg
	votes := 0
	for _, r := range recs {
		m, err := decodeWALMessage(r)
		if err != nil {
			t.Fatal(err)
		}
		switch m := m.(type) {
		case *consensus.ProposalMsg:
			signed = m
		case *consensus.VoteMsg:
			votes++
		}
	}
	if signed == nil || votes < 2 {
		t.Fatalf("WAL of height 4 holds proposal %v and %d votes; want our proposal, prevote and precommit", signed != nil, votes)
	}
	if h, _, _ := mem.Head(); h != 3 {
		t.Fatalf("store head %d, want 3", h)
	}

	n2 := startNode(t, c, mem, wal, nil)
	wait.Until(t, "height 4 after restart", 20*time.Second, func() bool { return n2.height() >= 4 })
	blk, _, err := n2.Block(4)
	if err != nil {
		t.Fatal(err)
	}
	if blk.Hash() != signed.Block.Hash() {
		t.Fatalf("restart committed %s at height 4, but the validator had signed %s", blk.Hash(), signed.Block.Hash())
	}
}

func TestWALMessageCodecRejectsGarbage(t *testing.T) {
	for _, b := range [][]byte{nil, {0}, {9, 1, 2}, {walProposal, 0, 0, 0, 9}, {walVote, 1}} {
		if _, err := decodeWALMessage(b); !errors.Is(err, engine.ErrBadWALRecord) {
			t.Errorf("%x: %v", b, err)
		}
	}
}

// FuzzWALRecord: the WAL's record decoders (a proposal, a vote, a parent
// record) never panic, refuse what they cannot read with
// ErrBadWALRecord, and a parent record they accept encodes back to the
// same bytes.
func FuzzWALRecord(f *testing.F) {
	c := newTestChain(f)
	wal := enginetest.NewMemWAL()
	m, _, clock, err := heldMachine(f, c, enginetest.NewMemStore(), wal)
	if err != nil {
		f.Fatal(err)
	}
	m.SetFaultHook(func(step string, _ *engine.CommittedBlock) {
		if step == FaultAheadOfStore {
			panic(crashAt{step})
		}
	})
	m.Init()
	if tickUntil(f, m, clock, func() bool { return false }) == nil {
		f.Fatal("no parent record written")
	}
	m.Stop()
	for h := uint64(1); h <= 2; h++ {
		recs, _ := wal.Records(h)
		for _, r := range recs {
			f.Add(r)
		}
	}
	f.Add([]byte{walParent, 0, 0, 0, 200})
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, err := decodeWALMessage(b); err != nil && !errors.Is(err, engine.ErrBadWALRecord) {
			t.Fatalf("message: %v", err)
		}
		blk, cert, err := decodeWALParent(b)
		if err != nil {
			if !errors.Is(err, engine.ErrBadWALRecord) {
				t.Fatalf("parent: %v", err)
			}
			return
		}
		if again := encodeWALParent(&engine.CommittedBlock{Block: blk, Cert: cert}); !bytes.Equal(again, b) {
			t.Fatalf("parent record %x re-encodes to %x", b, again)
		}
	})
}
