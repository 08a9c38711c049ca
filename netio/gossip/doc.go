// Package gossip is the node's peer-to-peer transport: framed TCP on gnet
// v2 event loops, a handshake that proves each peer's node key and chain,
// message relay with deduplication, block sync, and per-peer limits and
// bans. *Transport implements engine.Gossip and delivers what peers send
// to an engine.PeerHandler. The wire protocol is specified in
// docs/spec.md §16.
//
// # Use
//
// Construction takes two steps, because the handler usually needs the
// transport (answering a block request calls SendBlocks):
//
//	t, err := gossip.New(cfg, gossip.NewMetrics(reg), log) // validates cfg; nothing runs yet
//	node, err := engine.New(ecfg, engine.Deps{Gossip: t, ...}) // the node sends through t
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
// A frame is u32 length || u8 type || payload. Both sides first send HELLO
// (version, chain_id, genesis hash, node key, listen port, a random
// challenge) and then AUTH, an Ed25519 signature over the peer's
// challenge bound to both keys and the chain. A wrong version, chain or
// genesis, a bad signature, a connection to ourselves, a banned key or
// no handshake within HandshakeTimeout closes the connection; each is
// counted by reason in aitbc_gossip_handshake_failures_total. Then the
// messages are PROPOSAL (with its block), VOTE, TXS (batches of at most
// engine.MaxGossipTxs), STATUS, BLOCK_REQ / BLOCKS (at most
// engine.MaxSyncBlocks) and PING / PONG keepalive. Payloads are the
// canonical engine/types encodings, decoded strictly.
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
// and written by that peer's event loop in one writev per flush. One
// dialer goroutine per configured peer redials with capped exponential
// backoff, and one housekeeping goroutine pings peers, enforces the
// handshake and silence timeouts and expires bans. Close stops all of
// them and returns when the event loops have exited.
//
// # Limits and bans
//
// Nothing a peer sends can grow memory without bound: frames are capped
// by MaxFrameBytes (1 KiB before the handshake), connections by MaxPeers,
// each peer's outbound queue by SendQueueFrames and SendQueueBytes (a
// frame for a full queue is dropped and counted, never waited for), its
// inbound bytes by a token bucket, and the dedup memory by DedupEntries.
// A malformed or unknown frame, a frame over the rate, or a message the
// handler rejects with engine.ErrBadPeerMessage counts one penalty; so
// does Penalize. At PenaltyLimit penalties the peer is disconnected and
// its key (and non-loopback IP) refused for BanDuration.
//
// Deduplication: proposals and votes identical to one seen within
// DedupWindow, and txs still in the dedup ring, are not delivered again;
// BroadcastTxs does not send a tx back to the peer it came from.
package gossip
