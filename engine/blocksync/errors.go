package blocksync

import "errors"

// ErrUnsolicited is a block-sync answer this node did not ask for: no
// request to that peer outstanding, or heights outside the request. The
// node drops it and counts it against the peer (Gossip.Penalize).
var ErrUnsolicited = errors.New("unsolicited block-sync answer")
