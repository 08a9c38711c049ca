package rpc

import (
	"bytes"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"aitbc/engine"
	"aitbc/engine/types"
	"aitbc/netio/ws"
)

// The WebSocket server is the Bridge's production Publisher.
var _ Publisher = (*ws.Server)(nil)

type recordingPublisher struct {
	mu   sync.Mutex
	msgs []published
}

type published struct {
	topic string
	msg   []byte
}

func (p *recordingPublisher) Publish(topic string, msg []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.msgs = append(p.msgs, published{topic, msg})
}

func TestBridge(t *testing.T) {
	f := newFixture(t)
	p := &recordingPublisher{}
	b := NewBridge(p, testChainID)

	b.BlockCommitted(&engine.CommittedBlock{Block: f.block1, Cert: f.cert1, TxHashes: f.block1.TxHashes()})
	b.BlockCommitted(&engine.CommittedBlock{Block: &types.Block{Header: types.Header{ChainID: testChainID, Height: 2}}})
	b.BlockCommitted(nil)
	b.TxAdmitted(f.pending, f.pending.Hash())
	b.ConsensusEvent(engine.Event{Kind: "step", Height: 2, Round: 1, Step: "prevote", BlockHash: f.block1.Hash(), Time: time.UnixMilli(1_700_000_000_123)})
	b.ConsensusEvent(engine.Event{Kind: "step", Height: 2, Step: "propose"})

	if len(p.msgs) != 5 {
		t.Fatalf("%d messages, want 5", len(p.msgs))
	}
	decode := func(i int, topic string, v any) {
		t.Helper()
		if p.msgs[i].topic != topic {
			t.Fatalf("message %d on %q, want %q", i, p.msgs[i].topic, topic)
		}
		dec := json.NewDecoder(bytes.NewReader(p.msgs[i].msg))
		dec.DisallowUnknownFields()
		if err := dec.Decode(v); err != nil {
			t.Fatalf("message %d %s: %v", i, p.msgs[i].msg, err)
		}
	}

	var blk BlockMessage
	decode(0, ws.TopicNewBlocks, &blk)
	if blk.Topic != ws.TopicNewBlocks || blk.ChainID != testChainID || blk.Height != 1 || blk.Hash != f.block1.Hash() ||
		blk.Time != f.block1.Header.Time || blk.TxCount != 2 || len(blk.TxHashes) != 2 || blk.TxHashes[1] != f.committed.Hash() {
		t.Fatalf("block message %+v", blk)
	}
	decode(1, ws.TopicNewBlocks, &blk)
	if blk.Height != 2 || blk.TxHashes == nil || !bytes.Contains(p.msgs[1].msg, []byte(`"tx_hashes":[]`)) {
		t.Fatalf("empty block message %s", p.msgs[1].msg)
	}

	var tx TxMessage
	decode(2, ws.TopicNewTransactions, &tx)
	if tx.TxHash != f.pending.Hash() || tx.Sender != addrOf(f.alice) || tx.Recipient != addrOf(f.bob) ||
		tx.Amount != 300 || tx.Fee != 500 || tx.Nonce != 3 || tx.Type != "TRANSFER" {
		t.Fatalf("tx message %+v", tx)
	}
	if !bytes.Contains(p.msgs[2].msg, []byte(`"sender":"ait1`)) || !bytes.Contains(p.msgs[2].msg, []byte(`"amount":"300"`)) {
		t.Fatalf("tx message wire form %s", p.msgs[2].msg)
	}

	var ev ConsensusMessage
	decode(3, ws.TopicConsensusEvents, &ev)
	if ev.Kind != "step" || ev.Height != 2 || ev.Round != 1 || ev.Step != "prevote" || ev.BlockHash != f.block1.Hash() || ev.Time != 1_700_000_000_123 {
		t.Fatalf("consensus message %+v", ev)
	}
	if bytes.Contains(p.msgs[4].msg, []byte(`"time"`)) || bytes.Contains(p.msgs[4].msg, []byte(`"validator"`)) {
		t.Fatalf("zero time and a step's validator should be omitted: %s", p.msgs[4].msg)
	}

	// Evidence of double-signing names the validator and the evidence.
	val, evHash := addrOf(f.bob), types.Sum256([]byte("evidence"))
	b.ConsensusEvent(engine.Event{Kind: "evidence", Height: 7, Round: 2, Step: "precommit", Validator: val, EvidenceHash: evHash})
	decode(5, ws.TopicConsensusEvents, &ev)
	if ev.Kind != "evidence" || ev.Height != 7 || ev.Round != 2 || ev.Step != "precommit" ||
		ev.Validator == nil || *ev.Validator != val || ev.EvidenceHash == nil || *ev.EvidenceHash != evHash {
		t.Fatalf("evidence message %s", p.msgs[5].msg)
	}
}
