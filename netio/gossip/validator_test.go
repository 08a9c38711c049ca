package gossip

import (
	"bytes"
	"crypto/ed25519"
	"slices"
	"testing"
	"time"

	"aitbc/engine"
	"aitbc/engine/bls"
	"aitbc/internal/wait"
	"aitbc/netio/gossip/internal/gossiptest"
	"aitbc/netio/gossip/noise"
)

// A validator that proves its key has a slot of its own: with MaxPeers
// filled by strangers it still connects, unpinned and unlisted, and is
// reported as a validator. A stranger is refused, and a node presenting
// a proof that is not its own fails its handshake (bad_validator_proof).
func TestValidatorsHaveReservedSlots(t *testing.T) {
	pks, sks := gossiptest.ValidatorSet(t)
	cfgB := testConfig(2)
	cfgB.MaxPeers, cfgB.Validators, cfgB.ValidatorKey = 1, pks, sks[2]
	b, mb := startTransport(t, cfgB, newRecorder())

	r := dialRaw(t, b.Addr(), nodeKey(10))
	r.handshake()
	wait.Until(t, "stranger connected", 10*time.Second, func() bool { return hasPeer(b, peerID(nodeKey(10))) })
	if r.their.Validator == nil || r.their.Validator.Key != pks[2] {
		t.Fatalf("b's identity carries no proof of its validator key: %+v", r.their.Validator)
	}
	late := dialRaw(t, b.Addr(), nodeKey(11))
	late.handshake()
	if !late.closed() {
		t.Fatal("a second stranger got past MaxPeers")
	}

	// A node replaying validator 0's proof, made for another node key.
	thief := dialRaw(t, b.Addr(), nodeKey(12))
	if err := thief.writeRaw(thief.msg1()); err != nil {
		t.Fatal(err)
	}
	thief.readMsg2()
	id := thief.ident(ProtocolVersion, testChainID, testGenesis)
	id.Validator = noise.NewValidatorProof(sks[0], nodeKey(3).Public().(ed25519.PublicKey), thief.static.Public(), testChainID, testGenesis)
	if err := thief.writeRaw(thief.msg3(id)); err != nil {
		t.Fatal(err)
	}
	if !thief.closed() {
		t.Fatal("a node with another node's validator proof kept its connection")
	}
	wait.Until(t, "bad proof counted", 10*time.Second, func() bool { return hsFailures(mb, "bad_validator_proof") == 1 })
	if v := value(mb.Penalties); v != 1 {
		t.Errorf("%v penalties for the bad proof, want 1 (against the key that signed it)", v)
	}

	// A proof by a key b does not know (a validator that joined after
	// b's set was fixed) is ignored: b sees a stranger, refused as full,
	// with nothing held against it.
	outsider, err := bls.KeyGen(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	cfgO := testConfig(4)
	cfgO.ListenAddr = ""
	cfgO.Peers = []string{b.Addr()}
	cfgO.Validators, cfgO.ValidatorKey = []bls.PublicKey{outsider.PublicKey()}, outsider
	o, _ := startTransport(t, cfgO, newRecorder())
	wait.Until(t, "outsider refused as full", 10*time.Second, func() bool { return hsFailures(mb, "full") >= 2 })
	if hasPeer(b, o.ID()) || hsFailures(mb, "bad_validator_proof") != 1 || value(mb.Penalties) != 1 {
		t.Fatalf("outsider: peer %v, bad proofs %v, penalties %v; want a stranger refused as full, nothing held against it",
			hasPeer(b, o.ID()), hsFailures(mb, "bad_validator_proof"), value(mb.Penalties))
	}
	o.Close()

	cfgV := testConfig(3)
	cfgV.ListenAddr = ""
	cfgV.Peers = []string{b.Addr()} // a bare address: not pinned, not in b's config
	cfgV.Validators, cfgV.ValidatorKey = pks, sks[0]
	v, _ := startTransport(t, cfgV, newRecorder())
	wait.Until(t, "validator connected past MaxPeers", 10*time.Second, func() bool { return hasPeer(b, v.ID()) })
	for kind, want := range map[string]float64{kindValidator: 1, kindInboundStranger: 1, kindConfigured: 0} {
		if got := value(mb.PeersByKind.WithLabelValues(kind)); got != want {
			t.Errorf("b's %s peers %v, want %v", kind, got, want)
		}
	}
	for _, p := range b.Peers() {
		if want := map[bool]string{true: kindValidator, false: kindInboundStranger}[p.ID == v.ID()]; p.Kind != want {
			t.Errorf("peer %s kind %q, want %q", p.ID[:8], p.Kind, want)
		}
	}
	// v dialed b at a bare address, and b proved its key: a validator too.
	wait.Until(t, "b seen as a validator by v", 10*time.Second, func() bool {
		ps := v.Peers()
		return len(ps) == 1 && ps[0].Kind == kindValidator
	})
}

// A validator key outside the list is valid config: the node proves it
// anyway (a staker not elected yet), and its peers take it for an
// ordinary peer, with no pairing check and nothing held against it.
func TestValidatorKeyOutsideTheListIsAnOrdinaryPeer(t *testing.T) {
	pks, sks := gossiptest.ValidatorSet(t)
	cfg := testConfig(1)
	cfg.Validators, cfg.ValidatorKey = pks[1:], sks[0]
	if err := cfg.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}

	cfgB := testConfig(2)
	cfgB.Validators = pks[1:]
	b, mb := startTransport(t, cfgB, newRecorder())
	cfgS := testConfig(3)
	cfgS.ListenAddr = ""
	cfgS.Peers = []string{b.Addr()}
	cfgS.Validators, cfgS.ValidatorKey = pks, sks[0]
	s, _ := startTransport(t, cfgS, newRecorder())
	wait.Until(t, "staker connected", 10*time.Second, func() bool { return hasPeer(b, s.ID()) })
	if k := kindOf(b, s.ID()); k != kindInboundStranger {
		t.Errorf("b sees the staker as %q, want %q", k, kindInboundStranger)
	}
	if v, p := hsFailures(mb, "bad_validator_proof"), value(mb.Penalties); v != 0 || p != 0 {
		t.Errorf("bad proofs %v, penalties %v; want none", v, p)
	}
}

// kindOf is the kind tr reports for peer id ("" if not connected).
func kindOf(tr *Transport, id engine.PeerID) string {
	for _, p := range tr.Peers() {
		if p.ID == id {
			return p.Kind
		}
	}
	return ""
}

// handshakeAs completes a handshake proving the validator key sk.
func (r *rawPeer) handshakeAs(sk *bls.SecretKey) {
	r.t.Helper()
	if err := r.writeRaw(r.msg1()); err != nil {
		r.t.Fatal(err)
	}
	r.readMsg2()
	id := r.ident(ProtocolVersion, testChainID, testGenesis)
	id.Validator = noise.NewValidatorProof(sk, r.pub[:], r.static.Public(), testChainID, testGenesis)
	if err := r.writeRaw(r.msg3(id)); err != nil {
		r.t.Fatal(err)
	}
}

// The validator list follows SetValidators (an election): a staker that
// connected while outside it stays an ordinary peer on that connection
// (its proof was never verified); once listed, a new connection of its
// has a reserved slot that strangers filling MaxPeers cannot take. When
// the list drops its key, the open connection is demoted at once (and
// promoted again if the key comes back, its proof having been verified),
// and a new connection proving it is a stranger, refused as full.
func TestValidatorListFollowsSetValidators(t *testing.T) {
	pks, _ := gossiptest.ValidatorSet(t)
	staker, err := bls.KeyGen(bytes.Repeat([]byte{8}, 32))
	if err != nil {
		t.Fatal(err)
	}
	cfgB := testConfig(2)
	cfgB.MaxPeers, cfgB.Validators = 1, pks
	b, mb := startTransport(t, cfgB, newRecorder())
	sid := peerID(nodeKey(20))
	kinds := func(want map[string]float64) {
		t.Helper()
		for kind, n := range want {
			if got := value(mb.PeersByKind.WithLabelValues(kind)); got != n {
				t.Errorf("b's %s peers %v, want %v", kind, got, n)
			}
		}
	}
	gone := func(r *rawPeer, id engine.PeerID) {
		t.Helper()
		r.conn.Close()
		wait.Until(t, "peer gone", 10*time.Second, func() bool { return !hasPeer(b, id) })
	}

	// Outside the list: an ordinary peer, the one stranger MaxPeers allows.
	r1 := dialRaw(t, b.Addr(), nodeKey(20))
	r1.handshakeAs(staker)
	wait.Until(t, "staker connected", 10*time.Second, func() bool { return hasPeer(b, sid) })
	b.SetValidators(append(slices.Clone(pks), staker.PublicKey()))
	if k := kindOf(b, sid); k != kindInboundStranger {
		t.Errorf("a connection whose proof was not verified became %q", k)
	}
	gone(r1, sid)

	// Listed: a stranger fills MaxPeers, and the staker still connects.
	r10 := dialRaw(t, b.Addr(), nodeKey(10))
	r10.handshake()
	wait.Until(t, "stranger connected", 10*time.Second, func() bool { return hasPeer(b, peerID(nodeKey(10))) })
	r2 := dialRaw(t, b.Addr(), nodeKey(20))
	r2.handshakeAs(staker)
	wait.Until(t, "listed staker connected past MaxPeers", 10*time.Second, func() bool { return hasPeer(b, sid) })
	if k := kindOf(b, sid); k != kindValidator {
		t.Errorf("listed staker is %q, want %q", k, kindValidator)
	}
	kinds(map[string]float64{kindValidator: 1, kindInboundStranger: 1})

	// Dropped: demoted on its open connection, past MaxPeers; promoted
	// again when its verified key comes back.
	b.SetValidators(pks)
	if k := kindOf(b, sid); k != kindInboundStranger {
		t.Errorf("dropped staker is %q, want %q", k, kindInboundStranger)
	}
	kinds(map[string]float64{kindValidator: 0, kindInboundStranger: 2})
	b.SetValidators(append(slices.Clone(pks), staker.PublicKey()))
	if k := kindOf(b, sid); k != kindValidator {
		t.Errorf("re-listed staker is %q, want %q", k, kindValidator)
	}
	b.SetValidators(pks)
	gone(r2, sid)

	// A new connection proving the dropped key is a stranger: full.
	full := hsFailures(mb, "full")
	r3 := dialRaw(t, b.Addr(), nodeKey(20))
	r3.handshakeAs(staker)
	if !r3.closed() {
		t.Fatal("a dropped validator got past MaxPeers")
	}
	wait.Until(t, "refused as full", 10*time.Second, func() bool { return hsFailures(mb, "full") == full+1 })
	if v, p := hsFailures(mb, "bad_validator_proof"), value(mb.Penalties); v != 0 || p != 0 {
		t.Errorf("bad proofs %v, penalties %v; want none", v, p)
	}
	kinds(map[string]float64{kindValidator: 0, kindInboundStranger: 1})
}
