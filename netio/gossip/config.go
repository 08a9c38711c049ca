package gossip

import (
	"crypto/ed25519"
	"fmt"
	"net"
	"strconv"
	"time"

	"aitbc/engine"
	"aitbc/engine/bls"
	"aitbc/engine/types"
)

// Config of the gossip transport. ChainID, GenesisHash and NodeKey have no
// usable default; everything else does (DefaultConfig).
type Config struct {
	// ListenAddr is host:port to accept peers on (port 0 picks a free one,
	// see Transport.Addr); "" does not listen (dial-only).
	ListenAddr string
	// Peers are addresses to dial: NODEID@host:port pins the node id the
	// peer must prove (another key is refused and counted as wrong_key);
	// a bare host:port accepts whichever node answers (devnets; a warning
	// is logged). Each is redialled with capped exponential backoff
	// (100 ms doubling to 1 s, plus jitter) for as long as the transport
	// is open. Peers that dial us are accepted too (see Allow).
	Peers []string
	// Allow, when not empty, restricts inbound connections to these node
	// ids and the ids pinned in Peers; any other key is refused after the
	// handshake and counted as not_allowed. Empty accepts any node of the
	// chain.
	Allow []engine.PeerID
	// Validators is the first validator list: the BLS public keys of the
	// chain's validators (the genesis authorities) until the node gives
	// the keys of the sets it knows (Transport.SetValidators). A peer
	// whose handshake proves it holds a key of the current list
	// (validators.go) is counted as a validator and has a reserved slot,
	// like a configured peer. Empty: proofs are not checked and no peer
	// counts as a validator.
	Validators []bls.PublicKey
	// ValidatorKey, on a validator or a staker that may be elected, is
	// its BLS key: the handshake proves it to peers, which count the
	// proof when the key is in their current list. It need not be in
	// Validators (the node checks a poa validator's key against genesis).
	// Nil on other nodes.
	ValidatorKey *bls.SecretKey
	// ChainID and GenesisHash must match the peer's in the handshake.
	ChainID     string
	GenesisHash types.Hash
	// NodeKey is the node's Ed25519 identity; the peer ID is the hex of its
	// public key. Required.
	NodeKey ed25519.PrivateKey
	// MaxFrameBytes caps a frame's length prefix (type byte + payload). A
	// proposal frame carries a whole block, so the default is
	// types.MaxBlockBytes + 64 KiB; at least 1 MiB.
	MaxFrameBytes int
	// MaxPeers caps the peers that are not configured (strangers: ids
	// neither pinned in Peers nor in Allow), and connections of unknown
	// ids, handshaking ones included. Configured ids have slots of their
	// own on top, so strangers filling MaxPeers never lock out the peers
	// the operator named.
	MaxPeers int
	// MaxConnsPerAddr caps the inbound connections from one source IP,
	// handshaking ones included; MaxNewKeysPerAddr caps how many node ids
	// not configured and not seen from that IP in the last minute it may
	// present per minute. Keys are free; addresses are not, so a flood of
	// fresh keys from one host is refused (counted as per_address) before
	// it costs more than that. Both apply to loopback too: a devnet of N
	// nodes needs N-1 of each.
	MaxConnsPerAddr   int
	MaxNewKeysPerAddr int
	// SendQueueFrames and SendQueueBytes bound what one peer may have
	// queued and not yet taken by its socket; a frame past either limit is
	// dropped for that peer (aitbc_gossip_dropped_frames_total
	// {reason="queue_full"}) and the caller is never blocked.
	SendQueueFrames int
	SendQueueBytes  int
	// HandshakeTimeout closes a connection that has not completed the
	// HELLO/AUTH exchange in time. It is also the dial timeout.
	HandshakeTimeout time.Duration
	// PenaltyLimit penalties against one node key ban it: its connection
	// is closed and the key (and, unless loopback, its IP) refused for
	// BanDuration.
	PenaltyLimit int
	BanDuration  time.Duration
	// PingInterval is the time between our pings; a peer silent (no frame
	// at all) for PeerTimeout is closed.
	PingInterval time.Duration
	PeerTimeout  time.Duration
	// RateBytesPerSec and RateBurstBytes shape what one peer may send us (a
	// token bucket over frame bytes). A frame over the budget is dropped
	// and penalized. RateBurstBytes must hold one maximal frame.
	RateBytesPerSec int64
	RateBurstBytes  int64
	// DedupEntries is the size of the ring of recently seen message hashes
	// (proposals, votes, transactions).
	DedupEntries int
	// DedupWindow: a proposal or vote identical to one seen less than this
	// long ago is not delivered again. It must stay below the consensus
	// re-broadcast interval (1 s by default), so that a deliberate re-send
	// after a loss gets through. Transactions are deduplicated for as long
	// as they stay in the ring.
	DedupWindow time.Duration
	// Multicore runs one gnet event loop per CPU (gnet.WithMulticore);
	// false runs a single loop.
	Multicore bool
}

// DefaultConfig listens on the design's P2P_PORT (9070).
func DefaultConfig() Config {
	return Config{
		ListenAddr:        "0.0.0.0:9070",
		MaxFrameBytes:     types.MaxBlockBytes + 64<<10,
		MaxPeers:          50,
		MaxConnsPerAddr:   64,
		MaxNewKeysPerAddr: 64,
		SendQueueFrames:   4096,
		SendQueueBytes:    64 << 20,
		HandshakeTimeout:  5 * time.Second,
		PenaltyLimit:      10,
		BanDuration:       10 * time.Minute,
		PingInterval:      10 * time.Second,
		PeerTimeout:       30 * time.Second,
		RateBytesPerSec:   256 << 20,
		RateBurstBytes:    64 << 20,
		DedupEntries:      1 << 16,
		DedupWindow:       500 * time.Millisecond,
		Multicore:         true,
	}
}

// Validate reports the first bad setting, naming its key.
func (c Config) Validate() error {
	bad := func(key string, v any, want string) error {
		return fmt.Errorf("%w: gossip.%s = %v, want %s", ErrInvalidConfig, key, v, want)
	}
	if c.ListenAddr != "" {
		if err := checkHostPort(c.ListenAddr); err != nil {
			return bad("listen_addr", strconv.Quote(c.ListenAddr), "host:port or empty")
		}
	}
	for i, p := range c.Peers {
		if _, err := ParsePeer(p); err != nil {
			return bad(fmt.Sprintf("peers[%d]", i), strconv.Quote(p), "NODEID@host:port or host:port")
		}
	}
	for i, id := range c.Allow {
		if got, err := ParseNodeID(string(id)); err != nil || got != id {
			return bad(fmt.Sprintf("allow[%d]", i), strconv.Quote(string(id)), "a node id (64 lowercase hex digits)")
		}
	}
	if err := types.ValidateChainID(c.ChainID); err != nil {
		return bad("chain_id", strconv.Quote(c.ChainID), "1..64 characters of [A-Za-z0-9._-]")
	}
	if c.GenesisHash.IsZero() {
		return bad("genesis_hash", c.GenesisHash, "the genesis hash (non-zero)")
	}
	if len(c.NodeKey) != ed25519.PrivateKeySize {
		return bad("node_key", fmt.Sprintf("%d bytes", len(c.NodeKey)), "an Ed25519 private key (64 bytes)")
	}
	if c.MaxFrameBytes < 1<<20 || c.MaxFrameBytes > 1<<30 {
		return bad("max_frame_bytes", c.MaxFrameBytes, "1048576..1073741824")
	}
	if c.MaxPeers < 1 || c.MaxPeers > 1<<16 {
		return bad("max_peers", c.MaxPeers, "1..65536")
	}
	if c.MaxConnsPerAddr < 1 || c.MaxConnsPerAddr > 1<<16 {
		return bad("max_conns_per_addr", c.MaxConnsPerAddr, "1..65536")
	}
	if c.MaxNewKeysPerAddr < 1 || c.MaxNewKeysPerAddr > maxBanEntries {
		return bad("max_new_keys_per_addr", c.MaxNewKeysPerAddr, fmt.Sprintf("1..%d", maxBanEntries))
	}
	if c.SendQueueFrames < 1 || c.SendQueueFrames > 1<<20 {
		return bad("send_queue_frames", c.SendQueueFrames, "1..1048576")
	}
	if c.SendQueueBytes < 1<<10 {
		return bad("send_queue_bytes", c.SendQueueBytes, ">= 1024")
	}
	if c.HandshakeTimeout < time.Millisecond || c.HandshakeTimeout > time.Minute {
		return bad("handshake_timeout", c.HandshakeTimeout, "1ms..1m")
	}
	if c.PenaltyLimit < 1 {
		return bad("penalty_limit", c.PenaltyLimit, ">= 1")
	}
	if c.BanDuration < 0 || c.BanDuration > 7*24*time.Hour {
		return bad("ban_duration", c.BanDuration, "0..168h")
	}
	if c.PingInterval < time.Millisecond || c.PingInterval > time.Hour {
		return bad("ping_interval", c.PingInterval, "1ms..1h")
	}
	if c.PeerTimeout <= c.PingInterval || c.PeerTimeout > 24*time.Hour {
		return bad("peer_timeout", c.PeerTimeout, fmt.Sprintf("> ping_interval (%v) and <= 24h", c.PingInterval))
	}
	if c.RateBytesPerSec < 1 {
		return bad("rate_bytes_per_sec", c.RateBytesPerSec, ">= 1")
	}
	if c.RateBurstBytes < int64(c.MaxFrameBytes)+4 {
		return bad("rate_burst_bytes", c.RateBurstBytes, fmt.Sprintf(">= max_frame_bytes + 4 (%d)", c.MaxFrameBytes+4))
	}
	if c.DedupEntries < 16 || c.DedupEntries > 1<<24 {
		return bad("dedup_entries", c.DedupEntries, "16..16777216")
	}
	if c.DedupWindow < 0 || c.DedupWindow > time.Hour {
		return bad("dedup_window", c.DedupWindow, "0..1h")
	}
	return nil
}

// checkHostPort accepts host:port with a numeric port; the host may be
// empty (all interfaces).
func checkHostPort(s string) error {
	_, port, err := net.SplitHostPort(s)
	if err != nil {
		return err
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return fmt.Errorf("bad port %q", port)
	}
	return nil
}
