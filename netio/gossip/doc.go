// Package gossip is the node's peer-to-peer transport: framed TCP on gnet
// v2 event loops, a Noise handshake that proves each peer's node key and
// chain and agrees session keys, encrypted and authenticated frames after
// it, relay of txs and of accepted consensus messages with deduplication,
// block sync, and per-peer limits and bans. *Transport implements engine.Gossip and delivers what peers send
// to an engine.PeerHandler. The wire protocol is specified in
// docs/spec.md §16.
//
// # Use
//
// Construction takes two steps, because the handler usually needs the
// transport (answering a block request calls SendBlocks):
//
//	t, err := gossip.New(cfg, gossip.NewMetrics(reg), log) // validates cfg; nothing runs yet
//	n, err := node.New(ecfg, node.Deps{Gossip: t, ...})     // the node sends through t
//	err = t.Start(handler)                                  // listen, dial cfg.Peers
//	...
//	t.Close()                                               // stop dialing, close peers, wait
//
// where handler is the node's engine.PeerHandler.
//
// Addr reports the bound listen address (useful with port 0); Peers lists
// the connected peers for status pages.
//
// # Protocol in brief
//
// A frame is u32 length || u8 type || payload. The dialer opens a
// Noise_XX_25519_ChaChaPoly_SHA256 handshake (three HANDSHAKE frames,
// docs/adr/007-encrypted-transport.md); messages 2 and 3 carry each side's
// identity: version, chain_id, genesis hash, node key, listen port and an
// Ed25519 signature by the node key over the side's Noise static key,
// and, from a validator, its BLS key with that key's signature over the
// node key and static key (validators.go: the peer counts as a validator,
// with a reserved slot, while the key is in the current validator list,
// which the node replaces as elections change the chain's sets through
// SetValidators; Config.Validators is the first list). The
// session keys come from Diffie-Hellman, so a relay that forwards both
// sides' handshake messages cannot splice them. After the handshake a
// frame is u32 length || ChaCha20-Poly1305(type || payload) with the
// length as associated data and a per-direction frame counter as nonce
// (rekeyed every 2^20 frames); a frame that fails to open closes the
// connection without a penalty, since anyone on the path can alter it.
// That layer (the handshake messages, the identity and validator proof,
// the session that seals and opens frames) is the package
// netio/gossip/noise; this package frames its messages, drives it from
// the event loops (establish.go) and decides what a proven identity gets
// (pins, allow list, bans, validator slots).
// A wrong version, chain or genesis, a bad signature, a connection to
// ourselves, a banned key, a Noise failure or no handshake within
// HandshakeTimeout closes the connection; each is counted by reason in
// aitbc_gossip_handshake_failures_total. Then the messages are PROPOSAL
// (with its block), VOTE, TXS (batches of at most engine.MaxGossipTxs),
// STATUS, BLOCK_REQ / BLOCKS (at most engine.MaxSyncBlocks), EVIDENCE
// (double-sign evidence, at most engine.MaxGossipEvidence pieces; the node
// verifies each piece and calls BroadcastEvidence for the new ones, never
// back to their sender, docs/spec.md §16.9) and PING / PONG keepalive. Payloads are the canonical engine/types encodings,
// decoded strictly.
//
// # A connection's path through the code
//
// conn.go opens and closes connections (gnet's callbacks, the limits at
// accept); readloop.go is each connection's read loop, which cuts the
// inbound stream into frames (framing.go: the frame layout and its
// length checks) and opens the sealed ones; establish.go drives the
// handshake (netio/gossip/noise) until the peer is registered;
// dispatch.go decodes an established peer's messages (codec.go) and hands
// them to the handler. Outbound, peer.go queues each peer's frames and
// seals and writes them in its flush task.
//
// # Threading
//
// Inbound connections are served by a gnet server, dialed ones by a gnet
// client engine; each connection belongs to one event loop, which decodes
// its frames and calls the PeerHandler synchronously. A handler method
// must therefore return at once (the engine.PeerHandler contract); it may
// call back into the transport. The Broadcast*, RequestBlocks, SendBlocks
// and Penalize methods are safe from any goroutine and never block:
// a frame is encoded once, queued on every recipient's bounded send queue
// and sealed by that peer's event loop (which owns the peer's ciphers, so
// nonces follow queue order) into one reused buffer written per flush. One
// dialer goroutine per configured peer redials with capped exponential
// backoff, and one housekeeping goroutine pings peers, enforces the
// handshake and silence timeouts and expires bans. Close stops all of
// them and returns when the event loops have exited.
//
// # Limits and bans
//
// Nothing a peer sends can grow memory without bound: frames are capped
// by MaxFrameBytes (1 KiB before the handshake), strangers (peers neither
// pinned in Peers, nor in Allow, nor proven validators) by MaxPeers, with
// slots reserved on top for configured peers and validators,
// each peer's outbound queue by SendQueueFrames and SendQueueBytes (a
// frame for a full queue is dropped and counted, never waited for), its
// inbound bytes by a token bucket, and the dedup memory by DedupEntries.
// A malformed or unknown frame, a frame over the rate, or a message the
// handler rejects with engine.ErrBadPeerMessage counts one penalty; so
// does Penalize. At PenaltyLimit penalties the peer is disconnected and
// its key (and non-loopback IP) refused for BanDuration. Penalties count
// by source address too, so fresh keys do not reset them; inbound, one
// address may hold MaxConnsPerAddr connections and present
// MaxNewKeysPerAddr new keys a minute.
//
// Deduplication: proposals and votes identical to one seen within
// DedupWindow, and txs still in the dedup ring, are not delivered again;
// BroadcastTxs does not send a tx back to the peer it came from, nor
// BroadcastEvidence evidence (the node relays each piece once, so EVIDENCE
// needs no dedup ring here).
//
// # Consensus relay
//
// RelayConsensus (relay.go, docs/spec.md §16.8, docs/adr/011) passes on
// the peers' proposals and votes that the node's consensus core accepted,
// so validators need not form a full mesh. The node calls it with nothing
// else, so the transport never forwards what was not verified; it sends
// each message once (a ring of relayed hashes), never back to the peer it
// came from nor to a peer that sent it to us too (heard.go), only to peers whose last STATUS shows they decide or buffer
// its height (engine.RelayUseful), not at all for a height we committed,
// and within half of each peer's send queue, dropping and counting past it.
package gossip
