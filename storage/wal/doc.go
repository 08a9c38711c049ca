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
// Open reads the file and truncates a last record that is short or fails
// its checksum: the tail of a write torn by a crash. A damaged record with
// more of the file after it is not a torn write but corruption, and Open
// refuses with ErrCorrupt naming the file and the offset: dropping it
// would drop the later records too, the validator's own votes among them,
// and it could then sign twice. (Move the file aside only once this
// validator's votes for the current height are otherwise known.) Truncate
// drops the records of decided heights by rewriting the file through a
// temporary file and an atomic rename.
package wal
