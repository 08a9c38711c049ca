package gossip

import (
	"fmt"
	"io"

	"github.com/flynn/noise"
)

// noiseKeyLen is the size of a Noise (X25519) public key.
const noiseKeyLen = 32

// noisePrologue is mixed into every handshake hash: a handshake with a
// program speaking another protocol fails at its first encrypted field.
const noisePrologue = "AITBC/gossip/v2"

// noiseSuite is Noise_XX_25519_ChaChaPoly_SHA256 (docs/adr/007).
var noiseSuite = noise.NewCipherSuite(noise.DH25519, noise.CipherChaChaPoly, noise.HashSHA256)

// newNoiseStatic draws the Noise static key pair of one transport. It
// lives as long as the process: the node key's signature over it, not
// the key itself, is the node's identity.
func newNoiseStatic(rng io.Reader) (noise.DHKey, error) {
	k, err := noise.DH25519.GenerateKeypair(rng)
	if err != nil {
		return noise.DHKey{}, fmt.Errorf("gossip: noise static key: %w", err)
	}
	return k, nil
}

// newHandshake starts one side of Noise_XX; its ephemeral key is drawn
// from rng (fixed only by the spec vector test).
func newHandshake(initiator bool, static noise.DHKey, rng io.Reader) (*noise.HandshakeState, error) {
	cfg := noise.Config{
		CipherSuite:   noiseSuite,
		Random:        rng,
		Pattern:       noise.HandshakeXX,
		Initiator:     initiator,
		Prologue:      []byte(noisePrologue),
		StaticKeypair: static,
	}
	hs, err := noise.NewHandshakeState(cfg)
	if err != nil {
		return nil, fmt.Errorf("gossip: noise handshake: %w", err)
	}
	return hs, nil
}
