package gossip

import (
	"bytes"
	"crypto/ed25519"
	"encoding/binary"
	"fmt"

	"github.com/hdevalence/ed25519consensus"

	"aitbc/engine/types"
)

// ProtocolVersion is the gossip protocol version carried in the handshake
// identity. Version 1 (plaintext HELLO/AUTH) is refused: its HELLO frame
// is reported as ErrVersion.
const ProtocolVersion = 2

// IdentityDomain prefixes the bytes an identity signature covers, so a
// node key's signature can never be replayed as another kind of message.
const IdentityDomain = "AITBC/gossip/identity/v2\x00"

const (
	sigLen = ed25519.SignatureSize
	// maxIdentityLen is the largest identity payload (a validator's).
	maxIdentityLen = 2 + 2 + types.MaxChainIDLen + types.HashLen + types.PubKeyLen + 2 + sigLen + validatorProofLen
)

// identity is what each side proves in the handshake: the Ed25519 node
// key, and a signature by it over the side's Noise static key, the
// protocol version, chain and genesis. It travels encrypted inside the
// Noise messages 2 (responder) and 3 (initiator).
type identity struct {
	version    uint16
	chainID    string
	genesis    types.Hash
	pubKey     [types.PubKeyLen]byte
	listenPort uint16 // 0: not listening
	sig        [sigLen]byte
	// validator is the optional proof that the node holds a validator
	// key (validator.go); nil for other nodes.
	validator *validatorProof
}

// identitySignBytes is what a node signs to bind its Noise static key:
//
//	IdentityDomain || noise_static[32] || u16 version ||
//	u16 len(chain_id) || chain_id || genesis_hash[32]
func identitySignBytes(static []byte, version uint16, chainID string, genesis types.Hash) []byte {
	b := make([]byte, 0, len(IdentityDomain)+noiseKeyLen+4+len(chainID)+types.HashLen)
	b = append(b, IdentityDomain...)
	b = append(b, static...)
	b = binary.BigEndian.AppendUint16(b, version)
	b = binary.BigEndian.AppendUint16(b, uint16(len(chainID)))
	b = append(b, chainID...)
	return append(b, genesis[:]...)
}

// newIdentity signs static with key.
func newIdentity(key ed25519.PrivateKey, static []byte, chainID string, genesis types.Hash, listenPort uint16) *identity {
	id := &identity{version: ProtocolVersion, chainID: chainID, genesis: genesis, listenPort: listenPort}
	copy(id.pubKey[:], key.Public().(ed25519.PublicKey))
	copy(id.sig[:], ed25519.Sign(key, identitySignBytes(static, ProtocolVersion, chainID, genesis)))
	return id
}

func (id *identity) encode() []byte {
	b := make([]byte, 0, maxIdentityLen)
	b = binary.BigEndian.AppendUint16(b, id.version)
	b = binary.BigEndian.AppendUint16(b, uint16(len(id.chainID)))
	b = append(b, id.chainID...)
	b = append(b, id.genesis[:]...)
	b = append(b, id.pubKey[:]...)
	b = binary.BigEndian.AppendUint16(b, id.listenPort)
	b = append(b, id.sig[:]...)
	if id.validator != nil {
		b = append(b, id.validator.key[:]...)
		b = append(b, id.validator.sig[:]...)
	}
	return b
}

// decodeIdentity parses an identity payload. The version is checked first,
// so a future version with another layout is reported as ErrVersion
// rather than as malformed.
func decodeIdentity(b []byte) (*identity, error) {
	r := newReader(MsgHandshake, b)
	id := &identity{version: r.U16("version")}
	if r.Err() == nil && id.version != ProtocolVersion {
		return nil, fmt.Errorf("%w: %d (we speak %d)", ErrVersion, id.version, ProtocolVersion)
	}
	n := int(r.U16("chain_id"))
	if r.Err() == nil && n > types.MaxChainIDLen {
		r.Fail("chain_id", ErrMalformed, nil, fmt.Sprintf("length %d > %d", n, types.MaxChainIDLen))
	}
	cid := r.Take("chain_id", n)
	if r.Err() == nil {
		if err := types.ValidateChainID(string(cid)); err != nil {
			r.Fail("chain_id", ErrMalformed, err, "")
		}
	}
	id.chainID = string(cid)
	r.Fixed("genesis", id.genesis[:])
	r.Fixed("pubkey", id.pubKey[:])
	id.listenPort = r.U16("listen_port")
	r.Fixed("sig", id.sig[:])
	if r.Err() == nil && r.Left() > 0 { // a validator's proof follows
		id.validator = &validatorProof{}
		r.Fixed("validator_key", id.validator.key[:])
		r.Fixed("validator_sig", id.validator.sig[:])
	}
	if err := r.Finish(); err != nil {
		return nil, err
	}
	if types.IsSmallOrderKey(id.pubKey[:]) {
		return nil, &FrameError{Type: MsgHandshake, Field: "pubkey", Err: ErrMalformed, Info: "small-order key"}
	}
	return id, nil
}

// checkIdentity applies the handshake rules to the peer's identity and
// the Noise static key it proved possession of, in the order the spec
// lists them.
func checkIdentity(id *identity, peerStatic []byte, chainID string, genesis types.Hash, self []byte) error {
	switch {
	case id.chainID != chainID:
		return fmt.Errorf("%w: %q, want %q", ErrWrongChain, id.chainID, chainID)
	case id.genesis != genesis:
		return fmt.Errorf("%w: %v, want %v", ErrWrongGenesis, id.genesis, genesis)
	case bytes.Equal(id.pubKey[:], self):
		return ErrSelf
	}
	// The chain's one Ed25519 rule (ZIP-215, docs/spec.md §12). Small-order
	// keys, for which that rule accepts forgeries, were refused in decoding.
	if !ed25519consensus.Verify(id.pubKey[:], identitySignBytes(peerStatic, id.version, id.chainID, id.genesis), id.sig[:]) {
		return ErrBadAuth
	}
	return nil
}
