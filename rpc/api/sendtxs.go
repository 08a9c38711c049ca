package api

import (
	"encoding/json"
	"fmt"

	"aitbc/engine/types"
)

// MaxBatchTxs bounds the txs of one POST /rpc/send_txs. 4096 transfers
// are ~2.5 MiB of JSON (inside the server's default
// rpc.Config.MaxBatchBodyBytes) and one signature batch the CPU verifies
// in a few tens of milliseconds: large enough that a client offering tens
// of thousands of tx/s needs a handful of requests a second, small enough
// that one request never holds the verifier long.
const MaxBatchTxs = 4096

// SendTxsRequest is the body of send_txs: txs in send_tx's form.
type SendTxsRequest struct {
	Txs []TxJSON `json:"txs"`
}

// SendTxsResult is one tx's outcome in a send_txs answer: on the wire
// {"hash":"0x…"} when it was admitted, else {"error":{"code","message"}}
// with the code and message send_tx would have answered for it alone.
type SendTxsResult struct {
	Hash  types.Hash // set when Error is nil
	Error *Error     // Status is send_tx's HTTP status for it (0 when read by the client)
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
		Error *Error      `json:"error"`
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
