package rpc

import (
	"context"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"aitbc/internal/addrlimit"

	"golang.org/x/time/rate"
)

// maxRateBuckets bounds the per-address token buckets kept at once
// (~200 bytes each, so ~13 MiB at most). Past it, buckets that have refilled
// completely are swept (they are indistinguishable from a new one); if
// every bucket is still in use, an arbitrary one is dropped, which hands
// that address a fresh burst: a leak of at most one burst per eviction,
// where the alternative (refusing new addresses) would let whoever fills
// the table lock everyone else out.
const maxRateBuckets = 1 << 16

// sweepEvery keeps a table under attack from being swept on every new
// address: sweeping is O(buckets).
const sweepEvery = time.Second

// rateLimiter is a token bucket per source address (addrlimit.Key).
type rateLimiter struct {
	limit rate.Limit
	burst int
	max   int

	mu        sync.Mutex
	buckets   map[netip.Addr]*rate.Limiter
	lastSweep time.Time
}

func newRateLimiter(perSecond float64, burst, maxBuckets int) *rateLimiter {
	return &rateLimiter{limit: rate.Limit(perSecond), burst: burst, max: maxBuckets, buckets: map[netip.Addr]*rate.Limiter{}}
}

// allow takes one token from k's bucket at now. When the bucket is empty it
// takes nothing and returns how long until a token is there.
func (l *rateLimiter) allow(k netip.Addr, now time.Time) (wait time.Duration, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[k]
	if b == nil {
		if len(l.buckets) >= l.max {
			l.evictLocked(now)
		}
		b = rate.NewLimiter(l.limit, l.burst)
		l.buckets[k] = b
	}
	r := b.ReserveN(now, 1)
	if !r.OK() { // burst < 1: never allowed (Validate rules this out)
		return time.Second, false
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return d, false
	}
	return 0, true
}

func (l *rateLimiter) evictLocked(now time.Time) {
	if now.Sub(l.lastSweep) >= sweepEvery {
		l.lastSweep = now
		for k, b := range l.buckets {
			if b.TokensAt(now) >= float64(l.burst) {
				delete(l.buckets, k)
			}
		}
	}
	for k := range l.buckets {
		if len(l.buckets) < l.max {
			break
		}
		delete(l.buckets, k)
	}
}

func (l *rateLimiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// retryAfter is the Retry-After value for a wait: whole seconds, rounded
// up, at least 1 (0 would invite an immediate retry that fails again).
func retryAfter(wait time.Duration) string {
	return strconv.FormatInt(max(1, int64(math.Ceil(wait.Seconds()))), 10)
}

// connAdmission is what the per-address connection cap decided for one
// TCP connection; it rides in the connection's context.
type connAdmission struct {
	key  netip.Addr
	over bool // refused: every request on it gets 429 and the connection closes
}

type connAdmissionKey struct{}

// connCap applies Config.MaxConnsPerAddr through http.Server's ConnContext
// and ConnState hooks: a connection past the cap is still accepted (so the
// client gets an HTTP answer, not a reset), its first request is answered
// 429 too_many_connections, and it is closed.
type connCap struct {
	count *addrlimit.Counter
	mu    sync.Mutex
	conns map[net.Conn]*connAdmission // open connections, admitted or not
}

func newConnCap(perAddr int) *connCap {
	return &connCap{count: addrlimit.NewCounter(perAddr), conns: map[net.Conn]*connAdmission{}}
}

// connContext runs in the accept loop, once per connection, before any
// request on it is read.
func (c *connCap) connContext(ctx context.Context, conn net.Conn) context.Context {
	k, err := addrlimit.Key(conn.RemoteAddr().String())
	if err != nil {
		return ctx // not an IP connection (a test pipe): no cap to apply
	}
	a := &connAdmission{key: k, over: !c.count.Acquire(k)}
	c.mu.Lock()
	c.conns[conn] = a
	c.mu.Unlock()
	return context.WithValue(ctx, connAdmissionKey{}, a)
}

// connState releases the slot when the connection is gone. net/http reports
// StateClosed (or StateHijacked) exactly once for every connection it
// served, whoever closed it.
func (c *connCap) connState(conn net.Conn, st http.ConnState) {
	if st != http.StateClosed && st != http.StateHijacked {
		return
	}
	c.mu.Lock()
	a := c.conns[conn]
	delete(c.conns, conn)
	c.mu.Unlock()
	if a != nil && !a.over {
		c.count.Release(a.key)
	}
}

func admissionOf(r *http.Request) *connAdmission {
	a, _ := r.Context().Value(connAdmissionKey{}).(*connAdmission)
	return a
}

// HTTPServer returns an http.Server for s's Handler with the node's
// timeouts and the per-address connection cap wired in; serve it with
// Serve(ln). Headers must arrive within 5 s and a whole request within 15 s,
// so a client cannot hold a connection slot by trickling bytes.
func (s *Server) HTTPServer() *http.Server {
	return &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ConnContext:       s.conns.connContext,
		ConnState:         s.conns.connState,
	}
}
