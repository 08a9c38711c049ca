package rpc

import (
	"context"
	"errors"
	"net/http"

	"aitbc/engine"
	"aitbc/engine/types"
	"aitbc/rpc/api"
	"aitbc/storage/index"
)

// Index is what the query routes need from the SQL index; *index.Index
// implements it. The rows are the index package's value types.
type Index interface {
	LastIndexedHeight(ctx context.Context) (uint64, error)
	TxsByAddress(ctx context.Context, addr types.Address, limit int, cursor string) ([]index.TxRow, string, error)
	Blocks(ctx context.Context, from, to uint64) ([]index.BlockRow, error)
	Receipt(ctx context.Context, id types.Hash) (index.ReceiptRow, error)
	ReceiptsByJob(ctx context.Context, jobID []byte) ([]index.ReceiptRow, error)
	ReceiptsByMiner(ctx context.Context, miner types.Address, limit int, cursor string) ([]index.ReceiptRow, string, error)
}

var _ Index = (*index.Index)(nil)

// SetIndex attaches the SQL index that serves the query routes (get_txs,
// get_receipt, get_receipts, get_blocks); nil detaches it.
// Without one those routes answer 503 index_unavailable. Safe to call
// while serving.
func (s *Server) SetIndex(ix Index) {
	if ix == nil {
		s.ix.Store(nil)
		return
	}
	s.ix.Store(&ix)
}

// DisableIndex records that this node runs without the SQL index by
// configuration (DATABASE_URL empty: a validator's default): with no index
// attached, the query routes then answer 501 index_disabled, which no
// retry changes, instead of 503 index_unavailable. Safe to call while
// serving.
func (s *Server) DisableIndex() { s.ixOff.Store(true) }

// index returns the attached index or the error for its absence: 501 when
// it is off by configuration, 503 when it could not be opened.
func (s *Server) index() (Index, error) {
	p := s.ix.Load()
	if p == nil && s.ixOff.Load() {
		return nil, &api.Error{Status: http.StatusNotImplemented, Code: api.CodeIndexDisabled,
			Message: "this node keeps no SQL index (DATABASE_URL is empty, the default for a validator); ask an RPC node that indexes"}
	}
	if p == nil {
		return nil, &api.Error{Status: http.StatusServiceUnavailable, Code: api.CodeIndexUnavailable,
			Message: "this node runs without the SQL index (DATABASE_URL empty or unusable at start)"}
	}
	return *p, nil
}

// indexError maps an index failure to a response: missing rows are 404,
// bad cursors and ranges 400, a corrupt row is internal, and anything else
// (the database is down, the index closed) is 503 index_unavailable, with
// the cause logged, not sent.
func (s *Server) indexError(r *http.Request, err error) error {
	var ae *api.Error
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.Is(err, engine.ErrNotFound):
		return apiErr(http.StatusNotFound, api.CodeNotFound, "%v", err)
	case errors.Is(err, index.ErrBadCursor):
		return apiErr(http.StatusBadRequest, api.CodeBadCursor, "%v", err)
	case errors.Is(err, index.ErrBadRange), errors.Is(err, index.ErrOutOfRange):
		return apiErr(http.StatusBadRequest, api.CodeBadRange, "%v", err)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case errors.Is(err, index.ErrCorrupt):
		return err // internal: logged by writeError
	}
	s.log.Warn("index query failed", "route", r.Pattern, "err", err)
	return &api.Error{Status: http.StatusServiceUnavailable, Code: api.CodeIndexUnavailable, Message: "the SQL index is unavailable; retry later"}
}
