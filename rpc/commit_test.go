package rpc

import (
	"context"
	"errors"
	"testing"

	"aitbc/engine/types"
	"aitbc/engine/validators"
	"aitbc/engine/validators/valtest"
	"aitbc/rpc/client"
	"aitbc/rpc/internal/rpctest"
)

// get_commit serves the stored certificate as it is (docs/spec.md
// §14.7); CommitJSON.Cert gives it back to a client, which verifies it
// against the set of its height: the set that signed it passes, another
// set is refused.
func TestGetCommitVerifiedByClientAgainstItsHeight(t *testing.T) {
	f := newFixture(t)
	set, keys := valtest.Set(valtest.Equal(4)...)
	signed := func(set *validators.Set, keys []valtest.Keys) *types.CommitCert {
		votes := make([]*types.Vote, 3) // a quorum of four
		for i := range votes {
			votes[i] = valtest.Vote(rpctest.ChainID, keys[i], types.Precommit, i, 1, 0, f.block1.Hash())
		}
		cert, err := set.MakeCommit(1, 0, f.block1.Hash(), votes)
		if err != nil {
			t.Fatal(err)
		}
		return cert
	}
	foreignVals := make([]validators.Validator, 4)
	foreignKeys := make([]valtest.Keys, 4)
	for i := range foreignVals {
		foreignVals[i], foreignKeys[i] = valtest.Validator(400+i, 1)
	}
	foreign, err := validators.NewSet(foreignVals)
	if err != nil {
		t.Fatal(err)
	}
	c := &client.Client{BaseURL: startServer(t, f.b, nil).URL}
	fetch := func(stored *types.CommitCert) *types.CommitCert {
		t.Helper()
		f.b.mu.Lock()
		f.b.certs[1] = stored
		f.b.mu.Unlock()
		got, err := c.Commit(context.Background(), 1)
		if err != nil {
			t.Fatal(err)
		}
		cert, err := got.Cert()
		if err != nil {
			t.Fatal(err)
		}
		if cert.Hash() != stored.Hash() {
			t.Fatalf("served certificate %+v, stored %+v", cert, stored)
		}
		return cert
	}

	cert := fetch(signed(set, keys))
	if err := set.VerifyCommit(rpctest.ChainID, cert); err != nil {
		t.Fatalf("against the set that signed height 1: %v", err)
	}
	if err := foreign.VerifyCommit(rpctest.ChainID, cert); !errors.Is(err, validators.ErrBadSignature) {
		t.Fatalf("against another set: %v, want ErrBadSignature", err)
	}
	// Served although another set signed it: the check is the client's.
	cert = fetch(signed(foreign, foreignKeys))
	if err := set.VerifyCommit(rpctest.ChainID, cert); !errors.Is(err, validators.ErrBadSignature) {
		t.Fatalf("another set's certificate against the set of height 1: %v, want ErrBadSignature", err)
	}
}
