package enginetest

import (
	"context"

	"aitbc/engine"
	"aitbc/gpu"
)

// SyncVerifier checks signatures one by one with gpu.Verify (the ZIP-215
// rule every backend matches) on the caller's goroutine, with no batcher
// and no worker goroutines. The simulator uses it so that a run starts no
// goroutine it does not control.
type SyncVerifier struct{}

var _ engine.SigVerifier = SyncVerifier{}

func (SyncVerifier) Verify(ctx context.Context, it gpu.Item) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	return gpu.Verify(it.PubKey, it.Msg, it.Sig), nil
}

func (SyncVerifier) VerifyAll(ctx context.Context, items []gpu.Item) ([]bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ok := make([]bool, len(items))
	for i, it := range items {
		ok[i] = gpu.Verify(it.PubKey, it.Msg, it.Sig)
	}
	return ok, nil
}

func (SyncVerifier) Backend() string { return "cpu" }
