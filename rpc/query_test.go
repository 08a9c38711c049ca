package rpc

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"aitbc/engine"
	"aitbc/engine/state"
	"aitbc/engine/types"
	"aitbc/rpc/api"
	"aitbc/rpc/client"
	"aitbc/rpc/internal/rpctest"
	"aitbc/storage/index"
)

// indexFixture is the rpc fixture's chain in a real SQLite index: block 1
// (two alice→bob transfers) and block 2 (bob's receipt claim and a
// transfer from bob to alice).
type indexFixture struct {
	*fixture
	ix     *index.Index
	gen    *types.Genesis
	coord  ed25519.PrivateKey
	claim  *types.Tx
	claim2 *types.Tx // signed, not committed: for submitReceipt
	job    []byte
	back   *types.Tx
	srv    *httptest.Server
	srvOf  *Server // the Server behind srv
}

const mintPerUnit = 7

func newIndexFixture(t *testing.T, attach bool) *indexFixture {
	t.Helper()
	f := &indexFixture{fixture: newFixture(t), coord: rpctest.Key(9), job: []byte("job-42")}
	f.gen = &types.Genesis{ChainID: rpctest.ChainID, ConsensusMode: "poa", Params: types.DefaultParams()}
	f.gen.Params.MintPerUnit = mintPerUnit
	apub := f.alice.Public().(ed25519.PublicKey)
	f.gen.Authorities = []types.Authority{{Address: rpctest.Addr(f.alice), PubKey: types.HexBytes(apub), BLSPubKey: make([]byte, 48), Weight: 5}}
	bob := rpctest.Addr(f.bob)
	f.claim = &types.Tx{ChainID: rpctest.ChainID, Type: types.TxReceiptClaim, Nonce: 1, Fee: 500,
		Payload: types.NewReceiptClaim(rpctest.ChainID, f.job, 11, bob, f.coord).Encode()}
	f.claim.Sign(f.bob)
	f.claim2 = &types.Tx{ChainID: rpctest.ChainID, Type: types.TxReceiptClaim, Nonce: 3, Fee: 500,
		Payload: types.NewReceiptClaim(rpctest.ChainID, []byte("job-43"), 12, bob, f.coord).Encode()}
	f.claim2.Sign(f.bob)
	f.back = rpctest.SignedTx(f.bob, f.alice, 2, 9)
	block2 := &types.Block{Header: types.Header{ChainID: rpctest.ChainID, Height: 2, Time: f.block1.Header.Time + 1000, ParentHash: f.block1.Hash(),
		Proposer: rpctest.Addr(f.alice)}, Txs: []*types.Tx{f.claim, f.back}, LastCommit: f.cert1}
	cert2 := &types.CommitCert{Height: 2, BlockHash: block2.Hash(), Signers: types.NewBitmap(4)}
	f.b.blocks[2], f.b.certs[2] = block2, cert2

	ix, err := index.Open(context.Background(), "sqlite::memory:", testLogger(t), index.WithGenesis(f.gen))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ix.Close() })
	f.ix = ix
	for _, cb := range []*engine.CommittedBlock{
		{Block: f.block1, Cert: f.cert1, TxHashes: f.block1.TxHashes(), Accounts: []state.AccountUpdate{{Address: bob, Account: state.Account{Balance: 300}}}},
		{Block: block2, Cert: cert2, TxHashes: block2.TxHashes()}, // receipts rebuilt by the index
	} {
		if err := ix.IndexBlocks(context.Background(), []*engine.CommittedBlock{cb}); err != nil {
			t.Fatal(err)
		}
	}
	srv := NewServer(f.b, DefaultConfig(), nil, testLogger(t))
	if attach {
		srv.SetIndex(ix)
	}
	f.srvOf = srv
	f.srv = httptest.NewServer(srv.Handler())
	t.Cleanup(f.srv.Close)
	return f
}

func (f *indexFixture) receiptID() types.Hash {
	return types.ReceiptID(rpctest.ChainID, f.job, rpctest.Addr(f.bob), 11)
}

func TestQueryRoutes(t *testing.T) {
	f := newIndexFixture(t, true)
	alice, bob := rpctest.Addr(f.alice), rpctest.Addr(f.bob)
	id := f.receiptID()
	checkReceipt := func(t *testing.T, r api.ReceiptJSON) {
		if r.ID != id || string(r.JobID) != "job-42" || r.Miner != bob || r.Units != 11 || r.Minted != 11*mintPerUnit ||
			r.TxHash != f.claim.Hash() || r.Height != 2 || r.Index != 0 || len(r.Coordinator) != 32 {
			t.Fatalf("receipt %+v", r)
		}
	}
	tests := []struct {
		name, path string
		check      func(*testing.T, []byte)
	}{
		{"txs newest first", "/rpc/get_txs/" + alice.String(), func(t *testing.T, raw []byte) {
			var r api.TxsResponse
			decodeStrict(t, raw, &r)
			if r.Address != alice || len(r.Txs) != 3 || r.NextCursor != "" {
				t.Fatalf("%+v", r)
			}
			if r.Txs[0].Hash != f.back.Hash() || r.Txs[0].Height != 2 || r.Txs[0].Index != 1 || r.Txs[2].Hash != f.block1.Txs[0].Hash() {
				t.Fatalf("order %+v", r.Txs)
			}
			if r.Txs[1].Sender != alice || r.Txs[1].Recipient != bob || r.Txs[1].Amount != 200 || r.Txs[1].Fee != 500 || r.Txs[1].Status != "committed" || r.Txs[1].Type != "TRANSFER" {
				t.Fatalf("row %+v", r.Txs[1])
			}
		}},
		{"txs by 0x address", "/rpc/get_txs/0x" + strings.Repeat("00", 20), func(t *testing.T, raw []byte) {
			var r api.TxsResponse
			decodeStrict(t, raw, &r)
			if len(r.Txs) != 1 || r.Txs[0].Type != "RECEIPT_CLAIM" { // the claim's recipient is the zero address
				t.Fatalf("%+v", r)
			}
		}},
		{"blocks", "/rpc/get_blocks?from=1&to=5", func(t *testing.T, raw []byte) {
			var r api.BlocksResponse
			decodeStrict(t, raw, &r)
			if r.From != 1 || r.To != 5 || len(r.Blocks) != 2 || r.Blocks[0].Hash != f.block1.Hash() || r.Blocks[1].TxCount != 2 || r.Blocks[0].Proposer != alice {
				t.Fatalf("%+v", r)
			}
		}},
		{"blocks default to", "/rpc/get_blocks?from=2", func(t *testing.T, raw []byte) {
			var r api.BlocksResponse
			decodeStrict(t, raw, &r)
			if r.To != 101 || len(r.Blocks) != 1 {
				t.Fatalf("%+v", r)
			}
		}},
		{"receipt", "/rpc/get_receipt/" + id.String(), func(t *testing.T, raw []byte) {
			var r api.ReceiptJSON
			decodeStrict(t, raw, &r)
			checkReceipt(t, r)
		}},
		{"receipt compat", "/rpc/receipts/" + id.String(), func(t *testing.T, raw []byte) {
			var r api.ReceiptJSON
			decodeStrict(t, raw, &r)
			checkReceipt(t, r)
		}},
		{"receipts by text job", "/rpc/get_receipts?job_id=job-42", func(t *testing.T, raw []byte) {
			var r api.ReceiptsResponse
			decodeStrict(t, raw, &r)
			if len(r.Receipts) != 1 {
				t.Fatalf("%+v", r)
			}
			checkReceipt(t, r.Receipts[0])
		}},
		{"receipts by hex job", "/rpc/get_receipts?job_id=0x" + "6a6f622d3432", func(t *testing.T, raw []byte) {
			var r api.ReceiptsResponse
			decodeStrict(t, raw, &r)
			if len(r.Receipts) != 1 || r.Receipts[0].ID != id {
				t.Fatalf("%+v", r)
			}
		}},
		{"receipts of unknown job", "/rpc/get_receipts?job_id=nope", func(t *testing.T, raw []byte) {
			if string(raw) != "{\"receipts\":[]}\n" {
				t.Fatalf("%s", raw)
			}
		}},
		{"receipts by miner", "/rpc/get_receipts?miner=" + bob.String() + "&limit=5", func(t *testing.T, raw []byte) {
			var r api.ReceiptsResponse
			decodeStrict(t, raw, &r)
			if len(r.Receipts) != 1 || r.NextCursor != "" {
				t.Fatalf("%+v", r)
			}
		}},
		{"validators", "/rpc/get_validators", func(t *testing.T, raw []byte) {
			var r api.ValidatorsResponse
			decodeStrict(t, raw, &r)
			if r.Epoch != 0 || r.StartHeight != 1 || r.TotalWeight != 5 || len(r.Validators) != 1 || r.Validators[0].Address != alice || r.Validators[0].Weight != 5 {
				t.Fatalf("%+v", r)
			}
		}},
		{"validators at height", "/rpc/get_validators?height=2", func(t *testing.T, raw []byte) {
			var r api.ValidatorsResponse
			decodeStrict(t, raw, &r)
			if len(r.Validators) != 1 {
				t.Fatalf("%+v", r)
			}
		}},
		{"commit", "/rpc/get_commit/1", func(t *testing.T, raw []byte) {
			var c api.CommitJSON
			decodeStrict(t, raw, &c)
			if c.Height != 1 || c.BlockHash != f.block1.Hash() || c.SignersLen != 4 {
				t.Fatalf("%+v", c)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := call(t, f.srv, "GET", tc.path, "")
			if r.status != 200 {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			tc.check(t, r.body)
		})
	}
}

func TestTxsPaging(t *testing.T) {
	f := newIndexFixture(t, true)
	c := &client.Client{BaseURL: f.srv.URL}
	var got []types.Hash
	cursor := ""
	for range 5 {
		page, err := c.Txs(context.Background(), rpctest.Addr(f.alice), 1, cursor)
		if err != nil {
			t.Fatal(err)
		}
		for _, tx := range page.Txs {
			got = append(got, tx.Hash)
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	want := []types.Hash{f.back.Hash(), f.block1.Txs[1].Hash(), f.block1.Txs[0].Hash()}
	if len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Fatalf("paged %v, want %v", got, want)
	}
}

func TestQueryRouteErrors(t *testing.T) {
	f := newIndexFixture(t, true)
	alice := rpctest.Addr(f.alice).String()
	tests := []struct {
		name, path string
		status     int
		code       string
	}{
		{"bad address", "/rpc/get_txs/ait1nope", 400, api.CodeBadAddress},
		{"limit 0", "/rpc/get_txs/" + alice + "?limit=0", 400, api.CodeBadLimit},
		{"limit too big", "/rpc/get_txs/" + alice + "?limit=1001", 400, api.CodeBadLimit},
		{"limit not a number", "/rpc/get_txs/" + alice + "?limit=ten", 400, api.CodeBadLimit},
		{"limit padded", "/rpc/get_txs/" + alice + "?limit=010", 400, api.CodeBadLimit},
		{"unknown parameter", "/rpc/get_txs/" + alice + "?cusor=x", 400, api.CodeBadQuery},
		{"repeated parameter", "/rpc/get_txs/" + alice + "?limit=1&limit=2", 400, api.CodeBadQuery},
		{"bad query escape", "/rpc/get_txs/" + alice + "?limit=%zz", 400, api.CodeBadQuery},
		{"long query", "/rpc/get_txs/" + alice + "?cursor=" + strings.Repeat("A", 3000), 400, api.CodeBadQuery},
		{"bad cursor", "/rpc/get_txs/" + alice + "?cursor=garbage!", 400, api.CodeBadCursor},
		{"blocks without from", "/rpc/get_blocks?to=5", 400, api.CodeBadRange},
		{"blocks from 0", "/rpc/get_blocks?from=0&to=5", 400, api.CodeBadRange},
		{"blocks reversed", "/rpc/get_blocks?from=5&to=4", 400, api.CodeBadRange},
		{"blocks too many", "/rpc/get_blocks?from=1&to=1001", 400, api.CodeBadRange},
		{"blocks over int64", "/rpc/get_blocks?from=9223372036854775808", 400, api.CodeBadRange},
		{"blocks negative", "/rpc/get_blocks?from=-1", 400, api.CodeBadRange},
		{"receipt bad id", "/rpc/get_receipt/0x1234", 400, api.CodeBadHash},
		{"receipt unknown", "/rpc/get_receipt/0x" + strings.Repeat("ab", 32), 404, api.CodeNotFound},
		{"receipt compat unknown", "/rpc/receipts/0x" + strings.Repeat("ab", 32), 404, api.CodeNotFound},
		{"receipts no filter", "/rpc/get_receipts", 400, api.CodeBadQuery},
		{"receipts both filters", "/rpc/get_receipts?job_id=a&miner=" + alice, 400, api.CodeBadQuery},
		{"receipts job with limit", "/rpc/get_receipts?job_id=a&limit=2", 400, api.CodeBadQuery},
		{"receipts empty job", "/rpc/get_receipts?job_id=", 400, api.CodeBadQuery},
		{"receipts long job", "/rpc/get_receipts?job_id=" + strings.Repeat("j", 65), 400, api.CodeBadQuery},
		{"receipts bad hex job", "/rpc/get_receipts?job_id=0xzz", 400, api.CodeBadQuery},
		{"receipts bad miner", "/rpc/get_receipts?miner=bob", 400, api.CodeBadAddress},
		{"receipts miner bad limit", "/rpc/get_receipts?miner=" + alice + "&limit=0", 400, api.CodeBadLimit},
		{"receipts miner bad cursor", "/rpc/get_receipts?miner=" + alice + "&cursor=x", 400, api.CodeBadCursor},
		{"validators height 0", "/rpc/get_validators?height=0", 400, api.CodeBadHeight},
		{"validators unknown param", "/rpc/get_validators?epoch=1", 400, api.CodeBadQuery},
		{"commit height 0", "/rpc/get_commit/0", 400, api.CodeBadHeight},
		{"commit unknown", "/rpc/get_commit/99", 404, api.CodeNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := call(t, f.srv, "GET", tc.path, "")
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			if code := errorCode(t, r); code != tc.code {
				t.Fatalf("code %q, want %q: %s", code, tc.code, r.body)
			}
		})
	}
}

var indexRoutes = []string{
	"/rpc/get_txs/" + rpctest.Addr(rpctest.Key(1)).String(),
	"/rpc/get_blocks?from=1&to=2",
	"/rpc/get_receipt/0x" + strings.Repeat("ab", 32),
	"/rpc/receipts/0x" + strings.Repeat("ab", 32),
	"/rpc/get_receipts?job_id=x",
	"/rpc/get_receipts?miner=" + rpctest.Addr(rpctest.Key(1)).String(),
}

func checkUnavailable(t *testing.T, srv *httptest.Server) {
	t.Helper()
	for _, path := range indexRoutes {
		r := call(t, srv, "GET", path, "")
		if r.status != 503 || errorCode(t, r) != api.CodeIndexUnavailable || r.header.Get("Retry-After") == "" {
			t.Errorf("%s: %d %s, want 503 index_unavailable with Retry-After", path, r.status, r.body)
		}
	}
}

// A node configured without the index answers every query route 501
// index_disabled, with no Retry-After: retrying changes nothing.
func TestQueryRoutesIndexDisabled(t *testing.T) {
	f := newIndexFixture(t, false)
	f.srvOf.DisableIndex()
	for _, path := range indexRoutes {
		r := call(t, f.srv, "GET", path, "")
		if r.status != 501 || errorCode(t, r) != api.CodeIndexDisabled || r.header.Get("Retry-After") != "" {
			t.Errorf("%s: %d %v %s, want 501 index_disabled without Retry-After", path, r.status, r.header, r.body)
		}
	}
	// An index attached later (none in production, but SetIndex allows it) serves.
	f.srvOf.SetIndex(f.ix)
	if r := call(t, f.srv, "GET", "/rpc/get_blocks?from=1&to=2", ""); r.status != 200 {
		t.Errorf("with the index attached: %d %s", r.status, r.body)
	}
}

// Without an index the query routes say so; the state routes still work.
func TestQueryRoutesWithoutIndex(t *testing.T) {
	f := newIndexFixture(t, false)
	checkUnavailable(t, f.srv)
	if r := call(t, f.srv, "GET", "/rpc/get_balance/"+rpctest.Addr(f.bob).String(), ""); r.status != 200 {
		t.Fatalf("get_balance without an index: %d %s", r.status, r.body)
	}
	// Validation still comes first: a bad request is a 400 either way.
	if r := call(t, f.srv, "GET", "/rpc/get_blocks?from=0", ""); r.status != 400 {
		t.Fatalf("bad range without an index: %d", r.status)
	}
}

// An index that fails (its database is gone) answers 503, not 500.
func TestQueryRoutesIndexDown(t *testing.T) {
	f := newIndexFixture(t, true)
	if err := f.ix.Close(); err != nil {
		t.Fatal(err)
	}
	checkUnavailable(t, f.srv)

	down := NewServer(f.b, DefaultConfig(), nil, testLogger(t))
	down.SetIndex(failingIndex{errors.New("dial tcp 127.0.0.1:5432: connect: connection refused")})
	srv := httptest.NewServer(down.Handler())
	defer srv.Close()
	checkUnavailable(t, srv)

	corrupt := NewServer(f.b, DefaultConfig(), nil, testLogger(t))
	corrupt.SetIndex(failingIndex{&index.CorruptError{Table: "txs", Column: "amount", Cause: errors.New("x")}})
	srv2 := httptest.NewServer(corrupt.Handler())
	defer srv2.Close()
	if r := call(t, srv2, "GET", indexRoutes[0], ""); r.status != 500 || errorCode(t, r) != api.CodeInternal {
		t.Fatalf("corrupt row: %d %s", r.status, r.body)
	}
	down.SetIndex(nil)
	checkUnavailable(t, srv)
}

// failingIndex fails every query with err.
type failingIndex struct{ err error }

func (x failingIndex) LastIndexedHeight(context.Context) (uint64, error) { return 0, x.err }
func (x failingIndex) TxsByAddress(context.Context, types.Address, int, string) ([]index.TxRow, string, error) {
	return nil, "", x.err
}
func (x failingIndex) Blocks(context.Context, uint64, uint64) ([]index.BlockRow, error) {
	return nil, x.err
}
func (x failingIndex) Receipt(context.Context, types.Hash) (index.ReceiptRow, error) {
	return index.ReceiptRow{}, x.err
}
func (x failingIndex) ReceiptsByJob(context.Context, []byte) ([]index.ReceiptRow, error) {
	return nil, x.err
}
func (x failingIndex) ReceiptsByMiner(context.Context, types.Address, int, string) ([]index.ReceiptRow, string, error) {
	return nil, "", x.err
}

// claimObject is f.claim2's body with the payload as a structured object.
func claimObject(t *testing.T, tx *types.Tx, mutate func(m map[string]any)) string {
	t.Helper()
	rc, err := types.DecodeReceiptClaim(tx.Payload)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(rpctest.TxBody(t, tx)), &m); err != nil {
		t.Fatal(err)
	}
	m["payload"] = map[string]any{"job_id": string(rc.JobID), "units": rc.Units,
		"coordinator": types.HexBytes(rc.Coordinator[:]).String(), "coordinator_sig": types.HexBytes(rc.CoordinatorSig[:]).String()}
	delete(m, "type")
	delete(m, "amount")
	delete(m, "recipient")
	if mutate != nil {
		mutate(m)
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func TestSubmitReceipt(t *testing.T) {
	f := newIndexFixture(t, true)
	wantID := types.ReceiptID(rpctest.ChainID, []byte("job-43"), rpctest.Addr(f.bob), 12)
	for name, body := range map[string]string{
		"hex payload":        rpctest.TxBody(t, f.claim2),
		"structured payload": claimObject(t, f.claim2, nil),
		"units as string":    claimObject(t, f.claim2, func(m map[string]any) { m["payload"].(map[string]any)["units"] = "12" }),
	} {
		t.Run(name, func(t *testing.T) {
			r := call(t, f.srv, "POST", "/rpc/submitReceipt", body)
			if r.status != 200 {
				t.Fatalf("%d %s", r.status, r.body)
			}
			var out api.SubmitReceiptResponse
			decodeStrict(t, r.body, &out)
			if out.TxHash != f.claim2.Hash() || out.ReceiptID != wantID {
				t.Fatalf("%+v", out)
			}
		})
	}
	c := &client.Client{BaseURL: f.srv.URL}
	if out, err := c.SubmitReceipt(context.Background(), f.claim2); err != nil || out.ReceiptID != wantID {
		t.Fatalf("Client.SubmitReceipt = %+v, %v", out, err)
	}

	transfer := rpctest.SignedTx(f.alice, f.bob, 3, 1)
	obj := func(mut func(map[string]any)) string { return claimObject(t, f.claim2, mut) }
	payload := func(k string, v any) func(map[string]any) {
		return func(m map[string]any) { m["payload"].(map[string]any)[k] = v }
	}
	errs := []struct {
		name, body string
		status     int
		code       string
	}{
		{"transfer", rpctest.TxBody(t, transfer), 400, api.CodeBadField},
		{"no payload", obj(func(m map[string]any) { delete(m, "payload") }), 400, api.CodeBadField},
		{"payload number", obj(func(m map[string]any) { m["payload"] = 5 }), 400, api.CodeBadField},
		{"payload unknown field", obj(payload("extra", 1)), 400, api.CodeBadField},
		{"units zero", obj(payload("units", 0)), 400, api.CodeBadField},
		{"units negative", obj(payload("units", -1)), 400, api.CodeBadField},
		{"bad coordinator", obj(payload("coordinator", "0x12")), 400, api.CodeBadField},
		{"job too long", obj(payload("job_id", strings.Repeat("j", 65))), 400, api.CodeBadField},
		{"amount", obj(func(m map[string]any) { m["amount"] = "5" }), 400, api.CodeInvalidReceipt},
		{"bad payload bytes", obj(func(m map[string]any) { m["payload"] = "0x00" }), 400, api.CodeInvalidReceipt},
		{"unknown body field", obj(func(m map[string]any) { m["memo"] = "x" }), 400, api.CodeBadField},
		{"bad signature", obj(payload("units", 13)), 400, api.CodeBadSignature}, // signed over 12 units
	}
	for _, tc := range errs {
		t.Run(tc.name, func(t *testing.T) {
			r := call(t, f.srv, "POST", "/rpc/submitReceipt", tc.body)
			if r.status != tc.status || errorCode(t, r) != tc.code {
				t.Fatalf("%d %s, want %d %s", r.status, r.body, tc.status, tc.code)
			}
		})
	}
	f.b.submitErr = &state.ClaimedError{JobID: []byte("job-43")}
	r := call(t, f.srv, "POST", "/rpc/submitReceipt", rpctest.TxBody(t, f.claim2))
	if r.status != 409 || errorCode(t, r) != api.CodeReceiptClaimed {
		t.Fatalf("claimed twice: %d %s", r.status, r.body)
	}
}

func TestClientQueries(t *testing.T) {
	f := newIndexFixture(t, true)
	c := &client.Client{BaseURL: f.srv.URL}
	ctx := context.Background()
	if bs, err := c.Blocks(ctx, 1, 2); err != nil || len(bs.Blocks) != 2 {
		t.Fatalf("Blocks = %+v, %v", bs, err)
	}
	if r, err := c.Receipt(ctx, f.receiptID()); err != nil || r.Minted != 11*mintPerUnit {
		t.Fatalf("Receipt = %+v, %v", r, err)
	}
	if rs, err := c.ReceiptsByJob(ctx, f.job); err != nil || len(rs) != 1 {
		t.Fatalf("ReceiptsByJob = %+v, %v", rs, err)
	}
	if v, err := c.Validators(ctx, 1); err != nil || len(v.Validators) != 1 {
		t.Fatalf("Validators = %+v, %v", v, err)
	}
	if cm, err := c.Commit(ctx, 2); err != nil || cm.Height != 2 {
		t.Fatalf("Commit = %+v, %v", cm, err)
	}
	var ae *api.Error
	if _, err := c.Receipt(ctx, types.Hash{1}); !errors.As(err, &ae) || ae.Status != 404 {
		t.Fatalf("unknown receipt: %v", err)
	}
}
