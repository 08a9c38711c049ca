// Package addrlimit is the per-source-address bookkeeping shared by the
// REST server (rpc) and the WebSocket server (netio/ws): which address a
// connection counts against, and how many connections each address holds.
//
// Key turns a remote address ("ip:port", as net/http and nbio report it)
// into the address a limit is charged to. IPv4 addresses count alone; an
// IPv6 address counts by its /64 prefix, because one host is routinely
// handed a whole /64 and could otherwise mint a fresh address (and a fresh
// allowance) per connection. An IPv4-mapped IPv6 address counts as the
// IPv4 address it carries.
//
// Counter caps concurrent holders per key. Its map only holds keys with at
// least one holder, so its size is bounded by the open connections, not by
// how many addresses ever connected.
package addrlimit
