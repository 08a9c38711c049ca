package validators

import (
	"fmt"

	"aitbc/engine/types"
)

// HeaderInfo is what a light client reads of a header: its height and
// hash, the hash of the set that signs it and of the set that signs the
// next height (docs/spec.md §17: a set change is named one header ahead).
type HeaderInfo struct {
	Height             uint64
	Hash               types.Hash
	ParentHash         types.Hash // the hash of the header at Height-1 (zero at height 1)
	ValidatorsHash     types.Hash
	NextValidatorsHash types.Hash
}

// HeaderInfoOf is what a light client reads of h.
func HeaderInfoOf(h *types.Header) HeaderInfo {
	return HeaderInfo{Height: h.Height, Hash: h.Hash(), ParentHash: h.ParentHash,
		ValidatorsHash: h.ValidatorsHash, NextValidatorsHash: h.NextValidatorsHash}
}

// LightClient follows a chain from a trusted set with headers, commit
// certificates and validator sets alone, one height at a time: it accepts
// a header only if it is signed (> 2/3 of the power) by the set it trusts
// for that height, and learns the next set only from a header it
// accepted. It is not safe for concurrent use.
type LightClient struct {
	chainID string
	height  uint64     // last accepted height (0: none yet)
	hash    types.Hash // its hash (zero before the first)
	set     *Set       // the set that signs height+1
}

// NewLightClient trusts genesis: set signs height 1.
func NewLightClient(chainID string, genesis *Set) (*LightClient, error) {
	if genesis == nil {
		return nil, fmt.Errorf("%w: no genesis set", ErrLightClient)
	}
	return &LightClient{chainID: chainID, set: genesis}, nil
}

// Height is the last accepted height (0 before the first).
func (lc *LightClient) Height() uint64 { return lc.height }

// Set is the set the client trusts to sign the next height.
func (lc *LightClient) Set() *Set { return lc.set }

// Hash is the hash of the last accepted header (zero before the first).
func (lc *LightClient) Hash() types.Hash { return lc.hash }

// StepHeader is Step for a full header, which must also be of the
// client's chain.
func (lc *LightClient) StepHeader(h *types.Header, cert *types.CommitCert, next *Set) error {
	if h == nil || h.ChainID != lc.chainID {
		return fmt.Errorf("%w: header of another chain", ErrLightClient)
	}
	return lc.Step(HeaderInfoOf(h), cert, next)
}

// Step accepts the header of the next height: h must be at height+1, the
// child of the last accepted header, name the trusted set, and carry a
// commit certificate for its hash that the trusted set verifies. When h names another set for the next height,
// next must be that set (its hash equal to h.NextValidatorsHash); it is
// trusted from then on. On error nothing changes.
func (lc *LightClient) Step(h HeaderInfo, cert *types.CommitCert, next *Set) error {
	switch {
	case h.Height != lc.height+1:
		return fmt.Errorf("%w: header at height %d, want %d", ErrLightClient, h.Height, lc.height+1)
	case h.ParentHash != lc.hash:
		return fmt.Errorf("%w: height %d: parent %s, last accepted header is %s", ErrLightClient, h.Height, h.ParentHash, lc.hash)
	case h.ValidatorsHash != lc.set.Hash():
		return fmt.Errorf("%w: height %d names set %s, trusted set is %s", ErrLightClient, h.Height, h.ValidatorsHash, lc.set.Hash())
	case cert == nil || cert.Height != h.Height || cert.BlockHash != h.Hash:
		return fmt.Errorf("%w: height %d: certificate is not for this header", ErrLightClient, h.Height)
	}
	if err := lc.set.VerifyCommit(lc.chainID, cert); err != nil {
		return fmt.Errorf("%w: height %d: %w", ErrLightClient, h.Height, err)
	}
	nextSet := lc.set
	if h.NextValidatorsHash != lc.set.Hash() {
		if next == nil || next.Hash() != h.NextValidatorsHash {
			return fmt.Errorf("%w: height %d names next set %s; the set given does not match", ErrLightClient, h.Height, h.NextValidatorsHash)
		}
		nextSet = next
	}
	lc.height, lc.hash, lc.set = h.Height, h.Hash, nextSet
	return nil
}
