package state

import (
	"bytes"
	"encoding/hex"
	"testing"

	"aitbc/engine/types"
	"aitbc/internal/seedtest"
)

// goldenAccounts is the docs/spec.md §13 test vector: addresses 0x00…01,
// 0x00…02 (same bucket 0), 0x0010… (bucket 1) and 0xff…ff (bucket 4095).
func goldenAccounts() []AccountUpdate {
	a := func(s string) types.Address {
		var x types.Address
		b, _ := hex.DecodeString(s)
		copy(x[:], b)
		return x
	}
	return []AccountUpdate{
		{a("0000000000000000000000000000000000000001"), Account{Balance: 1000, Nonce: 0}},
		{a("0000000000000000000000000000000000000002"), Account{Balance: 0, Nonce: 7}},
		{a("0010000000000000000000000000000000000000"), Account{Balance: 1 << 40, Nonce: 1}},
		{a("ffffffffffffffffffffffffffffffffffffffff"), Account{Balance: 18446744073709551615, Nonce: 18446744073709551615}},
	}
}

// The docs/spec.md §13.4 golden values (also reproduced with Python hashlib).
const (
	goldenEmptyTree     = "0x4797b889e53f1894f02caf17424cf9ce0a4b1ccf4cca4a2e4b0bd7258032aad8" // accounts or receipts
	goldenEmptyRoot     = "0x8d2055980f05c60b3211b1fe77695d4d24f1c4f1790fd2448da02157bd1366ca"
	goldenAccountsRoot  = "0x851d3e7504884880a6b2f222f016fbd19f6232b6b8b1d4d0e2d66f9223f9892c"
	goldenRoot          = "0x17a7b477c15f6e300b943b9d93e516c4f4e27ee8caca4bcaf5867a7688d8fb9b" // golden accounts, no claims
	goldenReceiptsRoot  = "0xc068de75c68fd0922b21785546b36d8ed313aef24aac553803d1cde650b7e592"
	goldenRootWithClaim = "0x406b4f4d2de910596a5d0506a8a851e34d83e7b41d7c2bb8af2141a1bc16d0f9"
)

// goldenJobs: job-1 and job-1927 share bucket 38; job-2 is in 231, job-3 in 594.
var goldenJobs = []string{"job-1", "job-2", "job-3", "job-1927"}

func TestGoldenRoot(t *testing.T) {
	s := New(testParams())
	if got := s.Root().String(); got != goldenEmptyRoot {
		t.Errorf("empty root %s, want %s", got, goldenEmptyRoot)
	}
	if s.AccountsRoot().String() != goldenEmptyTree || s.ReceiptsRoot().String() != goldenEmptyTree {
		t.Errorf("empty trees %s %s, want %s", s.AccountsRoot(), s.ReceiptsRoot(), goldenEmptyTree)
	}
	if got, want := s.Root(), refRoot(nil); got != want {
		t.Errorf("empty root %s, reference %s", got, want)
	}
	ref := map[types.Address]Account{}
	for _, u := range goldenAccounts() {
		s.Set(u.Address, u.Account)
		ref[u.Address] = u.Account
	}
	if got := s.AccountsRoot().String(); got != goldenAccountsRoot {
		t.Errorf("golden accounts root %s, want %s", got, goldenAccountsRoot)
	}
	if got := s.Root().String(); got != goldenRoot {
		t.Errorf("golden root %s, want %s", got, goldenRoot)
	}
	if got, want := s.Root(), refRoot(ref); got != want {
		t.Errorf("golden root %s, reference %s", got, want)
	}
	var jobs []types.Hash
	for _, j := range goldenJobs {
		jobs = append(jobs, types.ReceiptJobHash([]byte(j)))
		s.AddClaimed(jobs[len(jobs)-1])
	}
	if got := s.ReceiptsRoot().String(); got != goldenReceiptsRoot {
		t.Errorf("golden receipts root %s, want %s", got, goldenReceiptsRoot)
	}
	if got := s.Root().String(); got != goldenRootWithClaim {
		t.Errorf("golden root with claims %s, want %s", got, goldenRootWithClaim)
	}
	if got, want := s.Root(), refStateRoot(ref, jobs); got != want {
		t.Errorf("golden root with claims %s, reference %s", got, want)
	}
	for idx, want := range map[int]string{
		38:  "0xcf5a74c1faaa123602e0d2c0f84271ad00e2eb73b9aea21d7bd30c1e8f1bd0f8", // job-1, job-1927
		231: "0x60a0d44f45b7c98fd5b33c87461e400e9896b2c2a36cf80151ecee3d624d4270",
		594: "0x5eddb519ec719d7327396eea7b4811a622aecbe88f100aaac957b2816d69f07e",
		0:   "0xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", // empty
	} {
		if got := s.claims.buckets[idx].hash.String(); got != want {
			t.Errorf("receipts bucket %d hash %s, want %s", idx, got, want)
		}
	}
	for idx, want := range map[int]string{
		0:    "0xb03d89de9da5a82c9f12b7977db21dbb46a0c579f2deea05a19c1bc95a6deab3",
		1:    "0x95228d62c6296b98a602561740eacfb824ca8d0321036c97d7e194e7f96e71ec",
		2:    "0xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", // empty
		4095: "0xf734dc20d0fe9cd6b422cfd4f83eaee9795fb9146dccdcc2c359002e2147cb6e",
	} {
		if got := s.buckets[idx].hash.String(); got != want {
			t.Errorf("bucket %d hash %s, want %s", idx, got, want)
		}
	}
}

func TestLeafAndBucketLayout(t *testing.T) {
	var a types.Address
	a[0], a[1], a[19] = 0xab, 0xcd, 0x01
	if got := bucketOf(&a); got != 0xabc {
		t.Fatalf("bucket %#x, want 0xabc", got)
	}
	got := leafHash(&a, Account{Balance: 0x0102030405060708, Nonce: 9})
	want := types.Sum256(append(append([]byte{0}, a[:]...), 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0, 0, 0, 0, 9))
	if got != want {
		t.Fatalf("leaf %s, want %s", got, want)
	}
	for n := 2; n < 70; n++ {
		k := split(n)
		if k >= n || 2*k < n {
			t.Fatalf("split(%d) = %d", n, k)
		}
	}
}

// TestRootRandomized: the root depends only on the set of accounts, not on
// the order of Set calls, the block boundaries or deletions in between,
// and it matches the from-scratch reference.
func TestRootRandomized(t *testing.T) {
	r := seedtest.Rand(t)
	p := testParams()
	n := 3000
	if testing.Short() {
		n = 500
	}
	ref := map[types.Address]Account{}
	var addrs []types.Address
	for i := 0; i < n; i++ {
		a := addr(int(r.Uint32()))
		if r.IntN(10) == 0 && len(addrs) > 0 {
			a = addrs[r.IntN(len(addrs))] // rewrite an existing one
		}
		var acct Account
		if r.IntN(8) != 0 {
			acct = Account{Balance: r.Uint64() >> r.IntN(64), Nonce: uint64(r.IntN(5))}
		}
		ref[a] = acct
		addrs = append(addrs, a)
	}
	// Same accounts through Set in two different orders.
	s1, s2 := New(p), New(p)
	for _, a := range addrs {
		s1.Set(a, ref[a])
	}
	r.Shuffle(len(addrs), func(i, j int) { addrs[i], addrs[j] = addrs[j], addrs[i] })
	for i, a := range addrs {
		s2.Set(a, Account{Balance: 1, Nonce: 1}) // overwritten below
		if i%97 == 0 {
			s2.Root() // interleave flushes
		}
	}
	for _, a := range addrs {
		s2.Set(a, ref[a])
	}
	want := refRoot(ref)
	if s1.Root() != want || s2.Root() != want {
		t.Fatalf("roots %s %s, reference %s", s1.Root(), s2.Root(), want)
	}
	if s1.Len() != s2.Len() {
		t.Fatalf("Len %d vs %d", s1.Len(), s2.Len())
	}
	// The same changes through batches of random size, committed one by one.
	s3 := New(p)
	for i := 0; i < len(addrs); {
		j := min(len(addrs), i+1+r.IntN(600))
		b := s3.Begin(BlockInfo{Proposer: types.Address{}})
		for _, a := range addrs[i:j] {
			b.over[a] = ref[a] // a batch overlay, as txs would leave it
		}
		b.diffOK = false
		end(t, b)
		root := b.Root()
		if err := s3.Commit(b); err != nil {
			t.Fatal(err)
		}
		if s3.Root() != root {
			t.Fatalf("committed root %s, batch said %s", s3.Root(), root)
		}
		i = j
	}
	if s3.Root() != want || s3.Len() != s1.Len() {
		t.Fatalf("batched root %s (len %d), want %s (len %d)", s3.Root(), s3.Len(), want, s1.Len())
	}
}

// TestRootAfterTransfers executes random transfers block by block and
// checks every block's root against the reference.
func TestRootAfterTransfers(t *testing.T) {
	r := seedtest.Rand(t)
	p := testParams()
	s := New(p)
	const users = 40
	ref := map[types.Address]Account{}
	nonce := make([]uint64, users)
	for i := 0; i < users; i++ {
		s.Set(addrOf(key(i)), Account{Balance: 1_000_000})
		ref[addrOf(key(i))] = Account{Balance: 1_000_000}
	}
	blocks := 20
	if testing.Short() {
		blocks = 5
	}
	for h := 0; h < blocks; h++ {
		proposer := addrOf(key(r.IntN(users)))
		b := s.Begin(BlockInfo{Proposer: proposer})
		for k := 0; k < 30; k++ {
			from := r.IntN(users)
			to := addrOf(key(r.IntN(users)))
			if r.IntN(4) == 0 {
				to = addr(r.IntN(1 << 20)) // new account
			}
			tx := transfer(p, key(from), nonce[from]+1, to, uint64(r.IntN(1000))+1, uint64(r.IntN(3)))
			if err := b.Apply(tx); err != nil {
				t.Fatal(err)
			}
			nonce[from]++
		}
		end(t, b)
		for _, u := range b.Updates() {
			ref[u.Address] = u.Account
		}
		if b.Root() != refRoot(ref) {
			t.Fatalf("block %d: root %s, reference %s", h, b.Root(), refRoot(ref))
		}
		if err := s.Commit(b); err != nil {
			t.Fatal(err)
		}
	}
}

func TestSetAndLen(t *testing.T) {
	s := New(testParams())
	empty := s.Root()
	a, b := addr(1), addr(2)
	s.Set(a, Account{Balance: 5})
	s.Set(b, Account{Nonce: 1})
	s.Set(addr(3), Account{}) // never existed: no-op
	if s.Len() != 2 {
		t.Fatalf("Len %d, want 2", s.Len())
	}
	s.Set(a, Account{})
	s.Set(b, Account{})
	if s.Len() != 0 || s.Root() != empty {
		t.Fatalf("after deleting all: Len %d, root changed %v", s.Len(), s.Root() != empty)
	}
}

func TestFromGenesis(t *testing.T) {
	g := &types.Genesis{ChainID: testChain, Params: testParams(), Accounts: []types.GenesisAccount{
		{Address: addr(1), Balance: 100}, {Address: addr(2), Balance: 0}, {Address: addr(3), Balance: 7},
	}}
	s, err := FromGenesis(g)
	if err != nil {
		t.Fatal(err)
	}
	if s.Len() != 2 || s.Account(addr(1)).Balance != 100 || s.Account(addr(3)).Balance != 7 {
		t.Fatalf("genesis state: len %d", s.Len())
	}
	if s.Params().BaseFee != g.Params.BaseFee {
		t.Fatal("params not kept")
	}
	g.Accounts = append(g.Accounts, types.GenesisAccount{Address: addr(1), Balance: 1})
	if _, err := FromGenesis(g); err == nil {
		t.Fatal("duplicate genesis account accepted")
	}
	if _, err := FromGenesis(nil); err == nil {
		t.Fatal("nil genesis accepted")
	}
}

func TestUpdatesSortedAndFiltered(t *testing.T) {
	p := testParams()
	s := New(p)
	var keys []int
	for i := 0; i < 300; i++ { // over the counting-sort threshold
		s.Set(addrOf(key(i)), Account{Balance: 1_000_000})
		keys = append(keys, i)
	}
	b := s.Begin(BlockInfo{Proposer: addr(0)})
	for _, i := range keys {
		if err := b.Apply(transfer(p, key(i), 1, addr(1000+i), 5, 0)); err != nil {
			t.Fatal(err)
		}
	}
	end(t, b)
	// An overlay entry equal to the State is not an update.
	b.over[addr(5000)] = Account{}
	b.diffOK = false
	u := b.Updates()
	if len(u) != 2*300+1 {
		t.Fatalf("%d updates, want %d", len(u), 601)
	}
	for i := 1; i < len(u); i++ {
		if bytes.Compare(u[i-1].Address[:], u[i].Address[:]) >= 0 {
			t.Fatalf("updates not sorted at %d", i)
		}
	}
}
