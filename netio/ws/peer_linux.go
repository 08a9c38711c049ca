//go:build linux

package ws

import (
	"net"
	"syscall"
	"time"

	"github.com/lesismal/nbio/nbhttp"
	"golang.org/x/sys/unix"
)

// peerBusyAlive reports whether c has bytes the peer has not taken yet
// (unacknowledged, or not yet sent for want of window) and the peer's TCP
// acknowledged data within window: a live client that is behind on
// reading, whose pong waits behind the backlog. The kernel's TCP_INFO is
// the only place that knows: bytes handed to the socket say nothing about
// whether the peer reads them.
func peerBusyAlive(c net.Conn, window time.Duration) bool {
	if hc, ok := c.(*nbhttp.Conn); ok { // the upgraded connection wraps nbio's
		c = hc.Conn
	}
	sc, ok := c.(syscall.Conn)
	if !ok {
		return false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	var info *unix.TCPInfo
	cerr := rc.Control(func(fd uintptr) {
		info, err = unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO)
	})
	if cerr != nil || err != nil || info == nil {
		return false
	}
	busy := info.Unacked > 0 || info.Notsent_bytes > 0
	return busy && time.Duration(info.Last_ack_recv)*time.Millisecond < window
}
