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
// by Transport.mu. Penalties count by key and by source address: keys
// are free, so a peer that comes back under a fresh key keeps its
// address's count.
type banList struct {
	keys          map[engine.PeerID]time.Time // banned until
	ips           map[netip.Addr]time.Time    // banned until
	penalties     map[engine.PeerID]penaltyRecord
	addrPenalties map[netip.Addr]penaltyRecord
	addrKeys      map[netip.Addr]*keyWindow
}

// keyWindow is the node ids one address presented since start (at most
// a minute ago).
type keyWindow struct {
	start time.Time
	ids   map[engine.PeerID]struct{}
}

// keyWindowLen is how long an address's new keys are counted.
const keyWindowLen = time.Minute

// newKey records that ip presented id and reports whether that stays
// within limit new ids per keyWindowLen. An id already seen from ip in
// the window is not new.
func (b *banList) newKey(ip netip.Addr, id engine.PeerID, now time.Time, limit int) bool {
	w := b.addrKeys[ip]
	if w == nil || now.Sub(w.start) >= keyWindowLen {
		if w == nil && len(b.addrKeys) >= maxBanEntries {
			return true // the table is full: the connection caps still apply
		}
		w = &keyWindow{start: now, ids: make(map[engine.PeerID]struct{})}
		b.addrKeys[ip] = w
	}
	if _, ok := w.ids[id]; ok {
		return true
	}
	if len(w.ids) >= limit {
		return false
	}
	w.ids[id] = struct{}{}
	return true
}

type penaltyRecord struct {
	n    int
	last time.Time
}

func newBanList() *banList {
	return &banList{
		keys:          make(map[engine.PeerID]time.Time),
		ips:           make(map[netip.Addr]time.Time),
		penalties:     make(map[engine.PeerID]penaltyRecord),
		addrPenalties: make(map[netip.Addr]penaltyRecord),
		addrKeys:      make(map[netip.Addr]*keyWindow),
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

// penalize counts one penalty against id and, unless ip is exempt (see
// addrBannable), against ip, and reports whether either count reached
// limit; that count then starts over. prune forgets records whose last
// penalty is old, so rare mistakes never add up to a ban.
func (b *banList) penalize(id engine.PeerID, ip netip.Addr, now time.Time, limit int) bool {
	hit := countPenalty(b.penalties, id, now, limit)
	if addrBannable(ip) && countPenalty(b.addrPenalties, ip, now, limit) {
		hit = true
	}
	return hit
}

func countPenalty[K comparable](m map[K]penaltyRecord, k K, now time.Time, limit int) bool {
	r, ok := m[k]
	if !ok && len(m) >= maxBanEntries {
		return false
	}
	r.n++
	r.last = now
	if r.n >= limit {
		delete(m, k)
		return true
	}
	m[k] = r
	return false
}

// addrBannable: loopback and unspecified addresses are never counted or
// banned, because every node of a local devnet shares 127.0.0.1: banning
// it would cut a misbehaving node off from all the honest ones too. The
// key's count and ban still apply there.
func addrBannable(ip netip.Addr) bool {
	return ip.IsValid() && !ip.IsLoopback() && !ip.IsUnspecified()
}

// ban refuses id, and ip unless it is exempt (addrBannable), until now+d.
func (b *banList) ban(id engine.PeerID, ip netip.Addr, now time.Time, d time.Duration) {
	until := now.Add(d)
	if _, ok := b.keys[id]; ok || len(b.keys) < maxBanEntries {
		b.keys[id] = until
	}
	if addrBannable(ip) && len(b.ips) < maxBanEntries {
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
	for ip, r := range b.addrPenalties {
		if now.Sub(r.last) >= forget {
			delete(b.addrPenalties, ip)
		}
	}
	for ip, w := range b.addrKeys {
		if now.Sub(w.start) >= keyWindowLen {
			delete(b.addrKeys, ip)
		}
	}
}
