// Package rpctest holds what the tests of rpc, rpc/api and rpc/client
// share: the chain id, keys and signed txs of their fixture chain, and a
// tx's send_tx body. It is imported by tests only: NewTxs gives the
// fixture's accounts, SignedTx a transfer between two of them.
package rpctest
