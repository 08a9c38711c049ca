// Package rpc is the node's REST server and its WebSocket topic bridge.
//
// Server serves the JSON API over net/http (Go 1.22 method patterns) on top
// of a Backend, which node.Node (engine/node) implements and tests replace with an
// in-memory twin. The wire form is package rpc/api's, which the Go client
// (rpc/client) shares: the request and response bodies, their conventions
// (decimal-string amounts, "0x" hex, bech32 addresses, api.TxJSON) and the
// error codes. This package decodes requests with api's decoders
// (api.TxFromJSON and the rest) and renders what the Backend and the Index
// return into api's bodies (convert.go). The node wires it up as
//
//	srv := rpc.NewServer(node, cfg, rpc.NewMetrics(reg), log)
//	srv.SetIndex(ix) // or srv.DisableIndex() on a node without one
//	go srv.HTTPServer().Serve(ln)
//
// Every error is {"error":{"code":"...","message":"..."}} (api.ErrorBody)
// with a matching HTTP status; codes are stable strings clients may switch
// on (api.Code*; classify.go maps the engine's errors to them). Request
// bodies are bounded (Config.MaxBodyBytes), must be a
// single JSON value with no unknown fields and no trailing data. Route
// labels on the metrics are the registered patterns, never raw paths.
//
// POST /rpc/send_txs takes {"txs":[api.TxJSON…]}: at most api.MaxBatchTxs txs in at
// most Config.MaxBatchBodyBytes, decoded as a stream that stops at the
// first tx past the limit. A malformed batch is one error; a well-formed
// one is 200 with one api.SendTxsResult per tx ({"hash"} or {"error"}, the
// code send_tx would give that tx alone), and all its txs go to
// Backend.SubmitTxs together: one signature batch per request.
//
// The query routes (get_txs, get_blocks, get_receipt, get_receipts and
// the compatibility route receipts/{id}) read the SQL
// index through the Index interface, which *index.Index implements; attach
// it with Server.SetIndex. On a node without one by configuration
// (Server.DisableIndex: DATABASE_URL empty, a validator's default) they
// answer 501 index_disabled; with one that could not be opened, or while
// its database is down, 503 index_unavailable (with Retry-After); balances,
// nonces, blocks, txs and commits always come from the Backend, the
// authoritative state. GET /rpc/get_validators?height= serves the set that
// signs a height (default head+1) from the node's sets by epoch
// (Backend.ValidatorsAt), each member joined with its stake record (kind,
// bonded stake, status, missed blocks); GET /rpc/get_stake/{address} serves
// one stake record (api.StakeJSON; 404 no_stake without one, and on poa
// chains). GET /rpc/get_evidence?from=&limit= lists the
// evidence of double-signing the node recorded (api.EvidenceJSON: both signed
// messages, the validator's address and index, height, round and type, and
// the canonical encoding), from the block store, limit 1..100. Query
// parameters are validated and bounded (limit
// 1..1000, block ranges of at most 1000, unknown or repeated parameters
// rejected) with 400 errors. POST /rpc/submitReceipt takes a RECEIPT_CLAIM
// tx in the send_tx form, its payload as 0x-hex or as the structured
// {job_id, units, coordinator, coordinator_sig} object (api.SubmitReceiptJSON).
//
// openapi.yaml (OpenAPI 3.1) is the contract of every route, embedded and
// served as JSON at GET /openapi.json; openapi_test.go validates real
// responses against it and keeps it and the route table in step.
//
// Limits (limit.go) run before routing and before any body is read: a
// token bucket per source address (Config.RateLimit, RateBurst; 429
// rate_limited with Retry-After), a cap on one address's open connections
// (Config.MaxConnsPerAddr, applied by the http.Server HTTPServer returns;
// 429 too_many_connections, then the connection closes), and a 413 for a
// Content-Length over MaxBodyBytes, sent instead of a 100 Continue. Source
// addresses are keyed by internal/addrlimit (IPv6 by /64).
//
// Bridge turns the engine's Broadcaster callbacks into JSON messages on the
// WebSocket topics new_blocks, new_transactions and consensus_events
// (api.BlockMessage, api.TxMessage, api.ConsensusMessage); the
// netio/ws Server delivers them. In the node, new_blocks is the server's
// resumable block feed (UseBlockFeed: the commit path only notifies, the
// Bridge is the feed's BlockSource) and the other topics are encoded and
// fanned out on the Bridge's own goroutine (RunAsync), so no node loop
// ever encodes a message or waits for a subscriber; with a Publisher that
// is a SubscriberChecker (ws.Server) they are not even built while the
// topic has no subscriber. SigningWatch counts
// this validator's signed and missed commit certificates on the way.
package rpc
