package load

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"aitbc/bench"
	"aitbc/engine/types"
	"aitbc/rpc/api"
	"aitbc/rpc/client"
)

// sink receives every bench transfer: one fixed account, so a run does
// not grow the state by an account per tx.
var sink = func() types.Address {
	sum := sha256.Sum256([]byte("aitbc bench load sink"))
	var a types.Address
	copy(a[:], sum[:])
	return a
}()

// sender is one funded account sending transfers in nonce order, one
// request at a time.
type sender struct {
	key     ed25519.PrivateKey
	chainID string
	amount  uint64
	fee     uint64
	next    uint64      // nonce of the next tx
	max     uint64      // last nonce it may use: its funding covers 1..max
	signed  []*types.Tx // presigned txs for nonces 1..len(signed)
	hashes  []types.Hash
	c       *client.Client // the node this sender sends to
	payload []byte         // pads each tx to Config.TxBytes
	batch   int            // slots per send_txs request; <= 1: send_tx
}

func (s *sender) tx(nonce uint64) (*types.Tx, types.Hash) {
	if i := nonce - 1; i < uint64(len(s.signed)) {
		return s.signed[i], s.hashes[i]
	}
	tx := &types.Tx{ChainID: s.chainID, Type: types.TxTransfer, Nonce: nonce, Recipient: sink, Amount: s.amount, Fee: s.fee, Payload: s.payload}
	tx.Sign(s.key)
	return tx, tx.Hash()
}

// size is the canonical size of the sender's transfers.
func (s *sender) size() int {
	tx, _ := s.tx(1)
	return tx.Size()
}

// padding is the payload that makes a transfer of chainID size bytes
// long: nil when size is 0; an error when the unpadded transfer is
// already longer.
func padding(chainID string, size int) ([]byte, error) {
	if size == 0 {
		return nil, nil
	}
	base := (&types.Tx{ChainID: chainID, Type: types.TxTransfer}).Size()
	if size < base {
		return nil, fmt.Errorf("%w: tx bytes %d below a transfer's %d", ErrBadConfig, size, base)
	}
	return make([]byte, size-base), nil
}

// Back-off after a 503 or an error, doubling up to the max.
const (
	backoffMin = 5 * time.Millisecond
	backoffMax = 500 * time.Millisecond
)

// run sends one tx per pacer slot until the schedule ends, the funding
// runs out or the node refuses the sender's nonce chain.
func (s *sender) run(ctx context.Context, p *pacer, tr *tracker, cnt *counters) {
	if s.batch > 1 {
		s.runBatches(ctx, p, tr, cnt)
		return
	}
	c := s.c
	backoff := time.Duration(0)
	retry := func() bool {
		backoff = min(max(2*backoff, backoffMin), backoffMax)
		return bench.SleepCtx(ctx, backoff)
	}
	for s.next <= s.max {
		at, ok := p.next()
		if !ok || !bench.SleepCtx(ctx, time.Until(at)) {
			return
		}
		tx, h := s.tx(s.next)
		tr.submitted(h, at)
		cnt.submitted.Add(1)
		_, err := c.SendTx(ctx, tx)
		var ae *api.Error
		switch {
		case err == nil || errors.As(err, &ae) && ae.Code == api.CodeDuplicateTx:
			// A duplicate is an earlier attempt that was admitted although
			// its response was lost.
			tr.accept(h)
			cnt.accepted.Add(1)
			s.next++
			backoff = 0
		case ctx.Err() != nil:
			tr.forget(h)
			cnt.submitted.Add(-1) // cut off by the end of the run, not answered
			return
		case ae != nil && ae.Status == http.StatusServiceUnavailable && (ae.Code == api.CodeMempoolFull || ae.Code == api.CodeBusy),
			ae != nil && ae.Code == api.CodeBadNonce && strings.Contains(ae.Message, "too far ahead"):
			// Backpressure: the node is full, or this sender is a nonce
			// window ahead of its committed state (a sender that won many
			// slots while others backed off). Counted as a rejection.
			tr.forget(h)
			cnt.rejected.Add(1)
			if !retry() {
				return
			}
		case ae != nil:
			tr.forget(h)
			cnt.fail(err)
			switch ae.Code {
			case api.CodeBadNonce, api.CodeInsufficient, api.CodeInvalidTx, api.CodeBadSignature, api.CodeFeeTooLow, api.CodeStopped:
				return // retrying the same tx cannot help
			}
			if !retry() {
				return
			}
		default:
			// Transport error: the node may have admitted it, so it stays
			// tracked; the retry finds out (duplicate_tx).
			cnt.fail(err)
			if !retry() {
				return
			}
		}
	}
}

// runBatches is run with send_txs: it claims s.batch slots at a time,
// sends them in one request when the last is due, and moves its nonce to
// the first tx the node did not take (later ones are then refused as
// too far ahead, and count as rejected).
func (s *sender) runBatches(ctx context.Context, p *pacer, tr *tracker, cnt *counters) {
	backoff := time.Duration(0)
	for s.next <= s.max {
		at := p.nextN(int(min(uint64(s.batch), s.max-s.next+1)))
		if len(at) == 0 || !bench.SleepCtx(ctx, time.Until(at[len(at)-1])) {
			return
		}
		txs := make([]*types.Tx, len(at))
		hs := make([]types.Hash, len(at))
		for i := range at {
			txs[i], hs[i] = s.tx(s.next + uint64(i))
			tr.submitted(hs[i], at[i])
		}
		cnt.submitted.Add(int64(len(at)))
		res, err := s.c.SendTxs(ctx, txs)
		if err != nil {
			for _, h := range hs {
				tr.forget(h)
			}
			if ctx.Err() != nil {
				cnt.submitted.Add(-int64(len(at)))
				return
			}
			var ae *api.Error
			if errors.As(err, &ae) && ae.Status == http.StatusServiceUnavailable {
				cnt.rejected.Add(int64(len(at)))
			} else {
				cnt.fail(err)
			}
			backoff = min(max(2*backoff, backoffMin), backoffMax)
			if !bench.SleepCtx(ctx, backoff) {
				return
			}
			continue
		}
		took := 0
		for i, r := range res {
			if r.Error == nil || r.Error.Code == api.CodeDuplicateTx {
				if took == i {
					took++
				}
				tr.accept(hs[i])
				cnt.accepted.Add(1)
				continue
			}
			tr.forget(hs[i])
			cnt.rejected.Add(1)
		}
		s.next += uint64(took)
		if took < len(res) {
			backoff = min(max(2*backoff, backoffMin), backoffMax)
			if !bench.SleepCtx(ctx, backoff) {
				return
			}
		} else {
			backoff = 0
		}
	}
}

// fund makes cfg.Senders fresh accounts, sends each from the faucet
// enough for twice its share of the run, and waits until the transfers
// are final. It returns the senders and the per-tx fee.
func fund(ctx context.Context, c *client.Client, cfg Config, chainID string, out io.Writer) ([]*sender, uint64, error) {
	faucetPub := cfg.Faucet.Public().(ed25519.PublicKey)
	faucet := types.AddressFromPubKey(faucetPub)
	balance, nonce, err := c.Account(ctx, faucet)
	if err != nil {
		return nil, 0, fmt.Errorf("bench: faucet account: %w", err)
	}
	payload, err := padding(chainID, cfg.TxBytes)
	if err != nil {
		return nil, 0, err
	}
	probe := &types.Tx{ChainID: chainID, Type: types.TxTransfer, Nonce: 1, Recipient: sink, Amount: cfg.Amount, Payload: payload}
	probe.Sign(cfg.Faucet)
	fee, err := c.EstimateFee(ctx, probe)
	if err != nil {
		return nil, 0, fmt.Errorf("bench: estimate fee: %w", err)
	}
	fee = max(fee, cfg.Fee)

	// A sender may take more than its share of the slots when others are
	// backing off; twice the share (and at least 16) covers that.
	total := uint64(float64(cfg.TPS)*cfg.Duration.Seconds()) + 1
	share := (total + uint64(cfg.Senders) - 1) / uint64(cfg.Senders)
	perSender := 2*share + 16
	each, ok1 := mulAdd(perSender, cfg.Amount+fee, 0)
	need, ok2 := mulAdd(uint64(cfg.Senders), each+fee, 0)
	if !ok1 || !ok2 || cfg.Amount+fee < fee {
		return nil, 0, fmt.Errorf("%w: the run's cost overflows", ErrBadConfig)
	}
	if balance < need {
		return nil, 0, fmt.Errorf("%w: %s has %d, the run needs %d", ErrFaucetLow, faucet, balance, need)
	}

	clients := []*client.Client{c}
	if len(cfg.SendTo) > 0 {
		clients = clients[:0]
		for _, u := range cfg.SendTo {
			clients = append(clients, &client.Client{BaseURL: u, HTTP: c.HTTP})
		}
	}
	senders := make([]*sender, cfg.Senders)
	for i := range senders {
		_, key, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, 0, err
		}
		senders[i] = &sender{key: key, chainID: chainID, amount: cfg.Amount, fee: fee, next: 1, max: perSender,
			c: clients[i%len(clients)], payload: payload, batch: cfg.Batch}
	}
	t0 := time.Now()
	var last types.Hash
	for i, s := range senders {
		tx := &types.Tx{ChainID: chainID, Type: types.TxTransfer, Nonce: nonce + 1 + uint64(i),
			Recipient: types.AddressFromPubKey(s.key.Public().(ed25519.PublicKey)), Amount: each, Fee: fee}
		tx.Sign(cfg.Faucet)
		if last, err = sendRetrying(ctx, c, tx); err != nil {
			return nil, 0, fmt.Errorf("%w: transfer to sender %d: %v", ErrFunding, i, err)
		}
	}
	// The faucet's transfers have consecutive nonces: the last one final
	// means all are.
	if err := waitFinal(ctx, c, last, 60*time.Second); err != nil {
		return nil, 0, err
	}
	fmt.Fprintf(out, "load: funded %d senders with %d each (fee %d) in %v\n",
		len(senders), each, fee, time.Since(t0).Round(time.Millisecond))

	if cfg.Presign {
		t1 := time.Now()
		for _, s := range senders {
			n := min(share+8, perSender)
			s.signed, s.hashes = make([]*types.Tx, n), make([]types.Hash, n)
			for i := range n {
				tx := &types.Tx{ChainID: chainID, Type: types.TxTransfer, Nonce: i + 1, Recipient: sink, Amount: cfg.Amount, Fee: fee, Payload: payload}
				tx.Sign(s.key)
				s.signed[i], s.hashes[i] = tx, tx.Hash()
			}
		}
		fmt.Fprintf(out, "load: presigned %d txs in %v\n", uint64(len(senders))*min(share+8, perSender), time.Since(t1).Round(time.Millisecond))
	}
	return senders, fee, nil
}

// mulAdd is a*b+c, false on overflow.
func mulAdd(a, b, c uint64) (uint64, bool) {
	if a != 0 && b > (^uint64(0)-c)/a {
		return 0, false
	}
	return a*b + c, true
}

// sendRetrying submits tx, retrying while the node answers 503.
func sendRetrying(ctx context.Context, c *client.Client, tx *types.Tx) (types.Hash, error) {
	backoff := backoffMin
	for {
		h, err := c.SendTx(ctx, tx)
		var ae *api.Error
		if err == nil || !errors.As(err, &ae) || ae.Status != http.StatusServiceUnavailable {
			return h, err
		}
		if !bench.SleepCtx(ctx, backoff) {
			return h, context.Cause(ctx)
		}
		backoff = min(2*backoff, backoffMax)
	}
}

// waitFinal polls get_tx until hash is committed, for at most limit.
func waitFinal(ctx context.Context, c *client.Client, hash types.Hash, limit time.Duration) error {
	wctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	_, err := c.WaitCommitted(wctx, hash, 50*time.Millisecond)
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return context.Cause(ctx)
	case wctx.Err() != nil:
		return fmt.Errorf("%w: %s not final after %v", ErrFunding, hash, limit)
	}
	return fmt.Errorf("%w: %v", ErrFunding, err)
}
