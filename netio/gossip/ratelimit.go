package gossip

// tokenBucket limits the bytes one peer may send us: it refills at rate
// bytes per second up to burst. It is used from one event loop only.
type tokenBucket struct {
	rate, burst float64
	tokens      float64
	last        int64 // unix nanoseconds of the last refill
}

func newTokenBucket(rate, burst int64, now int64) tokenBucket {
	return tokenBucket{rate: float64(rate), burst: float64(burst), tokens: float64(burst), last: now}
}

// allow takes n bytes from the bucket if it holds them.
func (b *tokenBucket) allow(n int, now int64) bool {
	if el := now - b.last; el > 0 {
		b.tokens = min(b.burst, b.tokens+float64(el)*b.rate/1e9)
		b.last = now
	}
	if b.tokens < float64(n) {
		return false
	}
	b.tokens -= float64(n)
	return true
}
