package blockstore

import (
	"errors"
	"testing"

	"aitbc/engine"
	"aitbc/engine/state"
	"aitbc/engine/types"
	"aitbc/engine/validators"
	"aitbc/engine/validators/valtest"
)

// Elected sets are stored by epoch: ValidatorSet reads any of them back,
// LoadStaking hands over all of them, or only the newest r.Sets, in
// ascending order, after checking every stored epoch's sequence.
func TestElectedSetsStoredAndRestoredNewestFirst(t *testing.T) {
	dir := t.TempDir()
	s := openDir(t, dir)
	g := newChainGen(4, 1)
	want := map[uint64]types.Hash{}
	for e := uint64(2); e <= 9; e++ {
		set, err := validators.FromGenesis(valtest.Genesis(testChainID, 100+e, 100, 100, 100))
		if err != nil {
			t.Fatal(err)
		}
		cb := g.next()
		cb.Elected = &engine.ElectedSet{Epoch: e, Set: set}
		mustCommit(t, s, cb)
		want[e] = set.Hash()
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openDir(t, dir)
	defer s.Close()
	for e := uint64(2); e <= 9; e++ {
		set, err := s.ValidatorSet(e)
		if err != nil || set.Hash() != want[e] {
			t.Fatalf("ValidatorSet(%d): %v", e, err)
		}
	}
	if _, err := s.ValidatorSet(10); !errors.Is(err, engine.ErrNotFound) {
		t.Fatalf("ValidatorSet of an epoch never elected: %v", err)
	}
	for _, n := range []int{0, 1, 3, 5, 8, 20} {
		var got []uint64
		err := s.LoadStaking(engine.StakingRestore{
			Stake:    func(state.StakeRecord) error { return nil },
			Evidence: func(types.Hash) error { return nil },
			Supply:   func(state.Supply) error { return nil },
			Set: func(e uint64, set *validators.Set) error {
				if set.Hash() != want[e] {
					t.Errorf("Sets=%d: epoch %d has another set", n, e)
				}
				if len(got) > 0 && e != got[len(got)-1]+1 {
					t.Errorf("Sets=%d: epoch %d after %d", n, e, got[len(got)-1])
				}
				got = append(got, e)
				return nil
			},
			Sets: n,
		})
		if err != nil {
			t.Fatal(err)
		}
		first := uint64(2)
		if n > 0 && n < 8 {
			first = uint64(10 - n)
		}
		if len(got) == 0 || got[0] != first || got[len(got)-1] != 9 || uint64(len(got)) != 10-first {
			t.Errorf("Sets=%d restored epochs %v, want %d…9", n, got, first)
		}
	}
}
