package metrics

import (
	"aitbc/engine/consensus"
	"aitbc/observability"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the engine's instruments; Nop registers nothing.
type Metrics struct {
	HeadHeight        prometheus.Gauge
	ConsensusRound    prometheus.Gauge
	BlockInterval     prometheus.Histogram
	TxsCommitted      prometheus.Counter
	MempoolTxs        prometheus.Gauge
	MempoolBytes      prometheus.Gauge
	FinalityLatency   prometheus.Histogram
	CommitDuration    prometheus.Histogram
	IndexLag          prometheus.Gauge
	IndexErrors       prometheus.Counter
	TxsRejected       *prometheus.CounterVec
	ConsensusMessages prometheus.Counter

	// The peer side (all zero without a Gossip transport).
	ConsensusSent prometheus.Counter     // our consensus messages handed to the transport
	PeerMessages  *prometheus.CounterVec // received from peers, by kind
	PeerDrops     *prometheus.CounterVec // dropped because a bounded peer queue was full, by queue
	Penalties     *prometheus.CounterVec // Gossip.Penalize calls, by reason
	TxsRelayed    prometheus.Counter
	SyncRequests  prometheus.Counter
	SyncTimeouts  prometheus.Counter
	SyncSidelined *prometheus.CounterVec // peers benched from block sync, by reason
	BlocksSynced  prometheus.Counter
	BlocksServed  prometheus.Counter
	BlocksBehind  prometheus.Gauge
	Peers         prometheus.Gauge

	// The consensus core's own instruments (consensus.Metrics).
	Core *consensus.Metrics

	// UntimelyProposals counts proposals prevoted nil by the block time rule.
	UntimelyProposals prometheus.Counter
	// VotesBatchChecked counts peers' votes whose signature was checked
	// with others of their slot (one pairing product per slot).
	VotesBatchChecked prometheus.Counter
	// VotesSurplus counts peers' prevotes dropped unchecked because the
	// core had counted a quorum for their block already
	// (consensus.Core.Surplus).
	VotesSurplus prometheus.Counter
	// ConsensusHalted is 1 once the node stopped deciding blocks (a
	// decided block failed validation here; engine.Halt), else 0.
	ConsensusHalted prometheus.Gauge

	// Evidence of double-signing (Ready.Evidence).
	EvidenceRecorded    prometheus.Counter // written to the block store
	EvidenceStoreErrors prometheus.Counter // failed to write (logged; the node goes on)
	// EvidenceReceived counts peers' pieces of evidence by what became of
	// them: relayed (new, verified, recorded), known, future, stale,
	// invalid (the sender penalized), unstored (the store refused it).
	EvidenceReceived *prometheus.CounterVec

	// Proof of stake (pos and hybrid chains; docs/spec.md §13.6, §17).
	ValidatorSetPower prometheus.Gauge       // total power of the set deciding the next height (its size: observability's aitbc_validator_set_size)
	StakeBonded       prometheus.Gauge       // Σ bonded stake of every record
	Slashes           *prometheus.CounterVec // slashes (each also jails), by reason
	Slashed           *prometheus.CounterVec // stake burned by slashes, by reason
	Elections         prometheus.Counter     // epoch elections run
}

// New creates the instruments and registers them on reg (nil:
// unregistered) through observability.RegisterFields.
func New(reg prometheus.Registerer) *Metrics {
	sub := func(s float64, n int) []float64 { return prometheus.ExponentialBuckets(s, 2, n) }
	m := &Metrics{
		HeadHeight:     prometheus.NewGauge(prometheus.GaugeOpts{Name: "aitbc_head_height", Help: "Height of the last committed block."}),
		ConsensusRound: prometheus.NewGauge(prometheus.GaugeOpts{Name: "aitbc_consensus_round", Help: "Consensus round of the height being decided."}),
		BlockInterval: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "aitbc_block_interval_seconds",
			Help: "Time between consecutive commits.", Buckets: sub(0.05, 10)}),
		TxsCommitted: prometheus.NewCounter(prometheus.CounterOpts{Name: "aitbc_txs_committed_total", Help: "Transactions committed in blocks."}),
		MempoolTxs:   prometheus.NewGauge(prometheus.GaugeOpts{Name: "aitbc_mempool_txs", Help: "Transactions waiting in the mempool."}),
		MempoolBytes: prometheus.NewGauge(prometheus.GaugeOpts{Name: "aitbc_mempool_bytes", Help: "Encoded bytes of the transactions in the mempool."}),
		FinalityLatency: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "aitbc_finality_latency_seconds",
			Help: "Time from mempool admission to commit of a transaction.", Buckets: sub(0.01, 12)}),
		CommitDuration: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "aitbc_storage_commit_duration_seconds",
			Help: "Time to write one block durably to the block store.", Buckets: sub(0.0005, 14)}),
		IndexLag:    prometheus.NewGauge(prometheus.GaugeOpts{Name: "aitbc_index_lag_blocks", Help: "Committed blocks not yet in the SQL index."}),
		IndexErrors: prometheus.NewCounter(prometheus.CounterOpts{Name: "aitbc_index_errors_total", Help: "Failed attempts to write the SQL index."}),
		TxsRejected: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "aitbc_txs_rejected_total",
			Help: "Transactions refused at admission, by reason."}, []string{"reason"}),
		ConsensusMessages: prometheus.NewCounter(prometheus.CounterOpts{Name: "aitbc_consensus_messages_dropped_total",
			Help: "Outbound consensus messages with no transport to carry them (single-node)."}),
		ConsensusSent: prometheus.NewCounter(prometheus.CounterOpts{Name: "aitbc_consensus_messages_sent_total",
			Help: "Outbound consensus messages (proposals, votes) handed to the peer transport."}),
		PeerMessages: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "aitbc_peer_messages_received_total",
			Help: "Messages received from peers, by kind (proposal, vote, other, txs, evidence, status, block_request, blocks)."}, []string{"kind"}),
		PeerDrops: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "aitbc_peer_queue_drops_total",
			Help: "Peer messages dropped because a bounded queue was full, by queue (consensus, txs, evidence, block_requests, blocks, relay)."}, []string{"queue"}),
		Penalties: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "aitbc_peer_penalties_total",
			Help: "Messages counted against the peer that sent them, by reason."}, []string{"reason"}),
		TxsRelayed: prometheus.NewCounter(prometheus.CounterOpts{Name: "aitbc_txs_relayed_total", Help: "Admitted transactions relayed to peers."}),
		SyncRequests: prometheus.NewCounter(prometheus.CounterOpts{Name: "aitbc_sync_requests_total",
			Help: "Block requests sent to peers by block sync."}),
		SyncTimeouts: prometheus.NewCounter(prometheus.CounterOpts{Name: "aitbc_sync_timeouts_total",
			Help: "Block requests abandoned unanswered."}),
		SyncSidelined: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "aitbc_sync_peers_sidelined_total",
			Help: "Peers not asked for blocks for the sync backoff (10 s by default), by reason: timeout, empty or short answer (claimed blocks not delivered), unsolicited answer, bad block."},
			[]string{"reason"}),
		BlocksSynced: prometheus.NewCounter(prometheus.CounterOpts{Name: "aitbc_sync_blocks_total",
			Help: "Blocks committed from block sync (with their peers' certificates)."}),
		BlocksServed: prometheus.NewCounter(prometheus.CounterOpts{Name: "aitbc_sync_blocks_served_total",
			Help: "Blocks sent to peers in answer to their block requests."}),
		BlocksBehind: prometheus.NewGauge(prometheus.GaugeOpts{Name: "aitbc_sync_blocks_behind",
			Help: "Blocks between our committed head and the highest head a live peer announced."}),
		Peers: prometheus.NewGauge(prometheus.GaugeOpts{Name: "aitbc_peers", Help: "Peers that announced their head recently."}),
		UntimelyProposals: prometheus.NewCounter(prometheus.CounterOpts{Name: "aitbc_consensus_untimely_proposals_total",
			Help: "Fresh proposals whose block time was outside the time rule's window around the local clock at arrival (prevoted nil at once)."}),
		VotesBatchChecked: prometheus.NewCounter(prometheus.CounterOpts{Name: "aitbc_consensus_votes_batch_checked_total",
			Help: "Peers' votes whose signature was checked together with others of the same slot (one pairing product per slot); the rest are checked one by one."}),
		VotesSurplus: prometheus.NewCounter(prometheus.CounterOpts{Name: "aitbc_consensus_votes_surplus_total",
			Help: "Peers' prevotes dropped unchecked: the core had counted a quorum of prevotes for their block in their round already (not relayed, no penalty)."}),
		ConsensusHalted: prometheus.NewGauge(prometheus.GaugeOpts{Name: "aitbc_consensus_halted",
			Help: "1 once this node stopped deciding blocks because a block a quorum decided fails validation here (it keeps serving; see /rpc/status halted), else 0."}),
		EvidenceRecorded: prometheus.NewCounter(prometheus.CounterOpts{Name: "aitbc_evidence_recorded_total",
			Help: "Evidence of a validator signing two conflicting votes or proposals, written to the block store."}),
		ValidatorSetPower: prometheus.NewGauge(prometheus.GaugeOpts{Name: "aitbc_validator_set_power", Help: "Total voting power of the set that decides the next height."}),
		StakeBonded:       prometheus.NewGauge(prometheus.GaugeOpts{Name: "aitbc_stake_bonded", Help: "Stake bonded by every staker (base units; pos and hybrid chains)."}),
		Slashes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "aitbc_slashes_total",
			Help: "Slashes applied by committed blocks, by reason (double_sign, downtime); each also jails or tombstones."}, []string{"reason"}),
		Slashed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "aitbc_slashed_stake_total",
			Help: "Stake burned by slashes in committed blocks (base units), by reason."}, []string{"reason"}),
		Elections: prometheus.NewCounter(prometheus.CounterOpts{Name: "aitbc_elections_total", Help: "Validator-set elections run after the last block of an epoch."}),
		EvidenceStoreErrors: prometheus.NewCounter(prometheus.CounterOpts{Name: "aitbc_evidence_store_errors_total",
			Help: "Evidence of double-signing that could not be written to the block store."}),
		EvidenceReceived: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "aitbc_evidence_received_total",
			Help: "Peers' pieces of double-sign evidence, by result: relayed (new and verified: recorded and passed on), known (seen already), future (beyond the sets we know), stale (older than max_evidence_age), invalid (failed verification; the sender is penalized), unstored (the block store refused it)."},
			[]string{"result"}),
	}
	// The core's instruments, built as Prometheus types so that they can
	// be registered, then handed to the core through its own interfaces.
	core := struct {
		Height, CommitRound                                                    prometheus.Gauge
		Commits, RoundChanges, Timeouts, RejectedMsgs, Equivocations, FromSync prometheus.Counter
	}{
		RoundChanges: prometheus.NewCounter(prometheus.CounterOpts{Name: "aitbc_consensus_round_changes_total",
			Help: "Rounds started after round 0 (a proposer was slow or absent, or a quorum was not reached in time)."}),
		Timeouts: prometheus.NewCounter(prometheus.CounterOpts{Name: "aitbc_consensus_timeouts_total",
			Help: "Consensus timeouts that changed the step or round."}),
		RejectedMsgs: prometheus.NewCounter(prometheus.CounterOpts{Name: "aitbc_consensus_rejected_messages_total",
			Help: "Consensus messages the core refused (stale, future, invalid, bad signature, duplicate, equivocation)."}),
		Equivocations: prometheus.NewCounter(prometheus.CounterOpts{Name: "aitbc_consensus_equivocations_total",
			Help: "Conflicting signed votes or proposals from one validator, as seen by the core."}),
		CommitRound: prometheus.NewGauge(prometheus.GaugeOpts{Name: "aitbc_consensus_commit_round",
			Help: "Round at which the last height was decided (0 in a healthy network)."}),
		FromSync: prometheus.NewCounter(prometheus.CounterOpts{Name: "aitbc_consensus_commits_from_sync_total",
			Help: "Heights decided from a peer's commit certificate (block sync) instead of by voting."}),
		Height: prometheus.NewGauge(prometheus.GaugeOpts{Name: "aitbc_consensus_height",
			Help: "Height the consensus core is deciding."}),
		Commits: prometheus.NewCounter(prometheus.CounterOpts{Name: "aitbc_consensus_commits_total",
			Help: "Heights decided by the consensus core."}),
	}
	if reg != nil {
		// Shared, not duplicated, when a second node registers on the same
		// registry (tests, or a devnet in one process).
		observability.RegisterFields(reg, m)
		observability.RegisterFields(reg, &core)
	}
	m.Core = &consensus.Metrics{Height: core.Height, Commits: core.Commits, RoundChanges: core.RoundChanges,
		Timeouts: core.Timeouts, RejectedMsgs: core.RejectedMsgs, Equivocations: core.Equivocations,
		CommitRound: core.CommitRound, CommitSyncCount: core.FromSync}
	// The core sets the round as it changes; the pipeline's gauge is the same instrument.
	m.Core.Round = m.ConsensusRound
	return m
}

// Nop returns unregistered instruments.
func Nop() *Metrics { return New(nil) }
