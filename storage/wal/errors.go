package wal

import "errors"

var (
	// ErrClosed: the log was closed.
	ErrClosed = errors.New("wal closed")
	// ErrTooLarge: a record over MaxRecordBytes.
	ErrTooLarge = errors.New("wal record too large")
)
