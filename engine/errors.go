package engine

import "errors"

var (
	// ErrNotFound is returned (wrapped) by a BlockStore or Index for a
	// missing block, tx, commit or account row.
	ErrNotFound = errors.New("not found")
	// ErrBadSignature: a tx signature failed verification.
	ErrBadSignature = errors.New("bad signature")
	// ErrBusy: an ingest queue is full; retry later.
	ErrBusy = errors.New("node busy")
	// ErrStopped: the node is shutting down.
	ErrStopped = errors.New("node stopped")
	// ErrBadPeerMessage wraps every rejection of a peer's message (a
	// PeerHandler's error, a Penalize reason).
	ErrBadPeerMessage = errors.New("bad peer message")
	// ErrInvalidBlock wraps every reason a proposed, synced or stored
	// block fails validation or replay.
	ErrInvalidBlock = errors.New("invalid block")
	// ErrBadWALRecord: a WAL record does not decode.
	ErrBadWALRecord = errors.New("bad WAL record")
)
