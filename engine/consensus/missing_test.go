package consensus

import (
	"testing"

	"aitbc/engine/types"
	"aitbc/engine/validators/valtest"
)

// Quorum precommits for a block whose body never arrived leave the core
// waiting (rule 49) and MissingDecision names the block; a certified
// copy of it decides the height and the report ends. Precommits short of
// a quorum, or for a block the core holds, report nothing.
func TestMissingDecision(t *testing.T) {
	set, keys := valtest.Set(valtest.Equal(4)...)
	c, err := New(scriptConfig(), set, nil, Start{Height: 1}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	blk := testBlock(set, "decided", 1, 2, nil)
	var votes []*types.Vote
	for i := 1; i <= 3; i++ {
		if _, _, ok := c.MissingDecision(); ok {
			t.Fatalf("a missing decision with %d precommits of 4", i-1)
		}
		v := valtest.Vote(testChain, keys[i], types.Precommit, i, 1, 2, blk.Hash())
		votes = append(votes, v)
		if err := c.Step(&VoteMsg{Vote: v}); err != nil {
			t.Fatal(err)
		}
	}
	hash, round, ok := c.MissingDecision()
	if !ok || hash != blk.Hash() || round != 2 {
		t.Fatalf("MissingDecision = %s, %d, %v; want %s in round 2", hash, round, ok, blk.Hash())
	}
	if c.StepName() == "commit" {
		t.Fatal("decided without the block")
	}
	cert, err := set.MakeCommit(1, 2, blk.Hash(), votes)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Step(&CommitMsg{Block: blk, Cert: cert}); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := c.MissingDecision(); ok || c.StepName() != "commit" {
		t.Fatalf("after the certified block: missing %v, step %s", ok, c.StepName())
	}
}
