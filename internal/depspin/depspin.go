package depspin

import (
	_ "filippo.io/edwards25519"
	_ "github.com/BurntSushi/toml"
	_ "github.com/NVIDIA/go-nvml/pkg/nvml"
	_ "github.com/consensys/gnark-crypto/ecc/bls12-381"
	_ "github.com/dgraph-io/badger/v4"
	_ "github.com/hdevalence/ed25519consensus"
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "github.com/jmoiron/sqlx"
	_ "github.com/lesismal/nbio/nbhttp/websocket"
	_ "github.com/mattn/go-sqlite3"
	_ "github.com/oasisprotocol/curve25519-voi/primitives/ed25519"
	_ "github.com/panjf2000/gnet/v2"
	_ "github.com/prometheus/client_golang/prometheus"
)
