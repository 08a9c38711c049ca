package gossip

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"time"
)

// Redial backoff: doubles from dialMinBackoff to dialMaxBackoff after
// each failed attempt, plus up to 25 % jitter so that nodes restarted
// together do not dial in lockstep. The cap is short because a configured
// peer is a validator or sentry the chain needs: after a partition heals
// or a peer restarts, the link is back within about a second (a longer
// cap left links down for up to 6 s after a 20 s partition, longer than
// five block times), and one dial a second per configured peer costs
// nothing.
const (
	dialMinBackoff = 100 * time.Millisecond
	dialMaxBackoff = time.Second
	// stableAfter: a connection that lived this long resets the backoff.
	stableAfter = 10 * time.Second
)

// dialLoop keeps one configured address connected for as long as the
// transport is open.
func (t *Transport) dialLoop(ctx context.Context, pa PeerAddr) {
	defer t.wg.Done()
	addr := pa.Addr
	log := t.log.With("addr", addr)
	backoff := dialMinBackoff
	known := pa.ID // the node key pinned at, or last seen at, addr
	for ctx.Err() == nil {
		// A node that dialed us (or that we reach by another address)
		// is already connected: wait for that connection to end rather
		// than open a duplicate that one side would close again.
		if known != "" {
			if p := t.peer(known); p != nil {
				select {
				case <-p.done:
				case <-ctx.Done():
					return
				}
				continue
			}
		}
		if t.full() {
			if !sleep(ctx, jitter(backoff)) {
				return
			}
			continue
		}
		p, err := t.dial(ctx, pa)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			log.Debug("gossip dial failed", "err", err, "retry_in", backoff)
			if !sleep(ctx, jitter(backoff)) {
				return
			}
			backoff = nextBackoff(backoff)
			continue
		}
		select {
		case <-p.done:
		case <-ctx.Done():
			return
		}
		reason := p.closeReason()
		if errors.Is(reason, ErrSelf) {
			log.Info("gossip stops dialing its own address")
			return
		}
		if p.established.Load() && time.Since(p.since) >= stableAfter {
			backoff = dialMinBackoff
		}
		if errors.Is(reason, ErrWrongKey) {
			log.Warn("gossip peer answered with another node id than the one pinned", "err", reason)
		}
		if p.id != "" && !pa.Pinned() { // the handshake proved the key (set on duplicates too)
			known = p.id
		}
		if errors.Is(reason, errDuplicate) {
			continue // the surviving connection is waited for above
		}
		if !sleep(ctx, jitter(backoff)) {
			return
		}
		backoff = nextBackoff(backoff)
	}
}

// nextBackoff doubles d up to dialMaxBackoff.
func nextBackoff(d time.Duration) time.Duration { return min(2*d, dialMaxBackoff) }

// dial connects to addr and enrolls the connection in the client engine.
// It returns once the connection is open (its HELLO sent) or failed.
func (t *Transport) dial(ctx context.Context, pa PeerAddr) (*peer, error) {
	d := net.Dialer{Timeout: t.cfg.HandshakeTimeout}
	c, err := d.DialContext(ctx, "tcp", pa.Addr)
	if err != nil {
		return nil, err
	}
	p := newPeer(t, true)
	p.pin = pa.ID
	// EnrollContext duplicates the socket into the event loop and closes c.
	if _, err := t.client.EnrollContext(c, p); err != nil {
		return nil, err
	}
	select {
	case <-p.opened:
		return p, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-time.After(t.cfg.HandshakeTimeout):
		// The event loop could not register it (OnOpen never ran).
		return nil, errors.New("connection not opened by the event loop")
	}
}

// full reports whether the connection limit is reached.
func (t *Transport) full() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.conns) >= t.cfg.MaxPeers
}

func jitter(d time.Duration) time.Duration {
	return d + rand.N(d/4+1)
}

// sleep waits d or until ctx ends; it reports whether d elapsed.
func sleep(ctx context.Context, d time.Duration) bool {
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return true
	case <-ctx.Done():
		return false
	}
}
