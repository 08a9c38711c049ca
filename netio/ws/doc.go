// Package ws is the node's WebSocket server: clients subscribe to the topics
// new_blocks, new_transactions and consensus_events and receive every
// message published on them, in publish order.
//
// It runs on nbio's non-blocking engine (nbhttp + nbhttp/websocket): a few
// poller goroutines serve every connection; there is no goroutine per
// client.
//
// # Protocol
//
// GET /ws upgrades and subscribes to nothing; the client then sends text
// messages {"op":"subscribe","topics":["new_blocks",...]} or
// {"op":"unsubscribe","topics":[...]} and gets {"op":"subscribed",
// "topics":[...]} or {"op":"unsubscribed","topics":[...]} back. GET
// /ws/{topic} upgrades already subscribed to topic (an unknown topic is HTTP
// 404). A bad control message (malformed JSON, unknown op or topic, a binary
// frame, a message over MaxMessageBytes) is answered with
// {"error":{"code":"...","message":"..."}} and the connection stays open;
// a message over 16 × MaxMessageBytes closes it (1009). Published messages
// are sent as they are: JSON objects that carry their own "topic".
//
// # Backpressure
//
// Publish never blocks. It encodes the frame once and hands it to every
// subscriber's connection; nbio writes what the socket takes and buffers the
// rest. Each connection counts the frames it has been handed that are not
// yet fully written to the socket (nbio reports written bytes through
// OnWrittenSize); when that count reaches Config.QueueLen the subscriber is
// too slow and is dropped: closed and counted in
// aitbc_ws_dropped_clients_total. A slow client therefore costs at most
// QueueLen frames of memory plus its socket buffers, and never delays the
// node or the other clients.
//
// # Connection caps
//
// Config.MaxConns caps connections in all (past it an upgrade is 503);
// Config.MaxConnsPerAddr caps one source address's, keyed by
// internal/addrlimit (IPv6 by /64): past it an upgrade is 429
// too_many_connections with Retry-After. Both count a connection from the
// upgrade request until its close.
//
// # Keepalive
//
// The server pings every client every PingInterval; a client that sends
// nothing (no pong, no message) for PingInterval + PongTimeout is closed.
//
// All frame writes happen under one mutex, so a subscriber's queue order is
// its wire order and a subscribe reply always precedes the topic's first
// message.
package ws
