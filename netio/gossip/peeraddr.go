package gossip

import (
	"encoding/hex"
	"fmt"
	"strings"

	"aitbc/engine"
	"aitbc/engine/types"
)

// PeerAddr is one entry of Config.Peers: an address to dial and, when
// pinned, the node id the peer there must prove.
type PeerAddr struct {
	ID   engine.PeerID // "" when not pinned
	Addr string        // host:port
}

// Pinned reports whether the entry names the node id expected at Addr.
func (a PeerAddr) Pinned() bool { return a.ID != "" }

func (a PeerAddr) String() string {
	if a.ID == "" {
		return a.Addr
	}
	return string(a.ID) + "@" + a.Addr
}

// ParsePeer reads a peer entry: NODEID@host:port (pinned) or host:port.
// NODEID is the hex of the peer's Ed25519 node public key, with or
// without 0x, as `aitbcd init` and `aitbcd keys show` print it.
func ParsePeer(s string) (PeerAddr, error) {
	var a PeerAddr
	addr := s
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		id, err := ParseNodeID(s[:i])
		if err != nil {
			return a, err
		}
		a.ID, addr = id, s[i+1:]
	}
	if addr == "" {
		return a, fmt.Errorf("no host:port")
	}
	if err := checkHostPort(addr); err != nil {
		return a, err
	}
	a.Addr = addr
	return a, nil
}

// ParseNodeID reads a node id (hex of an Ed25519 public key, optionally
// 0x-prefixed, either case) into its canonical form: lowercase hex, the
// peer ID the transport reports.
func ParseNodeID(s string) (engine.PeerID, error) {
	h := strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	b, err := hex.DecodeString(h)
	if err != nil || len(b) != types.PubKeyLen {
		return "", fmt.Errorf("node id %q: want %d hex digits (the node's public key)", s, 2*types.PubKeyLen)
	}
	return engine.PeerID(hex.EncodeToString(b)), nil
}
