// Command aitbc-sim runs the deterministic cluster simulator (engine/sim).
//
//	aitbc-sim -seed S        run seed S and print "seed S trace <hex>"
//	aitbc-sim -seeds N       run seeds 1..N; print a line per failing seed
//	                         and a summary; exit 1 if any seed fails
//
// -responsive 10ms runs responsive blocks (MIN_BLOCK_INTERVAL 10 ms).
// -byzantine MODE gives node seed%4 a byzantine behaviour from the
// simulator's catalogue (-byzantine all: a mode per seed; -byzantine each:
// every mode, "mixed" included, on every seed of -seeds N). Flags
// -validators, -duration and -quiet change the run; -v prints every
// seed's line and the node logs of a single seed; -cpuprofile FILE writes
// a CPU profile of the run.
package main
