package rpc

import (
	"errors"
	"net/http"
	"strconv"

	"aitbc/engine"
	"aitbc/engine/state"
	"aitbc/engine/types"
	"aitbc/rpc/api"
)

func (s *Server) head(_ http.ResponseWriter, _ *http.Request) (any, error) {
	h, err := s.b.Head()
	if err != nil {
		return nil, err
	}
	return headJSON(h), nil
}

func (s *Server) sendTx(w http.ResponseWriter, r *http.Request) (any, error) {
	var j api.TxJSON
	if err := s.decodeBody(w, r, &j); err != nil {
		return nil, err
	}
	tx, err := api.TxFromJSON(j)
	if err != nil {
		return nil, apiErr(http.StatusBadRequest, api.CodeBadField, "%v", err)
	}
	hash, err := s.b.SubmitTx(r.Context(), tx)
	if err != nil {
		return nil, err
	}
	return api.SendTxResponse{TxHash: hash}, nil
}

func (s *Server) estimateFee(w http.ResponseWriter, r *http.Request) (any, error) {
	var j api.TxJSON
	if err := s.decodeBody(w, r, &j); err != nil {
		return nil, err
	}
	tx, err := api.UnsignedTxFromJSON(j)
	if err != nil {
		return nil, apiErr(http.StatusBadRequest, api.CodeBadField, "%v", err)
	}
	return api.FeeResponse{MinFee: types.Amount(s.b.MinFee(tx)), Size: tx.Size()}, nil
}

func (s *Server) submitReceipt(w http.ResponseWriter, r *http.Request) (any, error) {
	var j api.SubmitReceiptJSON
	if err := s.decodeBody(w, r, &j); err != nil {
		return nil, err
	}
	tx, err := j.Tx()
	if err != nil {
		return nil, apiErr(http.StatusBadRequest, api.CodeBadField, "%v", err)
	}
	rc, err := state.DecodeClaim(tx) // stateless claim rules before the signature check
	if err != nil {
		return nil, apiErr(http.StatusBadRequest, api.CodeInvalidReceipt, "%v", err)
	}
	hash, err := s.b.SubmitTx(r.Context(), tx)
	if err != nil {
		return nil, err
	}
	return api.SubmitReceiptResponse{TxHash: hash, ReceiptID: types.ReceiptID(tx.ChainID, rc.JobID, tx.From(), rc.Units)}, nil
}

// lookupAccount treats an address the chain has never seen as an empty
// account: a balance query is not an error for a fresh address.
func (s *Server) lookupAccount(r *http.Request) (types.Address, state.Account, error) {
	addr, err := pathAddress(r)
	if err != nil {
		return addr, state.Account{}, err
	}
	acc, err := s.b.Account(addr)
	if errors.Is(err, engine.ErrNotFound) {
		return addr, state.Account{}, nil
	}
	return addr, acc, err
}

func (s *Server) balance(_ http.ResponseWriter, r *http.Request) (any, error) {
	addr, acc, err := s.lookupAccount(r)
	if err != nil {
		return nil, err
	}
	return api.BalanceResponse{Address: addr, Balance: types.Amount(acc.Balance)}, nil
}

func (s *Server) account(_ http.ResponseWriter, r *http.Request) (any, error) {
	addr, acc, err := s.lookupAccount(r)
	if err != nil {
		return nil, err
	}
	return api.AccountResponse{Address: addr, Balance: types.Amount(acc.Balance), Nonce: acc.Nonce}, nil
}

func (s *Server) block(_ http.ResponseWriter, r *http.Request) (any, error) {
	height, err := pathHeight(r)
	if err != nil {
		return nil, err
	}
	b, cert, err := s.b.Block(height)
	if err != nil {
		return nil, err
	}
	return blockJSON(b, cert), nil
}

func (s *Server) tx(_ http.ResponseWriter, r *http.Request) (any, error) {
	hash, err := types.ParseHash(r.PathValue("hash"))
	if err != nil {
		return nil, apiErr(http.StatusBadRequest, api.CodeBadHash, "%v", err)
	}
	info, err := s.b.Tx(hash)
	if err != nil {
		return nil, err
	}
	return txInfoJSON(info), nil
}

func (s *Server) mempool(_ http.ResponseWriter, r *http.Request) (any, error) {
	limit := s.cfg.MaxMempoolList
	if q := r.URL.Query(); q.Has("limit") {
		n, err := strconv.Atoi(q.Get("limit"))
		if err != nil || n < 0 || n > s.cfg.MaxMempoolList {
			return nil, apiErr(http.StatusBadRequest, api.CodeBadLimit, "limit %.40q: want 0..%d", q.Get("limit"), s.cfg.MaxMempoolList)
		}
		limit = n
	}
	txs, count, bytes := s.b.MempoolTxs(limit)
	out := api.MempoolResponse{Count: count, Bytes: bytes, Txs: make([]api.TxResponse, 0, len(txs))}
	for _, tx := range txs {
		if len(out.Txs) == limit {
			break
		}
		out.Txs = append(out.Txs, api.TxResponse{TxJSON: api.TxToJSON(tx), Hash: tx.Hash(), Status: api.TxPending})
	}
	return out, nil
}

func (s *Server) status(_ http.ResponseWriter, _ *http.Request) (any, error) {
	st := s.b.Status()
	out := api.StatusResponse{
		ChainID: st.ChainID, Version: st.NodeVersion, Head: headJSON(st.Head),
		Validators: st.Validators, MempoolTxs: st.MempoolTxs, MempoolBytes: st.MempoolBytes,
		SigverifyBackend: st.SigverifyBackend, IndexedHeight: st.IndexedHeight, Syncing: st.Syncing, Peers: st.Peers,
		GPU: api.GPUJSON{Present: st.GPU.Present, Healthy: st.GPU.Healthy, Reason: st.GPU.Reason, Name: st.GPU.Name,
			UtilizationPct: st.GPU.UtilizationPct, MemoryUsedBytes: st.GPU.MemoryUsedBytes, MemoryTotalBytes: st.GPU.MemoryTotalBytes,
			TemperatureC: st.GPU.TemperatureC, PowerMilliwatts: st.GPU.PowerMilliwatts, ECCErrors: st.GPU.ECCErrors,
			ThrottleReasons: st.GPU.ThrottleReasons},
	}
	if !st.Validator.IsZero() {
		out.Validator = st.Validator.String()
	}
	if h := st.Halted; h != nil {
		out.Halted = &api.HaltJSON{Height: h.Height, Hash: h.Hash, Reason: h.Reason}
	}
	return out, nil
}

// health is 200 while the node can read its head; load balancers take a
// node out on anything else.
func (s *Server) health(_ http.ResponseWriter, _ *http.Request) (any, error) {
	h, err := s.b.Head()
	if err != nil {
		s.log.Warn("health check failed", "err", err)
		return nil, apiErr(http.StatusServiceUnavailable, api.CodeUnhealthy, "head unavailable")
	}
	return api.HealthResponse{Status: "ok", Height: h.Height}, nil
}
