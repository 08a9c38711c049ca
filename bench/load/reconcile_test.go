package load

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"aitbc/engine/types"
	"aitbc/rpc/api"
	"aitbc/rpc/client"
)

// fakeTxNode answers get_tx with the status its map gives a hash, 404
// for the rest.
func fakeTxNode(status map[types.Hash]string) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var h types.Hash
		if err := h.UnmarshalText([]byte(strings.TrimPrefix(r.URL.Path, "/rpc/get_tx/"))); err == nil {
			if st, ok := status[h]; ok {
				w.Header().Set("Content-Type", "application/json")
				w.Write([]byte(`{"hash":"` + h.String() + `","status":"` + st + `"}`))
				return
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte(`{"error":{"code":"not_found","message":"no such tx"}}`))
	}))
}

func TestReconcileLateAndLost(t *testing.T) {
	h := func(b byte) types.Hash { return types.Hash{b} }
	a := fakeTxNode(map[types.Hash]string{h(1): api.TxCommitted, h(2): api.TxPending})
	defer a.Close()
	b := fakeTxNode(map[types.Hash]string{h(3): api.TxCommitted, h(2): api.TxPending})
	defer b.Close()
	cs := []*client.Client{{BaseURL: a.URL}, {BaseURL: b.URL}}
	left := []types.Hash{h(1), h(2), h(3), h(4), h(5)}
	accepted := map[types.Hash]bool{h(1): true, h(2): true, h(3): true, h(4): true} // h(5): a transport error, never answered
	t0 := time.Now()
	late, lost := reconcile(context.Background(), cs, left, accepted, 600*time.Millisecond)
	if late != 2 || lost != 2 {
		t.Errorf("late %d lost %d, want 2 (committed on either node) and 2 (one no node holds, one pending past the grace)", late, lost)
	}
	if el := time.Since(t0); el < 500*time.Millisecond {
		t.Errorf("gave a pending tx %v, want the grace of 600ms", el)
	}
}
