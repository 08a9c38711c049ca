package types

import (
	"bytes"
	"crypto/ed25519"
	"reflect"
	"testing"

	"aitbc/internal/seedtest"
)

// roundTrip checks Decode(Encode(x)) == x and that re-encoding is byte-identical.
func roundTrip[T any](t *testing.T, what string, x T, enc func(T) []byte, dec func([]byte) (T, error)) {
	t.Helper()
	b := enc(x)
	y, err := dec(b)
	if err != nil {
		t.Fatalf("%s: decode of own encoding: %v", what, err)
	}
	if !reflect.DeepEqual(x, y) {
		t.Fatalf("%s: round trip changed the value:\n in  %+v\n out %+v", what, x, y)
	}
	if b2 := enc(y); !bytes.Equal(b, b2) {
		t.Fatalf("%s: re-encoding differs:\n %x\n %x", what, b, b2)
	}
}

func TestRoundTripRandom(t *testing.T) {
	r := seedtest.Rand(t)
	n := 300
	if testing.Short() {
		n = 50
	}
	for i := 0; i < n; i++ {
		tx := randTx(r)
		roundTrip(t, "tx", tx, (*Tx).Encode, DecodeTx)
		if got := len(tx.Encode()); got != tx.Size() {
			t.Fatalf("tx Size() %d, encoding %d bytes", tx.Size(), got)
		}
		roundTrip(t, "header", randHeader(r), (*Header).Encode, DecodeHeader)
		roundTrip(t, "commit", randCommit(r), (*CommitCert).Encode, DecodeCommit)
		roundTrip(t, "vote", randVote(r), (*Vote).Encode, DecodeVote)
		roundTrip(t, "proposal", randProposal(r), (*Proposal).Encode, DecodeProposal)
		if i%10 == 0 {
			b := randBlock(r, 20)
			roundTrip(t, "block", b, (*Block).Encode, DecodeBlock)
			if got := len(b.Encode()); got != b.EncodedSize() {
				t.Fatalf("block EncodedSize() %d, encoding %d bytes", b.EncodedSize(), got)
			}
		}
	}
}

func TestRoundTripEdges(t *testing.T) {
	maxTx := &Tx{ChainID: string(bytes.Repeat([]byte("z"), MaxChainIDLen)), Type: TxUnstake,
		Nonce: ^uint64(0), Amount: ^uint64(0), Fee: ^uint64(0), Payload: bytes.Repeat([]byte{0xff}, MaxPayloadLen)}
	if got := len(maxTx.Encode()); got != MaxTxBytes {
		t.Fatalf("largest tx encodes to %d bytes, MaxTxBytes is %d", got, MaxTxBytes)
	}
	roundTrip(t, "max tx", maxTx, (*Tx).Encode, DecodeTx)
	roundTrip(t, "min tx", &Tx{ChainID: "a", Type: TxTransfer}, (*Tx).Encode, DecodeTx)

	// An empty payload decodes to nil: one in-memory form for "no payload".
	empty := &Tx{ChainID: "a", Type: TxTransfer, Payload: []byte{}}
	got, err := DecodeTx(empty.Encode())
	if err != nil || got.Payload != nil {
		t.Fatalf("empty payload: %v, payload %#v", err, got)
	}

	for _, n := range []int{1, 7, 8, 9, 15, 16, 17, MaxValidators - 1, MaxValidators} {
		c := &CommitCert{Height: 1, Signers: NewBitmap(n)}
		for i := 0; i < n; i++ {
			c.Signers.Set(i)
		}
		roundTrip(t, "full bitmap", c, (*CommitCert).Encode, DecodeCommit)
		if c.Signers.Count() != n {
			t.Fatalf("bitmap of %d: count %d", n, c.Signers.Count())
		}
	}
	roundTrip(t, "empty block", &Block{Header: Header{ChainID: "x", Height: 1}}, (*Block).Encode, DecodeBlock)
	roundTrip(t, "pol -1", &Proposal{Height: 1, POLRound: -1}, (*Proposal).Encode, DecodeProposal)
	roundTrip(t, "pol max", &Proposal{Height: 1, Round: 1<<31 + 5, POLRound: 1<<31 - 1}, (*Proposal).Encode, DecodeProposal)
}

func TestBitmap(t *testing.T) {
	bm := NewBitmap(10)
	if len(bm.Bits) != 2 || bm.N != 10 {
		t.Fatalf("NewBitmap(10) = %+v", bm)
	}
	for _, i := range []int{0, 3, 9} {
		bm.Set(i)
	}
	if bm.Bits[0] != 0x09 || bm.Bits[1] != 0x02 {
		t.Fatalf("bits %x, want 0902 (bit i is Bits[i/8] & 1<<(i%%8))", bm.Bits)
	}
	if bm.Count() != 3 || !bm.Get(9) || bm.Get(8) || bm.Get(10) || bm.Get(100) {
		t.Fatalf("Get/Count wrong on %x", bm.Bits)
	}
}

func TestHashesAreOfEncodings(t *testing.T) {
	r := seedtest.Rand(t)
	blk := randBlock(r, 5)
	if blk.Hash() != Sum256(blk.Header.Encode()) || blk.Hash() != blk.Header.Hash() {
		t.Fatal("block hash is not SHA-256 of the header encoding")
	}
	tx := randTx(r)
	if tx.Hash() != Sum256(tx.Encode()) {
		t.Fatal("tx hash is not SHA-256 of the full encoding")
	}
	// The signature is part of the tx hash, so a re-signed tx is a new tx.
	tx2 := *tx
	tx2.Sig[0] ^= 1
	if tx2.Hash() == tx.Hash() {
		t.Fatal("tx hash ignores the signature")
	}
	c := randCommit(r)
	if c.Hash() != Sum256(c.Encode()) {
		t.Fatal("commit hash is not SHA-256 of its encoding")
	}
	hs := blk.TxHashes()
	for i, tx := range blk.Txs {
		if hs[i] != tx.Hash() {
			t.Fatalf("TxHashes[%d] wrong", i)
		}
	}
}

func TestSignBytes(t *testing.T) {
	priv := seqKey(1)
	tx := &Tx{ChainID: "aitbc-devnet", Type: TxTransfer, Nonce: 1, Amount: 5, Recipient: Address{1}}
	tx.Sign(priv)
	if tx.From() != AddressFromPubKey(priv.Public().(ed25519.PublicKey)) {
		t.Fatal("Sign did not set the sender key")
	}
	sb := tx.SignBytes()
	enc := tx.Encode()
	if !bytes.Equal(sb, append([]byte(TxSignDomain), enc[:len(enc)-SigLen]...)) {
		t.Fatal("tx sign bytes are not domain || encoding without sig")
	}
	// Sign bytes do not depend on the signature.
	tx2 := *tx
	tx2.Sig = [SigLen]byte{}
	if !bytes.Equal(tx2.SignBytes(), sb) {
		t.Fatal("sign bytes depend on Sig")
	}

	v := &Vote{Type: Precommit, Height: 7, Round: 2, BlockHash: Hash{9}, ValidatorIndex: 3}
	w := *v
	w.ValidatorIndex = 4
	w.Sig[0] = 1
	if !bytes.Equal(v.SignBytes("c"), w.SignBytes("c")) {
		t.Fatal("vote sign bytes must not depend on the validator index or sig (aggregation)")
	}
	if bytes.Equal(v.SignBytes("c"), v.SignBytes("d")) {
		t.Fatal("vote sign bytes ignore the chain id")
	}
	pv := *v
	pv.Type = Prevote
	if bytes.Equal(v.SignBytes("c"), pv.SignBytes("c")) {
		t.Fatal("vote sign bytes ignore the vote type")
	}
	// Chain ids are length-prefixed, so "ab"+x and "a"+"b"x cannot collide.
	if bytes.Equal(VoteSignBytes("ab", Prevote, 1, 0, Hash{}), VoteSignBytes("a", Prevote, 1, 0, Hash{})) {
		t.Fatal("distinct chain ids give equal sign bytes")
	}
	p := &Proposal{Height: 7, Round: 2, POLRound: -1, BlockHash: Hash{9}}
	if bytes.HasPrefix(p.SignBytes("c"), []byte(VoteSignDomain)) || !bytes.HasPrefix(p.SignBytes("c"), []byte(ProposalSignDomain)) {
		t.Fatal("proposal sign bytes lack their own domain")
	}
}

func TestTxTypeNames(t *testing.T) {
	for ty := TxTransfer; ty <= TxUnjail; ty++ {
		got, ok := ParseTxType(ty.String())
		if !ok || got != ty || !ty.Valid() {
			t.Fatalf("type %d: name %q parses to %d, %v", ty, ty.String(), got, ok)
		}
	}
	for _, bad := range []TxType{0, 6, 255} {
		if bad.Valid() {
			t.Fatalf("type %d valid", bad)
		}
		if _, ok := ParseTxType(bad.String()); ok {
			t.Fatalf("name %q parses", bad.String())
		}
	}
	if _, ok := ParseTxType("transfer"); ok {
		t.Fatal("type names are case-sensitive upper case")
	}
	if Prevote.String() != "prevote" || Precommit.String() != "precommit" || VoteType(9).String() != "VoteType(9)" {
		t.Fatal("vote type names")
	}
}
