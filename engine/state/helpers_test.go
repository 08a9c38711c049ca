package state

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"slices"
	"testing"

	"aitbc/engine/types"
)

const testChain = "aitbc-test"

// key returns a deterministic Ed25519 key for index i.
func key(i int) ed25519.PrivateKey {
	var seed [ed25519.SeedSize]byte
	binary.BigEndian.PutUint64(seed[:], uint64(i)+1)
	copy(seed[8:], "aitbc-state-test")
	return ed25519.NewKeyFromSeed(seed[:])
}

func addrOf(k ed25519.PrivateKey) types.Address {
	return types.AddressFromPubKey(k.Public().(ed25519.PublicKey))
}

// addr is an arbitrary deterministic address (no key behind it).
func addr(i int) types.Address {
	h := sha256.Sum256(binary.BigEndian.AppendUint64([]byte("addr"), uint64(i)))
	var a types.Address
	copy(a[:], h[:])
	return a
}

func testParams() types.Params {
	p := types.DefaultParams()
	p.BaseFee, p.FeePerByte = 10, 1
	return p
}

// transfer builds a signed TRANSFER paying exactly the minimum fee plus extra.
func transfer(p types.Params, from ed25519.PrivateKey, nonce uint64, to types.Address, amount, extraFee uint64) *types.Tx {
	tx := &types.Tx{ChainID: testChain, Type: types.TxTransfer, Nonce: nonce, Recipient: to, Amount: amount}
	tx.Fee = uint64(p.BaseFee) + uint64(p.FeePerByte)*uint64(tx.Size()) + extraFee
	tx.Sign(from)
	return tx
}

// refRoot recomputes the state root of accounts and no claims from
// scratch (docs/spec.md §13.4).
func refRoot(accts map[types.Address]Account) types.Hash { return refStateRoot(accts, nil) }

// refStateRoot recomputes the state root from scratch with an independent
// RFC 6962 implementation, from the docs/spec.md §13 description.
func refStateRoot(accts map[types.Address]Account, jobs []types.Hash) types.Hash {
	a, r := refAccountsRoot(accts), refReceiptsRoot(jobs)
	return sha256.Sum256(slices.Concat([]byte("AITBC/state-root/v1\x00"), a[:], r[:]))
}

// refReceiptsRoot: job hashes in 4096 buckets by their first 12 bits,
// ascending in each, RFC 6962 over the hashes as records.
func refReceiptsRoot(jobs []types.Hash) types.Hash {
	var buckets [numBuckets][][]byte
	sorted := slices.Clone(jobs)
	slices.SortFunc(sorted, func(x, y types.Hash) int { return slices.Compare(x[:], y[:]) })
	sorted = slices.Compact(sorted)
	for _, h := range sorted {
		b := int(h[0])<<4 | int(h[1])>>4
		buckets[b] = append(buckets[b], slices.Clone(h[:]))
	}
	hashes := make([]types.Hash, numBuckets)
	for i := range buckets {
		hashes[i] = mth(buckets[i])
	}
	return types.MerkleRoot(hashes)
}

// refAccountsRoot is the account tree's root, from scratch.
func refAccountsRoot(accts map[types.Address]Account) types.Hash {
	var buckets [numBuckets][]types.Address
	for a, acct := range accts {
		if acct != (Account{}) {
			b := int(a[0])<<4 | int(a[1])>>4
			buckets[b] = append(buckets[b], a)
		}
	}
	hashes := make([]types.Hash, numBuckets)
	for i, list := range buckets {
		slices.SortFunc(list, func(x, y types.Address) int { return slices.Compare(x[:], y[:]) })
		var records [][]byte
		for _, a := range list {
			r := append([]byte{}, a[:]...)
			r = binary.BigEndian.AppendUint64(r, accts[a].Balance)
			r = binary.BigEndian.AppendUint64(r, accts[a].Nonce)
			records = append(records, r)
		}
		hashes[i] = mth(records)
	}
	return types.MerkleRoot(hashes)
}

// mth is RFC 6962 section 2.1, verbatim.
func mth(d [][]byte) types.Hash {
	switch len(d) {
	case 0:
		return sha256.Sum256(nil)
	case 1:
		return sha256.Sum256(append([]byte{0}, d[0]...))
	}
	k := 1
	for k*2 < len(d) {
		k *= 2
	}
	l, r := mth(d[:k]), mth(d[k:])
	return sha256.Sum256(append(append([]byte{1}, l[:]...), r[:]...))
}

// snapshot reads every listed account.
func snapshot(s interface{ Account(types.Address) Account }, addrs []types.Address) map[types.Address]Account {
	m := make(map[types.Address]Account, len(addrs))
	for _, a := range addrs {
		m[a] = s.Account(a)
	}
	return m
}

// end runs b.End and fails the test on an error.
func end(t testing.TB, b *Batch) {
	t.Helper()
	if err := b.End(); err != nil {
		t.Fatal(err)
	}
}
