package gossip

import (
	"bytes"
	"crypto/ed25519"
	"encoding/binary"
	"fmt"

	"aitbc/engine/types"
)

// ProtocolVersion is the gossip protocol version carried in HELLO. A peer
// with another version is refused.
const ProtocolVersion = 1

// AuthDomain prefixes the bytes an AUTH signature covers, so a node key's
// signature can never be replayed as another kind of message.
const AuthDomain = "AITBC/gossip/auth/v1\x00"

const (
	challengeLen = 32
	maxHelloLen  = 2 + 2 + types.MaxChainIDLen + types.HashLen + types.PubKeyLen + 2 + challengeLen
)

// hello is the first frame each side sends.
type hello struct {
	version    uint16
	chainID    string
	genesis    types.Hash
	pubKey     [types.PubKeyLen]byte
	listenPort uint16 // 0: not listening
	challenge  [challengeLen]byte
}

func (h *hello) frame() []byte {
	b := beginFrame(make([]byte, 0, frameHeader+maxHelloLen), MsgHello)
	b = binary.BigEndian.AppendUint16(b, h.version)
	b = binary.BigEndian.AppendUint16(b, uint16(len(h.chainID)))
	b = append(b, h.chainID...)
	b = append(b, h.genesis[:]...)
	b = append(b, h.pubKey[:]...)
	b = binary.BigEndian.AppendUint16(b, h.listenPort)
	b = append(b, h.challenge[:]...)
	return endFrame(b)
}

// decodeHello parses a HELLO payload. The version is checked first, so a
// future version with another layout is reported as ErrVersion rather
// than as malformed.
func decodeHello(b []byte) (*hello, error) {
	r := reader{t: MsgHello, b: b}
	h := &hello{version: r.u16("version")}
	if r.err == nil && h.version != ProtocolVersion {
		return nil, fmt.Errorf("%w: %d (we speak %d)", ErrVersion, h.version, ProtocolVersion)
	}
	n := int(r.u16("chain_id"))
	if r.err == nil && n > types.MaxChainIDLen {
		r.fail("chain_id", ErrMalformed, nil, fmt.Sprintf("length %d > %d", n, types.MaxChainIDLen))
	}
	id := r.take("chain_id", n)
	if r.err == nil {
		if err := types.ValidateChainID(string(id)); err != nil {
			r.fail("chain_id", ErrMalformed, err, "")
		}
	}
	h.chainID = string(id)
	r.fixed("genesis", h.genesis[:])
	r.fixed("pubkey", h.pubKey[:])
	h.listenPort = r.u16("listen_port")
	r.fixed("challenge", h.challenge[:])
	if err := r.finish(); err != nil {
		return nil, err
	}
	if types.IsSmallOrderKey(h.pubKey[:]) {
		return nil, &FrameError{Type: MsgHello, Field: "pubkey", Err: ErrMalformed, Info: "small-order key"}
	}
	return h, nil
}

// authSignBytes is what a node signs to prove its key to a peer: the
// peer's challenge bound to both keys and to the chain.
//
//	AuthDomain || challenge[32] || signer_pubkey[32] || peer_pubkey[32] ||
//	u16 len(chain_id) || chain_id || genesis_hash[32]
func authSignBytes(challenge *[challengeLen]byte, signer, peer *[types.PubKeyLen]byte, chainID string, genesis types.Hash) []byte {
	b := make([]byte, 0, len(AuthDomain)+challengeLen+2*types.PubKeyLen+2+len(chainID)+types.HashLen)
	b = append(b, AuthDomain...)
	b = append(b, challenge[:]...)
	b = append(b, signer[:]...)
	b = append(b, peer[:]...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(chainID)))
	b = append(b, chainID...)
	return append(b, genesis[:]...)
}

func authFrame(sig []byte) []byte {
	b := beginFrame(make([]byte, 0, frameHeader+ed25519.SignatureSize), MsgAuth)
	return endFrame(append(b, sig...))
}

func decodeAuth(b []byte) ([]byte, error) {
	r := reader{t: MsgAuth, b: b}
	sig := r.take("sig", ed25519.SignatureSize)
	return sig, r.finish()
}

// checkHello applies the handshake rules to a peer's HELLO, in the order
// the spec lists them.
func checkHello(h *hello, chainID string, genesis types.Hash, self []byte) error {
	switch {
	case h.chainID != chainID:
		return fmt.Errorf("%w: %q, want %q", ErrWrongChain, h.chainID, chainID)
	case h.genesis != genesis:
		return fmt.Errorf("%w: %v, want %v", ErrWrongGenesis, h.genesis, genesis)
	case bytes.Equal(h.pubKey[:], self):
		return ErrSelf
	}
	return nil
}
