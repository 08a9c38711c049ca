package state

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"aitbc/engine/types"
	"aitbc/internal/seedtest"
)

// coord is the test coordinator; claimParams lists it and mints 3 per unit.
var coord = key(1000)

func claimParams() types.Params {
	p := testParams()
	p.MintPerUnit = 3
	p.Coordinators = []types.HexBytes{types.HexBytes(coord.Public().(ed25519.PublicKey))}
	return p
}

// claim builds a signed RECEIPT_CLAIM by miner for job, attested by c,
// paying the minimum fee plus extra.
func claim(p types.Params, miner ed25519.PrivateKey, nonce uint64, c ed25519.PrivateKey, job string, units, extraFee uint64) *types.Tx {
	rc := types.NewReceiptClaim(testChain, []byte(job), units, addrOf(miner), c)
	tx := &types.Tx{ChainID: testChain, Type: types.TxReceiptClaim, Nonce: nonce, Payload: rc.Encode()}
	tx.Fee = uint64(p.BaseFee) + uint64(p.FeePerByte)*uint64(tx.Size()) + extraFee
	tx.Sign(miner)
	return tx
}

func TestReceiptClaimRules(t *testing.T) {
	p := claimParams()
	miner, other := key(0), key(1)
	M, O, P := addrOf(miner), addrOf(other), addr(99)
	min := claim(p, miner, 1, coord, "job-a", 100, 0).Fee
	const max = math.MaxUint64
	stranger := key(2000)

	type accts map[types.Address]Account
	tests := []struct {
		name    string
		params  func(*types.Params)
		before  accts
		claimed []string // jobs already claimed in the State
		tx      func() *types.Tx
		err     error
		after   accts // checked when err == nil
		minted  uint64
	}{
		{name: "new miner pays the fee from the mint", before: accts{},
			tx:    func() *types.Tx { return claim(p, miner, 1, coord, "job-a", 100, 0) },
			after: accts{M: {300 - min, 1}, P: {min, 0}}, minted: 300},
		{name: "existing balance, extra fee", before: accts{M: {1000, 4}},
			tx:    func() *types.Tx { return claim(p, miner, 5, coord, "job-a", 1, 7) },
			after: accts{M: {1000 + 3 - min - 7, 5}, P: {min + 7, 0}}, minted: 3},
		{name: "miner is the proposer", before: accts{},
			tx:    func() *types.Tx { return claim(p, other, 1, coord, "job-a", 100, 0) },
			after: accts{O: {300, 1}}, minted: 300},
		{name: "mint exactly the fee", before: accts{},
			params: func(q *types.Params) { q.MintPerUnit = types.Amount(min) },
			tx:     func() *types.Tx { return claim(p, miner, 1, coord, "job-a", 1, 0) },
			after:  accts{M: {0, 1}, P: {min, 0}}, minted: min},
		{name: "mint below the fee", before: accts{},
			tx:  func() *types.Tx { return claim(p, miner, 1, coord, "job-a", 1, 0) },
			err: ErrInsufficientBalance},
		{name: "zero mint per unit", params: func(q *types.Params) { q.MintPerUnit = 0 }, before: accts{M: {min, 0}},
			tx:    func() *types.Tx { return claim(p, miner, 1, coord, "job-a", 5, 0) },
			after: accts{M: {0, 1}, P: {min, 0}}, minted: 0},
		{name: "job claimed before", before: accts{M: {1000, 0}}, claimed: []string{"job-a"},
			tx: func() *types.Tx { return claim(p, miner, 1, coord, "job-a", 1, 0) }, err: ErrReceiptClaimed},
		{name: "other job of a claimed set", before: accts{}, claimed: []string{"job-b", "job-c"},
			tx:    func() *types.Tx { return claim(p, miner, 1, coord, "job-a", 100, 0) },
			after: accts{M: {300 - min, 1}, P: {min, 0}}, minted: 300},
		{name: "unknown coordinator", before: accts{M: {1000, 0}},
			tx: func() *types.Tx { return claim(p, miner, 1, stranger, "job-a", 1, 0) }, err: ErrUnknownCoordinator},
		{name: "no coordinators listed", params: func(q *types.Params) { q.Coordinators = nil }, before: accts{M: {1000, 0}},
			tx: func() *types.Tx { return claim(p, miner, 1, coord, "job-a", 1, 0) }, err: ErrUnknownCoordinator},
		{name: "amount not zero", before: accts{M: {1000, 0}},
			tx: func() *types.Tx {
				tx := claim(p, miner, 1, coord, "job-a", 1, 0)
				tx.Amount = 1
				return tx
			}, err: ErrBadReceipt},
		{name: "recipient not zero", before: accts{M: {1000, 0}},
			tx: func() *types.Tx {
				tx := claim(p, miner, 1, coord, "job-a", 1, 0)
				tx.Recipient = O
				return tx
			}, err: ErrBadReceipt},
		{name: "payload not a claim", before: accts{M: {1000, 0}},
			tx: func() *types.Tx {
				tx := claim(p, miner, 1, coord, "job-a", 1, 0)
				tx.Payload = tx.Payload[:len(tx.Payload)-1]
				return tx
			}, err: ErrBadReceipt},
		{name: "empty payload", before: accts{M: {1000, 0}},
			tx: func() *types.Tx {
				tx := claim(p, miner, 1, coord, "job-a", 1, 0)
				tx.Payload = nil
				return tx
			}, err: ErrBadReceipt},
		{name: "units × mint overflows", params: func(q *types.Params) { q.MintPerUnit = max / 2 }, before: accts{M: {1000, 0}},
			tx: func() *types.Tx { return claim(p, miner, 1, coord, "job-a", 3, 0) }, err: ErrOverflow},
		{name: "mint overflows the miner's balance", before: accts{M: {max - 2, 0}},
			tx: func() *types.Tx { return claim(p, miner, 1, coord, "job-a", 1, 0) }, err: ErrOverflow},
		{name: "bad nonce", before: accts{M: {1000, 3}},
			tx: func() *types.Tx { return claim(p, miner, 3, coord, "job-a", 1, 0) }, err: ErrBadNonce},
		{name: "fee below minimum", before: accts{M: {1000, 0}},
			tx: func() *types.Tx {
				tx := claim(p, miner, 1, coord, "job-a", 1, 0)
				tx.Fee--
				return tx
			}, err: ErrFeeTooLow},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := claimParams()
			if tc.params != nil {
				tc.params(&q)
			}
			s := New(q)
			for a, acct := range tc.before {
				s.Set(a, acct)
			}
			var jobs []types.Hash
			for _, j := range tc.claimed {
				jobs = append(jobs, types.ReceiptJobHash([]byte(j)))
				s.AddClaimed(jobs[len(jobs)-1])
			}
			rootBefore := s.Root()
			all := []types.Address{M, O, P}
			want := snapshot(s, all)
			proposer := P
			if tc.name == "miner is the proposer" {
				proposer = O
			}
			b := s.Begin(BlockInfo{Proposer: proposer})
			tx := tc.tx()
			err := b.Apply(tx)
			if !errors.Is(err, tc.err) {
				t.Fatalf("Apply: got %v, want %v", err, tc.err)
			}
			if err != nil {
				if got := snapshot(b, all); !mapsEqual(got, want) || len(b.Updates()) != 0 {
					t.Fatalf("failed claim changed the batch: %v, want %v", got, want)
				}
				if b.Receipts() != nil || b.Claimed(types.ReceiptJobHash([]byte("job-a"))) != s.Claimed(types.ReceiptJobHash([]byte("job-a"))) {
					t.Fatal("failed claim left a receipt")
				}
				if b.Root() != rootBefore {
					t.Fatal("failed claim changed the root")
				}
				return
			}
			end(t, b) // pays the fee to the proposer
			for a, acct := range tc.after {
				want[a] = acct
			}
			if got := snapshot(b, all); !mapsEqual(got, want) {
				t.Fatalf("after: %v, want %v", got, want)
			}
			rs := b.Receipts()
			job := types.ReceiptJobHash([]byte("job-a"))
			from := tx.From()
			if len(rs) != 1 || rs[0].JobHash != job || rs[0].Minted != tc.minted || rs[0].Miner != from ||
				rs[0].ID != types.ReceiptID(testChain, []byte("job-a"), from, rs[0].Units) || rs[0].TxIndex != 0 ||
				string(rs[0].JobID) != "job-a" {
				t.Fatalf("receipts %+v", rs)
			}
			if s.Claimed(job) || !b.Claimed(job) {
				t.Fatal("claim visible in the State before Commit, or not in the batch")
			}
			root := b.Root()
			if err := s.Commit(b); err != nil {
				t.Fatal(err)
			}
			if !s.Claimed(job) || s.ClaimedLen() != len(jobs)+1 {
				t.Fatalf("after commit: claimed %v, len %d", s.Claimed(job), s.ClaimedLen())
			}
			if root == rootBefore || s.Root() != root || root != refStateRoot(snapshot(s, all), append(jobs, job)) {
				t.Fatalf("root: before %s, batch %s, state %s, reference %s", rootBefore, root, s.Root(), refStateRoot(snapshot(s, all), append(jobs, job)))
			}
		})
	}
}

// TestClaimOnce: a job can be claimed once, whether the earlier claim is in
// the same block, a committed block, or by another miner; the error names
// the job.
func TestClaimOnce(t *testing.T) {
	p := claimParams()
	m1, m2 := key(0), key(1)
	s := New(p)
	b := s.Begin(BlockInfo{Proposer: addr(9)})
	if err := b.Apply(claim(p, m1, 1, coord, "job-x", 1000, 0)); err != nil {
		t.Fatal(err)
	}
	err := b.Apply(claim(p, m2, 1, coord, "job-x", 1000, 0))
	var ce *ClaimedError
	if !errors.Is(err, ErrReceiptClaimed) || !errors.As(err, &ce) || string(ce.JobID) != "job-x" {
		t.Fatalf("second claim in one block: %v", err)
	}
	if !strings.Contains(err.Error(), types.HexBytes("job-x").String()) {
		t.Fatalf("error %q does not name the job", err)
	}
	if err := b.Apply(claim(p, m2, 1, coord, "job-y", 1000, 0)); err != nil {
		t.Fatal(err)
	}
	if rs := b.Receipts(); len(rs) != 2 || rs[1].TxIndex != 1 || rs[1].Miner != addrOf(m2) {
		t.Fatalf("receipts %+v", rs)
	}
	end(t, b)
	if err := s.Commit(b); err != nil {
		t.Fatal(err)
	}
	b = s.Begin(BlockInfo{Proposer: addr(9)})
	for _, tx := range []*types.Tx{claim(p, m1, 2, coord, "job-x", 1000, 0), claim(p, m2, 2, coord, "job-y", 1, 0)} {
		if err := b.Apply(tx); !errors.Is(err, ErrReceiptClaimed) {
			t.Fatalf("claim of a committed job: %v", err)
		}
	}
	for _, job := range []string{"job-x", "job-y"} {
		rc := types.NewReceiptClaim(testChain, []byte(job), 1, addrOf(m1), coord)
		if _, err := s.CheckClaim(rc); !errors.Is(err, ErrReceiptClaimed) {
			t.Fatalf("CheckClaim(%s) = %v", job, err)
		}
	}
	if minted, err := s.CheckClaim(types.NewReceiptClaim(testChain, []byte("job-z"), 7, addrOf(m1), coord)); err != nil || minted != 21 {
		t.Fatalf("CheckClaim of a new job: %d, %v", minted, err)
	}
	if _, err := s.CheckClaim(types.NewReceiptClaim(testChain, []byte("job-z"), 1<<63, addrOf(m1), coord)); !errors.Is(err, ErrOverflow) {
		t.Fatalf("CheckClaim of an overflowing mint: %v", err)
	}
	if _, err := s.CheckClaim(types.NewReceiptClaim(testChain, []byte("job-z"), 1, addrOf(m1), key(5))); !errors.Is(err, ErrUnknownCoordinator) {
		t.Fatalf("CheckClaim with an unknown coordinator: %v", err)
	}
}

// TestClaimsRestoreIdentically: the state after claims and transfers over
// several blocks, rebuilt the way the node restores it (Set every account,
// AddClaimed every job hash, in store order), has the same root; and the
// root matches the from-scratch reference after every block.
func TestClaimsRestoreIdentically(t *testing.T) {
	r := seedtest.Rand(t)
	p := claimParams()
	s := New(p)
	const miners = 12
	accts := map[types.Address]Account{}
	nonce := make([]uint64, miners)
	var jobs []types.Hash
	for h := 0; h < 8; h++ {
		b := s.Begin(BlockInfo{Proposer: addr(500 + h%3)})
		for k := 0; k < 20; k++ {
			m := r.IntN(miners)
			var tx *types.Tx
			if k%4 == 3 && s.Account(addrOf(key(m))).Balance > 1000 {
				tx = transfer(p, key(m), nonce[m]+1, addr(r.IntN(50)), 1+uint64(r.IntN(100)), 0)
			} else {
				tx = claim(p, key(m), nonce[m]+1, coord, fmt.Sprintf("job-%d-%d", h, k), 100+uint64(r.IntN(1000)), 0)
			}
			if err := b.Apply(tx); err != nil {
				t.Fatalf("block %d tx %d: %v", h, k, err)
			}
			nonce[m]++
		}
		end(t, b)
		for _, u := range b.Updates() {
			accts[u.Address] = u.Account
		}
		for _, rc := range b.Receipts() {
			jobs = append(jobs, rc.JobHash)
		}
		root := b.Root()
		if err := s.Commit(b); err != nil {
			t.Fatal(err)
		}
		if want := refStateRoot(accts, jobs); root != want || s.Root() != want {
			t.Fatalf("block %d: batch root %s, state %s, reference %s", h, root, s.Root(), want)
		}
	}
	if s.ClaimedLen() != len(jobs) {
		t.Fatalf("ClaimedLen %d, %d claims", s.ClaimedLen(), len(jobs))
	}
	// Restore in a shuffled order with duplicates: same root.
	re := New(p)
	for a, acct := range accts {
		re.Set(a, acct)
	}
	r.Shuffle(len(jobs), func(i, j int) { jobs[i], jobs[j] = jobs[j], jobs[i] })
	for i, j := range jobs {
		re.AddClaimed(j)
		if i%5 == 0 {
			re.AddClaimed(j) // a duplicate is a no-op
			re.Root()        // interleave flushes
		}
	}
	if re.Root() != s.Root() || re.ClaimedLen() != s.ClaimedLen() || re.ReceiptsRoot() != s.ReceiptsRoot() {
		t.Fatalf("restored root %s (%d claims), committed %s (%d)", re.Root(), re.ClaimedLen(), s.Root(), s.ClaimedLen())
	}
}

// TestAddClaimedMakesBatchesStale: restoring a claim is a State change.
func TestAddClaimedMakesBatchesStale(t *testing.T) {
	s := New(claimParams())
	b := s.Begin(BlockInfo{Proposer: addr(1)})
	s.AddClaimed(types.ReceiptJobHash([]byte("j")))
	if !b.Stale() {
		t.Fatal("batch not stale after AddClaimed")
	}
	b = s.Begin(BlockInfo{Proposer: addr(1)})
	s.AddClaimed(types.ReceiptJobHash([]byte("j"))) // already there: no change
	if b.Stale() {
		t.Fatal("re-adding a claimed job made the batch stale")
	}
}

func TestBlockReceipts(t *testing.T) {
	p := claimParams()
	m := key(0)
	txs := []*types.Tx{
		transfer(p, m, 1, addr(1), 5, 0),
		claim(p, m, 2, coord, "a", 7, 0),
		transfer(p, m, 3, addr(1), 5, 0),
		claim(p, m, 4, coord, "b", 1, 0),
	}
	rs, err := BlockReceipts(txs, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 || rs[0].TxIndex != 1 || rs[1].TxIndex != 3 || rs[0].Minted != 21 || string(rs[1].JobID) != "b" {
		t.Fatalf("receipts %+v", rs)
	}
	// The same receipts as executing the block.
	s := New(p)
	s.Set(addrOf(m), Account{Balance: 1 << 20})
	b := s.Begin(BlockInfo{Proposer: addr(2)})
	for _, tx := range txs {
		if err := b.Apply(tx); err != nil {
			t.Fatal(err)
		}
	}
	for i, r := range b.Receipts() {
		if r.ID != rs[i].ID || r.JobHash != rs[i].JobHash || r.TxIndex != rs[i].TxIndex || r.Minted != rs[i].Minted || r.Coordinator != rs[i].Coordinator {
			t.Fatalf("receipt %d: executed %+v, BlockReceipts %+v", i, r, rs[i])
		}
	}
	txs[1].Amount = 1
	if _, err := BlockReceipts(txs, 3); !errors.Is(err, ErrBadReceipt) {
		t.Fatalf("BlockReceipts of a malformed claim: %v", err)
	}
	if _, err := ReceiptOf(txs[0], 0, 1); !errors.Is(err, ErrBadReceipt) {
		t.Fatalf("ReceiptOf a transfer: %v", err)
	}
}
