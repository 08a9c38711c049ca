package mempool

import (
	"errors"
	"math"
	"testing"

	"aitbc/engine/state"
	"aitbc/engine/types"
)

func TestAddRules(t *testing.T) {
	tests := []struct {
		name    string
		cfg     func(*Config)
		pending []*types.Tx // admitted first with rich(0)
		tx      *types.Tx
		sender  state.Account
		minFee  uint64
		err     error
		len     int // after
	}{
		{name: "ok", tx: mk(1, 1, 5, 10), sender: rich(0), len: 1},
		{name: "duplicate", pending: []*types.Tx{mk(1, 1, 5, 10)}, tx: mk(1, 1, 5, 10), sender: rich(0), err: ErrDuplicate, len: 1},
		{name: "nonce equals account nonce", tx: mk(1, 3, 5, 10), sender: rich(3), err: ErrNonceTooLow},
		{name: "nonce below account nonce", tx: mk(1, 2, 5, 10), sender: rich(3), err: ErrNonceTooLow},
		{name: "nonce zero", tx: mk(1, 0, 5, 10), sender: rich(0), err: ErrNonceTooLow},
		{name: "nonce at window edge", tx: mk(1, 3+16, 5, 10), sender: rich(3), len: 1},
		{name: "nonce past window", tx: mk(1, 3+17, 5, 10), sender: rich(3), err: ErrNonceGap},
		{name: "huge nonce", tx: mk(1, math.MaxUint64, 5, 10), sender: rich(0), err: ErrNonceGap},
		{name: "fee at minimum", tx: mk(1, 1, 5, 10), sender: rich(0), minFee: 10, len: 1},
		{name: "fee below minimum", tx: mk(1, 1, 5, 9), sender: rich(0), minFee: 10, err: state.ErrFeeTooLow},
		{name: "replacement +10%", pending: []*types.Tx{mk(1, 1, 5, 100)}, tx: mk(1, 1, 6, 110), sender: rich(0), len: 1},
		{name: "replacement +9%", pending: []*types.Tx{mk(1, 1, 5, 100)}, tx: mk(1, 1, 6, 109), sender: rich(0), err: ErrReplacementUnderpriced, len: 1},
		{name: "replacement same fee", pending: []*types.Tx{mk(1, 1, 5, 100)}, tx: mk(1, 1, 6, 100), sender: rich(0), err: ErrReplacementUnderpriced, len: 1},
		{name: "replacement lower fee", pending: []*types.Tx{mk(1, 1, 5, 100)}, tx: mk(1, 1, 6, 50), sender: rich(0), err: ErrReplacementUnderpriced, len: 1},
		{name: "replacement of fee 5 needs 6", pending: []*types.Tx{mk(1, 1, 5, 5)}, tx: mk(1, 1, 6, 6), sender: rich(0), len: 1},
		{name: "replacement of fee 0", pending: []*types.Tx{mk(1, 1, 5, 0)}, tx: mk(1, 1, 6, 1), sender: rich(0), len: 1},
		{name: "replacement near max fee", pending: []*types.Tx{mk(1, 1, 0, math.MaxUint64/11*10)}, tx: mk(1, 1, 0, math.MaxUint64/11*11), sender: rich(0), len: 1},
		{name: "sender limit", cfg: func(c *Config) { c.MaxPerSender = 2 },
			pending: []*types.Tx{mk(1, 1, 5, 10), mk(1, 2, 5, 10)}, tx: mk(1, 3, 5, 10), sender: rich(0), err: ErrSenderLimit, len: 2},
		{name: "replacement at sender limit", cfg: func(c *Config) { c.MaxPerSender = 2 },
			pending: []*types.Tx{mk(1, 1, 5, 10), mk(1, 2, 5, 10)}, tx: mk(1, 2, 5, 11), sender: rich(0), len: 2},
		{name: "other sender unaffected by limit", cfg: func(c *Config) { c.MaxPerSender = 2 },
			pending: []*types.Tx{mk(1, 1, 5, 10), mk(1, 2, 5, 10)}, tx: mk(2, 1, 5, 10), sender: rich(0), len: 3},
		{name: "funds exact", pending: []*types.Tx{mk(1, 1, 100, 10)}, tx: mk(1, 2, 200, 20), sender: state.Account{Balance: 330}, len: 2},
		{name: "funds short by one", pending: []*types.Tx{mk(1, 1, 100, 10)}, tx: mk(1, 2, 200, 20), sender: state.Account{Balance: 329}, err: ErrInsufficientFunds, len: 1},
		{name: "funds of a replacement exclude the old tx", pending: []*types.Tx{mk(1, 1, 100, 10)}, tx: mk(1, 1, 100, 20), sender: state.Account{Balance: 120}, len: 1},
		{name: "amount plus fee overflows", tx: mk(1, 1, math.MaxUint64, 1), sender: state.Account{Balance: math.MaxUint64}, err: ErrInsufficientFunds},
		{name: "pending sum would overflow", pending: []*types.Tx{mk(1, 1, math.MaxUint64/2, 0)}, tx: mk(1, 2, math.MaxUint64/2+2, 0),
			sender: state.Account{Balance: math.MaxUint64}, err: ErrInsufficientFunds, len: 1},
		{name: "full by count, fee not higher", cfg: func(c *Config) { c.MaxTxs = 2 },
			pending: []*types.Tx{mk(1, 1, 5, 100), mk(2, 1, 5, 100)}, tx: mk(3, 1, 5, 100), sender: rich(0), err: ErrFull, len: 2},
		{name: "full by count, higher fee evicts", cfg: func(c *Config) { c.MaxTxs = 2 },
			pending: []*types.Tx{mk(1, 1, 5, 100), mk(2, 1, 5, 90)}, tx: mk(3, 1, 5, 91), sender: rich(0), len: 2},
		{name: "full: own cheapest tail is not evicted for a successor", cfg: func(c *Config) { c.MaxTxs = 2 },
			pending: []*types.Tx{mk(1, 1, 5, 10), mk(2, 1, 5, 100)}, tx: mk(1, 2, 5, 1000), sender: rich(0), err: ErrFull, len: 2},
		{name: "full: replacement needs no room", cfg: func(c *Config) { c.MaxTxs = 2 },
			pending: []*types.Tx{mk(1, 1, 5, 10), mk(2, 1, 5, 100)}, tx: mk(1, 1, 5, 20), sender: rich(0), len: 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := smallConfig()
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			m := New(cfg)
			for _, tx := range tc.pending {
				add(t, m, tx)
			}
			err := m.Add(tc.tx, tc.tx.Hash(), tc.sender, tc.minFee)
			if !errors.Is(err, tc.err) {
				t.Fatalf("Add: %v, want %v", err, tc.err)
			}
			if m.Len() != tc.len {
				t.Fatalf("Len %d, want %d", m.Len(), tc.len)
			}
			if _, in := m.Get(tc.tx.Hash()); in != (err == nil || errors.Is(err, ErrDuplicate)) {
				t.Fatalf("Get after Add: present %v, err %v", in, err)
			}
			check(t, m)
		})
	}
}

func TestReplacementSwapsTheTx(t *testing.T) {
	m := New(smallConfig())
	old, mid, last := mk(1, 1, 5, 100), mk(1, 2, 5, 100), mk(1, 3, 5, 100)
	add(t, m, old)
	add(t, m, mid)
	add(t, m, last)
	for _, tx := range []*types.Tx{mk(1, 1, 7, 200), mk(1, 3, 7, 300)} { // a middle-of-queue head and the tail
		bytes := m.Bytes()
		add(t, m, tx)
		if _, ok := m.Get(tx.Hash()); !ok || m.Len() != 3 || m.Bytes() != bytes {
			t.Fatalf("replacement not swapped in: len %d bytes %d→%d", m.Len(), bytes, m.Bytes())
		}
		check(t, m)
	}
	if _, ok := m.Get(old.Hash()); ok {
		t.Fatal("replaced tx still pending")
	}
	got := m.Reap(10, 1<<20, func(types.Address) uint64 { return 0 })
	if len(got) != 3 || got[0].Fee != 200 || got[1] != mid || got[2].Fee != 300 {
		t.Fatalf("reap after replacement: %v", fees(got))
	}
}

// TestEvictionChoosesSenderTails: only a sender's last tx can be evicted
// (evicting an earlier one would strand its successors), the cheapest such
// tx goes first, and several go if the bytes need it.
func TestEvictionChoosesSenderTails(t *testing.T) {
	m := New(Config{MaxTxs: 3, MaxBytes: 1 << 20, MaxPerSender: 10, NonceWindow: 16})
	x1, x2, y1 := mk(1, 1, 5, 10), mk(1, 2, 5, 50), mk(2, 1, 5, 40)
	add(t, m, x1)
	add(t, m, x2)
	add(t, m, y1)
	// x1 is the cheapest tx but not a tail: a fee of 35 beats nothing evictable.
	if err := m.Add(mk(3, 1, 5, 35), mk(3, 1, 5, 35).Hash(), rich(0), 0); !errors.Is(err, ErrFull) {
		t.Fatalf("got %v, want ErrFull", err)
	}
	z := mk(3, 1, 5, 45)
	add(t, m, z)
	if _, ok := m.Get(y1.Hash()); ok {
		t.Fatal("y1 (cheapest tail) not evicted")
	}
	if _, ok := m.Get(x1.Hash()); !ok {
		t.Fatal("x1 (not a tail) evicted")
	}
	check(t, m)
}

func TestEvictionByBytes(t *testing.T) {
	small := mk(1, 1, 5, 10)
	big := mkPayload(900, 1, 5, 100, 3000)
	// Room for exactly four small txs.
	cfg := Config{MaxTxs: 100, MaxBytes: types.MaxTxBytes, MaxPerSender: 10, NonceWindow: 16}
	m := New(cfg)
	var smalls []*types.Tx
	for i := 1; m.Bytes()+small.Size() <= cfg.MaxBytes && i < 40; i++ {
		tx := mk(i, 1, 5, uint64(10+i))
		add(t, m, tx)
		smalls = append(smalls, tx)
	}
	before, bytes := m.Len(), m.Bytes()
	// The big tx pays less than the second-cheapest small tx it would need
	// to evict: the whole admission fails and the first eviction is undone.
	need := (bytes + big.Size() - cfg.MaxBytes + small.Size() - 1) / small.Size()
	if need < 2 {
		t.Fatalf("test setup: big tx needs %d evictions", need)
	}
	cheap := mkPayload(900, 1, 5, smalls[1].Fee, 3000)
	if err := m.Add(cheap, cheap.Hash(), rich(0), 0); !errors.Is(err, ErrFull) {
		t.Fatalf("got %v, want ErrFull", err)
	}
	if m.Len() != before || m.Bytes() != bytes {
		t.Fatalf("failed admission changed the pool: %d/%d txs, %d/%d bytes", m.Len(), before, m.Bytes(), bytes)
	}
	for _, tx := range smalls {
		if _, ok := m.Get(tx.Hash()); !ok {
			t.Fatal("an evicted tx was not restored")
		}
	}
	check(t, m)
	add(t, m, big)
	if m.Bytes() > cfg.MaxBytes || m.Len() != before-need+1 {
		t.Fatalf("after big tx: %d txs, %d bytes; want %d txs", m.Len(), m.Bytes(), before-need+1)
	}
	for i, tx := range smalls {
		if _, ok := m.Get(tx.Hash()); ok != (i >= need) {
			t.Fatalf("small tx %d (fee %d) present %v", i, tx.Fee, ok)
		}
	}
	check(t, m)
}

func TestAddDropsStaleTxs(t *testing.T) {
	m := New(smallConfig())
	add(t, m, mk(1, 1, 5, 10))
	add(t, m, mk(1, 2, 5, 10))
	add(t, m, mk(1, 3, 5, 10))
	// The account moved to nonce 2 (a block this pool has not been told
	// about): nonces 1 and 2 can never apply and do not count against funds.
	tx := mk(1, 4, 5, 10)
	if err := m.Add(tx, tx.Hash(), state.Account{Balance: 30, Nonce: 2}, 0); err != nil {
		t.Fatal(err)
	}
	if m.Len() != 2 {
		t.Fatalf("Len %d, want 2", m.Len())
	}
	check(t, m)
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		mod  func(*Config)
		ok   bool
	}{
		{"default", func(*Config) {}, true},
		{"MaxTxs", func(c *Config) { c.MaxTxs = 0 }, false},
		{"MaxBytes", func(c *Config) { c.MaxBytes = types.MaxTxBytes - 1 }, false},
		{"MaxBytes at the largest tx", func(c *Config) { c.MaxBytes = types.MaxTxBytes }, true},
		{"MaxPerSender", func(c *Config) { c.MaxPerSender = -1 }, false},
		{"NonceWindow", func(c *Config) { c.NonceWindow = 0 }, false},
	}
	for _, tc := range tests {
		c := DefaultConfig()
		tc.mod(&c)
		err := c.Validate()
		if (err == nil) != tc.ok || err != nil && !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: %v", tc.name, err)
		}
		if err != nil && !contains(err.Error(), tc.name) {
			t.Errorf("%s: error %q does not name the field", tc.name, err)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("New accepted an invalid config")
		}
	}()
	New(Config{})
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

func fees(txs []*types.Tx) []uint64 {
	out := make([]uint64, len(txs))
	for i, tx := range txs {
		out[i] = tx.Fee
	}
	return out
}
