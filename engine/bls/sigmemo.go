package bls

import (
	"sync"

	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
)

// sigMemoSize bounds the signatures a SigMemo remembers: the votes of a
// few heights of a full set.
const sigMemoSize = 1024

// SigMemo remembers the signatures it decoded (decompressed, on the
// curve, in the subgroup, not the identity): a vote's signature is
// decoded when it is checked and again when the certificate that carries
// it is aggregated, and decoding was about a tenth of a loaded node's BLS
// time. A pure function's memo: only an encoding that decoded is kept,
// so it changes no verdict; when full it is emptied (a flood of fresh
// signatures costs only their own decoding, as without it). Keep one per
// node's validator set (validators.Set does), not one per process: nodes
// sharing a process must not share each other's work. A nil *SigMemo
// decodes every time. Safe for concurrent use.
type SigMemo struct {
	mu sync.Mutex
	m  map[Signature]*bls12381.G2Affine
}

// NewSigMemo returns an empty memo; its map is made on first use, so a
// set that never checks a vote costs nothing.
func NewSigMemo() *SigMemo { return &SigMemo{} }

// decode is decodeSignature through the memo, remembering what it
// decoded. The point it returns is shared: callers copy it before
// changing it.
func (c *SigMemo) decode(sig Signature) (*bls12381.G2Affine, error) {
	return c.decodeKeep(sig, true)
}

// decodeKeep is decode that remembers a fresh signature only when keep
// is set (a certificate's aggregate is looked up, not kept: only one this
// node made is ever aggregated again).
func (c *SigMemo) decodeKeep(sig Signature, keep bool) (*bls12381.G2Affine, error) {
	if c == nil {
		return decodeSignature(sig)
	}
	c.mu.Lock()
	p, ok := c.m[sig]
	c.mu.Unlock()
	if ok {
		return p, nil
	}
	p, err := decodeSignature(sig)
	if err != nil {
		return nil, err
	}
	if keep {
		c.remember(sig, p)
	}
	return p, nil
}

func (c *SigMemo) remember(sig Signature, p *bls12381.G2Affine) {
	c.mu.Lock()
	if c.m == nil {
		c.m = make(map[Signature]*bls12381.G2Affine)
	}
	if len(c.m) >= sigMemoSize {
		clear(c.m)
	}
	c.m[sig] = p
	c.mu.Unlock()
}

// Len is the number of signatures remembered (tests, metrics).
func (c *SigMemo) Len() int {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}

// Verify is PreparedKey.Verify decoding sig through the memo.
func (c *SigMemo) Verify(k *PreparedKey, msg []byte, sig Signature) bool {
	return verifyPoint(c, &k.p, msg, sig, SigDST)
}

// VerifySameMessage is VerifySameMessage decoding through the memo.
func (c *SigMemo) VerifySameMessage(keys []*PreparedKey, msg []byte, sigs []Signature) bool {
	return verifySameMessage(c, keys, msg, sigs)
}

// VerifyAggregatePrepared is VerifyAggregatePrepared looking the
// aggregate up in the memo (a certificate this node made); it does not
// keep a fresh one (block sync checks a certificate a height, none of
// them aggregated here again).
func (c *SigMemo) VerifyAggregatePrepared(keys []*PreparedKey, msg []byte, sig Signature) bool {
	return verifyAggregatePrepared(c, keys, msg, sig)
}

// Aggregate is AggregateSignatures decoding through the memo; the
// aggregate it returns is remembered too (a certificate this node made is
// extended with late precommits when it proposes).
func (c *SigMemo) Aggregate(sigs []Signature) (Signature, error) {
	return aggregateSignatures(c, sigs)
}
