package noise

import (
	"crypto/cipher"
	"encoding/binary"
	"fmt"
	"math"

	flynn "github.com/flynn/noise"
	"golang.org/x/crypto/chacha20poly1305"

	"aitbc/netio/gossip/internal/wire"
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
	// TagLen is what sealing adds to a frame.
	TagLen = chacha20poly1305.Overhead
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

	lenPrefix = wire.LenPrefix
)

// Session seals this side's frames and opens the peer's, each direction
// with its own key and frame counter; a completed handshake returns it
// (Handshake.WriteMessage3, ReadMessage3). It is not safe for concurrent
// use: netio/gossip calls it from the connection's event loop only,
// which also makes the nonce order the order frames are written in. A
// Session allocates nothing per frame.
type Session struct {
	send, recv *frameCipher
}

// newSession turns the Noise Split into the session's ciphers: the first
// CipherState encrypts the initiator's frames, the second the
// responder's.
func newSession(initiator bool, c1, c2 *flynn.CipherState) (*Session, error) {
	if c1 == nil || c2 == nil {
		return nil, fmt.Errorf("gossip: noise handshake did not split")
	}
	i, r := c1.UnsafeKey(), c2.UnsafeKey()
	if !initiator {
		i, r = r, i
	}
	send, err := newFrameCipher(i)
	if err != nil {
		return nil, err
	}
	recv, err := newFrameCipher(r)
	if err != nil {
		return nil, err
	}
	return &Session{send: send, recv: recv}, nil
}

// Seal appends to dst the sealed form of a plaintext frame, u32 length ||
// type || payload as netio/gossip's encoders build it (the length is
// rewritten to count the tag), and advances the sending counter. A frame
// without a type byte is refused (ErrFrameSize) and uses no counter.
// After ErrNonceExhausted the session is spent.
func (s *Session) Seal(dst, frame []byte) ([]byte, error) { return s.send.seal(dst, frame) }

// Open authenticates and decrypts one sealed frame (its length prefix
// included) into dst's storage and returns type || payload, advancing
// the receiving counter. A frame that is not the peer's next one as it
// sealed it fails with ErrFrameAuth, one too short to hold a type byte
// and the tag with ErrFrameSize; after either the caller closes the
// connection.
func (s *Session) Open(dst, sealed []byte) ([]byte, error) { return s.recv.open(dst, sealed) }

// frameCipher seals or opens one direction's frames. It keeps its own
// nonce buffer so that sealing allocates nothing.
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

func (c *frameCipher) seal(dst, frame []byte) ([]byte, error) {
	if c.n > maxFrameNonce {
		return dst, ErrNonceExhausted
	}
	if len(frame) <= lenPrefix {
		return dst, fmt.Errorf("%w: plaintext frame of %d bytes has no type byte", ErrFrameSize, len(frame))
	}
	start := len(dst)
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(frame)-lenPrefix+TagLen))
	ad := dst[start : start+lenPrefix]
	dst = c.aead.Seal(dst, c.nonceFor(c.n), frame[lenPrefix:], ad)
	return dst, c.advance()
}

func (c *frameCipher) open(dst, sealed []byte) ([]byte, error) {
	if c.n > maxFrameNonce {
		return nil, ErrNonceExhausted
	}
	if len(sealed) < lenPrefix+1+TagLen {
		return nil, fmt.Errorf("%w: sealed frame of %d bytes, shorter than type and tag", ErrFrameSize, len(sealed))
	}
	out, err := c.aead.Open(dst[:0], c.nonceFor(c.n), sealed[lenPrefix:], sealed[:lenPrefix])
	if err != nil {
		return nil, ErrFrameAuth
	}
	return out, c.advance()
}
