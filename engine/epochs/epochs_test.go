package epochs

import (
	"errors"
	"testing"

	"aitbc/engine/bls"
	"aitbc/engine/state"
	"aitbc/engine/types"
	"aitbc/engine/validators"
	"aitbc/engine/validators/valtest"
)

const chain = "epochs-test"

// hybrid is a hybrid genesis of four authorities of power 100 with
// epoch_length L and funded accounts for validators 4 and 5 (stakers).
func hybrid(t *testing.T, L uint64) (*types.Genesis, *validators.Set) {
	t.Helper()
	g := valtest.Genesis(chain, 100, 100, 100, 100)
	g.ConsensusMode = "hybrid"
	g.Params.EpochLength = L
	g.Params.UnbondingPeriod, g.Params.MaxEvidenceAge = 50, 20
	g.Params.MinSelfStake, g.Params.StakePerPower = 1000, 10
	g.Params.MaxStakerShareBps, g.Params.ChurnBps = 5000, 2500
	for _, i := range []int{4, 5} {
		v, _ := valtest.Validator(i, 1)
		g.Accounts = append(g.Accounts, types.GenesisAccount{Address: v.Address, Balance: 1_000_000})
	}
	if err := g.Validate(); err != nil {
		t.Fatal(err)
	}
	set, err := validators.FromGenesis(g)
	if err != nil {
		t.Fatal(err)
	}
	return g, set
}

func stakeTx(t *testing.T, p types.Params, i int, nonce, amount uint64, register bool) *types.Tx {
	t.Helper()
	_, k := valtest.Validator(i, 1)
	tx := &types.Tx{ChainID: chain, Type: types.TxStake, Nonce: nonce, Amount: amount}
	if register {
		pop := bls.ProvePossession(k.BLS)
		tx.Payload = (&types.StakePayload{BLSPubKey: k.BLS.PublicKey(), PoP: pop}).Encode()
	}
	tx.Fee = uint64(p.BaseFee) + uint64(p.FeePerByte)*uint64(tx.Size()+types.SigLen+types.PubKeyLen)
	tx.Sign(k.Ed25519)
	return tx
}

// The epoch arithmetic of spec §17: epochs 0 and 1 are genesis; an
// election after height e·L gives the set of epoch e+1; poa never elects.
func TestEpochArithmetic(t *testing.T) {
	g, set := hybrid(t, 4)
	h, err := New(g, set)
	if err != nil {
		t.Fatal(err)
	}
	for height, want := range map[uint64]uint64{1: 0, 4: 0, 5: 1, 8: 1, 9: 2, 12: 2, 13: 3} {
		if got := h.EpochOf(height); got != want {
			t.Errorf("EpochOf(%d) = %d, want %d", height, got, want)
		}
	}
	for height, due := range map[uint64]bool{1: false, 3: false, 4: true, 5: false, 8: true, 12: true} {
		if h.Due(height) != due {
			t.Errorf("Due(%d) = %v", height, !due)
		}
	}
	for height := uint64(1); height <= 8; height++ {
		if h.At(height) != set {
			t.Fatalf("At(%d) is not the genesis set", height)
		}
	}
	if h.At(9) != nil || h.Known() != 1 {
		t.Fatalf("epoch 2 known before any election: At(9) %v, Known %d", h.At(9), h.Known())
	}
	if _, _, _, err := h.Elect(5, nil); !errors.Is(err, ErrNotDue) {
		t.Fatalf("Elect off the boundary: %v", err)
	}
	if err := h.Install(3, set); !errors.Is(err, ErrUnknownEpoch) {
		t.Fatalf("Install out of order: %v", err)
	}
	if err := h.Install(1, set); !errors.Is(err, ErrUnknownEpoch) {
		t.Fatalf("Install of a genesis epoch: %v", err)
	}
	g.ConsensusMode = "poa"
	p, _ := New(g, set)
	if p.Due(4) || p.Due(8) || p.Staking() {
		t.Fatal("a poa chain elects")
	}
}

// A staker bonds in epoch 0; the election after height L puts it in the
// set of epoch 2 (heights 2L+1…), capped by the stakers' share and moved
// in by the churn limit; At answers each height with the set of its epoch;
// installing the same set again is a no-op and another set is refused.
func TestStakerEntersTwoEpochsLater(t *testing.T) {
	const L = 4
	g, gen := hybrid(t, L)
	st, err := state.FromGenesis(g)
	if err != nil {
		t.Fatal(err)
	}
	h, err := New(g, gen)
	if err != nil {
		t.Fatal(err)
	}
	staker, _ := valtest.Validator(4, 1)
	for height := uint64(1); height <= 4*L; height++ {
		b := st.Begin(state.BlockInfo{Height: height, Proposer: gen.Get(0).Address})
		if height == 2 {
			if err := b.Apply(stakeTx(t, g.Params, 4, 1, 3000, true)); err != nil {
				t.Fatal(err)
			}
		}
		if err := b.End(); err != nil {
			t.Fatal(err)
		}
		if h.Due(height) {
			e, set, rep, err := h.Elect(height, b.Stakes())
			if err != nil {
				t.Fatal(err)
			}
			if e != height/L+1 {
				t.Fatalf("election after %d gave epoch %d", height, e)
			}
			if err := h.Install(e, set); err != nil {
				t.Fatal(err)
			}
			if err := h.Install(e, set); err != nil {
				t.Fatalf("installing the same set again: %v", err)
			}
			t.Logf("after %d: epoch %d: %d members, total %d, entered %d, deferred %d", height, e, set.Size(), set.TotalPower(), len(rep.Entered), rep.Deferred)
		}
		if err := st.Commit(b); err != nil {
			t.Fatal(err)
		}
	}
	for height := uint64(1); height <= 2*L; height++ {
		if _, in := h.At(height).IndexOf(staker.Address); in {
			t.Fatalf("the staker signs height %d, before epoch 2", height)
		}
	}
	two := h.At(2*L + 1)
	i, in := two.IndexOf(staker.Address)
	if !in {
		t.Fatalf("the staker is not in the set of epoch 2")
	}
	// stake 3000 / stake_per_power 10 = 300, capped to the share:
	// 5000 bps of 400 authority power over (10000 − 5000) = 400 → 300 fits.
	// Churn: floor(2500 × 400 / 10000) = 100 per election.
	if w := two.Weight(i); w != 100 {
		t.Fatalf("the staker's power in epoch 2 is %d, want 100 (the churn budget)", w)
	}
	three := h.At(3*L + 1)
	j, _ := three.IndexOf(staker.Address)
	if w := three.Weight(j); w != 225 {
		// budget floor(2500 × 500 / 10000) = 125: 100 + 125
		t.Fatalf("the staker's power in epoch 3 is %d, want 225", w)
	}
	if err := h.Install(3, gen); err == nil {
		t.Fatal("another set for a known epoch was installed")
	}
}

// distinctSet is a set of four whose first weight is w (distinct hashes).
func distinctSet(t *testing.T, w uint64) *validators.Set {
	t.Helper()
	set, err := validators.FromGenesis(valtest.Genesis(chain, w, 100, 100, 100))
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// A bounded History keeps only its newest sets in memory and reads older
// ones from the store (once for repeated asks); it refuses what an
// unbounded one refuses, compares a re-install of an old epoch with the
// stored set, and may start above Known() only with a store behind it.
func TestBoundKeepsNewestReadsOlder(t *testing.T) {
	g, gen := hybrid(t, 4)
	stored := map[uint64]*validators.Set{}
	loads := 0
	load := func(e uint64) (*validators.Set, error) {
		loads++
		if s := stored[e]; s != nil {
			return s, nil
		}
		return nil, errors.New("not stored")
	}
	h, err := New(g, gen)
	if err != nil {
		t.Fatal(err)
	}
	h.Bound(3, load)
	for e := uint64(2); e <= 20; e++ {
		stored[e] = distinctSet(t, 100+e)
		if err := h.Install(e, stored[e]); err != nil {
			t.Fatal(err)
		}
	}
	if len(h.sets) != 3 || h.Known() != 20 || h.Kept() != 3 {
		t.Fatalf("%d sets in memory, known %d; want 3, 20", len(h.sets), h.Known())
	}
	for e := uint64(18); e <= 20; e++ {
		if h.Epoch(e) != stored[e] {
			t.Fatalf("epoch %d is not its installed set", e)
		}
	}
	if loads != 0 {
		t.Fatalf("%d store reads for kept epochs", loads)
	}
	if h.Epoch(5) != stored[5] || h.Epoch(5) != stored[5] || loads != 1 {
		t.Fatalf("epoch 5 from the store: %d reads, want 1", loads)
	}
	if h.At(4*5+1) != stored[5] || h.Epoch(1) != gen || h.Epoch(21) != nil {
		t.Fatal("At/Epoch across genesis, old and unknown epochs")
	}
	if err := h.Install(6, stored[6]); err != nil {
		t.Fatalf("re-install of an old epoch's own set: %v", err)
	}
	if err := h.Install(7, stored[8]); err == nil {
		t.Fatal("another set for an old epoch accepted")
	}
	delete(stored, 9)
	if h.Epoch(9) != nil {
		t.Fatal("an epoch the store lost answered")
	}
	if err := h.Install(22, stored[20]); !errors.Is(err, ErrUnknownEpoch) {
		t.Fatalf("a gap after sets were installed: %v", err)
	}

	// A restart installs only the newest sets: a bounded History starts
	// above Known(), an unbounded one may not.
	r, _ := New(g, gen)
	r.Bound(3, load)
	for e := uint64(18); e <= 20; e++ {
		if err := r.Install(e, stored[e]); err != nil {
			t.Fatalf("restart install of epoch %d: %v", e, err)
		}
	}
	if r.Known() != 20 || r.Epoch(10) != stored[10] {
		t.Fatal("restarted history")
	}
	u, _ := New(g, gen)
	if err := u.Install(18, stored[18]); !errors.Is(err, ErrUnknownEpoch) {
		t.Fatalf("an unbounded history skipped epochs: %v", err)
	}
}

// MinKept covers the evidence age in epochs plus the sets being decided.
func TestMinKept(t *testing.T) {
	g, _ := hybrid(t, 4) // max_evidence_age 20
	if got := MinKept(g); got != 5+4 {
		t.Errorf("L=4, age 20: %d", got)
	}
	g.Params.EpochLength = 1000
	if got := MinKept(g); got != 1+4 {
		t.Errorf("L=1000, age 20: %d", got)
	}
}
