package gpu

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"slices"
	"time"
)

// A GPU pays a fixed cost per call (copies, a kernel launch, a sync) that a
// small batch cannot amortise, so below some batch size the CPU is faster.
// That size depends on the device, the driver, the host's cores and the
// message length, so it is measured where the node runs rather than
// configured from a figure taken elsewhere: Crossover times both backends
// side by side on the same signatures and returns the smallest batch size
// from which the primary keeps up; the batcher's MinPrimaryBatch is set to
// it (GPU_MIN_BATCH=0, the default). bench sigverify --compare reports the
// same figure by the same rule (CrossoverSize).

// DefaultCrossoverSizes are the batch sizes Crossover tries.
var DefaultCrossoverSizes = []int{16, 32, 64, 128, 256, 512, 1024, 2048, 4096}

// CrossoverConfig tunes Crossover. A zero field means its default.
type CrossoverConfig struct {
	// Sizes are the batch sizes to measure, ascending. Default
	// DefaultCrossoverSizes.
	Sizes []int
	// MinTime is how long each backend runs at each size per round (at
	// least one call). Default 20ms.
	MinTime time.Duration
	// Rounds alternates the two backends this many times per size and keeps
	// each one's best rate, so a burst of load from elsewhere on the host
	// does not decide the result. Default 3.
	Rounds int
	// MsgLen is the signed message length. Default 160 (a transfer's sign
	// bytes).
	MsgLen int

	now func() time.Time // tests advance a fake clock instead of sleeping
}

func (c CrossoverConfig) withDefaults() CrossoverConfig {
	if c.now == nil {
		c.now = time.Now
	}
	if len(c.Sizes) == 0 {
		c.Sizes = DefaultCrossoverSizes
	}
	if c.MinTime == 0 {
		c.MinTime = 20 * time.Millisecond
	}
	if c.Rounds == 0 {
		c.Rounds = 3
	}
	if c.MsgLen == 0 {
		c.MsgLen = 160
	}
	return c
}

// Validate checks the config after defaults; the error is a *ConfigError.
func (c CrossoverConfig) Validate() error {
	c = c.withDefaults()
	bad := func(field, format string, args ...any) error {
		return &ConfigError{Field: "Crossover." + field, Reason: fmt.Sprintf(format, args...)}
	}
	for i, s := range c.Sizes {
		if s < 1 || s > maxBatchLimit {
			return bad("Sizes", "%d not in [1, %d]", s, maxBatchLimit)
		}
		if i > 0 && s <= c.Sizes[i-1] {
			return bad("Sizes", "must be ascending, got %v", c.Sizes)
		}
	}
	switch {
	case c.MinTime < 0 || c.MinTime > 10*time.Second:
		return bad("MinTime", "%v not in [0, 10s]", c.MinTime)
	case c.Rounds < 1 || c.Rounds > 100:
		return bad("Rounds", "%d not in [1, 100]", c.Rounds)
	case c.MsgLen < 0 || c.MsgLen > 1<<20:
		return bad("MsgLen", "%d not in [0, 1 MiB]", c.MsgLen)
	}
	return nil
}

// CrossoverPoint is both backends' best verifies/s at one batch size.
type CrossoverPoint struct {
	Batch    int
	Primary  float64
	Fallback float64
}

// CrossoverResult is what Crossover measured and concluded.
type CrossoverResult struct {
	// Batch is the smallest measured size from which the primary is at
	// least as fast as the fallback at every larger measured size; valid
	// only when Found.
	Batch int
	// Found is false when the primary is slower at the largest size: it
	// should not be used.
	Found  bool
	Points []CrossoverPoint
}

// CrossoverSize applies Crossover's rule to points (ascending by Batch):
// the smallest batch size from which the primary is never slower. Requiring
// every larger size to agree keeps one noisy sample from sending small
// batches to a GPU that only wins at large ones.
func CrossoverSize(points []CrossoverPoint) (batch int, found bool) {
	for i := len(points) - 1; i >= 0; i-- {
		if points[i].Primary < points[i].Fallback {
			break
		}
		batch, found = points[i].Batch, true
	}
	return batch, found
}

// Crossover measures primary and fallback on the same valid signatures at
// each of cfg.Sizes and returns where the primary starts to win. Every
// verdict is checked: a backend that rejects a valid signature, or fails,
// makes Crossover fail (the caller must not trust it with a threshold).
func Crossover(ctx context.Context, primary, fallback Verifier, cfg CrossoverConfig) (CrossoverResult, error) {
	if err := cfg.Validate(); err != nil {
		return CrossoverResult{}, err
	}
	cfg = cfg.withDefaults()
	items := crossoverItems(slices.Max(cfg.Sizes), cfg.MsgLen)
	var res CrossoverResult
	for _, size := range cfg.Sizes {
		p := CrossoverPoint{Batch: size}
		for range cfg.Rounds {
			for _, side := range []struct {
				v    Verifier
				best *float64
			}{{primary, &p.Primary}, {fallback, &p.Fallback}} {
				rate, err := rateOf(ctx, side.v, items[:size], cfg.MinTime, cfg.now)
				if err != nil {
					return res, err
				}
				*side.best = max(*side.best, rate)
			}
		}
		res.Points = append(res.Points, p)
	}
	res.Batch, res.Found = CrossoverSize(res.Points)
	return res, nil
}

// rateOf calls v on items until minTime has passed (at least once) and
// returns verifies per second of the time spent inside the calls.
func rateOf(ctx context.Context, v Verifier, items []Item, minTime time.Duration, now func() time.Time) (float64, error) {
	var busy time.Duration
	calls := 0
	for calls == 0 || busy < minTime {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		t0 := now()
		ok, err := v.VerifyBatch(ctx, items)
		busy += now().Sub(t0)
		calls++
		if err != nil {
			return 0, fmt.Errorf("gpu: crossover: %s: %w", v.Name(), err)
		}
		if len(ok) != len(items) || slices.Contains(ok, false) {
			return 0, fmt.Errorf("gpu: crossover: %s rejected a valid signature in a batch of %d", v.Name(), len(items))
		}
	}
	return float64(calls*len(items)) / max(busy.Seconds(), 1e-9), nil
}

// crossoverItems makes n valid signatures by distinct keys, the same ones
// on every call (keys and messages derive from the index).
func crossoverItems(n, msgLen int) []Item {
	items := make([]Item, n)
	for i := range items {
		var seed [8]byte
		binary.BigEndian.PutUint64(seed[:], uint64(i))
		key := sha256.Sum256(append([]byte("aitbc crossover key "), seed[:]...))
		priv := ed25519.NewKeyFromSeed(key[:])
		msg := make([]byte, msgLen)
		for j := 0; j < msgLen; j += sha256.Size {
			h := sha256.Sum256(append(key[:], byte(j>>8), byte(j)))
			copy(msg[j:], h[:])
		}
		items[i] = Item{PubKey: priv.Public().(ed25519.PublicKey), Msg: msg, Sig: ed25519.Sign(priv, msg)}
	}
	return items
}
