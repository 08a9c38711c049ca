// Package indexer keeps the SQL index (engine.Index) behind the block
// store. Indexer is the node's goroutine that writes committed blocks in
// batches without ever blocking a commit; Replayer re-reads stored blocks
// and replays them from genesis on a replica state, so a block the
// indexer missed (queue full, database down, node restarted) is written
// with exactly the rows its live commit would have produced; Reindex
// rebuilds an index from the block store the same way (`aitbcd reindex`).
//
// Live commit, the indexer's re-read and Reindex all get their
// CommittedBlock from exec (exec.Committed, exec.Replay), and a test in
// storage/index checks the three give the same rows on SQLite and
// PostgreSQL.
package indexer
