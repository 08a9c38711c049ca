package validators_test

import (
	"errors"
	"fmt"
	"testing"

	"aitbc/engine/types"
	"aitbc/engine/validators"
	"aitbc/engine/validators/valtest"
)

const lcChain = "light-chain"

// signCommit makes the certificate of (height, hash) signed by every
// member of set (keys by address).
func signCommit(t *testing.T, set *validators.Set, keys map[types.Address]valtest.Keys, height uint64, hash types.Hash) *types.CommitCert {
	t.Helper()
	var votes []*types.Vote
	for i := 0; i < set.Size(); i++ {
		votes = append(votes, valtest.Vote(lcChain, keys[set.Get(i).Address], types.Precommit, i, height, 0, hash))
	}
	c, err := set.MakeCommit(height, 0, hash, votes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A light client walks from genesis to the head across set changes made
// by Elect (docs/spec.md §17) with headers, certificates and sets alone,
// and refuses what a set that lost its power, a wrong next set, a skipped
// height, another branch or another chain would give it.
func TestLightClientFollowsSetChanges(t *testing.T) {
	const epochLen = 4
	keys := map[types.Address]valtest.Keys{}
	for i := range 8 {
		v, k := valtest.Validator(i, 1)
		keys[v.Address] = k
	}
	cfg := posConfig()
	// Epoch e's candidates: the genesis four, then stakers joining and
	// one tombstoned.
	cands := func(e int) []validators.Candidate {
		out := []validators.Candidate{staker(0, 1000), staker(1, 1000), staker(2, 1000), staker(3, 1000)}
		if e >= 1 {
			out = append(out, staker(4, 1200))
		}
		if e >= 2 {
			out = append(out, staker(5, 900))
			out[0].Tombstoned = true
		}
		if e >= 3 {
			out = append(out, staker(6, 2000))
		}
		return out
	}
	sets := []*validators.Set{setOf(t, map[int]uint64{0: 100, 1: 100, 2: 100, 3: 100})}
	changes := 0
	for e := 1; e <= 5; e++ {
		next, _, err := validators.Elect(cfg, sets[e-1], cands(e))
		if err != nil {
			t.Fatal(err)
		}
		if next.Hash() != sets[e-1].Hash() {
			changes++
		}
		sets = append(sets, next)
	}
	if changes < 3 {
		t.Fatalf("only %d set changes", changes)
	}
	setAt := func(h uint64) *validators.Set { return sets[(h-1)/epochLen] }
	heights := uint64(len(sets)-1) * epochLen
	// The chain's headers, each the child of the one before.
	headers := []*types.Header{nil}
	for h := uint64(1); h <= heights; h++ {
		hd := &types.Header{ChainID: lcChain, Height: h, Time: 1000 * h, StateRoot: types.Sum256([]byte(fmt.Sprint("state ", h))),
			ValidatorsHash: setAt(h).Hash(), NextValidatorsHash: setAt(h + 1).Hash()}
		if h > 1 {
			hd.ParentHash = headers[h-1].Hash()
		}
		headers = append(headers, hd)
	}
	header := func(h uint64) validators.HeaderInfo { return validators.HeaderInfoOf(headers[h]) }

	lc, err := validators.NewLightClient(lcChain, sets[0])
	if err != nil {
		t.Fatal(err)
	}
	for h := uint64(1); h <= heights; h++ {
		hd := header(h)
		cert := signCommit(t, setAt(h), keys, h, hd.Hash)
		var next *validators.Set
		if hd.NextValidatorsHash != hd.ValidatorsHash {
			next = setAt(h + 1)
			// The wrong next set is refused, and changes nothing.
			if err := lc.Step(hd, cert, sets[0]); !errors.Is(err, validators.ErrLightClient) || lc.Height() != h-1 {
				t.Fatalf("height %d: wrong next set: %v", h, err)
			}
			if err := lc.Step(hd, cert, nil); !errors.Is(err, validators.ErrLightClient) {
				t.Fatalf("height %d: no next set: %v", h, err)
			}
		}
		if h > epochLen && setAt(h) != sets[0] {
			// A certificate of the genesis set (whose members lost power)
			// for this height is refused.
			forged := signCommit(t, sets[0], keys, h, hd.Hash)
			if err := lc.Step(hd, forged, next); !errors.Is(err, validators.ErrLightClient) {
				t.Fatalf("height %d: certificate of the old set accepted: %v", h, err)
			}
			// So is a header that names the old set.
			old := hd
			old.ValidatorsHash = sets[0].Hash()
			if err := lc.Step(old, forged, next); !errors.Is(err, validators.ErrLightClient) {
				t.Fatalf("height %d: header naming the old set accepted: %v", h, err)
			}
		}
		// A header of another branch (another parent), though signed by
		// the trusted set, is refused; so is one of another chain.
		fork := *headers[h]
		fork.ParentHash = types.Sum256([]byte("another branch"))
		if err := lc.StepHeader(&fork, signCommit(t, setAt(h), keys, h, fork.Hash()), next); !errors.Is(err, validators.ErrLightClient) {
			t.Fatalf("height %d: header of another branch accepted: %v", h, err)
		}
		other := *headers[h]
		other.ChainID = "other-chain"
		if err := lc.StepHeader(&other, signCommit(t, setAt(h), keys, h, other.Hash()), next); !errors.Is(err, validators.ErrLightClient) {
			t.Fatalf("height %d: header of another chain accepted: %v", h, err)
		}
		if err := lc.StepHeader(headers[h], cert, next); err != nil {
			t.Fatalf("height %d: %v", h, err)
		}
		if lc.Height() != h || lc.Hash() != hd.Hash {
			t.Fatalf("height %d: client at %d %s", h, lc.Height(), lc.Hash())
		}
	}
	if lc.Height() != heights || lc.Set().Hash() != setAt(heights+1).Hash() {
		t.Fatalf("ended at %d with set %s", lc.Height(), lc.Set().Hash())
	}
	// A skipped height is refused.
	hd := validators.HeaderInfo{Height: heights + 2, Hash: types.Sum256([]byte("skip")), ParentHash: lc.Hash(), ValidatorsHash: lc.Set().Hash(), NextValidatorsHash: lc.Set().Hash()}
	if err := lc.Step(hd, signCommit(t, lc.Set(), keys, hd.Height, hd.Hash), nil); !errors.Is(err, validators.ErrLightClient) {
		t.Fatalf("skipped height: %v", err)
	}
	// A certificate for another block is refused.
	hd.Height = heights + 1
	if err := lc.Step(hd, signCommit(t, lc.Set(), keys, hd.Height, types.Sum256([]byte("other"))), nil); !errors.Is(err, validators.ErrLightClient) {
		t.Fatalf("certificate of another block: %v", err)
	}
}
