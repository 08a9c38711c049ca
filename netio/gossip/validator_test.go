package gossip

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"testing"
	"time"

	"aitbc/engine/bls"
	"aitbc/engine/validators/valtest"
	"aitbc/internal/wait"
)

// validatorSet is the BLS keys of a four-validator test set.
func validatorSet(t testing.TB) ([]bls.PublicKey, []*bls.SecretKey) {
	t.Helper()
	_, keys := valtest.Set(valtest.Equal(4)...)
	var pks []bls.PublicKey
	var sks []*bls.SecretKey
	for _, k := range keys {
		pks, sks = append(pks, k.BLS.PublicKey()), append(sks, k.BLS)
	}
	return pks, sks
}

// A validator's identity carries its proof and round-trips; a truncated
// proof is malformed.
func TestValidatorIdentityRoundTrip(t *testing.T) {
	_, sks := validatorSet(t)
	static := bytes.Repeat([]byte{9}, 32)
	id := newIdentity(nodeKey(1), static, testChainID, testGenesis, 9070)
	id.validator = newValidatorProof(sks[2], id.pubKey[:], static, testChainID, testGenesis)
	b := id.encode()
	if len(b) > maxIdentityLen {
		t.Fatalf("identity of %d bytes, limit %d", len(b), maxIdentityLen)
	}
	got, err := decodeIdentity(b)
	if err != nil || got.validator == nil || *got.validator != *id.validator || !bytes.Equal(got.encode(), b) {
		t.Fatalf("decoded %+v, %v", got, err)
	}
	for _, cut := range []int{1, bls.SignatureSize, validatorProofLen - 1} {
		if _, err := decodeIdentity(b[:len(b)-cut]); !errors.Is(err, ErrMalformed) {
			t.Errorf("identity cut by %d bytes: %v, want malformed", cut, err)
		}
	}
}

// A proof checks only signed by the key it names over the node key, the
// Noise static key, chain and genesis of this connection's side.
func TestValidatorProofBindsNodeAndSession(t *testing.T) {
	pks, sks := validatorSet(t)
	node, static := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	p := newValidatorProof(sks[1], node, static, testChainID, testGenesis)
	if err := checkValidatorProof(p, node, static, testChainID, testGenesis); err != nil {
		t.Fatal(err)
	}
	other := bytes.Repeat([]byte{3}, 32)
	cases := map[string]error{
		"another node key":      checkValidatorProof(p, other, static, testChainID, testGenesis),
		"another static key":    checkValidatorProof(p, node, other, testChainID, testGenesis),
		"another chain":         checkValidatorProof(p, node, static, testChainID+"x", testGenesis),
		"another genesis":       checkValidatorProof(p, node, static, testChainID, [32]byte{1}),
		"another's key claimed": checkValidatorProof(&validatorProof{key: pks[0], sig: p.sig}, node, static, testChainID, testGenesis),
	}
	for name, err := range cases {
		if !errors.Is(err, ErrBadValidatorProof) {
			t.Errorf("%s: %v, want ErrBadValidatorProof", name, err)
		}
	}
}

// A validator that proves its key has a slot of its own: with MaxPeers
// filled by strangers it still connects, unpinned and unlisted, and is
// reported as a validator. A stranger is refused, and a node presenting
// a proof that is not its own fails its handshake (bad_validator_proof).
func TestValidatorsHaveReservedSlots(t *testing.T) {
	pks, sks := validatorSet(t)
	cfgB := testConfig(2)
	cfgB.MaxPeers, cfgB.Validators, cfgB.ValidatorKey = 1, pks, sks[2]
	b, mb := startTransport(t, cfgB, newRecorder())

	r := dialRaw(t, b.Addr(), nodeKey(10))
	r.handshake()
	wait.Until(t, "stranger connected", 10*time.Second, func() bool { return hasPeer(b, peerID(nodeKey(10))) })
	if r.their.validator == nil || r.their.validator.key != pks[2] {
		t.Fatalf("b's identity carries no proof of its validator key: %+v", r.their.validator)
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
	id.validator = newValidatorProof(sks[0], nodeKey(3).Public().(ed25519.PublicKey), thief.static.Public, testChainID, testGenesis)
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

// A validator key off the configured set is a config error naming the key.
func TestValidatorKeyMustBeInTheSet(t *testing.T) {
	pks, sks := validatorSet(t)
	cfg := testConfig(1)
	cfg.Validators, cfg.ValidatorKey = pks[1:], sks[0]
	err := cfg.Validate()
	if !errors.Is(err, ErrInvalidConfig) || !bytes.Contains([]byte(err.Error()), []byte("validator_key")) {
		t.Fatalf("Validate: %v", err)
	}
}
