package suite

import (
	"bufio"
	"crypto/ed25519"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"aitbc/bench"
)

func TestParseStatCPU(t *testing.T) {
	tests := []struct {
		stat string
		want time.Duration
	}{
		// utime 250 and stime 50 ticks (fields 14 and 15).
		{"1234 (aitbcd) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 12 0 100 0 0", 3 * time.Second},
		// A command name with spaces and a ')' of its own.
		{"9 (a) b) c) R 1 9 9 0 -1 0 0 0 0 0 7 3 0 0 20 0 1 0 1 0 0", 100 * time.Millisecond},
		{"garbage", 0},
		{"1 (x) S 1 2 3", 0},
	}
	for _, tt := range tests {
		if got := parseStatCPU(tt.stat); got != tt.want {
			t.Errorf("%q: %v, want %v", tt.stat, got, tt.want)
		}
	}
	// /proc counts CPU in clock ticks (10 ms): a test binary that has run
	// less than one tick reads 0 (seen once in make test), so spin until it
	// has used some, for at most two seconds.
	x := uint64(1)
	for deadline := time.Now().Add(2 * time.Second); procCPU(os.Getpid()) <= 0 && time.Now().Before(deadline); {
		for i := 0; i < 1_000_000; i++ {
			x = x*6364136223846793005 + 1442695040888963407
		}
	}
	if cpu := procCPU(os.Getpid()); cpu <= 0 {
		t.Errorf("this process's CPU from /proc: %v (x %d)", cpu, x)
	}
}

func TestModelName(t *testing.T) {
	in := "processor\t: 0\nvendor_id\t: X\nmodel name\t: Some CPU @ 2.0GHz\nmodel name\t: second\n"
	if got := modelName(bufio.NewScanner(strings.NewReader(in))); got != "Some CPU @ 2.0GHz" {
		t.Errorf("model name %q", got)
	}
	if got := modelName(bufio.NewScanner(strings.NewReader("flags: x\n"))); got != "" {
		t.Errorf("no model name line gave %q", got)
	}
}

func TestPointSeconds(t *testing.T) {
	for _, tt := range []struct{ budget, want time.Duration }{
		{9 * time.Minute, 13500 * time.Millisecond}, {30 * time.Second, time.Second}, {time.Hour, 15 * time.Second},
	} {
		if got := pointSeconds(tt.budget); got != tt.want {
			t.Errorf("budget %v: %v per point, want %v", tt.budget, got, tt.want)
		}
	}
}

// TestHangLimitCoversDevnetStarts: the smallest budget (10 s) must not
// stop a suite whose three devnet starts alone take longer (a CI host
// took 21 s, with 2x the budget as the limit the run failed).
func TestHangLimitCoversDevnetStarts(t *testing.T) {
	cfg := Config{Binary: "aitbcd", LoadKey: nopKey, Budget: 10 * time.Second, SingleRate: 1000}.withDefaults()
	if got, want := hangLimit(cfg), 20*time.Second+3*devnetReadyLimit; got != want {
		t.Errorf("hang limit %v, want %v", got, want)
	}
	cfg.SingleRate = 0
	if got, want := hangLimit(cfg), 20*time.Second+2*devnetReadyLimit; got != want {
		t.Errorf("without the single point: hang limit %v, want %v", got, want)
	}
}

func TestValidateNamesTheProblem(t *testing.T) {
	base := func() Config { return Config{Binary: "aitbcd", LoadKey: nopKey} }
	if err := base().Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	for name, mut := range map[string]func(*Config){
		"binary":   func(c *Config) { c.Binary = "" },
		"key":      func(c *Config) { c.LoadKey = nil },
		"budget":   func(c *Config) { c.Budget = time.Second },
		"rates":    func(c *Config) { c.Rates = []int{1000, 500} },
		"zero":     func(c *Config) { c.Rates = []int{0} },
		"too many": func(c *Config) { c.Validators = 17 },
	} {
		c := base()
		mut(&c)
		if err := c.Validate(); !errors.Is(err, bench.ErrBadConfig) {
			t.Errorf("%s: %v, want ErrBadConfig", name, err)
		}
	}
}

func nopKey(string) (ed25519.PrivateKey, error) { return nil, nil }

// TestSweepBatch: one send_tx per tx below 2000 tx/s, then a
// millisecond of the schedule per send_txs request.
func TestSweepBatch(t *testing.T) {
	for _, tc := range []struct{ rate, want int }{{500, 0}, {1000, 0}, {1999, 0}, {2000, 2}, {6000, 6}, {12000, 12}} {
		if got := sweepBatch(tc.rate); got != tc.want {
			t.Errorf("sweepBatch(%d) = %d, want %d", tc.rate, got, tc.want)
		}
	}
}
