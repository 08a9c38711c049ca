package index

import (
	"errors"
	"fmt"
)

// Sentinel errors; missing rows wrap engine.ErrNotFound.
var (
	// ErrBadURL: DATABASE_URL is malformed (see *URLError).
	ErrBadURL = errors.New("index: bad database URL")
	// ErrUnsupportedDialect: a database kind this build cannot use.
	ErrUnsupportedDialect = errors.New("index: database not supported")
	// ErrWrongChain: the database indexes another chain (see *ChainError).
	ErrWrongChain = errors.New("index: database belongs to another chain")
	// ErrNoMintPerUnit: a block with RECEIPT_CLAIM txs but no Receipts,
	// on an index opened without WithGenesis to price them.
	ErrNoMintPerUnit = errors.New("index: receipts need the genesis mint_per_unit (WithGenesis)")
	// ErrBadValidators: a validator set SetValidators cannot store.
	ErrBadValidators = errors.New("index: bad validator set")
	// ErrSchemaTooNew: the database was migrated by a newer binary (see *SchemaTooNewError).
	ErrSchemaTooNew = errors.New("index: database schema is newer than this binary")
	// ErrGap: a batch would leave heights unindexed below LastIndexedHeight (see *GapError).
	ErrGap = errors.New("index: batch leaves a gap")
	// ErrBadBatch: a batch that is not ascending, contiguous and complete.
	ErrBadBatch = errors.New("index: bad batch")
	// ErrOutOfRange: a value the schema cannot hold (above 2^63-1).
	ErrOutOfRange = errors.New("index: value out of range")
	// ErrBadCursor: a paging cursor this index did not issue (see *CursorError).
	ErrBadCursor = errors.New("index: bad cursor")
	// ErrBadRange: a block range that is empty, reversed or too long.
	ErrBadRange = errors.New("index: bad block range")
	// ErrCorrupt: a stored row that does not decode (see *CorruptError).
	ErrCorrupt = errors.New("index: corrupt row")
	// ErrClosed: the index was closed.
	ErrClosed = errors.New("index: closed")
)

// URLError names what is wrong with a database URL. It never contains the
// URL itself, which may carry a password.
type URLError struct{ Problem string }

func (e *URLError) Error() string { return "index: bad database URL: " + e.Problem }
func (e *URLError) Unwrap() error { return ErrBadURL }

// SchemaTooNewError is a database migrated past what this binary knows.
type SchemaTooNewError struct{ Database, Binary int }

func (e *SchemaTooNewError) Error() string {
	return fmt.Sprintf("index: database schema version %d is newer than this binary supports (%d); upgrade aitbcd or point DATABASE_URL at a new database",
		e.Database, e.Binary)
}
func (e *SchemaTooNewError) Unwrap() error { return ErrSchemaTooNew }

// GapError is a batch starting above LastIndexedHeight+1.
type GapError struct{ Last, First uint64 }

func (e *GapError) Error() string {
	return fmt.Sprintf("index: batch starts at height %d but the index ends at %d", e.First, e.Last)
}
func (e *GapError) Unwrap() error { return ErrGap }

// CursorError says why a cursor was refused.
type CursorError struct{ Problem string }

func (e *CursorError) Error() string { return "index: bad cursor: " + e.Problem }
func (e *CursorError) Unwrap() error { return ErrBadCursor }

// CorruptError is a stored value that does not decode.
type CorruptError struct {
	Table, Column string
	Cause         error
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("index: corrupt %s.%s: %v", e.Table, e.Column, e.Cause)
}
func (e *CorruptError) Unwrap() []error { return []error{ErrCorrupt, e.Cause} }

// ChainError is a database recorded for another genesis than the one the
// index was opened with.
type ChainError struct{ Database, Genesis string }

func (e *ChainError) Error() string {
	return fmt.Sprintf("index: the database indexes the chain with genesis %s, not %s; point DATABASE_URL at a new database (or drop this one)",
		e.Database, e.Genesis)
}
func (e *ChainError) Unwrap() error { return ErrWrongChain }
