package mempool

import (
	"crypto/ed25519"
	"encoding/binary"
	"fmt"
	"math"
	"testing"

	"aitbc/engine/state"
	"aitbc/engine/types"
)

const testChain = "aitbc-test"

var keyCache = map[int]ed25519.PrivateKey{}

// key returns a deterministic Ed25519 key for index i.
func key(i int) ed25519.PrivateKey {
	if k, ok := keyCache[i]; ok {
		return k
	}
	var seed [ed25519.SeedSize]byte
	binary.BigEndian.PutUint64(seed[:], uint64(i)+1)
	copy(seed[8:], "aitbc-mempool-test")
	k := ed25519.NewKeyFromSeed(seed[:])
	keyCache[i] = k
	return k
}

func addrOf(i int) types.Address {
	return types.AddressFromPubKey(key(i).Public().(ed25519.PublicKey))
}

// mk is a signed transfer from key i.
func mk(i int, nonce, amount, fee uint64) *types.Tx {
	return mkPayload(i, nonce, amount, fee, 0)
}

func mkPayload(i int, nonce, amount, fee uint64, payload int) *types.Tx {
	tx := &types.Tx{ChainID: testChain, Type: types.TxTransfer, Nonce: nonce, Recipient: addrOf(1000), Amount: amount, Fee: fee}
	if payload > 0 {
		tx.Payload = make([]byte, payload)
	}
	tx.Sign(key(i))
	return tx
}

func rich(nonce uint64) state.Account { return state.Account{Balance: math.MaxUint64, Nonce: nonce} }

// add admits tx with a rich committed account at nonce 0 and no min fee.
func add(t testing.TB, m *Mempool, tx *types.Tx) {
	t.Helper()
	if err := m.Add(tx, tx.Hash(), rich(0), 0); err != nil {
		t.Fatalf("Add(nonce %d fee %d): %v", tx.Nonce, tx.Fee, err)
	}
}

// check verifies every structural invariant of the pool.
func check(t testing.TB, m *Mempool) {
	t.Helper()
	if err := m.invariants(); err != nil {
		t.Fatal(err)
	}
}

func (m *Mempool) invariants() error {
	if len(m.byHash) > m.cfg.MaxTxs || m.bytes > m.cfg.MaxBytes {
		return fmt.Errorf("bounds: %d txs, %d bytes (limits %d, %d)", len(m.byHash), m.bytes, m.cfg.MaxTxs, m.cfg.MaxBytes)
	}
	n, size := 0, 0
	if m.tails.len() != len(m.senders) {
		return fmt.Errorf("%d tails for %d senders", m.tails.len(), len(m.senders))
	}
	for addr, q := range m.senders {
		if len(q.txs) == 0 || len(q.txs) > m.cfg.MaxPerSender {
			return fmt.Errorf("sender %s has %d txs", addr, len(q.txs))
		}
		var cost uint64
		for i, it := range q.txs {
			if it.nonce != it.tx.Nonce || it.fee != it.tx.Fee {
				return fmt.Errorf("sender %s: cached nonce/fee differ from the tx", addr)
			}
			if i > 0 && q.txs[i-1].nonce >= it.nonce {
				return fmt.Errorf("sender %s: nonces out of order", addr)
			}
			if m.byHash[it.hash] != it || it.sender != addr {
				return fmt.Errorf("sender %s: item not indexed", addr)
			}
			if (it.tail >= 0) != (i == len(q.txs)-1) {
				return fmt.Errorf("sender %s: tail mark on tx %d of %d", addr, i, len(q.txs))
			}
			if it.tail >= 0 && m.tails.items[it.tail] != it {
				return fmt.Errorf("sender %s: tail index stale", addr)
			}
			cost += it.cost
			n++
			size += it.size
		}
		if cost != q.cost {
			return fmt.Errorf("sender %s: cost %d, tracked %d", addr, cost, q.cost)
		}
	}
	if n != len(m.byHash) || size != m.bytes {
		return fmt.Errorf("count %d/%d bytes %d/%d", n, len(m.byHash), size, m.bytes)
	}
	for i := 1; i < m.tails.len(); i++ {
		if m.tails.less(m.tails.items[i], m.tails.items[(i-1)/2]) {
			return fmt.Errorf("tails heap order broken at %d", i)
		}
	}
	return nil
}

func smallConfig() Config {
	return Config{MaxTxs: 100, MaxBytes: 1 << 20, MaxPerSender: 10, NonceWindow: 16}
}
