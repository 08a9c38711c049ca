package bench

import "errors"

// ErrBadConfig: a benchmark's config field is out of range.
var ErrBadConfig = errors.New("bench: invalid config")
