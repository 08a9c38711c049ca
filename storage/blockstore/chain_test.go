package blockstore

import (
	"errors"
	"testing"

	"aitbc/engine/types"
)

func TestCheckChain(t *testing.T) {
	dir := t.TempDir()
	genesis := types.Sum256([]byte("genesis"))
	s := openDir(t, dir)
	if err := s.CheckChain(testChainID, genesis); err != nil {
		t.Fatalf("first CheckChain: %v", err)
	}
	if err := s.CheckChain(testChainID, genesis); err != nil {
		t.Fatalf("same chain again: %v", err)
	}
	if err := s.CheckChain("bad chain id", genesis); err == nil {
		t.Fatal("invalid chain id accepted")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = openDir(t, dir)
	defer s.Close()
	for _, tc := range []struct {
		chainID string
		genesis types.Hash
	}{
		{"other-chain", genesis},
		{testChainID, types.Sum256([]byte("other genesis"))},
	} {
		err := s.CheckChain(tc.chainID, tc.genesis)
		var mm *ChainMismatchError
		if !errors.Is(err, ErrWrongChain) || !errors.As(err, &mm) {
			t.Fatalf("CheckChain(%q, %s) = %v, want *ChainMismatchError", tc.chainID, tc.genesis, err)
		}
		if mm.StoredChainID != testChainID || mm.StoredGenesis != genesis {
			t.Fatalf("mismatch error names %q/%s", mm.StoredChainID, mm.StoredGenesis)
		}
	}
	if err := s.CheckChain(testChainID, genesis); err != nil {
		t.Fatalf("recorded chain after reopen: %v", err)
	}
}

func TestCommitRefusesOtherChainAfterCheckChain(t *testing.T) {
	s := openMem(t)
	if err := s.CheckChain("another-chain", types.Hash{}); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(newChainGen(2, 1).next()); !errors.Is(err, ErrWrongChain) {
		t.Fatalf("Commit of a block for another chain: %v", err)
	}
}
