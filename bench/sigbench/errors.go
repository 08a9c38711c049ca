package sigbench

import (
	"errors"

	"aitbc/bench"
)

var (
	// ErrUnknownBackend: SigverifyConfig.Backend names no backend.
	ErrUnknownBackend = errors.New("bench: unknown sigverify backend")
	// ErrBadConfig: a SigverifyConfig field is out of range (the bench
	// package's sentinel, so callers test one).
	ErrBadConfig = bench.ErrBadConfig
	// ErrWrongVerdict: a backend rejected a valid signature or accepted
	// a corrupted one during the run; its figures would be meaningless.
	ErrWrongVerdict = errors.New("bench: backend returned a wrong verdict")
)
