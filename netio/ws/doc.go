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
// "topics":[...],"subscriptions":{"new_blocks":"s7",...}} or
// {"op":"unsubscribed","topics":[...]} back. GET /ws/{topic} upgrades
// already subscribed to topic (an unknown topic is HTTP 404). A bad control
// message (malformed JSON, unknown op or topic, a binary frame, a message
// over MaxMessageBytes, a bad from_height) is answered with
// {"error":{"code":"...","message":"..."}} and the connection stays open;
// a message over 16 × MaxMessageBytes closes it (1009).
//
// Every published message is the JSON object given to Publish (or by the
// BlockSource) with two members put first: "sub", the id of the
// subscription it belongs to (unique on the server), and "seq", that
// subscription's sequence number, 1 for its first message. A gap in seq
// can only mean a lost connection, never a skipped message.
//
// # Resumable new_blocks
//
// With a BlockSource (SetBlockSource; the node always sets one),
// new_blocks is a feed: {"op":"subscribe","topics":["new_blocks"],
// "from_height":H} or GET /ws/new_blocks?from_height=H first replays every
// block from H out of the store, then continues with live blocks, with no
// gap and no duplicate even while blocks commit during the replay: each
// subscription is a cursor (the next height it is owed) and one goroutine
// (feed.go) hands every cursor its next block. Without from_height a
// subscription starts at the next block. Subscribing to new_blocks again
// with from_height restarts it (new id, seq from 1). A client that lost its
// connection resumes with from_height = the last height it received + 1.
// The node's commit path only calls NotifyBlock (an atomic store and a
// wake-up): encoding and fan-out happen on the feed goroutine, and a
// commit never waits for a subscriber.
//
// # Backpressure
//
// Publish never blocks. Each connection counts the bytes it has been
// handed that are not yet written to its socket (nbio reports written
// bytes through OnWrittenSize), bounded by Config.QueueBytes, so a slow
// client costs at most QueueBytes plus its socket buffers. A push message
// (new_transactions, consensus_events) that would pass the bound drops the
// subscriber. The block feed fills at most half the bound and then waits
// for the socket to drain, so a slow reader is paced rather than cut; one
// that takes nothing for Config.SlowTimeout is dropped. A dropped
// subscriber gets a close frame (1008) after what was queued, whose reason
// names the last height handed to it ("slow consumer; last height
// delivered N"), and is disconnected 5 s later; drops are counted in
// aitbc_ws_dropped_clients_total.
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
