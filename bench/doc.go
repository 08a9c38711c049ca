// Package bench measures the node from the outside: the sigverify bench
// (Sigverify) runs a signature backend over a range of batch sizes and
// prints verifies/s and batch latency next to a crypto/ed25519 baseline
// measured in the same run, so the ratio is not skewed by whatever else
// the machine is doing at the time.
//
// It sits above the engine with rpc, netio and storage: it imports gpu
// (the backends it measures), never the reverse. cmd/aitbcd's
// `aitbcd bench sigverify` is flag parsing over Sigverify.
//
// The load generator and finality meter (aitbcd bench load) will live
// here too.
package bench
