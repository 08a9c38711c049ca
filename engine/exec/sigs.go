package exec

import (
	"context"
	"fmt"

	"aitbc/engine"
	"aitbc/engine/state"
	"aitbc/engine/types"
	"aitbc/gpu"
)

// SigCheck is one tx whose signatures are to be checked: the tx, its hash
// and, for a RECEIPT_CLAIM, its decoded claim (nil: CheckSigs decodes it).
type SigCheck struct {
	Tx    *types.Tx
	Hash  types.Hash
	Claim *types.ReceiptClaim
}

// CheckSigs is the one place that decides which signatures of a set of txs
// still need checking and checks them: every tx whose hash is not in the
// verdict cache contributes its sender's signature and, for a
// RECEIPT_CLAIM, its coordinator attestation, and all of them go to the
// verifier in one VerifyAll call (one GPU batch). A tx whose checks all
// pass is added to the cache.
//
// verdicts[i] is nil when txs[i] is good (verified now or before), else an
// error wrapping engine.ErrBadSignature that names the failed signature
// (or the claim's decoding error). err is the verifier's (gpu.ErrBusy,
// gpu.ErrClosed, ctx done): then no verdict was reached and nothing is
// cached.
func CheckSigs(ctx context.Context, v engine.SigVerifier, cache *VerdictCache, chainID string, txs []SigCheck) (verdicts []error, err error) {
	verdicts = make([]error, len(txs))
	first := make([]int, len(txs))   // index of txs[i]'s first item; -1: nothing to check
	claims := make([]bool, len(txs)) // txs[i] has a second item, its attestation
	var items []gpu.Item
	for i, c := range txs {
		first[i] = -1
		if cache.Has(c.Hash) {
			continue
		}
		claim := c.Claim
		if claim == nil && c.Tx.Type == types.TxReceiptClaim {
			if claim, err = state.DecodeClaim(c.Tx); err != nil {
				verdicts[i] = err
				continue
			}
		}
		first[i] = len(items)
		items = append(items, gpu.Item{PubKey: c.Tx.Sender[:], Msg: c.Tx.SignBytes(), Sig: c.Tx.Sig[:]})
		if claim != nil {
			claims[i] = true
			items = append(items, gpu.Item{PubKey: claim.Coordinator[:], Sig: claim.CoordinatorSig[:],
				Msg: types.ReceiptAttestBytes(chainID, claim.JobID, c.Tx.From(), claim.Units)})
		}
	}
	if len(items) == 0 {
		return verdicts, nil
	}
	ok, err := v.VerifyAll(ctx, items)
	if err != nil {
		return nil, err
	}
	for i, c := range txs {
		k := first[i]
		if k < 0 {
			continue
		}
		switch {
		case !ok[k]:
			verdicts[i] = fmt.Errorf("%w: tx %s: sender signature does not verify", engine.ErrBadSignature, c.Hash)
		case claims[i] && !ok[k+1]:
			verdicts[i] = fmt.Errorf("%w: tx %s: receipt claim's coordinator attestation does not verify", engine.ErrBadSignature, c.Hash)
		default:
			cache.Add(c.Hash)
		}
	}
	return verdicts, nil
}

// cpu is the CPU backend (gpu.NewCPU: batch equations on every core), with
// the same verdicts as every backend.
var cpu = gpu.NewCPU(0)

// cpuVerifier is block validation's fallback when the node's verifier
// fails without verdicts.
type cpuVerifier struct{}

func (cpuVerifier) Verify(ctx context.Context, it gpu.Item) (bool, error) {
	ok, err := cpu.VerifyBatch(ctx, []gpu.Item{it})
	if err != nil {
		return false, err
	}
	return ok[0], nil
}

func (cpuVerifier) VerifyAll(ctx context.Context, items []gpu.Item) ([]bool, error) {
	return cpu.VerifyBatch(ctx, items)
}

func (cpuVerifier) Backend() string { return "cpu" }
