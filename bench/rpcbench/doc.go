// Package rpcbench is the read-path bench behind `aitbcd bench rpc`
// (Run, Config, Report).
//
// Run discovers what the chain holds (newest heights, tx hashes, senders,
// recipients, proposers, validators), then Config.Concurrency keep-alive
// workers issue the endpoint kinds of the mix (Kinds; DefaultMix when
// none is given) in turn for the duration, checking every answer (a 200
// with the route's JSON about what was asked; anything else is an error
// counted per kind, ErrWrongAnswer, never fatal), and it reports
// requests, req/s and latency percentiles per kind (WriteTable prints
// them). Ctrl-C (the context ending) yields the partial report.
//
//	rep, err := rpcbench.Run(ctx, rpcbench.Config{URL: "http://127.0.0.1:9080",
//		Concurrency: 32, Mix: []string{"head", "block", "tx"}}, os.Stdout)
package rpcbench
