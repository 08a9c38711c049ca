package blockstore

import (
	"errors"
	"fmt"

	"aitbc/engine/types"
)

// Sentinel errors. Missing data is reported by wrapping engine.ErrNotFound.
var (
	// ErrClosed: the store was closed.
	ErrClosed = errors.New("blockstore: closed")
	// ErrBadOptions: Options failed validation.
	ErrBadOptions = errors.New("blockstore: bad options")
	// ErrNotNextHeight: a commit whose height is not head+1 (see *HeightError).
	ErrNotNextHeight = errors.New("blockstore: height is not head+1")
	// ErrParentMismatch: a commit whose parent hash is not the head hash (see *ParentError).
	ErrParentMismatch = errors.New("blockstore: parent hash does not match head")
	// ErrBadCommit: a CommittedBlock that is internally inconsistent
	// (missing cert, cert for another block, unsorted accounts…).
	ErrBadCommit = errors.New("blockstore: inconsistent committed block")
	// ErrBlockTooLarge: the block does not fit in one Badger transaction.
	ErrBlockTooLarge = errors.New("blockstore: block too large for one transaction")
	// ErrWrongChain: the data directory belongs to another chain (see *ChainMismatchError).
	ErrWrongChain = errors.New("blockstore: data directory belongs to another chain")
	// ErrFormatTooNew: the data directory was written by a newer store format.
	ErrFormatTooNew = errors.New("blockstore: store format is newer than this binary")
	// ErrFormatTooOld: the data directory was written by an older store
	// format that this binary cannot read or migrate.
	ErrFormatTooOld = errors.New("blockstore: store format is older than this binary supports")
	// ErrCorrupt: a stored value failed to decode (see *CorruptError).
	ErrCorrupt = errors.New("blockstore: corrupt record")
)

// HeightError is a commit at the wrong height.
type HeightError struct {
	Head, Got uint64
}

func (e *HeightError) Error() string {
	return fmt.Sprintf("blockstore: commit height %d, want head+1 = %d", e.Got, e.Head+1)
}

func (e *HeightError) Unwrap() error { return ErrNotNextHeight }

// ParentError is a commit whose parent hash is not the head's hash.
type ParentError struct {
	Height    uint64
	Want, Got types.Hash
}

func (e *ParentError) Error() string {
	return fmt.Sprintf("blockstore: block %d parent %s, head hash is %s", e.Height, e.Got, e.Want)
}

func (e *ParentError) Unwrap() error { return ErrParentMismatch }

// ChainMismatchError says which chain the data directory holds.
type ChainMismatchError struct {
	StoredChainID string
	StoredGenesis types.Hash
	ChainID       string
	Genesis       types.Hash
}

func (e *ChainMismatchError) Error() string {
	return fmt.Sprintf("blockstore: data directory holds chain %q (genesis %s), not %q (genesis %s); use another data directory",
		e.StoredChainID, e.StoredGenesis, e.ChainID, e.Genesis)
}

func (e *ChainMismatchError) Unwrap() error { return ErrWrongChain }

// CorruptError is a stored value that is not the canonical encoding of its
// record. Cause, when set, is the decoder's own error (e.g. a
// *types.DecodeError); errors.Is(err, ErrCorrupt) holds either way.
type CorruptError struct {
	Record string // "account", "location", "head", "chain", "format", "block", "commit", "height", "claim", "evidence"
	Info   string
	Cause  error
}

func (e *CorruptError) Error() string {
	s := "blockstore: corrupt " + e.Record + " record"
	if e.Info != "" {
		s += ": " + e.Info
	}
	if e.Cause != nil {
		s += ": " + e.Cause.Error()
	}
	return s
}

func (e *CorruptError) Unwrap() []error {
	if e.Cause == nil {
		return []error{ErrCorrupt}
	}
	return []error{ErrCorrupt, e.Cause}
}

func corrupt(record, info string, cause error) error {
	return &CorruptError{Record: record, Info: info, Cause: cause}
}
