package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"aitbc/engine"
	"aitbc/engine/exec"
	"aitbc/engine/metrics"
	"aitbc/engine/state"
	"aitbc/engine/types"
	"aitbc/gpu"
)

// Deps are an Admitter's collaborators.
type Deps struct {
	ChainID  string
	Ledger   *exec.Ledger
	Verifier engine.SigVerifier
	Verdicts *exec.VerdictCache
	Clock    engine.Clock
	Publish  engine.Broadcaster
	Metrics  *metrics.Metrics
	Log      *slog.Logger
	// Relay is called with every admitted tx, outside the mempool lock;
	// it must not block.
	Relay func(*types.Tx)
	// Penalize counts a peer's bad tx against it (reason: a metric label).
	Penalize func(peer engine.PeerID, reason string, err error)
}

// Admitter admits txs from RPC clients and peers into the Ledger's
// mempool. Safe for concurrent use: RPC handlers call SubmitTx on their
// own goroutines, so concurrent submissions share a signature batch.
type Admitter struct{ Deps }

// New returns an Admitter.
func New(d Deps) *Admitter { return &Admitter{d} }

// admission is a tx that passed the checks before its signature check.
type admission struct {
	exec.SigCheck
	minted uint64 // what a claim mints, at the committed state
}

// SubmitTx admits a tx: stateless checks, the batched signature check (on
// the caller's goroutine), then mempool admission against the committed
// state. A RECEIPT_CLAIM is also checked against the committed state
// before its two signatures (the miner's and the coordinator's) are
// verified together. An admitted tx is published and relayed.
func (a *Admitter) SubmitTx(ctx context.Context, tx *types.Tx) (types.Hash, error) {
	ad, err := a.precheck(tx)
	if err != nil {
		return types.Hash{}, err
	}
	verdicts, err := exec.CheckSigs(ctx, a.Verifier, a.Verdicts, a.ChainID, []exec.SigCheck{ad.SigCheck})
	if err != nil {
		return types.Hash{}, a.verifierError(err, 1)
	}
	if verdicts[0] != nil {
		a.Metrics.TxsRejected.WithLabelValues("bad_signature").Inc()
		return types.Hash{}, verdicts[0]
	}
	if err := a.admit(ad); err != nil {
		return types.Hash{}, err
	}
	return ad.Hash, nil
}

// SubmitTxs admits a client's batch: SubmitTx's checks on every tx, with
// the signatures of all txs that pass the stateless checks in one verifier
// call, then mempool admission in batch order (so one sender's nonces n,
// n+1, ... in one batch are admitted in turn). errs[i] is nil when txs[i]
// was admitted under hashes[i], else the error SubmitTx would have given
// it alone. A verifier failure (busy, stopped, ctx done) fails every tx
// that was waiting on it, with the same error SubmitTx gives.
func (a *Admitter) SubmitTxs(ctx context.Context, txs []*types.Tx) (hashes []types.Hash, errs []error) {
	hashes, errs = make([]types.Hash, len(txs)), make([]error, len(txs))
	adms := make([]admission, 0, len(txs))
	checks := make([]exec.SigCheck, 0, len(txs))
	at := make([]int, 0, len(txs)) // adms[k] is txs[at[k]]
	for i, tx := range txs {
		ad, err := a.precheck(tx)
		if err != nil {
			errs[i] = err
			continue
		}
		adms, checks, at = append(adms, ad), append(checks, ad.SigCheck), append(at, i)
	}
	if len(adms) == 0 {
		return hashes, errs
	}
	verdicts, err := exec.CheckSigs(ctx, a.Verifier, a.Verdicts, a.ChainID, checks)
	if err != nil {
		err = a.verifierError(err, len(adms))
		for _, i := range at {
			errs[i] = err
		}
		return hashes, errs
	}
	for k, ad := range adms {
		i := at[k]
		if verdicts[k] != nil {
			a.Metrics.TxsRejected.WithLabelValues("bad_signature").Inc()
			errs[i] = verdicts[k]
			continue
		}
		if errs[i] = a.admit(ad); errs[i] == nil {
			hashes[i] = ad.Hash
		}
	}
	return hashes, errs
}

// verifierError maps a verifier failure (no verdict) to the node's errors.
func (a *Admitter) verifierError(err error, txs int) error {
	switch {
	case errors.Is(err, gpu.ErrBusy):
		a.Metrics.TxsRejected.WithLabelValues("busy").Add(float64(txs))
		return fmt.Errorf("%w: signature queue full", engine.ErrBusy)
	case errors.Is(err, gpu.ErrClosed):
		return engine.ErrStopped
	}
	return fmt.Errorf("signature check: %w", err)
}

// precheck runs the checks before the signature check: the stateless rules
// and, for a claim, its payload and the committed state's claim rules.
func (a *Admitter) precheck(tx *types.Tx) (admission, error) {
	if err := tx.ValidateBasic(a.ChainID); err != nil {
		a.Metrics.TxsRejected.WithLabelValues("invalid").Inc()
		return admission{}, err
	}
	if ok, mode := a.Ledger.Executable(tx.Type); !ok {
		a.Metrics.TxsRejected.WithLabelValues("unsupported").Inc()
		return admission{}, fmt.Errorf("%w: %s txs are not executed by a %s chain", state.ErrUnsupportedTx, tx.Type, mode)
	}
	ad := admission{SigCheck: exec.SigCheck{Tx: tx}}
	if tx.Type == types.TxReceiptClaim {
		var err error
		if ad.Claim, err = state.DecodeClaim(tx); err != nil {
			a.Metrics.TxsRejected.WithLabelValues("invalid").Inc()
			return admission{}, err
		}
		if ad.minted, err = a.Ledger.CheckClaim(ad.Claim); err != nil {
			a.Metrics.TxsRejected.WithLabelValues("receipt").Inc()
			return admission{}, err
		}
	}
	ad.Hash = tx.Hash()
	return ad, nil
}

// admit adds a tx whose signatures verified to the mempool, then publishes
// and relays it.
func (a *Admitter) admit(ad admission) error {
	if err := a.Ledger.Admit(ad.Tx, ad.Hash, ad.minted, a.Clock.Now()); err != nil {
		a.Metrics.TxsRejected.WithLabelValues("mempool").Inc()
		return err
	}
	a.Publish.TxAdmitted(ad.Tx, ad.Hash)
	a.Relay(ad.Tx)
	return nil
}

// AdmitPeerTxs runs SubmitTx's admission on a peer's batch, with all of
// the batch's signature checks in one verifier call. Txs that fail a
// stateless rule or a signature count against the peer (it should have
// checked them before relaying); stateful rejections (nonce, fee, funds,
// a duplicate, a full mempool) are normal traffic.
func (a *Admitter) AdmitPeerTxs(ctx context.Context, peer engine.PeerID, txs []*types.Tx) {
	var (
		adms    []admission
		checks  []exec.SigCheck
		invalid error
	)
	for _, tx := range txs {
		ad, err := a.precheck(tx)
		if err != nil {
			if invalid == nil && (errors.Is(err, types.ErrInvalidTx) || errors.Is(err, state.ErrBadReceipt)) {
				invalid = err
			}
			continue
		}
		if _, dup := a.Ledger.Pending(ad.Hash); dup {
			continue
		}
		adms = append(adms, ad)
		checks = append(checks, ad.SigCheck)
	}
	if invalid != nil {
		a.Penalize(peer, "invalid_tx", fmt.Errorf("%w: %w", engine.ErrBadPeerMessage, invalid))
	}
	if len(adms) == 0 {
		return
	}
	verdicts, err := exec.CheckSigs(ctx, a.Verifier, a.Verdicts, a.ChainID, checks)
	if err != nil {
		if err = a.verifierError(err, len(adms)); ctx.Err() == nil && !errors.Is(err, engine.ErrBusy) {
			a.Log.Warn("peer txs: signature check", "peer", string(peer), "err", err)
		}
		return
	}
	var badSig error
	for i, ad := range adms {
		if verdicts[i] != nil {
			a.Metrics.TxsRejected.WithLabelValues("bad_signature").Inc()
			if badSig == nil {
				badSig = verdicts[i]
			}
			continue
		}
		if err := a.admit(ad); err != nil {
			a.Log.Debug("peer tx not admitted", "peer", string(peer), "tx", ad.Hash.String(), "err", err)
		}
	}
	if badSig != nil {
		a.Penalize(peer, "bad_signature", badSig)
	}
}
