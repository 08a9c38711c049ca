package blockstore

import (
	"encoding/binary"

	"aitbc/engine/types"
)

// Record kinds: the first byte of every key.
const (
	kindBlock    = 'b'
	kindCert     = 'c'
	kindHash     = 'h'
	kindTx       = 't'
	kindAccount  = 'a'
	kindClaim    = 'r'
	kindEvidence = 'e'
	kindMeta     = 'm'
	kindStake    = 's' // + address: state.EncodeStakeRecord
	kindApplied  = 'x' // + evidence hash: applied evidence (empty value)
	kindSet      = 'v' // + u64 epoch: validators.EncodeSet of an elected set
	heightKeyLen = 1 + 8
)

var (
	keyHead   = []byte("mhead")
	keyChain  = []byte("mchain")
	keyFormat = []byte("mformat")
	keySupply = []byte("msupply") // state.EncodeSupply
	// prefixAccount bounds the LoadAccounts scan.
	prefixAccount = []byte{kindAccount}
	// prefixClaim bounds the LoadClaimedJobs scan.
	prefixClaim = []byte{kindClaim}
	// prefixStake, prefixApplied and prefixSet bound LoadStaking's scans.
	prefixStake   = []byte{kindStake}
	prefixApplied = []byte{kindApplied}
	prefixSet     = []byte{kindSet}
)

func heightKey(kind byte, h uint64) []byte {
	k := make([]byte, 1, heightKeyLen)
	k[0] = kind
	return binary.BigEndian.AppendUint64(k, h)
}

func hashKey(kind byte, h types.Hash) []byte {
	k := make([]byte, 1+types.HashLen)
	k[0] = kind
	copy(k[1:], h[:])
	return k
}

func accountKey(a types.Address) []byte {
	k := make([]byte, 1+types.AddressLen)
	k[0] = kindAccount
	copy(k[1:], a[:])
	return k
}

func stakeKey(a types.Address) []byte {
	k := make([]byte, 1+types.AddressLen)
	k[0] = kindStake
	copy(k[1:], a[:])
	return k
}
