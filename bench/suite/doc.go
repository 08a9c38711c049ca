// Package suite is `aitbcd bench suite`: it starts fresh devnets as
// child processes of the aitbcd binary, measures the machine's signature
// ceiling, the idle devnet's CPU, open-loop load sweeps up to saturation
// at each block-time setting and a single validator fed by send_txs
// batches, and writes the report (package report) under a directory
// named after the UTC start time. Node CPU is read from /proc for the
// devnet process, which holds every node of the devnet. A lost tx
// (accepted, never committed) fails the run after the report is written.
package suite
