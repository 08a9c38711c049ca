package consensus

import (
	"testing"

	"aitbc/engine/bls"
	"aitbc/engine/types"
	"aitbc/engine/validators/valtest"
)

// BenchmarkHeightSingleValidator is one full height of a one-validator
// chain: build answer, proposal, prevote, precommit, commit certificate,
// commit wait. Three BLS signatures dominate.
func BenchmarkHeightSingleValidator(b *testing.B) {
	set, keys := valtest.Set(1)
	cfg := scriptConfig()
	cfg.TimeoutCommit = 0
	c, err := New(cfg, set, NewKeySigner(keys[0].BLS), Start{Height: 1}, nil)
	if err != nil {
		b.Fatal(err)
	}
	blocks := map[uint64]*types.Block{}
	for b.Loop() {
		rd := c.Ready()
		c.Advance()
		if r := rd.BuildBlock; r != nil {
			blk := blocks[r.Height]
			if blk == nil {
				blk = testBlock(set, "b", r.Height, r.Round, r.LastCommit)
			}
			if err := c.Step(&BlockBuilt{Height: r.Height, Round: r.Round, Block: blk}); err != nil {
				b.Fatal(err)
			}
		}
		c.Ready()
		c.Advance()
		c.Tick()
	}
}

// BenchmarkHeightFourValidators is one height as seen by validator 3 of 4:
// a proposal and six votes to verify (signing them is excluded), our own
// three signatures, and the commit certificate.
func BenchmarkHeightFourValidators(b *testing.B) {
	set, keys := valtest.Set(valtest.Equal(4)...)
	cfg := scriptConfig()
	cfg.TimeoutCommit = 0
	c, err := New(cfg, set, NewKeySigner(keys[3].BLS), Start{Height: 1}, nil)
	if err != nil {
		b.Fatal(err)
	}
	var last *types.CommitCert
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		h := c.Height()
		if c.vals.Proposer(h, 0) == 3 { // our turn: let the pipeline build
			c.Ready()
			c.Advance()
			blk := testBlock(set, "b", h, 0, last)
			b.StartTimer()
			if err := c.Step(&BlockBuilt{Height: h, Round: 0, Block: blk}); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
		}
		blk := testBlock(set, "b", h, 0, last)
		var msgs []Message
		if pr := set.Proposer(h, 0); pr != 3 {
			p := &types.Proposal{Height: h, Round: 0, POLRound: -1, BlockHash: blk.Hash()}
			p.Sig = bls.Sign(keys[pr].BLS, p.SignBytes(testChain))
			msgs = append(msgs, &ProposalMsg{Proposal: p, Block: blk}, &BlockValidated{Hash: blk.Hash(), Valid: true})
		}
		for _, t := range []types.VoteType{types.Prevote, types.Precommit} {
			for v := 0; v < 2; v++ {
				msgs = append(msgs, &VoteMsg{Vote: valtest.Vote(testChain, keys[v], t, v, h, 0, blk.Hash())})
			}
		}
		b.StartTimer()
		for _, m := range msgs {
			if err := c.Step(m); err != nil {
				b.Fatal(err)
			}
		}
		rd := c.Ready()
		c.Advance()
		if len(rd.Committed) != 1 {
			b.Fatalf("height %d: no commit", h)
		}
		last = rd.Committed[0].Cert
		c.Tick()
	}
}
