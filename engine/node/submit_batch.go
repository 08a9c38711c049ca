package node

import (
	"context"

	"aitbc/engine"
	"aitbc/engine/types"
)

// SubmitTxs admits a client's batch (ingest.Admitter.SubmitTxs): one
// signature batch for the whole request; errs[i] is nil when txs[i] was
// admitted as hashes[i], else the error SubmitTx would have given it.
func (m *Machine) SubmitTxs(ctx context.Context, txs []*types.Tx) (hashes []types.Hash, errs []error) {
	if m.stopped() {
		errs = make([]error, len(txs))
		for i := range errs {
			errs[i] = engine.ErrStopped
		}
		return make([]types.Hash, len(txs)), errs
	}
	return m.admit.SubmitTxs(ctx, txs)
}
