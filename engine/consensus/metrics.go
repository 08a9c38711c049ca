package consensus

// Gauge and Counter are the subsets of prometheus.Gauge and
// prometheus.Counter the core uses, so observability can pass those in
// directly while this package imports nothing. Values only describe; no
// decision reads them.
type Gauge interface{ Set(float64) }

// Counter is a monotonically increasing count.
type Counter interface{ Add(float64) }

// Metrics are the core's instruments. Every field must be non-nil; start
// from NopMetrics and replace what you export.
type Metrics struct {
	Height          Gauge   // height being decided
	Round           Gauge   // round of that height
	Commits         Counter // heights decided
	RoundChanges    Counter // rounds started after round 0
	Timeouts        Counter // timeouts that changed the step or round
	RejectedMsgs    Counter // Step calls that returned an error
	Equivocations   Counter // conflicting votes or proposals seen
	CommitRound     Gauge   // round at which the last height was decided
	CommitSyncCount Counter // heights decided from a CommitMsg (block sync)
}

type nop struct{}

func (nop) Set(float64) {}
func (nop) Add(float64) {}

// NopMetrics returns instruments that discard everything.
func NopMetrics() *Metrics {
	return &Metrics{
		Height: nop{}, Round: nop{}, Commits: nop{}, RoundChanges: nop{}, Timeouts: nop{},
		RejectedMsgs: nop{}, Equivocations: nop{}, CommitRound: nop{}, CommitSyncCount: nop{},
	}
}

func (m *Metrics) markRound(height uint64, round uint32) {
	m.Height.Set(float64(height))
	m.Round.Set(float64(round))
	if round > 0 {
		m.RoundChanges.Add(1)
	}
}

func (m *Metrics) markCommit(round uint32, fromSync bool) {
	m.Commits.Add(1)
	m.CommitRound.Set(float64(round))
	if fromSync {
		m.CommitSyncCount.Add(1)
	}
}
