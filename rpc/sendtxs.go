package rpc

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"aitbc/engine/types"
)

// MaxBatchTxs bounds the txs of one POST /rpc/send_txs. 4096 transfers
// are ~2.5 MiB of JSON (inside the default Config.MaxBatchBodyBytes) and
// one signature batch the CPU verifies in a few tens of milliseconds:
// large enough that a client offering tens of thousands of tx/s needs a
// handful of requests a second, small enough that one request never holds
// the verifier long.
const MaxBatchTxs = 4096

// Batch-level error codes of send_txs (per-tx errors use send_tx's codes).
const (
	CodeTooManyTxs = "too_many_txs"
	CodeEmptyBatch = "empty_batch"
)

// SendTxsRequest is the body of send_txs: txs in send_tx's form.
type SendTxsRequest struct {
	Txs []TxJSON `json:"txs"`
}

// SendTxsResult is one tx's outcome in a send_txs answer: on the wire
// {"hash":"0x…"} when it was admitted, else {"error":{"code","message"}}
// with the code and message send_tx would have answered for it alone.
type SendTxsResult struct {
	Hash  types.Hash // set when Error is nil
	Error *APIError  // Status is send_tx's HTTP status for it (0 when read by Client)
}

// SendTxsResponse is the answer of send_txs: Results[i] is Txs[i]'s.
type SendTxsResponse struct {
	Results []SendTxsResult `json:"results"`
}

// MarshalJSON writes the results without reflection: a batch of 4096 is
// answered many times a second.
func (r SendTxsResponse) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 16+len(r.Results)*80)
	b = append(b, `{"results":[`...)
	for i, res := range r.Results {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = res.appendJSON(b); err != nil {
			return nil, err
		}
	}
	return append(b, "]}"...), nil
}

func (r SendTxsResult) appendJSON(b []byte) ([]byte, error) {
	if r.Error == nil {
		b = append(b, `{"hash":"`...)
		b = append(b, r.Hash.String()...)
		return append(b, `"}`...), nil
	}
	e, err := json.Marshal(r.Error) // messages need JSON string escaping
	if err != nil {
		return nil, err
	}
	b = append(b, `{"error":`...)
	b = append(b, e...)
	return append(b, '}'), nil
}

// MarshalJSON is the wire form of one result.
func (r SendTxsResult) MarshalJSON() ([]byte, error) { return r.appendJSON(nil) }

// UnmarshalJSON reads the wire form: exactly one of hash and error.
func (r *SendTxsResult) UnmarshalJSON(b []byte) error {
	var w struct {
		Hash  *types.Hash `json:"hash"`
		Error *APIError   `json:"error"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	switch {
	case w.Hash != nil && w.Error == nil:
		*r = SendTxsResult{Hash: *w.Hash}
	case w.Hash == nil && w.Error != nil && w.Error.Code != "":
		*r = SendTxsResult{Error: w.Error}
	default:
		return fmt.Errorf("%w: a send_txs result needs exactly one of hash and error", ErrBadResponse)
	}
	return nil
}

// sendTxs admits a batch: a malformed body (bad JSON, an unknown field,
// more than MaxBatchTxs txs, more than MaxBatchBodyBytes) is a batch-level
// error; otherwise the answer is 200 with one result per tx, and all txs
// that pass their field checks share one signature batch (Backend.SubmitTxs).
func (s *Server) sendTxs(w http.ResponseWriter, r *http.Request) (any, error) {
	// Taken before the body is read: the cap bounds the memory of bodies
	// and decoded txs of batches at once, not only the work.
	select {
	case s.batch <- struct{}{}:
		defer func() { <-s.batch }()
	default:
		s.m.Limited.WithLabelValues(CodeBusy).Inc()
		return nil, apiErr(http.StatusServiceUnavailable, CodeBusy, "%d send_txs requests in flight, the most allowed; retry", s.cfg.MaxBatchInFlight)
	}
	body := http.MaxBytesReader(w, r.Body, s.cfg.MaxBatchBodyBytes)
	js, err := decodeTxBatch(body, MaxBatchTxs)
	if err != nil {
		return nil, err
	}
	out := SendTxsResponse{Results: make([]SendTxsResult, len(js))}
	txs := make([]*types.Tx, 0, len(js))
	at := make([]int, 0, len(js)) // txs[k] is js[at[k]]
	for i, j := range js {
		tx, err := TxFromJSON(j)
		if err != nil {
			out.Results[i].Error = apiErr(http.StatusBadRequest, CodeBadField, "%v", err)
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
// the batch-level *APIError answers.
func decodeTxBatch(r io.Reader, max int) ([]TxJSON, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := expectDelim(dec, '{'); err != nil {
		return nil, err
	}
	var (
		txs  []TxJSON
		seen bool
	)
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return nil, bodyError(err)
		}
		if key != "txs" {
			return nil, apiErr(http.StatusBadRequest, CodeBadField, "unknown field %.40q: the body is {\"txs\":[…]}", key)
		}
		if seen {
			return nil, apiErr(http.StatusBadRequest, CodeBadField, "txs: given twice")
		}
		seen = true
		if err := expectDelim(dec, '['); err != nil {
			return nil, err
		}
		for dec.More() {
			if len(txs) == max {
				return nil, apiErr(http.StatusRequestEntityTooLarge, CodeTooManyTxs, "more than %d txs in one batch; split it", max)
			}
			var j TxJSON
			if err := dec.Decode(&j); err != nil {
				e := bodyError(err)
				if e.Code == CodeBadField {
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
	if _, err := dec.Token(); err != io.EOF {
		if err != nil {
			if e := bodyError(err); e.Code == CodeBodyTooLarge {
				return nil, e
			}
		}
		return nil, apiErr(http.StatusBadRequest, CodeBadJSON, "trailing data after the JSON value")
	}
	if len(txs) == 0 {
		return nil, apiErr(http.StatusBadRequest, CodeEmptyBatch, "txs: want 1..%d txs", max)
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
		return apiErr(http.StatusBadRequest, CodeBadJSON, "at offset %d: want %q, got %v", dec.InputOffset(), string(d), tokenKind(tok))
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
