package rpc

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"aitbc/engine/types"
	"aitbc/rpc/api"
)

// sendTxs admits a batch: a malformed body (bad JSON, an unknown field,
// more than api.MaxBatchTxs txs, more than MaxBatchBodyBytes) is a batch-level
// error; otherwise the answer is 200 with one result per tx, and all txs
// that pass their field checks share one signature batch (Backend.SubmitTxs).
func (s *Server) sendTxs(w http.ResponseWriter, r *http.Request) (any, error) {
	// Taken before the body is read: the cap bounds the memory of bodies
	// and decoded txs of batches at once, not only the work.
	select {
	case s.batch <- struct{}{}:
		defer func() { <-s.batch }()
	default:
		s.m.Limited.WithLabelValues(api.CodeBusy).Inc()
		return nil, apiErr(http.StatusServiceUnavailable, api.CodeBusy, "%d send_txs requests in flight, the most allowed; retry", s.cfg.MaxBatchInFlight)
	}
	body := http.MaxBytesReader(w, r.Body, s.cfg.MaxBatchBodyBytes)
	js, err := decodeTxBatch(body, api.MaxBatchTxs)
	if err != nil {
		return nil, err
	}
	out := api.SendTxsResponse{Results: make([]api.SendTxsResult, len(js))}
	txs := make([]*types.Tx, 0, len(js))
	at := make([]int, 0, len(js)) // txs[k] is js[at[k]]
	for i, j := range js {
		tx, err := api.TxFromJSON(j)
		if err != nil {
			out.Results[i].Error = apiErr(http.StatusBadRequest, api.CodeBadField, "%v", err)
			continue
		}
		txs, at = append(txs, tx), append(at, i)
	}
	if len(txs) > 0 {
		hashes, errs := s.b.SubmitTxs(r.Context(), txs)
		for k, i := range at {
			if errs[k] == nil {
				out.Results[i].Hash = hashes[k]
				continue
			}
			e, _, internal := classify(errs[k])
			if internal {
				s.log.Error("rpc internal error", "route", r.Pattern, "tx", k, "err", errs[k])
			}
			out.Results[i].Error = e
		}
	}
	return out, nil
}

// decodeTxBatch reads one {"txs":[…]} object from r: no other key, at most
// max txs (it stops reading at the first one past max), each tx with no
// unknown field, nothing after the object but whitespace. Its errors are
// the batch-level *api.Error answers.
func decodeTxBatch(r io.Reader, max int) ([]api.TxJSON, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := expectDelim(dec, '{'); err != nil {
		return nil, err
	}
	var (
		txs  []api.TxJSON
		seen bool
	)
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return nil, bodyError(err)
		}
		if key != "txs" {
			return nil, apiErr(http.StatusBadRequest, api.CodeBadField, "unknown field %.40q: the body is {\"txs\":[…]}", key)
		}
		if seen {
			return nil, apiErr(http.StatusBadRequest, api.CodeBadField, "txs: given twice")
		}
		seen = true
		if err := expectDelim(dec, '['); err != nil {
			return nil, err
		}
		for dec.More() {
			if len(txs) == max {
				return nil, apiErr(http.StatusRequestEntityTooLarge, api.CodeTooManyTxs, "more than %d txs in one batch; split it", max)
			}
			var j api.TxJSON
			if err := dec.Decode(&j); err != nil {
				e := bodyError(err)
				if e.Code == api.CodeBadField {
					e.Message = fmt.Sprintf("txs[%d]: %s", len(txs), e.Message)
				}
				return nil, e
			}
			txs = append(txs, j)
		}
		if err := expectDelim(dec, ']'); err != nil {
			return nil, err
		}
	}
	if err := expectDelim(dec, '}'); err != nil {
		return nil, err
	}
	if err := expectEnd(dec); err != nil {
		return nil, err
	}
	if len(txs) == 0 {
		return nil, apiErr(http.StatusBadRequest, api.CodeEmptyBatch, "txs: want 1..%d txs", max)
	}
	return txs, nil
}

// expectDelim reads the next token, which must be the delimiter d.
func expectDelim(dec *json.Decoder, d json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return bodyError(err)
	}
	if got, ok := tok.(json.Delim); !ok || got != d {
		return apiErr(http.StatusBadRequest, api.CodeBadJSON, "at offset %d: want %q, got %v", dec.InputOffset(), string(d), tokenKind(tok))
	}
	return nil
}

// tokenKind names a JSON token for an error message without echoing it.
func tokenKind(tok json.Token) string {
	switch t := tok.(type) {
	case json.Delim:
		return fmt.Sprintf("%q", string(t))
	case string:
		return "a string"
	case nil:
		return "null"
	case bool:
		return "a boolean"
	}
	return "a number"
}
