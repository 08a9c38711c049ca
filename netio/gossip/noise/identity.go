package noise

import (
	"bytes"
	"crypto/ed25519"
	"encoding/binary"
	"fmt"

	"github.com/hdevalence/ed25519consensus"

	"aitbc/engine/types"
	"aitbc/netio/gossip/internal/wire"
)

// ProtocolVersion is the gossip protocol version carried in the handshake
// identity. Version 1 (plaintext HELLO/AUTH) is refused: netio/gossip
// reports its HELLO frame as ErrVersion.
const ProtocolVersion = 2

// IdentityDomain prefixes the bytes an identity signature covers, so a
// node key's signature can never be replayed as another kind of message.
const IdentityDomain = "AITBC/gossip/identity/v2\x00"

// maxIdentityLen is the largest identity payload (a validator's).
const maxIdentityLen = 2 + 2 + types.MaxChainIDLen + types.HashLen + types.PubKeyLen + 2 + ed25519.SignatureSize + validatorProofLen

// Identity is what each side proves in the handshake (docs/spec.md
// §16.2): the Ed25519 node key, and a signature by it over the side's
// Noise static key, the protocol version, chain and genesis. It travels
// encrypted inside the Noise messages 2 (responder) and 3 (initiator).
type Identity struct {
	Version    uint16
	ChainID    string
	Genesis    types.Hash
	NodeKey    [types.PubKeyLen]byte
	ListenPort uint16 // 0: not listening
	Sig        [ed25519.SignatureSize]byte
	// Validator is the optional proof that the node holds a validator
	// key (validator.go); nil for other nodes.
	Validator *ValidatorProof
}

// appendChain appends u16 len(chain_id) || chain_id || genesis_hash[32],
// the tail of the identity payload and of both signed messages.
func appendChain(b []byte, chainID string, genesis types.Hash) []byte {
	b = binary.BigEndian.AppendUint16(b, uint16(len(chainID)))
	b = append(b, chainID...)
	return append(b, genesis[:]...)
}

// identitySignBytes is what a node signs to bind its Noise static key:
//
//	IdentityDomain || noise_static[32] || u16 version ||
//	u16 len(chain_id) || chain_id || genesis_hash[32]
func identitySignBytes(static []byte, version uint16, chainID string, genesis types.Hash) []byte {
	b := make([]byte, 0, len(IdentityDomain)+KeyLen+4+len(chainID)+types.HashLen)
	b = append(b, IdentityDomain...)
	b = append(b, static...)
	b = binary.BigEndian.AppendUint16(b, version)
	return appendChain(b, chainID, genesis)
}

// NewIdentity is the identity of the node key for this protocol version,
// signed over static (Static.Public of the side's handshake).
func NewIdentity(key ed25519.PrivateKey, static []byte, chainID string, genesis types.Hash, listenPort uint16) *Identity {
	id := &Identity{Version: ProtocolVersion, ChainID: chainID, Genesis: genesis, ListenPort: listenPort}
	copy(id.NodeKey[:], key.Public().(ed25519.PublicKey))
	id.Sign(key, static)
	return id
}

// Sign sets Sig to key's signature over static and the identity's
// version, chain and genesis. It leaves NodeKey as it is: NewIdentity
// sets both; tests forge identities with it.
func (id *Identity) Sign(key ed25519.PrivateKey, static []byte) {
	copy(id.Sig[:], ed25519.Sign(key, identitySignBytes(static, id.Version, id.ChainID, id.Genesis)))
}

// Encode is the identity payload.
func (id *Identity) Encode() []byte {
	b := make([]byte, 0, maxIdentityLen)
	b = binary.BigEndian.AppendUint16(b, id.Version)
	b = appendChain(b, id.ChainID, id.Genesis)
	b = append(b, id.NodeKey[:]...)
	b = binary.BigEndian.AppendUint16(b, id.ListenPort)
	b = append(b, id.Sig[:]...)
	if id.Validator != nil {
		b = append(b, id.Validator.Key[:]...)
		b = append(b, id.Validator.Sig[:]...)
	}
	return b
}

// DecodeIdentity parses an identity payload strictly: it succeeds only
// if Encode gives b back. The version is checked first, so a future
// version with another layout is reported as ErrVersion rather than as
// malformed; other faults are an *IdentityError (ErrMalformed), a node
// key of small order included.
func DecodeIdentity(b []byte) (*Identity, error) {
	r := wire.NewReader(b, identityFault{})
	id := &Identity{Version: r.U16("version")}
	if r.Err() == nil && id.Version != ProtocolVersion {
		return nil, fmt.Errorf("%w: %d (we speak %d)", ErrVersion, id.Version, ProtocolVersion)
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
	id.ChainID = string(cid)
	r.Fixed("genesis", id.Genesis[:])
	r.Fixed("pubkey", id.NodeKey[:])
	id.ListenPort = r.U16("listen_port")
	r.Fixed("sig", id.Sig[:])
	if r.Err() == nil && r.Left() > 0 { // a validator's proof follows
		id.Validator = &ValidatorProof{}
		r.Fixed("validator_key", id.Validator.Key[:])
		r.Fixed("validator_sig", id.Validator.Sig[:])
	}
	if err := r.Finish(); err != nil {
		return nil, err
	}
	if types.IsSmallOrderKey(id.NodeKey[:]) {
		return nil, &IdentityError{Field: "pubkey", Err: ErrMalformed, Info: "small-order key"}
	}
	return id, nil
}

// identityFault builds the *IdentityError of a field of an identity.
type identityFault struct{}

func (identityFault) Fault(field string, sentinel, cause error, info string) error {
	return &IdentityError{Field: field, Err: sentinel, Cause: cause, Info: info}
}

// Check applies the handshake rules to a peer's decoded identity, in the
// order the spec lists them: the chain and genesis must be ours, the
// node key not ours (self), and the signature must hold over peerStatic,
// the Noise static key the handshake authenticated (Handshake.PeerStatic).
// The validator proof, if any, is the caller's to check (ValidatorProof.Check).
func (id *Identity) Check(peerStatic []byte, chainID string, genesis types.Hash, self []byte) error {
	switch {
	case id.ChainID != chainID:
		return fmt.Errorf("%w: %q, want %q", ErrWrongChain, id.ChainID, chainID)
	case id.Genesis != genesis:
		return fmt.Errorf("%w: %v, want %v", ErrWrongGenesis, id.Genesis, genesis)
	case bytes.Equal(id.NodeKey[:], self):
		return ErrSelf
	}
	// The chain's one Ed25519 rule (ZIP-215, docs/spec.md §12). Small-order
	// keys, for which that rule accepts forgeries, were refused in decoding.
	if !ed25519consensus.Verify(id.NodeKey[:], identitySignBytes(peerStatic, id.Version, id.ChainID, id.Genesis), id.Sig[:]) {
		return ErrBadAuth
	}
	return nil
}
