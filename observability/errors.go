package observability

import "errors"

// Errors of logger configuration; the wrapping error names the bad value.
var (
	// ErrBadLogLevel: a level other than debug, info, warn or error.
	ErrBadLogLevel = errors.New("bad log level")
	// ErrBadLogFormat: a format other than json or text.
	ErrBadLogFormat = errors.New("bad log format")
)
