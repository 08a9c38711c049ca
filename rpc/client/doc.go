// Package client is the Go client of the node's REST API, which the CLI
// (cmd/aitbcd) and the benchmarks (bench/...) use. Its methods map one to
// one onto routes and return the bodies of package rpc/api; it imports
// rpc/api and engine/types, never the server.
//
//	c := &client.Client{BaseURL: "http://127.0.0.1:9080"}
//	hash, err := c.SendTx(ctx, tx)
//	var ae *api.Error
//	if errors.As(err, &ae) && ae.Code == api.CodeBadNonce {
//		// ask c.Account for the nonce and sign again
//	}
//
// A non-2xx answer is an *api.Error with the HTTP status and the body's
// code and message (code "http_<status>" and the start of the body when it
// is not the error envelope); a 2xx answer that does not decode wraps
// api.ErrBadResponse; a transport failure is the wrapped net/http error.
// SendTxs sends up to api.MaxBatchTxs txs in one send_txs request and
// returns one api.SendTxsResult per tx. Answers are read up to 96 MiB (a
// full block's JSON). Client.HTTP nil means http.DefaultClient; give one
// with a timeout and a pool sized for the concurrency in use.
package client
