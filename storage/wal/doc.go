// Package wal is the consensus write-ahead log: an append-only file of
// opaque records tagged with a height, synced before Write returns. The
// engine writes its own signed proposals and votes here before sending
// them, and replays the current height's records after a restart, so a
// validator never signs two different values for one height, round and
// step.
//
// File format, one record after another:
//
//	u32 BE length of body || u32 BE CRC-32C of body || body
//	body = u64 BE height || data
//
// Open reads the file and truncates it at the first record that is short
// or fails its checksum: the tail of a write torn by a crash. Truncate
// drops the records of decided heights by rewriting the file through a
// temporary file and an atomic rename.
package wal
