package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"aitbc/engine/types"
	"aitbc/rpc/api"
)

// ErrBatchSize: Client.SendTxs was given no txs or more than
// api.MaxBatchTxs (it sends nothing).
var ErrBatchSize = errors.New("send_txs takes 1..MaxBatchTxs txs")

// maxResponseBytes bounds what the client reads; the largest answer is a
// full block (32 MiB encoded is the protocol limit; its JSON is larger).
const maxResponseBytes = 96 << 20

// Client calls a node's REST API. Non-2xx answers come back as *api.Error;
// 2xx answers that do not decode as errors wrapping api.ErrBadResponse;
// transport failures as wrapped net/http errors.
type Client struct {
	BaseURL string       // e.g. "http://127.0.0.1:9080"
	HTTP    *http.Client // nil means http.DefaultClient
}

// SendTx submits a signed tx and returns its hash.
func (c *Client) SendTx(ctx context.Context, tx *types.Tx) (types.Hash, error) {
	var out api.SendTxResponse
	err := c.do(ctx, http.MethodPost, "/rpc/send_tx", api.TxToJSON(tx), &out)
	return out.TxHash, err
}

// SendTxs submits up to api.MaxBatchTxs signed txs in one send_txs request.
// results[i] is txs[i]'s: its hash, or the error send_tx would have given
// it (with Status 0). err is the batch's: ErrBatchSize before sending, an
// *api.Error for a batch-level answer (413 too_many_txs, 503 busy, ...), a
// transport error, or api.ErrBadResponse when the answer has the wrong count.
func (c *Client) SendTxs(ctx context.Context, txs []*types.Tx) ([]api.SendTxsResult, error) {
	if len(txs) == 0 || len(txs) > api.MaxBatchTxs {
		return nil, fmt.Errorf("%w: got %d", ErrBatchSize, len(txs))
	}
	req := api.SendTxsRequest{Txs: make([]api.TxJSON, len(txs))}
	for i, tx := range txs {
		req.Txs[i] = api.TxToJSON(tx)
	}
	var out api.SendTxsResponse
	if err := c.do(ctx, http.MethodPost, "/rpc/send_txs", req, &out); err != nil {
		return nil, err
	}
	if len(out.Results) != len(txs) {
		return nil, fmt.Errorf("rpc /rpc/send_txs: %w: %d results for %d txs", api.ErrBadResponse, len(out.Results), len(txs))
	}
	return out.Results, nil
}

// EstimateFee returns the smallest fee the node accepts for tx (its
// signature may be unset).
func (c *Client) EstimateFee(ctx context.Context, tx *types.Tx) (uint64, error) {
	var out api.FeeResponse
	err := c.do(ctx, http.MethodPost, "/rpc/estimate_fee", api.TxToJSON(tx), &out)
	return uint64(out.MinFee), err
}

// Head returns the last committed block's summary.
func (c *Client) Head(ctx context.Context) (api.HeadResponse, error) {
	var out api.HeadResponse
	err := c.do(ctx, http.MethodGet, "/rpc/get_head", nil, &out)
	return out, err
}

// Account returns an address's balance and the nonce of its last applied
// tx (the next tx uses nonce+1). Unknown addresses are 0, 0.
func (c *Client) Account(ctx context.Context, addr types.Address) (balance, nonce uint64, err error) {
	var out api.AccountResponse
	err = c.do(ctx, http.MethodGet, "/rpc/get_account/"+addr.String(), nil, &out)
	return uint64(out.Balance), out.Nonce, err
}

// Tx looks a tx up in the mempool and the chain; an unknown hash is an
// *api.Error with Status 404.
func (c *Client) Tx(ctx context.Context, hash types.Hash) (api.TxResponse, error) {
	var out api.TxResponse
	err := c.do(ctx, http.MethodGet, "/rpc/get_tx/"+hash.String(), nil, &out)
	return out, err
}

// WaitCommitted polls get_tx every interval until the tx is committed and
// returns its height. A 404 (not admitted yet, or not seen by this node)
// and "pending" keep it polling; any other error is returned. It stops
// with context.Cause(ctx) when ctx ends: bound it with a deadline.
func (c *Client) WaitCommitted(ctx context.Context, hash types.Hash, interval time.Duration) (uint64, error) {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return 0, context.Cause(ctx)
		case <-t.C:
		}
		r, err := c.Tx(ctx, hash)
		if err == nil && r.Status == api.TxCommitted {
			return r.Height, nil
		}
		var ae *api.Error
		if err != nil && !(errors.As(err, &ae) && ae.Status == http.StatusNotFound) {
			if ctx.Err() != nil {
				return 0, context.Cause(ctx)
			}
			return 0, err
		}
		t.Reset(interval)
	}
}

// Block returns the block at height with its commit certificate.
func (c *Client) Block(ctx context.Context, height uint64) (api.BlockResponse, error) {
	var out api.BlockResponse
	err := c.do(ctx, http.MethodGet, "/rpc/get_block/"+strconv.FormatUint(height, 10), nil, &out)
	return out, err
}

// Status returns the node's self-description.
func (c *Client) Status(ctx context.Context) (api.StatusResponse, error) {
	var out api.StatusResponse
	err := c.do(ctx, http.MethodGet, "/rpc/status", nil, &out)
	return out, err
}

func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("rpc %s: encode request: %w", path, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(c.BaseURL, "/")+path, body)
	if err != nil {
		return fmt.Errorf("rpc %s: %w", path, err)
	}
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("rpc %s: %w", path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return fmt.Errorf("rpc %s: read response: %w", path, err)
	}
	if err := decodeResponse(resp.StatusCode, raw, out); err != nil {
		if errors.Is(err, api.ErrBadResponse) {
			return fmt.Errorf("rpc %s: %w", path, err)
		}
		return err
	}
	return nil
}

// decodeResponse turns a status and body into out or an error: *api.Error
// for non-2xx (from the error envelope when there is one), api.ErrBadResponse
// for a 2xx body that does not decode.
func decodeResponse(status int, raw []byte, out any) error {
	if len(raw) > maxResponseBytes {
		return fmt.Errorf("%w: body exceeds %d bytes", api.ErrBadResponse, maxResponseBytes)
	}
	if status < 200 || status > 299 {
		var eb api.ErrorBody
		if err := json.Unmarshal(raw, &eb); err == nil && eb.Error != nil && eb.Error.Code != "" {
			eb.Error.Status = status
			return eb.Error
		}
		return &api.Error{Status: status, Code: "http_" + strconv.Itoa(status), Message: snippet(raw)}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("%w: %v", api.ErrBadResponse, err)
	}
	return nil
}

// snippet is the start of a non-JSON error body, for the message.
func snippet(raw []byte) string {
	const max = 200
	if len(raw) > max {
		raw = raw[:max]
	}
	s := strings.TrimSpace(string(raw))
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "?")
	}
	return s
}
