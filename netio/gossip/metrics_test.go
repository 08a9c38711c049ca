package gossip

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"aitbc/internal/metricstest"
)

// Two transports may share a registry; the metrics are promlint-clean and
// every labelled series exists from the start.
func TestMetricsShareARegistryAndLint(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	m1, m2 := NewMetrics(reg), NewMetrics(reg)
	if m1.Dropped != m2.Dropped || m1.Peers != m2.Peers {
		t.Error("second NewMetrics on one registry did not share the collectors")
	}
	a, err := New(testConfig(0), m1, discardLogger())
	if err != nil {
		t.Fatal(err)
	}
	b, err := New(testConfig(1), m2, discardLogger())
	if err != nil {
		t.Fatal(err)
	}
	_, _ = a, b
	mfs := metricstest.Gather(t, reg)
	names := map[string]int{}
	for _, mf := range mfs {
		if !strings.HasPrefix(mf.GetName(), "aitbc_gossip_") {
			t.Errorf("metric %s lacks the aitbc_gossip_ prefix", mf.GetName())
		}
		names[mf.GetName()] = len(mf.GetMetric())
	}
	want := map[string]int{
		"aitbc_gossip_peers":                      2,
		"aitbc_gossip_peers_by_kind":              len(peerKinds),
		"aitbc_gossip_handshakes_completed_total": 1,
		"aitbc_gossip_frames_received_total":      11, // 10 types + unknown
		"aitbc_gossip_frames_sent_total":          11,
		"aitbc_gossip_encrypted_sent_bytes_total": 1,
		"aitbc_gossip_received_bytes_total":       1,
		"aitbc_gossip_sent_bytes_total":           1,
		"aitbc_gossip_dropped_frames_total":       len(dropReasons),
		"aitbc_gossip_handshake_failures_total":   len(handshakeReasons),
		"aitbc_gossip_penalties_total":            1,
		"aitbc_gossip_bans_total":                 1,
		"aitbc_gossip_relayed_total":              2, // proposal, vote
		"aitbc_gossip_relay_dropped_total":        len(relayDropReasons),
	}
	for n, series := range want {
		if names[n] != series {
			t.Errorf("%s: %d series, want %d", n, names[n], series)
		}
	}
	metricstest.Lint(t, mfs)
}

// aitbc_gossip_received_bytes_total counts what came off the wire, and
// a frame costs its peer that many bytes of its rate limit: a sealed frame
// of n bytes (length prefix included) adds n, not n plus the prefix again.
func TestReceivedBytesAreWireBytes(t *testing.T) {
	tr, m := startTransport(t, testConfig(0), newRecorder())
	r := dialRaw(t, tr.Addr(), nodeKey(1))
	r.handshake()
	pong := func() {
		t.Helper()
		for {
			typ, _, err := r.readFrame()
			if err != nil {
				t.Fatal(err)
			}
			if typ == MsgPong {
				return
			}
		}
	}
	// One ping answered: the handshake's frames are counted by now.
	if err := r.write(pingFrame(MsgPing, 1)); err != nil {
		t.Fatal(err)
	}
	pong()
	before := value(m.BytesReceived)
	sealed := r.seal(pingFrame(MsgPing, 2))
	if err := r.writeRaw(sealed); err != nil {
		t.Fatal(err)
	}
	pong()
	if got := value(m.BytesReceived) - before; got != float64(len(sealed)) {
		t.Fatalf("a sealed frame of %d bytes counted as %.0f received bytes", len(sealed), got)
	}
}
