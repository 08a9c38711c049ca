// Package rpc is the node's REST interface and its WebSocket topic bridge.
//
// Server serves the JSON API over net/http (Go 1.22 method patterns) on top
// of a Backend, which node.Node (engine/node) implements and tests replace with an
// in-memory twin. The wire conventions are fixed here and shared with the
// Client the CLI and the load generator use:
//
//   - heights, nonces, counts and sizes are JSON numbers; token amounts are
//     decimal strings (types.Amount), so 64-bit values survive JavaScript;
//   - hashes, keys, signatures and other bytes are "0x" + lowercase hex;
//   - addresses are written as bech32 "ait1…" and read as either that or
//     "0x" + 40 hex;
//   - a transaction is a TxJSON object (see TxFromJSON for the checks).
//
// Every error is {"error":{"code":"...","message":"..."}} with a matching
// HTTP status; codes are stable strings clients may switch on (see
// errors.go). Request bodies are bounded (Config.MaxBodyBytes), must be a
// single JSON value with no unknown fields and no trailing data. Route
// labels on the metrics are the registered patterns, never raw paths.
//
// POST /rpc/send_txs takes {"txs":[TxJSON…]}: at most MaxBatchTxs txs in at
// most Config.MaxBatchBodyBytes, decoded as a stream that stops at the
// first tx past the limit. A malformed batch is one error; a well-formed
// one is 200 with one SendTxsResult per tx ({"hash"} or {"error"}, the
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
// one stake record (StakeJSON; 404 no_stake without one, and on poa
// chains). GET /rpc/get_evidence?from=&limit= lists the
// evidence of double-signing the node recorded (EvidenceJSON: both signed
// messages, the validator's address and index, height, round and type, and
// the canonical encoding), from the block store, limit 1..100. Query
// parameters are validated and bounded (limit
// 1..1000, block ranges of at most 1000, unknown or repeated parameters
// rejected) with 400 errors. POST /rpc/submitReceipt takes a RECEIPT_CLAIM
// tx in the send_tx form, its payload as 0x-hex or as the structured
// {job_id, units, coordinator, coordinator_sig} object (SubmitReceiptJSON).
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
// WebSocket topics new_blocks, new_transactions and consensus_events; the
// netio/ws Server delivers them. In the node, new_blocks is the server's
// resumable block feed (UseBlockFeed: the commit path only notifies, the
// Bridge is the feed's BlockSource) and the other topics are encoded and
// fanned out on the Bridge's own goroutine (RunAsync), so no node loop
// ever encodes a message or waits for a subscriber; with a Publisher that
// is a SubscriberChecker (ws.Server) they are not even built while the
// topic has no subscriber. SigningWatch counts
// this validator's signed and missed commit certificates on the way.
package rpc
