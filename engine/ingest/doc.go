// Package ingest is how txs enter the node: Admitter runs the admission
// of a tx from an RPC client (SubmitTx) or of a peer's batch
// (AdmitPeerTxs): the stateless rules, a claim's checks against the
// committed state, the signatures through exec.CheckSigs (one verifier
// batch per call, cached verdicts skipped), then exec.Ledger.Admit. An
// admitted tx is published and handed to the relay; Relay batches relayed
// txs into Gossip.BroadcastTxs calls of up to engine.MaxGossipTxs, at most
// one a relay interval (a full batch aside): the first tx after a quiet
// interval leaves at once, later ones when the interval since the last
// batch has passed.
//
// A peer's tx that fails a stateless rule or a signature is counted
// against the peer; nonce, fee, funds and duplicate rejections are normal
// traffic and are not.
package ingest
