package gossip

import (
	"crypto/cipher"
	"encoding/binary"
	"fmt"
	"math"

	"github.com/flynn/noise"
	"golang.org/x/crypto/chacha20poly1305"
)

// Transport frame sealing (docs/spec.md §16.3). After the handshake a
// frame is
//
//	u32 length || ChaCha20-Poly1305(k, nonce, ad = the 4 length bytes, type || payload)
//
// where length counts the ciphertext and its 16-byte tag. Each direction
// has its own key (the Noise Split) and a 64-bit frame counter as nonce:
// 4 zero bytes || little-endian counter, as in Noise. The counter is never
// sent: a dropped, replayed, reordered or altered frame fails to open, and
// the connection is closed.
const (
	tagLen = chacha20poly1305.Overhead
	// rekeyEvery frames, each direction replaces its key by the Noise
	// REKEY function. Both ends count the same frames, so no message is
	// needed. 2^20 frames bounds how much traffic one key protects (a
	// later key compromise does not expose earlier frames) at a cost of one
	// block encryption per million frames.
	rekeyEvery = 1 << 20
	// maxFrameNonce: a connection that would pass it is closed; with
	// rekeying that is after 2^64-2 frames, which no connection reaches,
	// but the rule keeps a nonce from ever being used twice.
	maxFrameNonce = math.MaxUint64 - 1
)

// frameCipher seals or opens one direction's frames. It is owned by the
// connection's event loop. It keeps its own nonce buffer so that sealing
// allocates nothing.
type frameCipher struct {
	aead  cipher.AEAD
	key   [32]byte
	n     uint64
	nonce [chacha20poly1305.NonceSize]byte
}

func newFrameCipher(key [32]byte) (*frameCipher, error) {
	c := &frameCipher{key: key}
	if err := c.setKey(key); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *frameCipher) setKey(key [32]byte) error {
	aead, err := chacha20poly1305.New(key[:])
	if err != nil {
		return fmt.Errorf("gossip: session key: %w", err)
	}
	c.aead, c.key = aead, key
	return nil
}

func (c *frameCipher) nonceFor(n uint64) []byte {
	binary.LittleEndian.PutUint64(c.nonce[4:], n)
	return c.nonce[:]
}

// advance moves to the next frame, rekeying every rekeyEvery frames.
func (c *frameCipher) advance() error {
	c.n++
	if c.n%rekeyEvery == 0 {
		// Noise REKEY(k) = first 32 bytes of ENCRYPT(k, 2^64-1, "", zeros).
		var zeros [32]byte
		out := c.aead.Seal(zeros[:0], c.nonceFor(math.MaxUint64), zeros[:], nil)
		var k [32]byte
		copy(k[:], out[:32])
		return c.setKey(k)
	}
	return nil
}

// seal appends the sealed form of a plaintext frame (u32 length || type ||
// payload, as the encoders build it) to dst.
func (c *frameCipher) seal(dst, frame []byte) ([]byte, error) {
	if c.n > maxFrameNonce {
		return dst, ErrNonceExhausted
	}
	start := len(dst)
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(frame)-lenPrefix+tagLen))
	ad := dst[start : start+lenPrefix]
	dst = c.aead.Seal(dst, c.nonceFor(c.n), frame[lenPrefix:], ad)
	return dst, c.advance()
}

// open authenticates and decrypts one sealed frame (its length prefix
// included) into dst and returns type || payload.
func (c *frameCipher) open(dst, sealed []byte) ([]byte, error) {
	if c.n > maxFrameNonce {
		return nil, ErrNonceExhausted
	}
	if len(sealed) < lenPrefix+1+tagLen {
		return nil, &FrameError{Field: "length", Err: ErrFrameSize, Info: "shorter than type and tag"}
	}
	out, err := c.aead.Open(dst[:0], c.nonceFor(c.n), sealed[lenPrefix:], sealed[:lenPrefix])
	if err != nil {
		return nil, ErrFrameAuth
	}
	return out, c.advance()
}

// sessionCiphers turns the Noise Split into our frame ciphers: the
// first CipherState encrypts the initiator's frames, the second the
// responder's.
func sessionCiphers(initiator bool, c1, c2 *noise.CipherState) (send, recv *frameCipher, err error) {
	if c1 == nil || c2 == nil {
		return nil, nil, fmt.Errorf("gossip: noise handshake did not split")
	}
	i, r := c1.UnsafeKey(), c2.UnsafeKey()
	if !initiator {
		i, r = r, i
	}
	if send, err = newFrameCipher(i); err != nil {
		return nil, nil, err
	}
	if recv, err = newFrameCipher(r); err != nil {
		return nil, nil, err
	}
	return send, recv, nil
}
