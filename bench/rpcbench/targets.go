package rpcbench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"aitbc/engine/types"
	"aitbc/rpc/api"
	"aitbc/rpc/client"
)

// Kinds are the read endpoints `aitbcd bench rpc` can query, by the
// name --mix takes:
//
//	head     GET /rpc/get_head
//	status   GET /rpc/status
//	health   GET /health
//	balance  GET /rpc/get_balance/{address}
//	account  GET /rpc/get_account/{address}
//	block    GET /rpc/get_block/{height}
//	tx       GET /rpc/get_tx/{hash}
//	txs      GET /rpc/get_txs/{address}            (SQL index)
//	blocks   GET /rpc/get_blocks?from=&to= (10 blocks, SQL index)
var Kinds = []string{"head", "status", "health", "balance", "account", "block", "tx", "txs", "blocks"}

// DefaultMix is the mix when none is given: every kind but health
// (which is get_head without the hash). Kinds the node has nothing to
// answer with (no txs yet, no SQL index) are left out of the default mix
// with a note; named in --mix they are an error instead.
var DefaultMix = []string{"head", "status", "balance", "account", "block", "tx", "txs", "blocks"}

// blocksWindow is how many blocks one get_blocks query asks for.
const blocksWindow = 10

// Bounds on what discovery collects: enough distinct keys that the node
// cannot serve everything from one hot cache line, few enough that
// discovery takes a moment.
const (
	maxTxTargets    = 256
	maxAddrTargets  = 64
	maxBlockTargets = 64 // the newest heights: every height up to the head exists
)

// rpcQuery is one request of a kind: the URL and the value the answer
// must echo (an address, a height, a hash; "" when there is none).
type rpcQuery struct {
	url  string
	want string
}

// rpcTargets is what discovery found on the chain to query.
type rpcTargets struct {
	chainID  string
	head     uint64
	indexed  uint64 // the index's height at discovery
	hasIndex bool
	indexErr string   // why the index routes are unusable, when !hasIndex
	heights  []uint64 // newest first
	txs      []types.Hash
	addrs    []types.Address
	scanned  int // blocks read looking for txs
}

// discoverTargets asks the node for its head, then walks back from the
// head through up to scan blocks collecting tx hashes, senders,
// recipients and proposers, so that the bench reads data the chain has.
// On a chain with no txs the addresses are the validators' (this node's
// own, block proposers, get_validators).
func discoverTargets(ctx context.Context, c *client.Client, scan int, needIndex bool) (*rpcTargets, error) {
	st, err := c.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("bench: status: %w", err)
	}
	t := &rpcTargets{chainID: st.ChainID, head: st.Head.Height, indexed: st.IndexedHeight}
	seen := map[types.Address]bool{}
	addAddr := func(a types.Address) {
		if !seen[a] && len(t.addrs) < maxAddrTargets {
			seen[a] = true
			t.addrs = append(t.addrs, a)
		}
	}
	if st.Validator != "" {
		if a, err := types.ParseAddress(st.Validator); err == nil {
			addAddr(a)
		}
	}
	for h := t.head; h >= 1 && len(t.heights) < maxBlockTargets; h-- {
		t.heights = append(t.heights, h)
	}
	for h := t.head; h >= 1 && t.scanned < scan && len(t.txs) < maxTxTargets; h-- {
		b, err := c.Block(ctx, h)
		if err != nil {
			return nil, fmt.Errorf("bench: block %d: %w", h, err)
		}
		t.scanned++
		addAddr(b.Proposer)
		for i, hash := range b.TxHashes {
			if len(t.txs) < maxTxTargets {
				t.txs = append(t.txs, hash)
			}
			if i < len(b.Txs) {
				if tx, err := api.TxFromJSON(b.Txs[i]); err == nil {
					addAddr(tx.From())
					addAddr(tx.Recipient)
				}
			}
		}
	}
	if !needIndex {
		return t, nil
	}
	// The index routes answer 503 index_unavailable on a node without one.
	_, err = c.Blocks(ctx, 1, 1)
	var ae *api.Error
	switch {
	case err == nil:
		t.hasIndex = true
		if vs, err := c.Validators(ctx, 0); err == nil {
			for _, v := range vs.Validators {
				addAddr(v.Address)
			}
		}
	case errors.As(err, &ae) && ae.Code == api.CodeIndexUnavailable:
		t.indexErr = "the node runs without the SQL index"
	default:
		return nil, fmt.Errorf("bench: get_blocks: %w", err)
	}
	return t, nil
}

// rpcKind is one endpoint kind of a run: its queries, a check of the
// answer, and the tallies the workers keep.
type rpcKind struct {
	name    string
	queries []rpcQuery
	check   func(body []byte, want string) error
	next    atomic.Uint64 // round-robin over queries
	reqs    atomic.Int64
	errs    atomic.Int64
	hist    latencyHist
}

// queries builds kind's requests from t, or says why there are none.
func (t *rpcTargets) queries(base, kind string) ([]rpcQuery, string) {
	base = strings.TrimRight(base, "/")
	perAddr := func(path string) ([]rpcQuery, string) {
		if len(t.addrs) == 0 {
			return nil, "no addresses found (no txs, no validator address)"
		}
		q := make([]rpcQuery, len(t.addrs))
		for i, a := range t.addrs {
			q[i] = rpcQuery{url: base + path + a.String(), want: a.String()}
		}
		return q, ""
	}
	switch kind {
	case "head":
		return []rpcQuery{{url: base + "/rpc/get_head"}}, ""
	case "status":
		return []rpcQuery{{url: base + "/rpc/status", want: t.chainID}}, ""
	case "health":
		return []rpcQuery{{url: base + "/health"}}, ""
	case "balance":
		return perAddr("/rpc/get_balance/")
	case "account":
		return perAddr("/rpc/get_account/")
	case "block":
		if len(t.heights) == 0 {
			return nil, "the chain has no blocks yet"
		}
		q := make([]rpcQuery, len(t.heights))
		for i, h := range t.heights {
			s := strconv.FormatUint(h, 10)
			q[i] = rpcQuery{url: base + "/rpc/get_block/" + s, want: s}
		}
		return q, ""
	case "tx":
		if len(t.txs) == 0 {
			return nil, fmt.Sprintf("no txs in the %d blocks scanned", t.scanned)
		}
		q := make([]rpcQuery, len(t.txs))
		for i, h := range t.txs {
			q[i] = rpcQuery{url: base + "/rpc/get_tx/" + h.String(), want: h.String()}
		}
		return q, ""
	case "txs":
		if !t.hasIndex {
			return nil, t.indexErr
		}
		return perAddr("/rpc/get_txs/")
	case "blocks":
		if !t.hasIndex {
			return nil, t.indexErr
		}
		var q []rpcQuery
		for _, h := range t.heights {
			if h <= t.indexed {
				from := max(h, blocksWindow) - blocksWindow + 1
				q = append(q, rpcQuery{url: fmt.Sprintf("%s/rpc/get_blocks?from=%d&to=%d", base, from, h), want: fmt.Sprintf("%d-%d", from, h)})
			}
		}
		if len(q) == 0 {
			return nil, "the SQL index holds none of the blocks scanned yet"
		}
		return q, ""
	}
	return nil, "unknown kind"
}

// rpcChecks verify that an answer is the JSON the route promises and
// that it is about what was asked: a 200 with the wrong block is an
// error like any other.
var rpcChecks = map[string]func(body []byte, want string) error{
	"head": func(b []byte, _ string) error {
		var v struct {
			Height *uint64 `json:"height"`
			Hash   *string `json:"hash"`
		}
		if err := json.Unmarshal(b, &v); err != nil {
			return badJSON(err)
		}
		if v.Height == nil || v.Hash == nil || *v.Hash == "" {
			return missing("height and hash")
		}
		return nil
	},
	"status": func(b []byte, want string) error {
		var v struct {
			ChainID *string `json:"chain_id"`
			Head    *struct {
				Height *uint64 `json:"height"`
			} `json:"head"`
		}
		if err := json.Unmarshal(b, &v); err != nil {
			return badJSON(err)
		}
		if v.ChainID == nil || v.Head == nil || v.Head.Height == nil {
			return missing("chain_id and head.height")
		}
		return same("chain_id", *v.ChainID, want)
	},
	"health": func(b []byte, _ string) error {
		var v struct {
			Status string  `json:"status"`
			Height *uint64 `json:"height"`
		}
		if err := json.Unmarshal(b, &v); err != nil {
			return badJSON(err)
		}
		if v.Height == nil {
			return missing("height")
		}
		return same("status", v.Status, "ok")
	},
	"balance": func(b []byte, want string) error {
		var v struct {
			Address *string `json:"address"`
			Balance *string `json:"balance"`
		}
		if err := json.Unmarshal(b, &v); err != nil {
			return badJSON(err)
		}
		if v.Address == nil || v.Balance == nil {
			return missing("address and balance")
		}
		return same("address", *v.Address, want)
	},
	"account": func(b []byte, want string) error {
		var v struct {
			Address *string `json:"address"`
			Balance *string `json:"balance"`
			Nonce   *uint64 `json:"nonce"`
		}
		if err := json.Unmarshal(b, &v); err != nil {
			return badJSON(err)
		}
		if v.Address == nil || v.Balance == nil || v.Nonce == nil {
			return missing("address, balance and nonce")
		}
		return same("address", *v.Address, want)
	},
	"block": func(b []byte, want string) error {
		var v struct {
			Height *uint64 `json:"height"`
			Hash   *string `json:"hash"`
		}
		if err := json.Unmarshal(b, &v); err != nil {
			return badJSON(err)
		}
		if v.Height == nil || v.Hash == nil || *v.Hash == "" {
			return missing("height and hash")
		}
		return same("height", strconv.FormatUint(*v.Height, 10), want)
	},
	"tx": func(b []byte, want string) error {
		var v struct {
			Hash   *string `json:"hash"`
			Status string  `json:"status"`
		}
		if err := json.Unmarshal(b, &v); err != nil {
			return badJSON(err)
		}
		if v.Hash == nil {
			return missing("hash")
		}
		if err := same("hash", *v.Hash, want); err != nil {
			return err
		}
		return same("status", v.Status, api.TxCommitted)
	},
	"txs": func(b []byte, want string) error {
		var v struct {
			Address *string         `json:"address"`
			Txs     json.RawMessage `json:"txs"`
		}
		if err := json.Unmarshal(b, &v); err != nil {
			return badJSON(err)
		}
		if v.Address == nil || len(v.Txs) == 0 || v.Txs[0] != '[' {
			return missing("address and a txs list")
		}
		return same("address", *v.Address, want)
	},
	"blocks": func(b []byte, want string) error {
		var v struct {
			From   *uint64         `json:"from"`
			To     *uint64         `json:"to"`
			Blocks json.RawMessage `json:"blocks"`
		}
		if err := json.Unmarshal(b, &v); err != nil {
			return badJSON(err)
		}
		if v.From == nil || v.To == nil || len(v.Blocks) == 0 || v.Blocks[0] != '[' {
			return missing("from, to and a blocks list")
		}
		return same("range", fmt.Sprintf("%d-%d", *v.From, *v.To), want)
	},
}

func badJSON(err error) error { return fmt.Errorf("%w: not the route's JSON: %v", ErrWrongAnswer, err) }

func missing(fields string) error { return fmt.Errorf("%w: want %s", ErrWrongAnswer, fields) }

func same(field, got, want string) error {
	if got != want {
		return fmt.Errorf("%w: %s %.80q, asked for %.80q", ErrWrongAnswer, field, got, want)
	}
	return nil
}

// parseMix checks a --mix list: known kinds, each once.
func parseMix(mix []string) error {
	for i, k := range mix {
		if !slices.Contains(Kinds, k) {
			return fmt.Errorf("%w: unknown endpoint kind %q in the mix (want %s)", ErrBadConfig, k, strings.Join(Kinds, ", "))
		}
		if slices.Contains(mix[:i], k) {
			return fmt.Errorf("%w: endpoint kind %q twice in the mix", ErrBadConfig, k)
		}
	}
	return nil
}

// snippetOf is the start of an error body, for an error sample.
func snippetOf(b []byte) string {
	const n = 120
	if len(b) > n {
		b = b[:n]
	}
	return strings.ToValidUTF8(strings.TrimSpace(string(b)), "?")
}
