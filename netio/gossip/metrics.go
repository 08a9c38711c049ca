package gossip

import (
	"github.com/prometheus/client_golang/prometheus"

	"aitbc/observability"
)

// Metrics of the gossip transport.
type Metrics struct {
	Peers             *prometheus.GaugeVec   // aitbc_gossip_peers{direction}
	PeersByKind       *prometheus.GaugeVec   // aitbc_gossip_peers_by_kind{kind}
	FramesReceived    *prometheus.CounterVec // aitbc_gossip_frames_received_total{type}
	FramesSent        *prometheus.CounterVec // aitbc_gossip_frames_sent_total{type}
	BytesReceived     prometheus.Counter     // aitbc_gossip_received_bytes_total
	BytesSent         prometheus.Counter     // aitbc_gossip_sent_bytes_total
	EncryptedSent     prometheus.Counter     // aitbc_gossip_encrypted_sent_bytes_total
	Dropped           *prometheus.CounterVec // aitbc_gossip_dropped_frames_total{reason}
	HandshakeFailures *prometheus.CounterVec // aitbc_gossip_handshake_failures_total{reason}
	Handshakes        prometheus.Counter     // aitbc_gossip_handshakes_completed_total
	Penalties         prometheus.Counter     // aitbc_gossip_penalties_total
	Relayed           *prometheus.CounterVec // aitbc_gossip_relayed_total{type}
	RelayDropped      *prometheus.CounterVec // aitbc_gossip_relay_dropped_total{reason}
	Bans              prometheus.Counter     // aitbc_gossip_bans_total
}

// Drop reasons (aitbc_gossip_dropped_frames_total{reason}).
const (
	dropQueueFull = "queue_full" // the peer's send queue was full
	dropRate      = "rate"       // the peer exceeded its inbound byte rate
	dropDedup     = "dedup"      // already seen: not delivered again
	dropMalformed = "malformed"  // undecodable or unknown frame
	dropTooLarge  = "too_large"  // our own message would not fit in a frame
	dropNoPeer    = "no_peer"    // addressed to a peer that is not connected
	dropInvalid   = "invalid"    // an argument outside the protocol's limits
	// dropUnauthentic: a sealed frame failed to open; the connection is
	// closed (without a penalty).
	dropUnauthentic = "unauthentic"
)

var dropReasons = []string{dropQueueFull, dropRate, dropDedup, dropMalformed, dropTooLarge, dropNoPeer, dropInvalid, dropUnauthentic}

// NewMetrics creates the metrics and registers them on reg. A second
// transport on the same registry shares the first one's collectors
// (observability.Register).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := newMetrics()
	observability.RegisterFields(reg, m)
	return m
}

// NopMetrics returns metrics registered nowhere.
func NopMetrics() *Metrics { return newMetrics() }

func newMetrics() *Metrics {
	m := &Metrics{
		Peers: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "aitbc_gossip_peers",
			Help: "Peers with a completed handshake, by who dialed (inbound, outbound).",
		}, []string{"direction"}),
		PeersByKind: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "aitbc_gossip_peers_by_kind",
			Help: "Peers with a completed handshake, by kind: validator (proved in the handshake a key of the current validator list: the sets deciding the current height and the next elected one) and configured (pinned in PEERS or in P2P_ALLOW), both with reserved slots; inbound_stranger and outbound_stranger (dialed at a bare host:port), at most MaxPeers together.",
		}, []string{"kind"}),
		FramesReceived: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aitbc_gossip_frames_received_total",
			Help: "Complete frames read from peers, by frame type.",
		}, []string{"type"}),
		FramesSent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aitbc_gossip_frames_sent_total",
			Help: "Frames accepted into a peer's send queue, by frame type.",
		}, []string{"type"}),
		BytesReceived: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "aitbc_gossip_received_bytes_total",
			Help: "Bytes of complete frames read from peers, as on the wire (sealed after the handshake).",
		}),
		BytesSent: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "aitbc_gossip_sent_bytes_total",
			Help: "Plaintext bytes of frames accepted into peers' send queues.",
		}),
		EncryptedSent: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "aitbc_gossip_encrypted_sent_bytes_total",
			Help: "Sealed bytes (length prefixes, ciphertext and tags) handed to peers' sockets after the handshake.",
		}),
		Dropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aitbc_gossip_dropped_frames_total",
			Help: "Frames dropped instead of sent or delivered, by reason.",
		}, []string{"reason"}),
		HandshakeFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aitbc_gossip_handshake_failures_total",
			Help: "Connections closed before or at the end of the handshake, by reason.",
		}, []string{"reason"}),
		Handshakes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "aitbc_gossip_handshakes_completed_total",
			Help: "Connections whose Noise handshake completed and that became peers (failures: aitbc_gossip_handshake_failures_total).",
		}),
		Penalties: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "aitbc_gossip_penalties_total",
			Help: "Penalties counted against peers (bad messages, rate, handler rejections).",
		}),
		Relayed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aitbc_gossip_relayed_total",
			Help: "Peers' consensus messages relayed, one per peer queued for, by type (proposal, vote).",
		}, []string{"type"}),
		RelayDropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aitbc_gossip_relay_dropped_total",
			Help: "Consensus messages not relayed, by reason: seen (relayed already), stale (of a committed height), queue_full (per peer), too_large, invalid, heard (per peer: it sent us the message).",
		}, []string{"reason"}),
		Bans: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "aitbc_gossip_bans_total",
			Help: "Peers banned for reaching the penalty limit.",
		}),
	}
	return m
}

// counters caches the labelled children the hot paths use, so a frame
// costs no label lookup.
type counters struct {
	m           *Metrics
	recv, sent  [256]prometheus.Counter
	drop        map[string]prometheus.Counter
	peersIn     prometheus.Gauge
	peersOut    prometheus.Gauge
	kinds       map[string]prometheus.Gauge
	hsFail      map[string]prometheus.Counter
	bytesRecv   prometheus.Counter
	bytesSent   prometheus.Counter
	bytesSealed prometheus.Counter
	penalties   prometheus.Counter
	bans        prometheus.Counter
	relayProp   prometheus.Counter
	relayVote   prometheus.Counter
	relayDrop   map[string]prometheus.Counter
}

func newCounters(m *Metrics) *counters {
	c := &counters{
		m:           m,
		drop:        make(map[string]prometheus.Counter, len(dropReasons)),
		hsFail:      make(map[string]prometheus.Counter, len(handshakeReasons)),
		peersIn:     m.Peers.WithLabelValues("inbound"),
		peersOut:    m.Peers.WithLabelValues("outbound"),
		kinds:       make(map[string]prometheus.Gauge, len(peerKinds)),
		bytesRecv:   m.BytesReceived,
		bytesSent:   m.BytesSent,
		bytesSealed: m.EncryptedSent,
		penalties:   m.Penalties,
		bans:        m.Bans,
		relayProp:   m.Relayed.WithLabelValues(MsgProposal.String()),
		relayVote:   m.Relayed.WithLabelValues(MsgVote.String()),
		relayDrop:   make(map[string]prometheus.Counter, len(relayDropReasons)),
	}
	for _, k := range peerKinds {
		c.kinds[k] = m.PeersByKind.WithLabelValues(k)
	}
	for _, r := range relayDropReasons {
		c.relayDrop[r] = m.RelayDropped.WithLabelValues(r)
	}
	for i := range c.recv {
		name := MsgType(i).String()
		if !MsgType(i).known() {
			name = "unknown"
		}
		c.recv[i] = m.FramesReceived.WithLabelValues(name)
		c.sent[i] = m.FramesSent.WithLabelValues(name)
	}
	for _, r := range dropReasons {
		c.drop[r] = m.Dropped.WithLabelValues(r)
	}
	for _, r := range handshakeReasons {
		c.hsFail[r] = m.HandshakeFailures.WithLabelValues(r)
	}
	return c
}

func (c *counters) dropped(reason string)      { c.drop[reason].Inc() }
func (c *counters) relayDropped(reason string) { c.relayDrop[reason].Inc() }

func (c *counters) relayedFrame(t MsgType) {
	if t == MsgProposal {
		c.relayProp.Inc()
	} else {
		c.relayVote.Inc()
	}
}
func (c *counters) handshakeFailed(err error) { c.hsFail[handshakeReason(err)].Inc() }
func (c *counters) peers(outbound bool) prometheus.Gauge {
	if outbound {
		return c.peersOut
	}
	return c.peersIn
}

// Peer kinds (aitbc_gossip_peers_by_kind{kind}). A validator and a
// configured peer have slots of their own; strangers share MaxPeers.
const (
	kindValidator        = "validator"         // proved a key of the current validator list in the handshake
	kindConfigured       = "configured"        // pinned in Peers or listed in Allow
	kindInboundStranger  = "inbound_stranger"  // dialed us, neither of the above
	kindOutboundStranger = "outbound_stranger" // dialed at a bare host:port, neither of the above
)

var peerKinds = []string{kindValidator, kindConfigured, kindInboundStranger, kindOutboundStranger}

// peerKindOf classifies a peer: a proven validator first (the stronger
// claim: the chain, not only our config, vouches for it), then a
// configured id, then a stranger by who dialed.
func peerKindOf(configured, validator, outbound bool) string {
	switch {
	case validator:
		return kindValidator
	case configured:
		return kindConfigured
	case outbound:
		return kindOutboundStranger
	}
	return kindInboundStranger
}

// isStrangerKind reports whether a peer of kind counts against MaxPeers.
func isStrangerKind(kind string) bool {
	return kind == kindInboundStranger || kind == kindOutboundStranger
}
