package wal

import "errors"

var (
	// ErrClosed: the log was closed.
	ErrClosed = errors.New("wal closed")
	// ErrCorrupt: a record in the middle of the log is damaged (Open
	// names the file and the offset).
	ErrCorrupt = errors.New("wal corrupt")
	// ErrTooLarge: a record over MaxRecordBytes.
	ErrTooLarge = errors.New("wal record too large")
	// ErrHeightZero: height 0 is the log's own (its floor marks).
	ErrHeightZero = errors.New("wal height 0 is reserved")
)
