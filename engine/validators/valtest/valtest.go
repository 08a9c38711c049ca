package valtest

import (
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"

	"aitbc/engine/bls"
	"aitbc/engine/types"
	"aitbc/engine/validators"
)

// Keys are one test validator's secrets.
type Keys struct {
	Ed25519 ed25519.PrivateKey
	BLS     *bls.SecretKey
}

// Validator returns the deterministic validator number i (any i) with the
// given weight, and its keys.
func Validator(i int, weight uint64) (validators.Validator, Keys) {
	seed := sha256.Sum256([]byte(fmt.Sprintf("aitbc test validator %d", i)))
	edk := ed25519.NewKeyFromSeed(seed[:])
	ikm := sha256.Sum256(append([]byte("bls"), seed[:]...))
	sk, err := bls.KeyGen(ikm[:])
	if err != nil {
		panic(err) // 32 bytes of ikm cannot fail
	}
	pub := edk.Public().(ed25519.PublicKey)
	return validators.Validator{
		Address:   types.AddressFromPubKey(pub),
		PubKey:    []byte(pub),
		BLSPubKey: sk.PublicKey(),
		Weight:    weight,
	}, Keys{Ed25519: edk, BLS: sk}
}

// Set returns a set of len(weights) deterministic validators, validator i
// with weights[i], and their keys in set order.
func Set(weights ...uint64) (*validators.Set, []Keys) {
	vals := make([]validators.Validator, len(weights))
	keys := make([]Keys, len(weights))
	for i, w := range weights {
		vals[i], keys[i] = Validator(i, w)
	}
	s, err := validators.NewSet(vals)
	if err != nil {
		panic(err)
	}
	return s, keys
}

// Equal returns n weights of 1.
func Equal(n int) []uint64 {
	w := make([]uint64, n)
	for i := range w {
		w[i] = 1
	}
	return w
}

// Vote returns a vote signed by validator i's key.
func Vote(chainID string, k Keys, t types.VoteType, i int, height uint64, round uint32, block types.Hash) *types.Vote {
	v := &types.Vote{Type: t, Height: height, Round: round, BlockHash: block, ValidatorIndex: uint32(i)}
	v.Sig = bls.Sign(k.BLS, v.SignBytes(chainID))
	return v
}

// Genesis returns a valid genesis with the given authorities' weights,
// including their proofs of possession.
func Genesis(chainID string, weights ...uint64) *types.Genesis {
	g := &types.Genesis{ChainID: chainID, ConsensusMode: "poa", Params: types.DefaultParams()}
	for i, w := range weights {
		v, k := Validator(i, w)
		pop := bls.ProvePossession(k.BLS)
		g.Authorities = append(g.Authorities, types.Authority{
			Address: v.Address, PubKey: v.PubKey, BLSPubKey: v.BLSPubKey[:], BLSPoP: pop[:], Weight: w,
		})
	}
	return g
}
