package state

import (
	"crypto/sha256"
	"encoding/binary"

	"aitbc/engine/types"
)

// Supply is the chain's cumulative issuance since genesis. Every token
// is a balance, bonded or unbonding, so at any committed state
//
//	Σ balances + Σ bonded + Σ unbonding = genesis balances + Minted − Slashed.
//
// Slashed stake is burned; nothing else burns (fees are paid out).
type Supply struct {
	Minted  uint64 // RECEIPT_CLAIM mints and block rewards
	Slashed uint64 // stake slashed (burned)
}

// supplyDomain separates the supply leaf from every other hash.
const supplyDomain = "AITBC/supply/v1\x00"

// hash is SHA-256(supplyDomain || u64 minted || u64 slashed), big-endian.
func (s *Supply) hash() types.Hash {
	var buf [len(supplyDomain) + 16]byte
	n := copy(buf[:], supplyDomain)
	binary.BigEndian.PutUint64(buf[n:], s.Minted)
	binary.BigEndian.PutUint64(buf[n+8:], s.Slashed)
	return sha256.Sum256(buf[:])
}

// Supply is the committed cumulative issuance.
func (s *State) Supply() Supply { return s.supply }

// SetSupply restores the supply record (like Set); open batches become stale.
func (s *State) SetSupply(v Supply) {
	s.supply = v
	s.version++
}

// Supply is the issuance as of what the batch applied so far.
func (b *Batch) Supply() Supply { return b.supply }

// stakingRootDomain is the domain of the state root of pos and hybrid
// chains.
const stakingRootDomain = "AITBC/state-root/v2\x00"

// stakingRoot is the state root of a pos or hybrid chain:
// SHA-256(stakingRootDomain || accounts_root || receipts_root ||
// stakes_root || evidence_root || supply_hash). poa chains keep the v1
// root (combineRoots): they have no stake records or evidence, and their
// blocks stay valid.
func stakingRoot(accounts, receipts *types.Hash, stakes []StakeRecord, evidence []types.Hash, sup *Supply) types.Hash {
	sr, er, sh := stakesRoot(stakes), types.MerkleRoot(evidence), sup.hash()
	var buf [len(stakingRootDomain) + 5*types.HashLen]byte
	n := copy(buf[:], stakingRootDomain)
	for _, h := range []*types.Hash{accounts, receipts, &sr, &er, &sh} {
		n += copy(buf[n:], h[:])
	}
	return sha256.Sum256(buf[:])
}

// staking reports whether the chain executes staking (pos or hybrid).
func (s *State) staking() bool { return types.IsStakingMode(s.mode) }
