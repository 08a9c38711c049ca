package rpcbench

import (
	"math/bits"
	"sync/atomic"
	"time"
)

// The RPC bench keeps latencies in a log-linear histogram instead of a
// slice: memory stays fixed however long the run and however fast the
// node, and 32 workers record into it without a lock. Values below
// 2×histSub ns are exact; above, each power of two is split into histSub
// buckets, so a reported percentile is at most 1/histSub (0.8%) above the
// true one.
const (
	histSub     = 128
	histSubBits = 7  // log2(histSub)
	histMaxBits = 40 // values are clamped below 2^40 ns (about 18 min)
	histBuckets = 2*histSub + (histMaxBits-histSubBits-1)*histSub
)

// latencyHist is a concurrent latency histogram.
type latencyHist struct {
	counts [histBuckets]atomic.Uint64
	max    atomic.Int64
}

// histBucket is the bucket of v nanoseconds.
func histBucket(v uint64) int {
	if v >= 1<<histMaxBits {
		v = 1<<histMaxBits - 1
	}
	if v < 2*histSub {
		return int(v)
	}
	e := bits.Len64(v) - histSubBits - 1 // v>>e is in [histSub, 2×histSub)
	return 2*histSub + (e-1)*histSub + int(v>>e) - histSub
}

// histUpper is the largest value that falls in bucket i.
func histUpper(i int) uint64 {
	if i < 2*histSub {
		return uint64(i)
	}
	e := (i-2*histSub)/histSub + 1
	m := uint64((i-2*histSub)%histSub + histSub)
	return (m+1)<<e - 1
}

func (h *latencyHist) record(d time.Duration) {
	v := uint64(max(d, 0))
	h.counts[histBucket(v)].Add(1)
	for {
		m := h.max.Load()
		if int64(d) <= m || h.max.CompareAndSwap(m, int64(d)) {
			return
		}
	}
}

// histSnapshot is a histogram read out for percentiles and merging.
type histSnapshot struct {
	counts [histBuckets]uint64
	max    time.Duration
}

func (h *latencyHist) snapshot() *histSnapshot {
	s := &histSnapshot{max: time.Duration(h.max.Load())}
	for i := range s.counts {
		s.counts[i] = h.counts[i].Load()
	}
	return s
}

// merge adds o into s.
func (s *histSnapshot) merge(o *histSnapshot) {
	for i, c := range o.counts {
		s.counts[i] += c
	}
	s.max = max(s.max, o.max)
}

// percentile is the p-th percentile by the rank rule of percentile
// (ceil(p/100 × n)), reported as the upper bound of its bucket and never
// above the largest value recorded; 0 for an empty histogram.
func (s *histSnapshot) percentile(p int) time.Duration {
	var total uint64
	for _, c := range s.counts {
		total += c
	}
	if total == 0 {
		return 0
	}
	rank := max((uint64(p)*total+99)/100, 1)
	var seen uint64
	for i, c := range s.counts {
		if seen += c; seen >= rank {
			return min(time.Duration(histUpper(i)), s.max)
		}
	}
	return s.max
}
