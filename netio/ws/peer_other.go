//go:build !linux

package ws

import (
	"net"
	"time"
)

// peerBusyAlive is peer_linux.go's check where TCP_INFO is not available:
// it never vouches for a peer, so keepalive rests on pongs alone.
func peerBusyAlive(net.Conn, time.Duration) bool { return false }
