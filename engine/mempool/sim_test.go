package mempool

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"testing"

	"aitbc/engine/state"
	"aitbc/engine/types"
	"aitbc/internal/seedtest"
)

// sim drives a pool with a byte-coded op sequence against a model ledger
// and checks, after every op, the structural invariants and the promises
// the pool makes to block building.
type sim struct {
	m       *Mempool
	pubs    [][types.PubKeyLen]byte
	addrs   []types.Address
	accts   map[types.Address]*state.Account
	minFee  uint64
	applied int
	errs    map[error]int
}

const simSenders = 12

func newSim() *sim {
	s := &sim{
		m:      New(Config{MaxTxs: 40, MaxBytes: types.MaxTxBytes + 1500, MaxPerSender: 6, NonceWindow: 8}),
		accts:  map[types.Address]*state.Account{},
		minFee: 3,
		errs:   map[error]int{},
	}
	for i := 0; i < simSenders; i++ {
		var p [types.PubKeyLen]byte
		copy(p[:], key(i).Public().(ed25519.PublicKey))
		a := types.AddressFromPubKey(p[:])
		s.pubs = append(s.pubs, p)
		s.addrs = append(s.addrs, a)
		s.accts[a] = &state.Account{Balance: 5000}
	}
	return s
}

func (s *sim) nonceOf(a types.Address) uint64 {
	if acct := s.accts[a]; acct != nil {
		return acct.Nonce
	}
	return 0
}

// step runs one op coded by four bytes.
func (s *sim) step(op, x, y, z byte) error {
	switch op % 4 {
	case 0, 1: // add: sender x, nonce offset y, fee z, payload on odd y
		i := int(x) % simSenders
		acct := s.accts[s.addrs[i]]
		tx := &types.Tx{ChainID: testChain, Type: types.TxTransfer, Sender: s.pubs[i],
			Nonce: acct.Nonce + uint64(y%10), Recipient: s.addrs[(i+1)%simSenders], Amount: uint64(z%16) + 1, Fee: uint64(z % 64)}
		if y&0x80 != 0 {
			tx.Payload = make([]byte, int(z)*8)
		}
		if err := s.m.Add(tx, tx.Hash(), *acct, s.minFee); err != nil {
			for _, e := range []error{ErrFull, ErrDuplicate, ErrNonceTooLow, ErrNonceGap, ErrReplacementUnderpriced, ErrSenderLimit, ErrInsufficientFunds, state.ErrFeeTooLow} {
				if errors.Is(err, e) {
					s.errs[e]++
				}
			}
		}
	case 2: // build and commit a block of at most x txs, y*64 bytes; fees go to sender z
		txs := s.m.Reap(int(x%16), int(y)*64, s.nonceOf)
		proposer := s.accts[s.addrs[int(z)%simSenders]]
		for _, tx := range txs {
			from := s.accts[tx.From()]
			cost := tx.Amount + tx.Fee
			if tx.Nonce != from.Nonce+1 || from.Balance < cost || tx.Fee < s.minFee {
				return fmt.Errorf("reaped tx does not apply: nonce %d (account %d), cost %d (balance %d)", tx.Nonce, from.Nonce, cost, from.Balance)
			}
			from.Nonce++
			from.Balance -= cost
			s.accts[tx.Recipient].Balance += tx.Amount
			proposer.Balance += tx.Fee
			s.applied++
		}
		s.m.Update(txs, s.nonceOf)
	case 3: // a block from elsewhere: sender x's account moves on by y%3 nonces
		a := s.addrs[int(x)%simSenders]
		s.accts[a].Nonce += uint64(y % 3)
		stale := &types.Tx{Type: types.TxTransfer, Sender: s.pubs[int(x)%simSenders], Nonce: s.accts[a].Nonce}
		s.m.Update([]*types.Tx{stale}, s.nonceOf)
	}
	return s.check()
}

func (s *sim) check() error {
	if err := s.m.invariants(); err != nil {
		return err
	}
	for addr, q := range s.m.senders {
		acct := s.accts[addr]
		if q.cost > acct.Balance {
			return fmt.Errorf("sender %s: pending cost %d > balance %d", addr, q.cost, acct.Balance)
		}
		if q.txs[0].tx.Nonce <= acct.Nonce || q.txs[len(q.txs)-1].tx.Nonce > acct.Nonce+s.m.cfg.NonceWindow {
			return fmt.Errorf("sender %s: nonces %d..%d outside (%d, %d]", addr, q.txs[0].tx.Nonce, q.txs[len(q.txs)-1].tx.Nonce, acct.Nonce, acct.Nonce+s.m.cfg.NonceWindow)
		}
	}
	return nil
}

func TestBoundsRandomized(t *testing.T) {
	r := seedtest.Rand(t)
	steps := 20000
	if testing.Short() {
		steps = 3000
	}
	s := newSim()
	for i := 0; i < steps; i++ {
		op := byte(r.IntN(10))
		switch {
		case op < 7:
			op = 0
		case op < 9:
			op = 2
		default:
			op = 3
		}
		if err := s.step(op, byte(r.Uint32()), byte(r.Uint32()), byte(r.Uint32())); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	t.Logf("%d txs applied, %d pending, rejections %v", s.applied, s.m.Len(), s.errs)
	if s.applied < steps/50 || s.errs[ErrFull] == 0 {
		t.Fatal("the simulation did not reach the pool's limits: it tests too little")
	}
}

// FuzzMempoolOps runs arbitrary op sequences through the simulation.
func FuzzMempoolOps(f *testing.F) {
	f.Fuzz(func(t *testing.T, ops []byte) {
		if len(ops) > 4096 {
			return
		}
		s := newSim()
		for i := 0; i+4 <= len(ops); i += 4 {
			if err := s.step(ops[i], ops[i+1], ops[i+2], ops[i+3]); err != nil {
				t.Fatalf("op %d: %v", i/4, err)
			}
		}
	})
}
