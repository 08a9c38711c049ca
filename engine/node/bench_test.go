package node

import (
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"errors"
	"sync"
	"testing"
	"time"

	"aitbc/engine"
	"aitbc/engine/enginetest"
	"aitbc/engine/mempool"
	"aitbc/engine/types"
	"aitbc/internal/wait"
)

// BenchmarkNodeThroughput pushes b.N signed transfers from 64 senders
// through SubmitTx (signature batcher, mempool) and waits until all are
// committed by a single validator (MemStore): end-to-end txs/s of the
// pipeline without disk or network.
func BenchmarkNodeThroughput(b *testing.B) {
	c := newTestChain(b)
	const senders = 64
	keys := c.fund(senders)
	c.gen.Params.MaxBlockTxs = 10000
	n := startNode(b, c, enginetest.NewMemStore(), enginetest.NewMemWAL(), nil)
	fee := n.MinFee(c.transfer(b, keys[0], 1, types.Address{1}, 1, 0))
	per := (b.N + senders - 1) / senders
	txs := make([][]*types.Tx, senders)
	for s := range txs {
		for k := 0; k < per; k++ {
			txs[s] = append(txs[s], c.transfer(b, keys[s], uint64(k+1), types.Address{byte(s), 1}, 1, fee))
		}
	}
	start := n.height()
	b.ResetTimer()
	t0 := time.Now()
	var wg sync.WaitGroup
	for s := range txs {
		wg.Add(1)
		go func(list []*types.Tx) {
			defer wg.Done()
			for _, tx := range list {
				for {
					_, err := n.SubmitTx(context.Background(), tx)
					if err == nil {
						break
					}
					if !errors.Is(err, mempool.ErrFull) && !errors.Is(err, engine.ErrBusy) {
						panic(err)
					}
					time.Sleep(time.Millisecond) // mempool full: back off
				}
			}
		}(txs[s])
	}
	wg.Wait()
	wait.Until(b, "all committed", 20*time.Second, func() bool {
		for s := range keys {
			a, _ := n.Account(types.AddressFromPubKey(keys[s].Public().(ed25519.PublicKey)))
			if a.Nonce != uint64(per) {
				return false
			}
		}
		return true
	})
	el := time.Since(t0)
	b.StopTimer()
	b.ReportMetric(float64(per*senders)/el.Seconds(), "txs/s")
	b.ReportMetric(float64(n.height()-start), "blocks")
}

// BenchmarkPeerTxBatch admits one full gossip batch (engine.MaxGossipTxs transfers
// from distinct senders) the way the peer tx workers do: stateless checks,
// one batcher call for all signatures (CPU backend), mempool admission and
// the relay queue. Reports txs/s of one worker.
func BenchmarkPeerTxBatch(b *testing.B) {
	c := newTestChain(b)
	keys := c.fund(engine.MaxGossipTxs)
	cfg := DefaultConfig()
	var fee uint64
	txs := make([]*types.Tx, len(keys))
	var admitted time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		g := &recGossip{}
		n, err := New(cfg, Deps{Genesis: c.gen, Store: enginetest.NewMemStore(), Verifier: newTestBatcher(b), Gossip: g})
		if err != nil {
			b.Fatal(err)
		}
		if fee == 0 {
			fee = n.MinFee(c.transfer(b, keys[0], 1, types.Address{1}, 1, 0))
			for s := range keys {
				txs[s] = c.transfer(b, keys[s], 1, types.Address{byte(s), 1}, 1, fee)
			}
		}
		b.StartTimer()
		t0 := time.Now()
		n.admit.AdmitPeerTxs(context.Background(), "p", txs)
		admitted += time.Since(t0)
		b.StopTimer()
		if _, k, _ := n.MempoolTxs(0); k != len(txs) {
			b.Fatalf("%d of %d txs admitted", k, len(txs))
		}
		n.Stop()
		b.StartTimer()
	}
	b.ReportMetric(float64(b.N*len(txs))/admitted.Seconds(), "txs/s")
}

// fund adds n funded accounts to the chain's genesis and returns their keys.
func (c *testChain) fund(n int) []ed25519.PrivateKey {
	keys := make([]ed25519.PrivateKey, n)
	for i := range keys {
		var seed [32]byte
		binary.BigEndian.PutUint32(seed[:], uint32(i+1))
		keys[i] = ed25519.NewKeyFromSeed(seed[:])
		c.gen.Accounts = append(c.gen.Accounts, types.GenesisAccount{
			Address: types.AddressFromPubKey(keys[i].Public().(ed25519.PublicKey)), Balance: 1 << 50})
	}
	return keys
}
