// Command aitbcd is the AITBC chain node: it wires the engine to its
// edges (Badger block store, SQL index, gossip, REST and WebSocket RPC, metrics)
// and offers the operator commands. Flag parsing and wiring only: every
// rule lives in the packages it wires.
//
//	aitbcd init     --home DIR            write config, keys and a genesis for a new chain
//	aitbcd genesis  --chain-id ID --authority FILE...   genesis of a multi-validator network
//	aitbcd start    [--config FILE]       run a node
//	aitbcd devnet   [--validators N] [--dir DIR]   generate and run a local network
//	aitbcd keys new --out FILE [--type ed25519|bls]
//	aitbcd keys show --key FILE
//	aitbcd tx send  --rpc URL --key FILE --to ADDR --amount N [--fee N] [--wait]
//	aitbcd tx claim-receipt --rpc URL --key FILE --coordinator-key FILE --job-id ID --units N
//	aitbcd tx stake --rpc URL --key FILE [--validator-key FILE] --amount N
//	aitbcd tx unstake --rpc URL --key FILE --amount N
//	aitbcd tx unjail --rpc URL --key FILE
//	aitbcd reindex  [--config FILE]       rebuild the SQL index
//	aitbcd bench    sigverify | load | rpc
//	aitbcd version
//
// Run `aitbcd help` or `aitbcd COMMAND -h` for every flag.
package main
