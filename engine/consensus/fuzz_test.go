package consensus

import (
	"fmt"
	"sync"
	"testing"

	"aitbc/engine/bls"
	"aitbc/engine/types"
	"aitbc/engine/validators"
	"aitbc/engine/validators/valtest"
)

// fuzzWorld caches keys, blocks and signatures across fuzz iterations so
// that throwing valid, signed messages at the core stays fast.
type fuzzWorld struct {
	set  *validators.Set
	keys []valtest.Keys
	mu   sync.Mutex
	sigs map[string]bls.Signature
	blks map[string]*types.Block
}

func newFuzzWorld() *fuzzWorld {
	set, keys := valtest.Set(valtest.Equal(4)...)
	return &fuzzWorld{set: set, keys: keys, sigs: map[string]bls.Signature{}, blks: map[string]*types.Block{}}
}

func (w *fuzzWorld) sign(i int, msg []byte) bls.Signature {
	w.mu.Lock()
	defer w.mu.Unlock()
	k := fmt.Sprintf("%d/%x", i, msg)
	if s, ok := w.sigs[k]; ok {
		return s
	}
	s := bls.Sign(w.keys[i].BLS, msg)
	w.sigs[k] = s
	return s
}

// block returns one of two fixed blocks (which = 0, 1) for height h.
func (w *fuzzWorld) block(h uint64, which byte) *types.Block {
	w.mu.Lock()
	defer w.mu.Unlock()
	k := fmt.Sprintf("%d/%d", h, which%2)
	if b, ok := w.blks[k]; ok {
		return b
	}
	b := testBlock(w.set, k, h, 0, nil)
	w.blks[k] = b
	return b
}

func (w *fuzzWorld) hash(h uint64, choice byte) types.Hash {
	if choice%3 == 0 {
		return types.ZeroHash
	}
	return w.block(h, choice%3-1).Hash()
}

// FuzzStep throws votes, proposals, timeouts, pipeline answers and commit
// certificates, signed and not, valid and not, and raw-decoded votes and
// proposals at a core (validator 0 of 4). The core must never panic, never
// sign two different messages for one slot, commit consecutive heights
// with certificates that verify, and report only evidence that verifies,
// each slot once.
func FuzzStep(f *testing.F) {
	w := newFuzzWorld()
	f.Add([]byte{})
	f.Add([]byte{4, 0, 0, 0, 1, 4, 0, 2, 4, 0, 5, 4, 0, 6, 4, 2, 15, 0})
	f.Add([]byte{2, 15, 0, 2, 15, 0, 2, 15, 0, 1, 1, 1, 3, 0, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := New(scriptConfig(), w.set, NewKeySigner(w.keys[0].BLS), Start{Height: 1}, nil)
		if err != nil {
			t.Fatal(err)
		}
		signed := map[[3]uint64]types.Hash{}
		reported := map[[4]uint64]bool{} // evidence slots: height, round, step, validator
		var build *BuildRequest
		var committed uint64
		check := func() {
			for c.HasReady() {
				rd := c.Ready()
				for _, m := range rd.Persist {
					var k [3]uint64
					var h types.Hash
					switch m := m.(type) {
					case *ProposalMsg:
						k, h = [3]uint64{m.Proposal.Height, uint64(m.Proposal.Round), 0}, m.Proposal.BlockHash
					case *VoteMsg:
						k, h = [3]uint64{m.Vote.Height, uint64(m.Vote.Round), uint64(m.Vote.Type)}, m.Vote.BlockHash
					}
					if old, ok := signed[k]; ok && old != h {
						t.Fatalf("signed two messages for %v: %s, %s", k, old, h)
					}
					signed[k] = h
				}
				if rd.BuildBlock != nil {
					build = rd.BuildBlock
				}
				for _, ev := range rd.Evidence {
					if err := VerifyEvidence(testChain, w.set, ev); err != nil {
						t.Fatalf("emitted evidence does not verify: %v", err)
					}
					k := [4]uint64{ev.Height(), uint64(ev.Round()), map[string]uint64{"proposal": 0, "prevote": 1, "precommit": 2}[ev.Step()], uint64(ev.ValidatorIndex)}
					if reported[k] {
						t.Fatalf("evidence for %s h=%d r=%d v%d emitted twice", ev.Step(), ev.Height(), ev.Round(), ev.ValidatorIndex)
					}
					reported[k] = true
				}
				for _, cm := range rd.Committed {
					if cm.Cert.Height != committed+1 {
						t.Fatalf("commit of height %d after %d", cm.Cert.Height, committed)
					}
					if err := w.set.VerifyCommit(testChain, cm.Cert); err != nil {
						t.Fatalf("emitted commit does not verify: %v", err)
					}
					committed++
				}
				c.Advance()
			}
		}
		check()
		for len(data) >= 3 {
			op, a, b := data[0], data[1], data[2]
			data = data[3:]
			h := c.Height()
			var m Message
			switch op % 8 {
			case 0: // a signed vote
				i := int(a % 4)
				vt := types.Prevote
				if a&4 != 0 {
					vt = types.Precommit
				}
				vh := h + uint64(a>>3&1)
				v := &types.Vote{Type: vt, Height: vh, Round: uint32(b % 4), BlockHash: w.hash(vh, b>>2), ValidatorIndex: uint32(i)}
				v.Sig = w.sign(i, v.SignBytes(testChain))
				m = &VoteMsg{Vote: v}
			case 1: // a proposal, signed by the proposer or (a&0x80) by someone else
				round := uint32(a % 4)
				ph := h + uint64(b>>4&1)
				blk := w.block(ph, b)
				pol := int32(b>>1%3) - 1
				if pol >= int32(round) {
					pol = -1
				}
				p := &types.Proposal{Height: ph, Round: round, POLRound: pol, BlockHash: blk.Hash()}
				signer := w.set.Proposer(ph, round)
				if a&0x80 != 0 {
					signer = int(a>>2) % 4
				}
				p.Sig = w.sign(signer, p.SignBytes(testChain))
				m = &ProposalMsg{Proposal: p, Block: blk}
			case 2: // time passes
				for i := 0; i <= int(a%16); i++ {
					c.Tick()
				}
			case 3:
				m = &BlockValidated{Hash: w.block(h, a).Hash(), Valid: b&1 == 1}
			case 4:
				if build != nil && a&1 == 0 {
					m = &BlockBuilt{Height: build.Height, Round: build.Round, Block: w.block(build.Height, b)}
				} else {
					m = &BlockBuilt{Height: h, Round: uint32(b % 4), Block: w.block(h, a)}
				}
			case 5, 6: // raw bytes through the wire decoders
				n := min(int(a%120), len(data))
				raw := data[:n]
				data = data[n:]
				if op%8 == 5 {
					if v, err := types.DecodeVote(raw); err == nil {
						m = &VoteMsg{Vote: v}
					}
				} else if p, err := types.DecodeProposal(raw); err == nil {
					m = &ProposalMsg{Proposal: p, Block: w.block(p.Height, b)}
				}
			case 7: // a commit certificate from some subset of validators, for this height or (b&0x20, block sync during the commit wait) the next
				ch := h + uint64(b>>5&1)
				blk := w.block(ch, a)
				round := uint32(a >> 1 % 4)
				var votes []*types.Vote
				for i := 0; i < 4; i++ {
					if b&(1<<i) != 0 {
						v := &types.Vote{Type: types.Precommit, Height: ch, Round: round, BlockHash: blk.Hash(), ValidatorIndex: uint32(i)}
						v.Sig = w.sign(i, v.SignBytes(testChain))
						votes = append(votes, v)
					}
				}
				cert, err := w.set.MakeCommit(ch, round, blk.Hash(), votes)
				if err != nil {
					cert = &types.CommitCert{Height: ch, Round: round, BlockHash: blk.Hash(), Signers: types.NewBitmap(4)}
				}
				if b&0x10 != 0 {
					cert.AggSig[7] ^= 1
				}
				m = &CommitMsg{Block: blk, Cert: cert}
			}
			if m != nil {
				_ = c.Step(m) // errors are expected; panics and broken invariants are not
			}
			check()
			if c.Height() < h {
				t.Fatalf("height went back from %d to %d", h, c.Height())
			}
		}
	})
}
