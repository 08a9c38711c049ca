package sim

import (
	"errors"
	"testing"
	"time"

	"aitbc/engine/types"
	"aitbc/engine/validators"
	"aitbc/engine/validators/valtest"
)

// A light client walks a simulated pos chain from genesis to the head
// with the headers, certificates and sets the nodes stored, across every
// set change (the genesis authorities hand over to three stakers at the
// churn limit), and refuses a certificate the genesis authorities sign
// once their set has lost its power.
func TestLightClientAcrossSimulatedSetChanges(t *testing.T) {
	cfg := DefaultConfig(7)
	cfg.Duration, cfg.Quiet = 30*time.Second, 8*time.Second
	cfg.Staking = &Staking{Mode: "pos", EpochLength: 5, Stakers: 3, Plan: []StakeEvent{
		{At: 200 * time.Millisecond, Staker: 0, Kind: "stake", Amount: StakeUnit},
		{At: 200 * time.Millisecond, Staker: 1, Kind: "stake", Amount: StakeUnit},
		{At: 300 * time.Millisecond, Staker: 2, Kind: "stake", Amount: StakeUnit},
	}}
	c, _ := runChecked(t, cfg)
	store := c.Nodes[c.bestNode()].Store
	head := c.ReplicaHeight()
	lc, err := validators.NewLightClient(c.Gen.ChainID, c.Vals)
	if err != nil {
		t.Fatal(err)
	}
	changes := 0
	for h := uint64(1); h <= head; h++ {
		blk, err := store.Block(h)
		if err != nil {
			t.Fatal(err)
		}
		cert, err := store.CommitCert(h)
		if err != nil {
			t.Fatal(err)
		}
		var next *validators.Set
		if blk.Header.NextValidatorsHash != blk.Header.ValidatorsHash {
			next = c.SetAt(h + 1) // what a full node serves; the client checks its hash
			changes++
		}
		if err := lc.StepHeader(&blk.Header, cert, next); err != nil {
			t.Fatalf("height %d: %v", h, err)
		}
	}
	if changes < 3 {
		t.Fatalf("only %d set changes in %d heights", changes, head)
	}
	final := lc.Set()
	for i := 0; i < final.Size(); i++ {
		if _, genesis := c.Vals.IndexOf(final.Get(i).Address); genesis {
			t.Fatalf("genesis authority %s still in the final set", final.Get(i).Address)
		}
	}
	t.Logf("walked %d heights across %d set changes; final set: %d stakers, power %d", head, changes, final.Size(), final.TotalPower())

	// The genesis authorities sign a header of their own for the next
	// height: a valid certificate of a set that lost its power.
	fake := types.Header{ChainID: c.Gen.ChainID, Height: head + 1, ParentHash: lc.Hash(), Time: 1,
		ValidatorsHash: final.Hash(), NextValidatorsHash: final.Hash()}
	var votes []*types.Vote
	for i := 0; i < c.cfg.Validators; i++ {
		j, _ := c.Vals.IndexOf(c.Gen.Authorities[i].Address)
		votes = append(votes, valtest.Vote(c.Gen.ChainID, c.Keys[i], types.Precommit, j, head+1, 0, fake.Hash()))
	}
	forged, err := c.Vals.MakeCommit(head+1, 0, fake.Hash(), votes)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Vals.VerifyCommit(c.Gen.ChainID, forged); err != nil {
		t.Fatalf("the forged certificate does not even verify against the genesis set: %v", err)
	}
	if err := lc.StepHeader(&fake, forged, nil); err == nil {
		t.Fatal("the light client accepted a certificate of the set that lost its power")
	} else {
		t.Logf("the old set's certificate is refused: %v", err)
	}
	// The same signatures shaped as the current set's certificate (its
	// bitmap, every member's bit) do not verify under the members' keys.
	votes = votes[:0]
	for i := 0; i < final.Size(); i++ {
		votes = append(votes, valtest.Vote(c.Gen.ChainID, c.Keys[i], types.Precommit, i, head+1, 0, fake.Hash()))
	}
	shaped, err := final.MakeCommit(head+1, 0, fake.Hash(), votes)
	if err != nil {
		t.Fatal(err)
	}
	if err := lc.StepHeader(&fake, shaped, nil); !errors.Is(err, validators.ErrBadSignature) {
		t.Fatalf("a certificate signed by the old keys in the new set's shape: %v, want ErrBadSignature", err)
	}
	if lc.Height() != head {
		t.Fatalf("the client moved to %d on refused certificates", lc.Height())
	}
}
