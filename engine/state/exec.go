package state

import (
	"fmt"
	"math"

	"aitbc/engine/types"
)

// executor runs one tx type against a tx-scoped view. It returns an error
// wrapping one of the package's sentinels, or records its writes in c;
// Batch.Apply merges them only on success.
type executor func(c *txCtx, tx *types.Tx) error

// executors is the dispatch table of every chain, indexed by tx type;
// stakeExecutors adds STAKE, UNSTAKE and UNJAIL on pos and hybrid chains.
// A type without an entry is ErrUnsupportedTx. All reuse chargeSender for
// nonce and fee.
var executors = [...]executor{
	types.TxTransfer:     execTransfer,
	types.TxReceiptClaim: execReceiptClaim,
}

// Executable reports whether this chain executes txs of type t: the
// staking types only on pos and hybrid chains. Admission refuses the
// others (a tx that can never execute would sit in mempools and travel
// the network without ever paying a fee).
func (s *State) Executable(t types.TxType) bool {
	_, err := s.executor(t)
	return err == nil
}

func (s *State) executor(t types.TxType) (executor, error) {
	if int(t) < len(executors) && executors[t] != nil {
		return executors[t], nil
	}
	if ex, ok := stakeExecutors[t]; ok {
		if !s.staking() {
			return nil, fmt.Errorf("%w: %w: %s on a %s chain", ErrUnsupportedTx, ErrWrongMode, t, s.mode)
		}
		return ex, nil
	}
	return nil, fmt.Errorf("%w: %s", ErrUnsupportedTx, t)
}

// txCtx buffers one tx's account writes on top of its batch, so a tx sees
// its own earlier writes (sender = recipient = proposer is fine) and a
// failure leaves the batch untouched.
type txCtx struct {
	b          *Batch
	n          int
	writes     [4]AccountUpdate
	receipt    Receipt // a claim's effect on the claimed set, kept on success
	hasReceipt bool
	stake      StakeRecord // a staking tx's record, kept on success
	hasStake   bool
}

func (c *txCtx) get(addr types.Address) Account {
	for i := c.n - 1; i >= 0; i-- {
		if c.writes[i].Address == addr {
			return c.writes[i].Account
		}
	}
	return c.b.Account(addr)
}

func (c *txCtx) put(addr types.Address, a Account) {
	for i := 0; i < c.n; i++ {
		if c.writes[i].Address == addr {
			c.writes[i].Account = a
			return
		}
	}
	if c.n == len(c.writes) {
		panic("state: a tx wrote more accounts than txCtx holds") // an executor bug
	}
	c.writes[c.n] = AccountUpdate{Address: addr, Account: a}
	c.n++
}

// credit adds amount to addr's balance. A zero credit touches nothing, so
// it never creates an empty account.
func (c *txCtx) credit(addr types.Address, amount uint64, what string) error {
	if amount == 0 {
		return nil
	}
	a := c.get(addr)
	bal, ok := add64(a.Balance, amount)
	if !ok {
		return fmt.Errorf("%w: %s of %d to %s with balance %d", ErrOverflow, what, amount, addr, a.Balance)
	}
	a.Balance = bal
	c.put(addr, a)
	return nil
}

// chargeSender checks the nonce and fee rules, debits spend + fee from the
// sender and bumps its nonce. The fee joins the block's pot, which End
// pays out (docs/spec.md §13.6). Every tx type runs it.
func chargeSender(c *txCtx, tx *types.Tx, spend uint64) error {
	from := tx.From()
	a := c.get(from)
	if a.Nonce == math.MaxUint64 {
		return fmt.Errorf("%w: nonce of %s is exhausted", ErrOverflow, from)
	}
	if tx.Nonce != a.Nonce+1 {
		return fmt.Errorf("%w: tx nonce %d, account %s expects %d", ErrBadNonce, tx.Nonce, from, a.Nonce+1)
	}
	p := &c.b.s.params
	min, ok := minFee(p, tx)
	if !ok {
		return fmt.Errorf("%w: minimum fee %d + %d × %d bytes", ErrOverflow, p.BaseFee, p.FeePerByte, tx.Size())
	}
	if tx.Fee < min {
		return fmt.Errorf("%w: fee %d < minimum %d (%d + %d × %d bytes)", ErrFeeTooLow, tx.Fee, min, p.BaseFee, p.FeePerByte, tx.Size())
	}
	cost, ok := add64(spend, tx.Fee)
	if !ok {
		return fmt.Errorf("%w: amount %d + fee %d", ErrOverflow, spend, tx.Fee)
	}
	if a.Balance < cost {
		return fmt.Errorf("%w: %s has %d, needs %d (amount %d + fee %d)", ErrInsufficientBalance, from, a.Balance, cost, spend, tx.Fee)
	}
	a.Balance -= cost
	a.Nonce++
	c.put(from, a)
	return nil
}

// execTransfer moves Amount from the sender to Recipient (self-transfer
// allowed: the sender then only pays the fee).
func execTransfer(c *txCtx, tx *types.Tx) error {
	if err := chargeSender(c, tx, tx.Amount); err != nil {
		return err
	}
	return c.credit(tx.Recipient, tx.Amount, "transfer")
}
