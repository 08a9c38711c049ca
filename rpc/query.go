package rpc

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"aitbc/engine/types"
	"aitbc/rpc/api"
	"aitbc/storage/index"
)

// Bounds of the query routes' parameters.
const (
	DefaultTxsLimit  = index.DefaultPageSize
	MaxTxsLimit      = index.MaxPageSize
	MaxBlocksRange   = index.MaxBlockRange
	DefaultBlocksLen = 100 // get_blocks without to= returns from..from+99
	maxQueryLen      = 2048
)

// queryParams checks r's query string: no parameter outside allowed, none
// repeated, bounded length.
func queryParams(r *http.Request, allowed ...string) (url.Values, error) {
	if len(r.URL.RawQuery) > maxQueryLen {
		return nil, apiErr(http.StatusBadRequest, api.CodeBadQuery, "query string of %d bytes, at most %d", len(r.URL.RawQuery), maxQueryLen)
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, apiErr(http.StatusBadRequest, api.CodeBadQuery, "query string does not parse")
	}
	for k, v := range q {
		known := false
		for _, a := range allowed {
			known = known || k == a
		}
		if !known {
			return nil, apiErr(http.StatusBadRequest, api.CodeBadQuery, "unknown parameter %.40q (allowed: %s)", k, strings.Join(allowed, ", "))
		}
		if len(v) > 1 {
			return nil, apiErr(http.StatusBadRequest, api.CodeBadQuery, "parameter %s given %d times", k, len(v))
		}
	}
	return q, nil
}

// uintParam reads an optional decimal parameter in lo..hi (def if absent).
func uintParam(q url.Values, name, code string, lo, hi, def uint64) (uint64, error) {
	if !q.Has(name) {
		return def, nil
	}
	raw := q.Get(name)
	v, err := strconv.ParseUint(raw, 10, 64)
	if err != nil || v < lo || v > hi || raw != strconv.FormatUint(v, 10) {
		return 0, apiErr(http.StatusBadRequest, code, "%s %.40q: want a decimal integer in %d..%d", name, raw, lo, hi)
	}
	return v, nil
}

// pathAddress reads the {address} path value.
func pathAddress(r *http.Request) (types.Address, error) {
	addr, err := types.ParseAddress(r.PathValue("address"))
	if err != nil {
		return addr, apiErr(http.StatusBadRequest, api.CodeBadAddress, "%v", err)
	}
	return addr, nil
}

// pathHeight reads the {height} path value: a canonical decimal >= 1.
func pathHeight(r *http.Request) (uint64, error) {
	raw := r.PathValue("height")
	height, err := types.ParseAmount(raw) // canonical decimal uint64
	if err != nil || height == 0 {
		return 0, apiErr(http.StatusBadRequest, api.CodeBadHeight, "height %.40q: want a decimal integer >= 1", raw)
	}
	return height, nil
}

func (s *Server) getTxs(_ http.ResponseWriter, r *http.Request) (any, error) {
	addr, err := pathAddress(r)
	if err != nil {
		return nil, err
	}
	q, err := queryParams(r, "limit", "cursor")
	if err != nil {
		return nil, err
	}
	limit, err := uintParam(q, "limit", api.CodeBadLimit, 1, MaxTxsLimit, DefaultTxsLimit)
	if err != nil {
		return nil, err
	}
	ix, err := s.index()
	if err != nil {
		return nil, err
	}
	rows, next, err := ix.TxsByAddress(r.Context(), addr, int(limit), q.Get("cursor"))
	if err != nil {
		return nil, s.indexError(r, err)
	}
	out := api.TxsResponse{Address: addr, Txs: make([]api.IndexedTxJSON, len(rows)), NextCursor: next}
	for i, row := range rows {
		out.Txs[i] = indexedTxJSON(row)
	}
	return out, nil
}

func (s *Server) getBlocks(_ http.ResponseWriter, r *http.Request) (any, error) {
	q, err := queryParams(r, "from", "to")
	if err != nil {
		return nil, err
	}
	if !q.Has("from") {
		return nil, apiErr(http.StatusBadRequest, api.CodeBadRange, "from is required")
	}
	const maxHeight = 1<<63 - 1
	from, err := uintParam(q, "from", api.CodeBadRange, 1, maxHeight, 1)
	if err != nil {
		return nil, err
	}
	to, err := uintParam(q, "to", api.CodeBadRange, 1, maxHeight, min(from+DefaultBlocksLen-1, maxHeight))
	if err != nil {
		return nil, err
	}
	if to < from || to-from >= MaxBlocksRange {
		return nil, apiErr(http.StatusBadRequest, api.CodeBadRange, "from=%d to=%d: want from <= to and at most %d blocks", from, to, MaxBlocksRange)
	}
	ix, err := s.index()
	if err != nil {
		return nil, err
	}
	rows, err := ix.Blocks(r.Context(), from, to)
	if err != nil {
		return nil, s.indexError(r, err)
	}
	out := api.BlocksResponse{From: from, To: to, Blocks: make([]api.BlockSummaryJSON, len(rows))}
	for i, b := range rows {
		out.Blocks[i] = api.BlockSummaryJSON{Height: b.Height, Hash: b.Hash, Time: b.Time, Proposer: b.Proposer, TxCount: b.TxCount, StateRoot: b.StateRoot}
	}
	return out, nil
}

func (s *Server) getReceipt(_ http.ResponseWriter, r *http.Request) (any, error) {
	id, err := types.ParseHash(r.PathValue("id"))
	if err != nil {
		return nil, apiErr(http.StatusBadRequest, api.CodeBadHash, "receipt id: %v", err)
	}
	ix, err := s.index()
	if err != nil {
		return nil, err
	}
	row, err := ix.Receipt(r.Context(), id)
	if err != nil {
		return nil, s.indexError(r, err)
	}
	return receiptJSON(row), nil
}

// getReceipts lists receipts by job (?job_id=) or by miner (?miner= with
// limit and cursor paging, newest first).
func (s *Server) getReceipts(_ http.ResponseWriter, r *http.Request) (any, error) {
	q, err := queryParams(r, "job_id", "miner", "limit", "cursor")
	if err != nil {
		return nil, err
	}
	switch {
	case q.Has("job_id") == q.Has("miner"):
		return nil, apiErr(http.StatusBadRequest, api.CodeBadQuery, "give exactly one of job_id and miner")
	case q.Has("job_id") && (q.Has("limit") || q.Has("cursor")):
		return nil, apiErr(http.StatusBadRequest, api.CodeBadQuery, "limit and cursor page by miner; a job has at most one receipt")
	}
	var (
		rows []index.ReceiptRow
		next string
	)
	if q.Has("job_id") {
		job, err := api.ParseJobID(q.Get("job_id"))
		if err != nil {
			return nil, apiErr(http.StatusBadRequest, api.CodeBadQuery, "%v", err)
		}
		ix, err := s.index()
		if err != nil {
			return nil, err
		}
		if rows, err = ix.ReceiptsByJob(r.Context(), job); err != nil {
			return nil, s.indexError(r, err)
		}
	} else {
		miner, err := types.ParseAddress(q.Get("miner"))
		if err != nil {
			return nil, apiErr(http.StatusBadRequest, api.CodeBadAddress, "miner: %v", err)
		}
		limit, err := uintParam(q, "limit", api.CodeBadLimit, 1, MaxTxsLimit, DefaultTxsLimit)
		if err != nil {
			return nil, err
		}
		ix, err := s.index()
		if err != nil {
			return nil, err
		}
		if rows, next, err = ix.ReceiptsByMiner(r.Context(), miner, int(limit), q.Get("cursor")); err != nil {
			return nil, s.indexError(r, err)
		}
	}
	out := api.ReceiptsResponse{Receipts: make([]api.ReceiptJSON, len(rows)), NextCursor: next}
	for i, row := range rows {
		out.Receipts[i] = receiptJSON(row)
	}
	return out, nil
}

// getCommit serves a block's commit certificate from the block store.
func (s *Server) getCommit(_ http.ResponseWriter, r *http.Request) (any, error) {
	height, err := pathHeight(r)
	if err != nil {
		return nil, err
	}
	_, cert, err := s.b.Block(height)
	if err != nil {
		return nil, err
	}
	return commitJSON(cert), nil
}
