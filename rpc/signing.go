package rpc

import (
	"aitbc/engine"
	"aitbc/engine/types"

	"github.com/prometheus/client_golang/prometheus"
)

// SigningWatch counts, for one validator, the commit certificates its
// signature is in and those it is missing from: each committed block
// carries its parent's certificate (LastCommit), whose signer bitmap says
// who precommitted. It decorates a Broadcaster (normally the Bridge) so it
// sees every committed block, whether decided here or synced; the counters
// feed the ValidatorMissingSignatures alert. A full node (no index) counts
// nothing.
type SigningWatch struct {
	next   engine.Broadcaster
	index  func(height uint64) (int, bool)
	signed prometheus.Counter
	missed prometheus.Counter
}

var _ engine.Broadcaster = (*SigningWatch)(nil)

// NewSigningWatch wraps next. index reports this validator's position in
// the set that signed the certificate of height (false: not a validator
// there). It registers aitbc_validator_signed_commits_total and
// aitbc_validator_missed_commits_total on reg (nil: registered nowhere).
func NewSigningWatch(next engine.Broadcaster, index func(height uint64) (int, bool), reg prometheus.Registerer) *SigningWatch {
	w := &SigningWatch{
		next:  next,
		index: index,
		signed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "aitbc_validator_signed_commits_total",
			Help: "Commit certificates that include this validator's precommit.",
		}),
		missed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "aitbc_validator_missed_commits_total",
			Help: "Commit certificates of heights where this node was a validator that lack its precommit.",
		}),
	}
	if reg != nil {
		reg.MustRegister(w.signed, w.missed)
	}
	return w
}

// BlockCommitted counts the block's LastCommit, then forwards.
func (w *SigningWatch) BlockCommitted(cb *engine.CommittedBlock) {
	if cb != nil && cb.Block != nil {
		w.observe(cb.Block.LastCommit)
	}
	w.next.BlockCommitted(cb)
}

func (w *SigningWatch) observe(c *types.CommitCert) {
	if c == nil || w.index == nil {
		return
	}
	i, ok := w.index(c.Height)
	if !ok || i < 0 || i >= int(c.Signers.N) || i/8 >= len(c.Signers.Bits) {
		return // not a validator there, or a bitmap too short to hold it
	}
	if c.Signers.Get(i) {
		w.signed.Inc()
	} else {
		w.missed.Inc()
	}
}

// TxAdmitted forwards.
func (w *SigningWatch) TxAdmitted(tx *types.Tx, hash types.Hash) { w.next.TxAdmitted(tx, hash) }

// ConsensusEvent forwards.
func (w *SigningWatch) ConsensusEvent(ev engine.Event) { w.next.ConsensusEvent(ev) }
