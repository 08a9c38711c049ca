package types

import (
	"crypto/ed25519"
	"errors"
	"math/rand/v2"
	"testing"
)

// seqKey is the Ed25519 key whose 32-byte seed is start, start+1, ..., start+31.
func seqKey(start byte) ed25519.PrivateKey {
	seed := make([]byte, ed25519.SeedSize)
	for i := range seed {
		seed[i] = start + byte(i)
	}
	return ed25519.NewKeyFromSeed(seed)
}

func seqBytes(start byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = start + byte(i)
	}
	return b
}

const chainIDAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-"

func randBytes(r *rand.Rand, dst []byte) {
	for i := range dst {
		dst[i] = byte(r.Uint32())
	}
}

func randHash(r *rand.Rand) (h Hash) { randBytes(r, h[:]); return h }

func randAddress(r *rand.Rand) (a Address) { randBytes(r, a[:]); return a }

func randChainID(r *rand.Rand) string {
	b := make([]byte, 1+r.IntN(MaxChainIDLen))
	for i := range b {
		b[i] = chainIDAlphabet[r.IntN(len(chainIDAlphabet))]
	}
	return string(b)
}

// randU64 favours the edges (0, 1, max) that break sloppy codecs.
func randU64(r *rand.Rand) uint64 {
	switch r.IntN(8) {
	case 0:
		return 0
	case 1:
		return ^uint64(0)
	case 2:
		return 1
	}
	return r.Uint64() >> r.IntN(64)
}

func randTx(r *rand.Rand) *Tx {
	tx := &Tx{
		ChainID:   randChainID(r),
		Type:      TxType(1 + r.IntN(4)),
		Nonce:     randU64(r),
		Recipient: randAddress(r),
		Amount:    randU64(r),
		Fee:       randU64(r),
	}
	randBytes(r, tx.Sender[:])
	randBytes(r, tx.Sig[:])
	if n := r.IntN(4); n > 0 { // a quarter without payload
		size := r.IntN(64)
		if n == 3 {
			size = r.IntN(MaxPayloadLen + 1)
		}
		if size > 0 {
			tx.Payload = make([]byte, size)
			randBytes(r, tx.Payload)
		}
	}
	return tx
}

func randHeader(r *rand.Rand) *Header {
	return &Header{
		ChainID:            randChainID(r),
		Height:             1 + randU64(r)>>1,
		Time:               randU64(r),
		ParentHash:         randHash(r),
		Proposer:           randAddress(r),
		TxRoot:             randHash(r),
		StateRoot:          randHash(r),
		ValidatorsHash:     randHash(r),
		NextValidatorsHash: randHash(r),
		LastCommitHash:     randHash(r),
		EvidenceHash:       randHash(r),
	}
}

func randBitmap(r *rand.Rand) Bitmap {
	n := 1 + r.IntN(MaxValidators)
	bm := NewBitmap(n)
	for i := 0; i < n; i++ {
		if r.IntN(2) == 0 {
			bm.Set(i)
		}
	}
	return bm
}

func randCommit(r *rand.Rand) *CommitCert {
	c := &CommitCert{
		Height:    1 + randU64(r)>>1,
		Round:     uint32(randU64(r)),
		BlockHash: randHash(r),
		Signers:   randBitmap(r),
	}
	randBytes(r, c.AggSig[:])
	return c
}

func randBlock(r *rand.Rand, maxTxs int) *Block {
	b := &Block{Header: *randHeader(r)}
	if n := r.IntN(maxTxs + 1); n > 0 {
		b.Txs = make([]*Tx, n)
		for i := range b.Txs {
			b.Txs[i] = randTx(r)
		}
	}
	if r.IntN(4) != 0 {
		b.LastCommit = randCommit(r)
	}
	if n := r.IntN(4); n > 0 && r.IntN(2) == 0 {
		for range n {
			b.Evidence = append(b.Evidence, randEvidence(r))
		}
		b.Header.EvidenceHash = EvidenceRoot(b.Evidence)
	}
	return b
}

// randEvidence is a duplicate vote or proposal of random messages
// (placeholder signatures): it passes ValidateBasic, not verification.
func randEvidence(r *rand.Rand) *Evidence {
	var addr Address
	var key [BLSPubKeyLen]byte
	randBytes(r, addr[:])
	randBytes(r, key[:])
	addr[0], key[0] = 1, 1 // never zero
	if r.IntN(2) == 0 {
		a, b := randVote(r), randVote(r)
		b.Type, b.Height, b.Round, b.ValidatorIndex = a.Type, a.Height, a.Round, a.ValidatorIndex
		if a.BlockHash == b.BlockHash {
			b.BlockHash[0] ^= 1
		}
		ev, err := NewDuplicateVoteEvidence(a, b, addr, key)
		if err != nil {
			panic(err)
		}
		return ev
	}
	a, b := randProposal(r), randProposal(r)
	b.Height, b.Round = a.Height, a.Round
	b.POLRound = -1
	if a.POLRound == -1 {
		b.BlockHash = a.BlockHash
		b.BlockHash[0] ^= 1
	}
	ev, err := NewDuplicateProposalEvidence(a, b, uint32(r.IntN(MaxValidators)), addr, key)
	if err != nil {
		panic(err)
	}
	return ev
}

func randVote(r *rand.Rand) *Vote {
	v := &Vote{
		Type:           VoteType(1 + r.IntN(2)),
		Height:         max(randU64(r), 1),
		Round:          uint32(randU64(r)),
		BlockHash:      randHash(r),
		ValidatorIndex: uint32(r.IntN(MaxValidators)),
	}
	if r.IntN(4) == 0 {
		v.BlockHash = ZeroHash // nil vote
	}
	randBytes(r, v.Sig[:])
	return v
}

func randProposal(r *rand.Rand) *Proposal {
	p := &Proposal{
		Height:    max(randU64(r), 1),
		Round:     uint32(randU64(r)),
		POLRound:  -1,
		BlockHash: randHash(r),
	}
	if p.Round > 0 && r.IntN(2) == 0 {
		p.POLRound = int32(r.Uint32N(min(p.Round, 1<<31-1)))
	}
	randBytes(r, p.Sig[:])
	return p
}

// checkDecodeError asserts err is a *DecodeError for field that wraps sentinel.
func checkDecodeError(t *testing.T, err error, sentinel error, field string) {
	t.Helper()
	if err == nil {
		t.Fatalf("decoded without error, want %v on field %q", sentinel, field)
	}
	var de *DecodeError
	if !errors.As(err, &de) {
		t.Fatalf("error %v (%T) is not a *DecodeError", err, err)
	}
	if !errors.Is(err, sentinel) {
		t.Fatalf("error %v does not wrap %v", err, sentinel)
	}
	if field != "" && de.Field != field {
		t.Fatalf("error %v names field %q, want %q", err, de.Field, field)
	}
}
