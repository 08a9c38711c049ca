// Package sigbench is `aitbcd bench sigverify`: signature verification
// throughput and per-call latency of each backend (cpu, kernel-host, cuda)
// per batch size, against crypto/ed25519 one signature at a time, and the
// batch size where a GPU overtakes the CPU (Sigverify, WriteTable). The
// baseline is measured in the same run, so the ratio is not skewed by
// whatever else the machine is doing at the time. It imports gpu (the
// backends it measures), never the reverse.
package sigbench
