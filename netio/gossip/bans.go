package gossip

import (
	"net/netip"
	"time"

	"aitbc/engine"
)

// maxBanEntries bounds each table of the ban list. Creating a key costs
// nothing, so an attacker could otherwise grow the tables without bound;
// past the cap, expired entries are pruned and new penalty records are
// not kept (the connection limit still applies).
const maxBanEntries = 4096

// banList holds penalties and bans by node key and by IP. It is guarded
// by Transport.mu.
type banList struct {
	keys      map[engine.PeerID]time.Time // banned until
	ips       map[netip.Addr]time.Time    // banned until
	penalties map[engine.PeerID]penaltyRecord
}

type penaltyRecord struct {
	n    int
	last time.Time
}

func newBanList() *banList {
	return &banList{
		keys:      make(map[engine.PeerID]time.Time),
		ips:       make(map[netip.Addr]time.Time),
		penalties: make(map[engine.PeerID]penaltyRecord),
	}
}

func (b *banList) keyBanned(id engine.PeerID, now time.Time) bool {
	until, ok := b.keys[id]
	return ok && now.Before(until)
}

func (b *banList) ipBanned(ip netip.Addr, now time.Time) bool {
	until, ok := b.ips[ip]
	return ok && now.Before(until)
}

// penalize counts one penalty against id and reports whether that reached
// limit; the count then starts over. prune forgets records whose last
// penalty is old, so rare mistakes never add up to a ban.
func (b *banList) penalize(id engine.PeerID, now time.Time, limit int) bool {
	r, ok := b.penalties[id]
	if !ok && len(b.penalties) >= maxBanEntries {
		return false
	}
	r.n++
	r.last = now
	if r.n >= limit {
		delete(b.penalties, id)
		return true
	}
	b.penalties[id] = r
	return false
}

// ban refuses id, and ip unless it is loopback or unspecified, until
// now+d. Loopback is exempt because every node of a local devnet shares
// 127.0.0.1: banning it would cut a misbehaving node off from all the
// honest ones too. The key ban still applies there.
func (b *banList) ban(id engine.PeerID, ip netip.Addr, now time.Time, d time.Duration) {
	until := now.Add(d)
	if _, ok := b.keys[id]; ok || len(b.keys) < maxBanEntries {
		b.keys[id] = until
	}
	if ip.IsValid() && !ip.IsLoopback() && !ip.IsUnspecified() && len(b.ips) < maxBanEntries {
		b.ips[ip] = until
	}
}

// prune drops expired bans and penalty records older than forget.
func (b *banList) prune(now time.Time, forget time.Duration) {
	for id, until := range b.keys {
		if !now.Before(until) {
			delete(b.keys, id)
		}
	}
	for ip, until := range b.ips {
		if !now.Before(until) {
			delete(b.ips, ip)
		}
	}
	for id, r := range b.penalties {
		if now.Sub(r.last) >= forget {
			delete(b.penalties, id)
		}
	}
}
