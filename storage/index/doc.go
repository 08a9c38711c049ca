// Package index is the node's queryable SQL index of committed blocks, txs,
// accounts, AI compute receipts and validator sets, written asynchronously
// behind the block store. *Index
// implements engine.Index and adds the read queries the RPC serves.
//
// # Databases
//
// Open takes DATABASE_URL. SQLite (mattn/go-sqlite3) is the default:
//
//	sqlite:///var/lib/aitbc/index.db   absolute path
//	sqlite://data/index.db             path relative to the working directory
//	sqlite::memory:                    private in-memory database (tests)
//
// A SQLite file is opened in WAL mode with a busy timeout and foreign keys
// on, through two pools: one writer connection (BEGIN IMMEDIATE, so a
// writer never fails to upgrade a read lock) and a small read-only pool
// that WAL lets run beside it. synchronous=NORMAL: the index is rebuilt
// from the block store (aitbcd reindex), so a power loss that rolls back
// the last index transactions loses nothing — LastIndexedHeight rolls back
// with them and the engine feeds those blocks again.
//
// PostgreSQL (pgx's database/sql driver, registered as "pgx") takes
// postgres:// and postgresql:// URLs, passed to pgx as they are
// (sslmode, connect_timeout, search_path, … work). One pool (16
// connections, WithMaxConns) serves the writer and the readers; Open pings
// the server within 10 s. Errors and logs show the server as Redacted
// (user, host, port, database) and never the password: driver errors are
// scrubbed of it (redact.go). Any PostgreSQL-compatible server works: the
// schema and queries use only what SQLite and PostgreSQL share (BIGINT,
// TEXT, INTEGER, CHECK, REFERENCES … ON DELETE CASCADE, multi-row INSERT
// … ON CONFLICT (key) DO UPDATE … WHERE, row-value comparison, LIMIT ?),
// written once with ? placeholders and rebound per dialect (sqlx.Rebind).
// Two processes migrating one new PostgreSQL database at once: the loser's
// migration fails and rolls back, and it goes on from the winner's version.
//
// WithGenesis ties a database to one chain (index_meta genesis_hash; a
// database of another chain is refused with *ChainError), records validator
// set epoch 0 from the genesis authorities, and gives the mint_per_unit that
// prices receipts of blocks arriving without CommittedBlock.Receipts.
//
// docs/index.md is the operator's view: schema, URL forms, INDEX_REQUIRED,
// reindex, running PostgreSQL.
//
// # Schema and migrations
//
// Migrations are embedded (migrations/NNNN_name.sql), applied in order,
// each in its own transaction together with its row in schema_version. A
// database whose version is newer than the binary knows is refused with a
// *SchemaTooNewError rather than written to.
//
// Amounts (tx amount and fee, account balance) are uint64, which neither
// SQLite's INTEGER nor PostgreSQL's BIGINT (both signed 64-bit) holds
// losslessly, and SQLite's NUMERIC affinity would turn large values into
// floats. They are stored as TEXT of exactly 20 decimal digits, zero
// padded: lossless, identical in both dialects, and ordered as numbers by
// plain string comparison (ORDER BY balance works). Heights, times and
// nonces are BIGINT; values above 2^63-1 are refused (ErrOutOfRange).
// Hashes are 0x-hex text and addresses canonical ait1… text, the same
// forms the RPC shows.
//
// # Writes
//
// IndexBlocks writes a batch in one transaction: block rows and account
// rows are upserts, a block's txs are deleted and re-inserted, and the
// last indexed height (a row in index_meta) is updated in the same
// transaction, so re-indexing a height yields identical rows and a crash
// leaves the index at a batch boundary. Heights in a batch must be
// contiguous and may not skip past LastIndexedHeight+1 (ErrGap), so every
// height at or below LastIndexedHeight is indexed. An account row only
// moves forward: re-indexing an old height does not overwrite newer state.
//
// # Paging
//
// TxsByAddress pages newest first by (height, idx) with an opaque cursor
// naming the last row returned; the next page starts strictly after it,
// so rows are returned exactly once across pages even while blocks are
// being added. ReceiptsByMiner pages the same way.
//
// # Rebuilding
//
// Reindex rebuilds the index from the block store by replaying every
// block through the ledger (engine/state) from genesis, checking each
// replayed state root against the header, and writing the same
// CommittedBlock rows the pipeline wrote at commit time (`aitbcd reindex`).
package index
