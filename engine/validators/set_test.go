package validators_test

import (
	"errors"
	"testing"

	"aitbc/engine/bls"
	"aitbc/engine/types"
	"aitbc/engine/validators"
	"aitbc/engine/validators/valtest"
)

const chainID = "aitbc-test"

func vals(weights ...uint64) []validators.Validator {
	out := make([]validators.Validator, len(weights))
	for i, w := range weights {
		out[i], _ = valtest.Validator(i, w)
	}
	return out
}

func TestNewSet(t *testing.T) {
	mod := func(f func(v []validators.Validator) []validators.Validator) []validators.Validator {
		return f(vals(1, 2, 3))
	}
	cases := []struct {
		name string
		in   []validators.Validator
		want error
	}{
		{"valid", vals(1, 2, 3), nil},
		{"one", vals(7), nil},
		{"empty", nil, validators.ErrInvalidSet},
		{"too many", make([]validators.Validator, types.MaxValidators+1), validators.ErrInvalidSet},
		{"zero weight", vals(1, 0, 3), validators.ErrInvalidSet},
		{"duplicate address", mod(func(v []validators.Validator) []validators.Validator { return append(v, v[0]) }), validators.ErrInvalidSet},
		{"duplicate bls key", mod(func(v []validators.Validator) []validators.Validator {
			v[1].BLSPubKey = v[0].BLSPubKey
			return v
		}), validators.ErrInvalidSet},
		{"short ed25519 key", mod(func(v []validators.Validator) []validators.Validator {
			v[1].PubKey = v[1].PubKey[:31]
			return v
		}), validators.ErrInvalidSet},
		{"address mismatch", mod(func(v []validators.Validator) []validators.Validator {
			v[1].Address = v[0].Address
			v[1].Address[0] ^= 1
			return v
		}), validators.ErrInvalidSet},
		{"invalid bls key", mod(func(v []validators.Validator) []validators.Validator {
			v[2].BLSPubKey = bls.PublicKey{}
			return v
		}), validators.ErrInvalidSet},
		{"total at 2^60", vals(1<<59, 1<<59), validators.ErrInvalidSet},
		{"total just below 2^60", vals(1<<59, 1<<59-1), nil},
		{"weight overflowing", vals(1<<63, 1<<63), validators.ErrInvalidSet},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := validators.NewSet(c.in)
			if c.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				var total uint64
				for i, v := range c.in {
					total += v.Weight
					if got, ok := s.IndexOf(v.Address); !ok || got != i {
						t.Fatalf("IndexOf(%d) = %d, %v", i, got, ok)
					}
					if g := s.Get(i); g.Address != v.Address || g.Weight != v.Weight || g.BLSPubKey != v.BLSPubKey {
						t.Fatalf("Get(%d) = %+v", i, g)
					}
				}
				if s.Size() != len(c.in) || s.TotalPower() != total {
					t.Fatalf("size %d power %d", s.Size(), s.TotalPower())
				}
				return
			}
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
		})
	}
}

func TestSetIsImmutable(t *testing.T) {
	in := vals(1, 1)
	s, err := validators.NewSet(in)
	if err != nil {
		t.Fatal(err)
	}
	h := s.Hash()
	in[0].PubKey[0] ^= 0xff
	got := s.Get(0)
	got.PubKey[1] ^= 0xff
	if s.Hash() != h || s.Get(0).PubKey[0] == in[0].PubKey[0] || s.Get(0).PubKey[1] == got.PubKey[1] {
		t.Fatal("set shares key bytes with its caller")
	}
}

func TestFromGenesis(t *testing.T) {
	g := valtest.Genesis(chainID, 1, 2, 3)
	if err := g.Validate(); err != nil {
		t.Fatal(err)
	}
	s, err := validators.FromGenesis(g)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := valtest.Set(1, 2, 3)
	if s.Hash() != want.Hash() {
		t.Fatal("genesis set differs from the same validators built directly")
	}

	swapped := valtest.Genesis(chainID, 1, 2, 3)
	swapped.Authorities[0].BLSPoP, swapped.Authorities[1].BLSPoP = swapped.Authorities[1].BLSPoP, swapped.Authorities[0].BLSPoP
	if _, err := validators.FromGenesis(swapped); !errors.Is(err, validators.ErrBadPossession) {
		t.Fatalf("swapped proofs: %v", err)
	}
	badPoP := valtest.Genesis(chainID, 1)
	badPoP.Authorities[0].BLSPoP = badPoP.Authorities[0].BLSPoP[:95]
	if _, err := validators.FromGenesis(badPoP); !errors.Is(err, validators.ErrBadPossession) || !errors.Is(err, bls.ErrInvalidLength) {
		t.Fatalf("short proof: %v", err)
	}
	badKey := valtest.Genesis(chainID, 1)
	badKey.Authorities[0].BLSPubKey = make([]byte, 48)
	if _, err := validators.FromGenesis(badKey); !errors.Is(err, validators.ErrInvalidSet) {
		t.Fatalf("zero key: %v", err)
	}
	zero := valtest.Genesis(chainID, 1, 0)
	if _, err := validators.FromGenesis(zero); !errors.Is(err, validators.ErrInvalidSet) {
		t.Fatalf("zero weight: %v", err)
	}
}

// TestHashGolden pins the set hash bytes (see hashValidators); the value
// was cross-checked with an independent SHA-256 over the documented layout.
func TestHashGolden(t *testing.T) {
	s, _ := valtest.Set(1, 2, 3)
	const want = "0x019b63a7806cb27009d2964bc859a121bd68d823077494d9f341661d7efdfc13"
	if got := s.Hash().String(); got != want {
		t.Errorf("hash = %s, want %s", got, want)
	}
	reordered, _ := validators.NewSet([]validators.Validator{vals(1, 2, 3)[1], vals(1, 2, 3)[0], vals(1, 2, 3)[2]})
	reweighted, _ := valtest.Set(1, 2, 4)
	if reordered.Hash() == s.Hash() || reweighted.Hash() == s.Hash() {
		t.Error("hash ignores order or weight")
	}
}

func TestQuorum(t *testing.T) {
	cases := []struct {
		weights      []uint64
		quorum, f1   uint64
		descriptions string
	}{
		{[]uint64{1}, 1, 1, "single"},
		{[]uint64{1, 1}, 2, 1, "two"},
		{[]uint64{1, 1, 1}, 3, 2, "three"},
		{[]uint64{1, 1, 1, 1}, 3, 2, "four: one may fail"},
		{[]uint64{1, 1, 1, 1, 1, 1}, 5, 3, "six"},
		{[]uint64{1, 1, 1, 1, 1, 1, 1}, 5, 3, "seven: two may fail"},
		{[]uint64{5, 1, 1, 1}, 6, 3, "weighted"},
		{[]uint64{50, 50}, 67, 34, "hundred"},
		{[]uint64{1<<59 - 1, 1 << 59}, 2*(1<<60-1)/3 + 1, (1<<60-1)/3 + 1, "max"},
	}
	for _, c := range cases {
		s, _ := valtest.Set(c.weights...)
		if s.Quorum() != c.quorum || s.OneThird() != c.f1 {
			t.Errorf("%s: quorum %d one-third %d, want %d %d", c.descriptions, s.Quorum(), s.OneThird(), c.quorum, c.f1)
		}
		// Quorum is the least q with 3q > 2·total.
		if q := s.Quorum(); 3*q <= 2*s.TotalPower() || 3*(q-1) > 2*s.TotalPower() {
			t.Errorf("%s: quorum %d is not the least power above 2/3 of %d", c.descriptions, q, s.TotalPower())
		}
	}
}
