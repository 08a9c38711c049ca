// Package wsclient is the minimal RFC 6455 WebSocket client the load
// and ws benches share (bench/load follows new_blocks with it,
// bench/wsbench opens its subscribers with it): Dial completes the
// handshake, WriteFrame sends a masked frame, ReadMessage returns whole
// messages and Skim keeps only a message's head, both answering pings on
// the way. Errors wrap ErrBadConfig (a bad URL) or ErrWebSocket (the
// server broke the protocol or refused the upgrade), the bench package's
// sentinels. It is internal to bench: nothing outside the benches needs
// a WebSocket client.
package wsclient
