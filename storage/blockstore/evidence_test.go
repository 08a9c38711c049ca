package blockstore

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"aitbc/engine/types"
)

// testEvidence is a structurally valid duplicate vote by validator idx at
// height h (placeholder signatures: the store checks structure only).
func testEvidence(t testing.TB, h uint64, idx uint32, tag string) *types.Evidence {
	t.Helper()
	a := &types.Vote{Type: types.Prevote, Height: h, Round: 1, BlockHash: types.Sum256([]byte(tag + "a")), ValidatorIndex: idx}
	b := &types.Vote{Type: types.Prevote, Height: h, Round: 1, BlockHash: types.Sum256([]byte(tag + "b")), ValidatorIndex: idx}
	a.Sig[0], b.Sig[0] = 1, 2
	ev, err := types.NewDuplicateVoteEvidence(a, b, types.Address{0xaa, byte(idx)}, [types.BLSPubKeyLen]byte{0xbb, byte(idx)})
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func evidenceHashes(t *testing.T, s *Store, from uint64, limit int) []types.Hash {
	t.Helper()
	evs, err := s.Evidence(from, limit)
	if err != nil {
		t.Fatalf("Evidence(%d, %d): %v", from, limit, err)
	}
	out := make([]types.Hash, len(evs))
	for i, ev := range evs {
		out[i] = ev.Hash()
	}
	return out
}

// Evidence is kept once per hash, listed by height then hash from any
// height with any limit, and survives a reopen.
func TestEvidencePersistsOrderedAndIdempotent(t *testing.T) {
	dir := t.TempDir()
	s := openDir(t, dir)
	evs := []*types.Evidence{testEvidence(t, 9, 1, "x"), testEvidence(t, 2, 3, "y"), testEvidence(t, 5, 0, "z"), testEvidence(t, 2, 1, "w")}
	for _, ev := range evs {
		if added, err := s.AddEvidence(ev); err != nil || !added {
			t.Fatalf("AddEvidence = %v, %v; want a new record", added, err)
		}
	}
	if added, err := s.AddEvidence(evs[1]); err != nil || added { // again: a no-op
		t.Fatalf("AddEvidence of a stored piece = %v, %v; want not added", added, err)
	}
	want := slices.Clone(evs)
	slices.SortFunc(want, func(a, b *types.Evidence) int {
		if a.Height() != b.Height() {
			return int(a.Height()) - int(b.Height())
		}
		ha, hb := a.Hash(), b.Hash()
		return bytes.Compare(ha[:], hb[:])
	})
	var wantHashes []types.Hash
	for _, ev := range want {
		wantHashes = append(wantHashes, ev.Hash())
	}
	check := func(s *Store) {
		t.Helper()
		if got := evidenceHashes(t, s, 0, 100); !slices.Equal(got, wantHashes) {
			t.Fatalf("Evidence(0, 100): %d pieces %v, want %v", len(got), got, wantHashes)
		}
		if got := evidenceHashes(t, s, 3, 100); !slices.Equal(got, wantHashes[2:]) {
			t.Fatalf("Evidence(3, 100) = %v, want heights 5 and 9", got)
		}
		if got := evidenceHashes(t, s, 2, 3); !slices.Equal(got, wantHashes[:3]) {
			t.Fatalf("Evidence(2, 3) = %v", got)
		}
		if got := evidenceHashes(t, s, 10, 100); len(got) != 0 {
			t.Fatalf("Evidence above the highest = %v", got)
		}
		if got := evidenceHashes(t, s, 1, 0); len(got) != 0 {
			t.Fatalf("limit 0 returned %d", len(got))
		}
		full, err := s.Evidence(9, 1)
		if err != nil || len(full) != 1 || !bytes.Equal(full[0].Encode(), evs[0].Encode()) {
			t.Fatalf("Evidence(9, 1) = %v, %v; want the stored evidence intact", full, err)
		}
	}
	check(s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openDir(t, dir)
	defer s.Close()
	check(s)
}

func TestAddEvidenceRefusesInvalidAndClosed(t *testing.T) {
	s := openMem(t)
	bad := testEvidence(t, 4, 1, "q")
	bad.VoteB.BlockHash = bad.VoteA.BlockHash // no conflict
	if _, err := s.AddEvidence(bad); !errors.Is(err, types.ErrInvalidEvidence) {
		t.Fatalf("AddEvidence of non-evidence = %v", err)
	}
	if got := evidenceHashes(t, s, 0, 10); len(got) != 0 {
		t.Fatal("invalid evidence was stored")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddEvidence(testEvidence(t, 4, 1, "q")); !errors.Is(err, ErrClosed) {
		t.Fatalf("AddEvidence after Close = %v", err)
	}
	if _, err := s.Evidence(0, 1); !errors.Is(err, ErrClosed) {
		t.Fatalf("Evidence after Close = %v", err)
	}
}

// A damaged evidence record is a typed error, never a panic or a silent skip.
func TestCorruptEvidenceIsTypedError(t *testing.T) {
	ev := testEvidence(t, 7, 2, "c")
	other := testEvidence(t, 8, 2, "d")
	cases := map[string]struct{ key, val []byte }{
		"garbage":      {evidenceKey(7, ev.Hash()), []byte("not evidence")},
		"wrong hash":   {evidenceKey(7, types.Hash{1}), ev.Encode()},
		"wrong height": {evidenceKey(7, other.Hash()), other.Encode()},
		"short key":    {[]byte{kindEvidence, 0, 0, 0, 0, 0, 0, 0, 7}, ev.Encode()},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := openMem(t)
			txn := s.db.NewTransaction(true)
			defer txn.Discard()
			if err := txn.Set(tc.key, tc.val); err != nil {
				t.Fatal(err)
			}
			if err := txn.Commit(); err != nil {
				t.Fatal(err)
			}
			_, err := s.Evidence(0, 10)
			var ce *CorruptError
			if !errors.Is(err, ErrCorrupt) || !errors.As(err, &ce) || ce.Record != "evidence" {
				t.Fatalf("Evidence over a %s record = %v, want an evidence *CorruptError", name, err)
			}
		})
	}
}
