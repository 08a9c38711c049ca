package types

import (
	"crypto/ed25519"

	"aitbc/engine/bls"
)

// The fixed values behind the golden vectors in docs/spec.md. Changing any of
// them changes the vectors: run `go test -run TestSpecVectors -update` and
// review the diff of docs/spec.md.

const specChainID = "aitbc-devnet"

func pubOf(k ed25519.PrivateKey) []byte { return k.Public().(ed25519.PublicKey) }

// specKey1 has seed 0x01..0x20, specKey2 has seed 0x21..0x40.
func specKey1() ed25519.PrivateKey { return seqKey(0x01) }
func specKey2() ed25519.PrivateKey { return seqKey(0x21) }

// specBLSSig is an opaque 96-byte placeholder (0x00..0x5f): the vectors pin
// the encodings, not BLS validity.
func specBLSSig() (s [BLSSigLen]byte) { copy(s[:], seqBytes(0, BLSSigLen)); return s }

// specTransfer: key 1 sends 1,000,000 to key 2's address, fee 250, nonce 1.
func specTransfer() *Tx {
	tx := &Tx{ChainID: specChainID, Type: TxTransfer, Nonce: 1,
		Recipient: AddressFromPubKey(pubOf(specKey2())), Amount: 1_000_000, Fee: 250}
	tx.Sign(specKey1())
	return tx
}

// specTransfer2: the next tx of the same sender, with a payload.
func specTransfer2() *Tx {
	tx := &Tx{ChainID: specChainID, Type: TxTransfer, Nonce: 2,
		Recipient: AddressFromPubKey(pubOf(specKey2())), Amount: 42, Fee: 300, Payload: []byte("hello")}
	tx.Sign(specKey1())
	return tx
}

// specCommit: the certificate of block 1, signed by validators 0,1,2,4,5,6,8 of 10.
func specCommit() *CommitCert {
	c := &CommitCert{Height: 1, Round: 0, BlockHash: Sum256([]byte("parent")), Signers: NewBitmap(10), AggSig: specBLSSig()}
	for _, i := range []int{0, 1, 2, 4, 5, 6, 8} {
		c.Signers.Set(i)
	}
	return c
}

// specBlock: block 2 with the two transfers and block 1's certificate.
func specBlock() *Block {
	b := &Block{Txs: []*Tx{specTransfer(), specTransfer2()}, LastCommit: specCommit()}
	b.Header = Header{
		ChainID:            specChainID,
		Height:             2,
		Time:               1_700_000_000_000,
		ParentHash:         Sum256([]byte("parent")),
		Proposer:           AddressFromPubKey(pubOf(specKey1())),
		TxRoot:             MerkleRoot(b.TxHashes()),
		StateRoot:          Sum256([]byte("state")),
		ValidatorsHash:     Sum256([]byte("validators")),
		NextValidatorsHash: Sum256([]byte("next validators")),
		LastCommitHash:     b.LastCommit.Hash(),
	}
	return b
}

// specVote: validator 4's precommit for block 1.
func specVote() *Vote {
	return &Vote{Type: Precommit, Height: 1, Round: 0, BlockHash: Sum256([]byte("parent")), ValidatorIndex: 4, Sig: specBLSSig()}
}

// specProposal: the proposal of block 2 in round 0 (no proof-of-lock).
func specProposal() *Proposal {
	return &Proposal{Height: 2, Round: 0, POLRound: -1, BlockHash: specBlock().Hash(), Sig: specBLSSig()}
}

// specEvidenceKey is the BLS key of the evidence vector: KeyGen over the
// 32 bytes 0x01..0x20. Unlike the placeholders above, the evidence vector
// carries real signatures, so a reader can check the verification rule.
func specEvidenceKey() *bls.SecretKey {
	sk, err := bls.KeyGen(seqBytes(0x01, 32))
	if err != nil {
		panic(err)
	}
	return sk
}

// specEvidence: validator 2 (account key 1's address, BLS key
// specEvidenceKey) precommits both nil and block 1 at height 1, round 0 on
// aitbc-devnet. Passed in arrival order block-then-nil; canonical order
// puts the nil vote first.
func specEvidence() *Evidence {
	sk := specEvidenceKey()
	vote := func(h Hash) *Vote {
		v := &Vote{Type: Precommit, Height: 1, Round: 0, BlockHash: h, ValidatorIndex: 2}
		v.Sig = bls.Sign(sk, v.SignBytes(specChainID))
		return v
	}
	ev, err := NewDuplicateVoteEvidence(vote(Sum256([]byte("parent"))), vote(ZeroHash), AddressFromPubKey(pubOf(specKey1())), sk.PublicKey())
	if err != nil {
		panic(err)
	}
	return ev
}

// specProposalEvidence: two proposals of one round (placeholder
// signatures), the second re-proposing block 2 with a proof-of-lock.
func specProposalEvidence() *Evidence {
	a := &Proposal{Height: 2, Round: 3, POLRound: -1, BlockHash: specBlock().Hash(), Sig: specBLSSig()}
	b := &Proposal{Height: 2, Round: 3, POLRound: 1, BlockHash: specBlock().Hash(), Sig: specBLSSig()}
	ev, err := NewDuplicateProposalEvidence(a, b, 7, AddressFromPubKey(pubOf(specKey2())), [BLSPubKeyLen]byte(seqBytes(0x80, BLSPubKeyLen)))
	if err != nil {
		panic(err)
	}
	return ev
}

// specLeaves are the Merkle vector leaves: leaf i is SHA-256 of the single byte i.
func specLeaves(n int) []Hash {
	out := make([]Hash, n)
	for i := range out {
		out[i] = Sum256([]byte{byte(i)})
	}
	return out
}
