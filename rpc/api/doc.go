// Package api is the wire form of the node's REST API and WebSocket
// topics: the JSON request and response bodies, the error envelope and its
// codes, and the decoders that check what a request carries. The server
// (package rpc) and the Go client (package rpc/client) both use it, and it
// imports nothing of either, nor of the engine beyond engine/types: a
// program that only talks to a node needs this package and the client.
//
// The conventions, fixed here for both sides:
//
//   - heights, nonces, counts and sizes are JSON numbers; token amounts are
//     decimal strings (types.Amount), so 64-bit values survive JavaScript;
//   - hashes, keys, signatures and other bytes are "0x" + lowercase hex;
//   - addresses are written as bech32 "ait1…" and read as either that or
//     "0x" + 40 hex;
//   - a transaction is a TxJSON object: TxToJSON writes the canonical form
//     and TxFromJSON reads it back, checking every field (see TxFromJSON
//     for the checks); a rejected field is a *FieldError naming it.
//
// Every error answer is an ErrorBody, {"error":{"code":"...","message":"..."}},
// with a matching HTTP status; the codes (Code*, errors.go) are stable
// strings clients may switch on. Error carries the status, code and
// message: the server's handlers return it, and the client returns it for
// any non-2xx answer:
//
//	var ae *api.Error
//	if errors.As(err, &ae) && ae.Code == api.CodeDuplicateTx {
//		// already admitted
//	}
//
// Each route has its body type (HeadResponse for get_head, BlockResponse
// for get_block, SendTxsRequest and SendTxsResponse for send_txs, …);
// BlockMessage, TxMessage and ConsensusMessage are the messages of the
// WebSocket topics. The server's openapi.yaml is the contract these types
// implement; its tests hold them to it.
package api
