// Package noise is the gossip transport's Noise layer: the
// Noise_XX_25519_ChaChaPoly_SHA256 handshake (github.com/flynn/noise,
// docs/adr/007-encrypted-transport.md) that proves each peer's Ed25519
// node key, chain and genesis and agrees session keys, the identity
// payload it carries, the optional BLS proof of a validator key, and the
// session that seals and opens frames afterwards. The wire format is
// docs/spec.md §16.2 (handshake, identity) and §16.3 (sealed frames).
// It knows nothing of sockets, frame types or peers: netio/gossip
// frames its messages (HANDSHAKE frames), drives it from its event
// loops, and decides what an identity and a proof entitle a peer to.
// This package never imports netio/gossip.
//
// # Use
//
// Each transport draws one static key, and signs it once into its
// identity payload:
//
//	static, err := noise.NewStatic(rand.Reader)
//	id := noise.NewIdentity(nodeKey, static.Public(), chainID, genesis, listenPort)
//	id.Validator = noise.NewValidatorProof(blsKey, id.NodeKey[:], static.Public(), chainID, genesis) // a validator only
//	payload := id.Encode()
//
// Each connection runs one Handshake; the dialer is the initiator:
//
//	dialer (initiator)                      listener (responder)
//	hs, _ := noise.NewHandshake(true, static, rand.Reader)
//	m1, err := hs.WriteMessage1()    ->     hs.ReadMessage1(m1)
//	idb, err := hs.ReadMessage2(m2)  <-     m2, err := hs.WriteMessage2(payload)
//	(check idb, below)
//	m3, sess, err := hs.WriteMessage3(payload)
//	                                 ->     idb, sess, err := hs.ReadMessage3(m3)
//	                                        (check idb, below)
//
// where checking the peer's identity payload is
//
//	peer, err := noise.DecodeIdentity(idb)
//	err = peer.Check(hs.PeerStatic(), chainID, genesis, ourNodeKey)
//	err = peer.Validator.Check(peer.NodeKey[:], hs.PeerStatic(), chainID, genesis) // if it carries a proof that matters
//
// (the peer's signature must cover the static key the handshake
// authenticated, so an identity forwarded by a man in the middle fails).
// The initiator checks the responder before it sends message 3, so a
// node that answers with the wrong key never learns who dialed. Then
// each side seals its frames and opens the peer's:
//
//	sealed, err := sess.Seal(dst, frame) // frame: u32 length || type || payload
//	plain, err := sess.Open(dst, sealed) // type || payload
//
// Sealing encrypts type || payload with ChaCha20-Poly1305 under the
// direction's key, the 4 length bytes (now counting the 16-byte tag,
// TagLen) as associated data and the direction's frame counter as nonce;
// the counter is never sent, so a frame dropped, replayed, reordered or
// altered on the way fails to open. Each direction rekeys every 2^20
// frames (Noise REKEY); both ends count alike, so nothing is exchanged.
// Sealing allocates nothing.
//
// # Errors
//
// Handshake failures are ErrNoise (a message that fails to decrypt, or
// one out of turn; the handshake is then dead), ErrVersion, ErrWrongChain,
// ErrWrongGenesis, ErrSelf, ErrBadAuth (the signature), ErrBadValidatorProof,
// and an *IdentityError (ErrMalformed) for a payload off its layout;
// netio/gossip re-exports the sentinels and counts each by reason.
// Session failures are ErrFrameAuth, ErrFrameSize (a sealed frame too
// short for its tag) and ErrNonceExhausted; none can be told from the
// work of someone on the path, so none is held against the peer.
//
// # Threading
//
// A Handshake and a Session belong to one connection and are not safe for
// concurrent use; netio/gossip calls both from the connection's event
// loop, which also makes the nonce order the order frames are written.
// Static, Identity and ValidatorProof values are plain data.
package noise
