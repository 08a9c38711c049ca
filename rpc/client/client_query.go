package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"aitbc/engine/types"
	"aitbc/rpc/api"
)

// Txs returns one page of addr's indexed txs, newest first; pass the
// returned NextCursor for the next page ("" when there is none). limit 0
// means the server's default.
func (c *Client) Txs(ctx context.Context, addr types.Address, limit int, cursor string) (api.TxsResponse, error) {
	q := url.Values{}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	var out api.TxsResponse
	err := c.do(ctx, http.MethodGet, "/rpc/get_txs/"+addr.String()+query(q), nil, &out)
	return out, err
}

// Blocks returns the indexed blocks from..to.
func (c *Client) Blocks(ctx context.Context, from, to uint64) (api.BlocksResponse, error) {
	q := url.Values{"from": {strconv.FormatUint(from, 10)}, "to": {strconv.FormatUint(to, 10)}}
	var out api.BlocksResponse
	err := c.do(ctx, http.MethodGet, "/rpc/get_blocks"+query(q), nil, &out)
	return out, err
}

// Receipt returns the receipt with id (an *api.Error with Status 404 when
// the index has none).
func (c *Client) Receipt(ctx context.Context, id types.Hash) (api.ReceiptJSON, error) {
	var out api.ReceiptJSON
	err := c.do(ctx, http.MethodGet, "/rpc/get_receipt/"+id.String(), nil, &out)
	return out, err
}

// ReceiptsByJob returns the receipts of a job id (none or one).
func (c *Client) ReceiptsByJob(ctx context.Context, jobID []byte) ([]api.ReceiptJSON, error) {
	q := url.Values{"job_id": {types.HexBytes(jobID).String()}}
	var out api.ReceiptsResponse
	err := c.do(ctx, http.MethodGet, "/rpc/get_receipts"+query(q), nil, &out)
	return out.Receipts, err
}

// SubmitReceipt submits a signed RECEIPT_CLAIM tx through /rpc/submitReceipt.
func (c *Client) SubmitReceipt(ctx context.Context, tx *types.Tx) (api.SubmitReceiptResponse, error) {
	var out api.SubmitReceiptResponse
	err := c.do(ctx, http.MethodPost, "/rpc/submitReceipt", api.TxToJSON(tx), &out)
	return out, err
}

// Commit returns the commit certificate of height.
func (c *Client) Commit(ctx context.Context, height uint64) (api.CommitJSON, error) {
	var out api.CommitJSON
	err := c.do(ctx, http.MethodGet, "/rpc/get_commit/"+strconv.FormatUint(height, 10), nil, &out)
	return out, err
}

// Validators returns the validator set signing height (0: the next
// height, head+1), each member with its kind, stake and status.
func (c *Client) Validators(ctx context.Context, height uint64) (api.ValidatorsResponse, error) {
	q := url.Values{}
	if height > 0 {
		q.Set("height", strconv.FormatUint(height, 10))
	}
	var out api.ValidatorsResponse
	err := c.do(ctx, http.MethodGet, "/rpc/get_validators"+query(q), nil, &out)
	return out, err
}

// Stake returns addr's stake record (an *api.Error with Code api.CodeNoStake,
// status 404, for an address without one and on poa chains).
func (c *Client) Stake(ctx context.Context, addr types.Address) (api.StakeJSON, error) {
	var out api.StakeJSON
	err := c.do(ctx, http.MethodGet, "/rpc/get_stake/"+addr.String(), nil, &out)
	return out, err
}

// Evidence returns recorded evidence of double-signing of heights >= from
// (0: the server's default, 1), at most limit pieces (0: the server's
// default, 100).
func (c *Client) Evidence(ctx context.Context, from uint64, limit int) (api.EvidenceResponse, error) {
	q := url.Values{}
	if from > 0 {
		q.Set("from", strconv.FormatUint(from, 10))
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var out api.EvidenceResponse
	err := c.do(ctx, http.MethodGet, "/rpc/get_evidence"+query(q), nil, &out)
	return out, err
}

func query(q url.Values) string {
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}
