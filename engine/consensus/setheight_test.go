package consensus

import (
	"errors"
	"testing"

	"aitbc/engine/types"
	"aitbc/engine/validators"
	"aitbc/engine/validators/valtest"
)

// A commit message's certificate is verified against the set of its own
// height (docs/spec.md §14.7): the set deciding the current height, or,
// for a certificate one height ahead during the commit wait, the set the
// caller installed for the next height with SetNextValidators. A
// certificate another set signed is a bad signature either way.
func TestCommitMsgVerifiedAgainstItsHeight(t *testing.T) {
	set, keys := valtest.Set(valtest.Equal(4)...)
	next, nextKeys := foreignSet(t)
	c, err := New(scriptConfig(), set, nil, Start{Height: 1}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	blk1 := testBlock(set, "one", 1, 0, nil)
	if err := c.Step(&CommitMsg{Block: blk1, Cert: certBy(t, next, nextKeys, 1, blk1.Hash())}); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("height 1 certificate of another set: %v, want ErrBadSignature", err)
	}
	cert1 := certBy(t, set, keys, 1, blk1.Hash())
	if err := c.Step(&CommitMsg{Block: blk1, Cert: cert1}); err != nil || c.StepName() != "commit" {
		t.Fatalf("height 1 certificate of its set: %v, step %s", err, c.StepName())
	}

	// The set changes at height 2; the caller says so while committing 1.
	c.SetNextValidators(next)
	blk2 := testBlock(next, "two", 2, 0, cert1)
	if err := c.Step(&CommitMsg{Block: blk2, Cert: certBy(t, set, keys, 2, blk2.Hash())}); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("height 2 certificate of the old set: %v, want ErrBadSignature", err)
	}
	if c.Height() != 1 {
		t.Fatalf("height %d after a refused certificate, want 1", c.Height())
	}
	if err := c.Step(&CommitMsg{Block: blk2, Cert: certBy(t, next, nextKeys, 2, blk2.Hash())}); err != nil {
		t.Fatalf("height 2 certificate of the new set: %v", err)
	}
	if c.Height() != 2 || c.Validators() != next {
		t.Fatalf("height %d with set %s, want 2 with the new set", c.Height(), c.Validators().Hash())
	}
}

// foreignSet is a set of four equal validators that shares no key with
// valtest.Set's.
func foreignSet(t *testing.T) (*validators.Set, []valtest.Keys) {
	t.Helper()
	vals := make([]validators.Validator, 4)
	keys := make([]valtest.Keys, 4)
	for i := range vals {
		vals[i], keys[i] = valtest.Validator(300+i, 1)
	}
	s, err := validators.NewSet(vals)
	if err != nil {
		t.Fatal(err)
	}
	return s, keys
}

// certBy is the round-0 certificate of block at height, signed by all of set.
func certBy(t *testing.T, set *validators.Set, keys []valtest.Keys, height uint64, block types.Hash) *types.CommitCert {
	t.Helper()
	votes := make([]*types.Vote, len(keys))
	for i, k := range keys {
		votes[i] = valtest.Vote(testChain, k, types.Precommit, i, height, 0, block)
	}
	cert, err := set.MakeCommit(height, 0, block, votes)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}
