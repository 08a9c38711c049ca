package rpc

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"aitbc/engine"
	"aitbc/engine/types"
	"aitbc/rpc/api"
	"aitbc/rpc/client"
)

// rpcEvidence is a duplicate vote by validator idx at height h, or (with
// proposal) a duplicate proposal; signatures are placeholders.
func rpcEvidence(t testing.TB, h uint64, idx uint32, proposal bool) *types.Evidence {
	t.Helper()
	addr, key := types.Address{0xee, byte(idx)}, [types.BLSPubKeyLen]byte{0xbb, byte(idx)}
	var ev *types.Evidence
	var err error
	if proposal {
		a := &types.Proposal{Height: h, Round: 2, POLRound: -1, BlockHash: types.Sum256([]byte("a"))}
		b := &types.Proposal{Height: h, Round: 2, POLRound: 0, BlockHash: types.Sum256([]byte("a"))}
		a.Sig[0], b.Sig[0] = 1, 2
		ev, err = types.NewDuplicateProposalEvidence(a, b, idx, addr, key)
	} else {
		a := &types.Vote{Type: types.Precommit, Height: h, Round: 1, BlockHash: types.Sum256([]byte("x")), ValidatorIndex: idx}
		b := &types.Vote{Type: types.Precommit, Height: h, Round: 1, ValidatorIndex: idx} // nil vote
		a.Sig[0], b.Sig[0] = 3, 4
		ev, err = types.NewDuplicateVoteEvidence(a, b, addr, key)
	}
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func TestGetEvidence(t *testing.T) {
	f := newFixture(t)
	vote, prop, later := rpcEvidence(t, 3, 2, false), rpcEvidence(t, 3, 1, true), rpcEvidence(t, 8, 0, false)
	f.b.evidence = []*types.Evidence{vote, prop, later}
	f.b.included = map[types.Hash]uint64{prop.Hash(): 5} // a block at 5 applied it
	srv := startServer(t, f.b, nil)

	r := call(t, srv, "GET", "/rpc/get_evidence", "")
	if r.status != 200 {
		t.Fatalf("get_evidence: %d %s", r.status, r.body)
	}
	var out api.EvidenceResponse
	decodeStrict(t, r.body, &out)
	if out.From != 1 || out.Limit != DefaultEvidenceLimit || len(out.Evidence) != 3 {
		t.Fatalf("from %d limit %d, %d pieces", out.From, out.Limit, len(out.Evidence))
	}
	e := out.Evidence[0]
	if e.Hash != vote.Hash() || e.Kind != "duplicate_vote" || e.Type != "precommit" || e.Height != 3 || e.Round != 1 ||
		e.ValidatorIndex != 2 || e.Validator != vote.Validator || e.ProposalA != nil || e.ProposalB != nil {
		t.Fatalf("vote evidence %+v", e)
	}
	if e.VoteA == nil || e.VoteB == nil || !e.VoteA.BlockHash.IsZero() || e.VoteB.BlockHash != vote.VoteB.BlockHash ||
		e.VoteA.Type != "precommit" || e.VoteB.ValidatorIndex != 2 || e.VoteA.Sig[0] != 4 || len(e.VoteB.Sig) != types.BLSSigLen {
		t.Fatalf("votes %+v %+v", e.VoteA, e.VoteB)
	}
	back, err := types.DecodeEvidence(e.Encoding)
	if err != nil || back.Hash() != e.Hash {
		t.Fatalf("encoding does not decode to the evidence: %v", err)
	}
	if e.IncludedHeight != 0 || out.Evidence[1].IncludedHeight != 5 {
		t.Fatalf("included heights %d and %d, want 0 (no block yet) and 5", e.IncludedHeight, out.Evidence[1].IncludedHeight)
	}
	p := out.Evidence[1]
	if p.Kind != "duplicate_proposal" || p.Type != "proposal" || p.VoteA != nil || p.ProposalA == nil || p.ProposalB == nil ||
		p.ProposalA.POLRound != 0 || p.ProposalB.POLRound != -1 || p.ValidatorIndex != 1 {
		t.Fatalf("proposal evidence %+v", p)
	}

	decodeStrict(t, call(t, srv, "GET", "/rpc/get_evidence?from=4&limit=5", "").body, &out)
	if out.From != 4 || out.Limit != 5 || len(out.Evidence) != 1 || out.Evidence[0].Hash != later.Hash() {
		t.Fatalf("from=4: %+v", out)
	}
	decodeStrict(t, call(t, srv, "GET", "/rpc/get_evidence?limit=1", "").body, &out)
	if len(out.Evidence) != 1 || out.Evidence[0].Hash != vote.Hash() {
		t.Fatalf("limit=1: %d pieces", len(out.Evidence))
	}
	r = call(t, srv, "GET", "/rpc/get_evidence?from=9", "")
	if r.status != 200 || string(r.body) != `{"from":9,"limit":100,"evidence":[]}`+"\n" {
		t.Fatalf("nothing recorded from 9: %d %s", r.status, r.body)
	}

	// The Client reads the same answer.
	c := &client.Client{BaseURL: srv.URL, HTTP: srv.Client()}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	got, err := c.Evidence(ctx, 0, 2)
	if err != nil || len(got.Evidence) != 2 || got.Evidence[1].Hash != prop.Hash() || got.Limit != 2 {
		t.Fatalf("Client.Evidence: %+v, %v", got, err)
	}
	var ae *api.Error
	if _, err := c.Evidence(ctx, 0, MaxEvidenceLimit+1); !errors.As(err, &ae) || ae.Status != 400 || ae.Code != api.CodeBadLimit {
		t.Fatalf("Client.Evidence over the limit: %v", err)
	}
}

// Bad parameters are 400 JSON errors naming the problem; limits are bounded.
func TestGetEvidenceRejects(t *testing.T) {
	f := newFixture(t)
	srv := startServer(t, f.b, nil)
	tests := []struct {
		name, query string
		code        string
	}{
		{"from 0", "from=0", api.CodeBadHeight},
		{"from negative", "from=-1", api.CodeBadHeight},
		{"from text", "from=abc", api.CodeBadHeight},
		{"from padded", "from=01", api.CodeBadHeight},
		{"from over int64", "from=9223372036854775808", api.CodeBadHeight},
		{"limit 0", "limit=0", api.CodeBadLimit},
		{"limit over max", fmt.Sprintf("limit=%d", MaxEvidenceLimit+1), api.CodeBadLimit},
		{"limit huge", "limit=99999999999999999999", api.CodeBadLimit},
		{"unknown parameter", "height=3", api.CodeBadQuery},
		{"repeated parameter", "from=1&from=2", api.CodeBadQuery},
		{"bad escape", "from=%zz", api.CodeBadQuery},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := call(t, srv, "GET", "/rpc/get_evidence?"+tc.query, "")
			if r.status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400: %s", r.status, r.body)
			}
			if code := errorCode(t, r); code != tc.code {
				t.Fatalf("code %q, want %q: %s", code, tc.code, r.body)
			}
		})
	}
	if r := call(t, srv, "POST", "/rpc/get_evidence", "{}"); r.status != http.StatusMethodNotAllowed {
		t.Fatalf("POST: %d", r.status)
	}
	// A store that fails is an internal error; its text stays in the log.
	f.b.evErr = errors.New("blockstore: corrupt evidence record")
	r := call(t, srv, "GET", "/rpc/get_evidence", "")
	if r.status != http.StatusInternalServerError || errorCode(t, r) != api.CodeInternal {
		t.Fatalf("failing store: %d %s", r.status, r.body)
	}
	f.b.evErr = fmt.Errorf("store: %w", engine.ErrStopped)
	if r := call(t, srv, "GET", "/rpc/get_evidence", ""); r.status != http.StatusServiceUnavailable {
		t.Fatalf("stopped node: %d %s", r.status, r.body)
	}
}
