package load

import (
	"context"
	"crypto/ed25519"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"aitbc/engine/types"
	"aitbc/rpc/client"
)

// A node that answers each send_tx after a stall: the sender falls
// behind its schedule, and the latency must still count from each tx's
// scheduled slot (open loop), so the queueing the stall caused shows.
func TestLatencyCountsFromScheduledSlot(t *testing.T) {
	const stall = 60 * time.Millisecond
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(stall)
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"tx_hash":"0x0000000000000000000000000000000000000000000000000000000000000000"}`))
	}))
	defer srv.Close()

	_, key, _ := ed25519.GenerateKey(nil)
	s := &sender{key: key, chainID: "c", amount: 1, fee: 1, next: 1, max: 100, c: &client.Client{BaseURL: srv.URL}}
	start := time.Now()
	const tps, slots = 100, 5 // a slot every 10 ms, the node takes 60 ms a tx
	p := newPacer(start, tps, slots*10*time.Millisecond)
	tr := newTracker()
	var cnt counters
	s.run(context.Background(), p, tr, &cnt)
	done := time.Now()
	if got := cnt.accepted.Load(); got != slots {
		t.Fatalf("accepted %d, want %d (errors %v)", got, slots, cnt.samples())
	}
	var hs []types.Hash
	for n := uint64(1); n <= slots; n++ {
		_, h := s.tx(n)
		hs = append(hs, h)
	}
	tr.block(1, 0, hs, done)
	if len(tr.latencies) != slots {
		t.Fatalf("%d latencies, want %d", len(tr.latencies), slots)
	}
	// The last tx was due at +40 ms but sent only after four stalls
	// (+240 ms): its latency covers the wait from its slot.
	last := tr.latencies[slots-1]
	if want := done.Sub(start.Add(40 * time.Millisecond)); last != want {
		t.Errorf("last tx latency %v, want %v (from its slot at +40ms)", last, want)
	}
	if last < (slots-1)*stall-40*time.Millisecond {
		t.Errorf("last tx latency %v hides the queueing behind %d stalls of %v", last, slots-1, stall)
	}
	if len(tr.acceptedSet()) != 0 {
		t.Errorf("accepted set keeps %d committed txs", len(tr.acceptedSet()))
	}
}

func TestPacerNextN(t *testing.T) {
	start := time.Unix(0, 0)
	p := newPacer(start, 1000, 10*time.Millisecond) // slots at 0..9 ms
	if at := p.nextN(4); len(at) != 4 || at[3] != start.Add(3*time.Millisecond) {
		t.Fatalf("first batch %v", at)
	}
	if at := p.nextN(8); len(at) != 6 || at[0] != start.Add(4*time.Millisecond) {
		t.Fatalf("second batch: %d slots from %v, want 6 from 4ms", len(at), at)
	}
	if at := p.nextN(2); len(at) != 0 {
		t.Fatalf("after the end: %v", at)
	}
}

func TestPadding(t *testing.T) {
	base := (&types.Tx{ChainID: "aitbc-devnet", Type: types.TxTransfer}).Size()
	for _, size := range []int{base, 200, 512} {
		p, err := padding("aitbc-devnet", size)
		if err != nil {
			t.Fatal(err)
		}
		tx := &types.Tx{ChainID: "aitbc-devnet", Type: types.TxTransfer, Payload: p}
		if tx.Size() != size {
			t.Errorf("padded to %d, want %d", tx.Size(), size)
		}
	}
	if _, err := padding("aitbc-devnet", base-1); err == nil {
		t.Error("a size below a transfer's was accepted")
	}
}
