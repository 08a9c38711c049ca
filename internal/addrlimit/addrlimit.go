package addrlimit

import (
	"errors"
	"fmt"
	"net/netip"
	"sync"
)

// ErrBadAddr: a remote address that is not "ip:port" (or a bare ip).
var ErrBadAddr = errors.New("addrlimit: not an ip:port")

// ipv6Prefix is the prefix an IPv6 source is charged by: the smallest
// block an ISP or a cloud provider normally assigns to one customer.
const ipv6Prefix = 64

// Key returns the address that remote's limits are charged to.
func Key(remote string) (netip.Addr, error) {
	a, err := parse(remote)
	if err != nil {
		return netip.Addr{}, err
	}
	a = a.Unmap().WithZone("")
	if a.Is6() {
		p, err := a.Prefix(ipv6Prefix)
		if err != nil { // unreachable for a valid IPv6 address
			return netip.Addr{}, fmt.Errorf("%w: %q: %v", ErrBadAddr, remote, err)
		}
		a = p.Addr()
	}
	return a, nil
}

func parse(remote string) (netip.Addr, error) {
	if ap, err := netip.ParseAddrPort(remote); err == nil {
		return ap.Addr(), nil
	}
	if a, err := netip.ParseAddr(remote); err == nil {
		return a, nil
	}
	return netip.Addr{}, fmt.Errorf("%w: %.64q", ErrBadAddr, remote)
}

// Counter counts concurrent holders per key, up to a cap. It is safe for
// concurrent use.
type Counter struct {
	max int
	mu  sync.Mutex
	n   map[netip.Addr]int
}

// NewCounter returns a counter that admits at most limit holders per key
// (limit < 1 admits one).
func NewCounter(limit int) *Counter {
	return &Counter{max: max(limit, 1), n: map[netip.Addr]int{}}
}

// Acquire takes a slot for k; false means k already holds the maximum and
// nothing was taken.
func (c *Counter) Acquire(k netip.Addr) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n[k] >= c.max {
		return false
	}
	c.n[k]++
	return true
}

// Release gives back a slot Acquire granted for k. Releasing a key that
// holds nothing is a bookkeeping bug in the caller and is ignored rather
// than driving the count negative.
func (c *Counter) Release(k netip.Addr) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch n := c.n[k]; {
	case n > 1:
		c.n[k] = n - 1
	case n == 1:
		delete(c.n, k)
	}
}

// Held reports how many slots k holds.
func (c *Counter) Held(k netip.Addr) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[k]
}

// Keys reports how many keys hold at least one slot.
func (c *Counter) Keys() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.n)
}

// Max is the per-key cap.
func (c *Counter) Max() int { return c.max }
