package rpc

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"aitbc/engine"
)

// blockingHead holds GET /rpc/get_head until release is closed.
type blockingHead struct {
	*memBackend
	entered chan struct{}
	release chan struct{}
}

func (b *blockingHead) Head() (engine.Head, error) {
	select {
	case b.entered <- struct{}{}:
	default:
	}
	<-b.release
	return b.memBackend.Head()
}

// TestMaxInFlight: past MaxInFlight a request is refused at once with 503
// busy, and served again once a slot frees.
func TestMaxInFlight(t *testing.T) {
	b := &blockingHead{memBackend: &memBackend{chainID: testChainID}, entered: make(chan struct{}, 1), release: make(chan struct{})}
	cfg := DefaultConfig()
	cfg.MaxInFlight = 1
	srv := httptest.NewServer(NewServer(b, cfg, nil, testLogger(t)).Handler())
	defer srv.Close()
	var once sync.Once
	release := func() { once.Do(func() { close(b.release) }) }
	defer release() // before srv.Close, so a failed test does not hang there

	done := make(chan int, 1)
	go func() {
		resp, err := http.Get(srv.URL + "/rpc/get_head")
		if err != nil {
			done <- 0
			return
		}
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	<-b.entered // the one slot is taken

	resp, err := http.Get(srv.URL + "/rpc/status")
	if err != nil {
		t.Fatal(err)
	}
	var body struct{ Error APIError }
	json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || body.Error.Code != CodeBusy || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("second request: %d %+v, want 503 busy with Retry-After", resp.StatusCode, body.Error)
	}
	release()
	if st := <-done; st != http.StatusOK {
		t.Fatalf("first request: %d", st)
	}
	resp, err = http.Get(srv.URL + "/rpc/get_head")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("after the slot freed: %d", resp.StatusCode)
	}
}
