package state

import (
	"fmt"

	"aitbc/engine/types"
)

// Receipt is one executed RECEIPT_CLAIM: what the block store keys the
// claimed set by (JobHash) and what the SQL index serves.
type Receipt struct {
	ID          types.Hash    // types.ReceiptID(chain_id, job_id, miner, units)
	JobHash     types.Hash    // types.ReceiptJobHash(JobID): the key in the claimed set
	JobID       []byte        // as in the payload (shared with the tx: do not modify)
	Miner       types.Address // the tx sender, credited with Minted
	Units       uint64
	Minted      uint64 // Units × params.mint_per_unit
	Coordinator [types.PubKeyLen]byte
	TxIndex     uint32 // index of the claim in its block's txs
}

// DecodeClaim runs the stateless RECEIPT_CLAIM rules on a tx of that type:
// amount 0, recipient zero, a canonical ReceiptClaim payload. Errors wrap
// ErrBadReceipt. It checks no signature and nothing in the state.
func DecodeClaim(tx *types.Tx) (*types.ReceiptClaim, error) {
	if tx.Type != types.TxReceiptClaim {
		return nil, fmt.Errorf("%w: tx type %s", ErrBadReceipt, tx.Type)
	}
	if tx.Amount != 0 {
		return nil, fmt.Errorf("%w: amount must be 0, is %d (the minted amount comes from units)", ErrBadReceipt, tx.Amount)
	}
	if !tx.Recipient.IsZero() {
		return nil, fmt.Errorf("%w: recipient must be the zero address, is %s (the miner is the sender)", ErrBadReceipt, tx.Recipient)
	}
	rc, err := types.DecodeReceiptClaim(tx.Payload)
	if err != nil {
		return nil, fmt.Errorf("%w: payload: %w", ErrBadReceipt, err)
	}
	return rc, nil
}

// ReceiptOf describes a claim tx at index i of a block on a chain minting
// mintPerUnit per unit. It fails, like DecodeClaim, on a tx that is not a
// well-formed claim, and with ErrOverflow if the minted amount overflows.
func ReceiptOf(tx *types.Tx, i uint32, mintPerUnit uint64) (Receipt, error) {
	rc, err := DecodeClaim(tx)
	if err != nil {
		return Receipt{}, err
	}
	return receiptOf(tx, rc, i, mintPerUnit)
}

func receiptOf(tx *types.Tx, rc *types.ReceiptClaim, i uint32, mintPerUnit uint64) (Receipt, error) {
	minted, ok := mul64(rc.Units, mintPerUnit)
	if !ok {
		return Receipt{}, fmt.Errorf("%w: mint of %d units × %d per unit", ErrOverflow, rc.Units, mintPerUnit)
	}
	miner := tx.From()
	return Receipt{
		ID:          types.ReceiptID(tx.ChainID, rc.JobID, miner, rc.Units),
		JobHash:     types.ReceiptJobHash(rc.JobID),
		JobID:       rc.JobID,
		Miner:       miner,
		Units:       rc.Units,
		Minted:      minted,
		Coordinator: rc.Coordinator,
		TxIndex:     i,
	}, nil
}

// BlockReceipts lists the receipts of a committed block's txs, in block
// order: the same slice the pipeline put in the block's CommittedBlock,
// for readers (the indexer) that re-read blocks from the store.
func BlockReceipts(txs []*types.Tx, mintPerUnit uint64) ([]Receipt, error) {
	var out []Receipt
	for i, tx := range txs {
		if tx.Type != types.TxReceiptClaim {
			continue
		}
		r, err := ReceiptOf(tx, uint32(i), mintPerUnit)
		if err != nil {
			return nil, fmt.Errorf("tx %d: %w", i, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// execReceiptClaim mints Units × mint_per_unit to the sender (the miner)
// for a job no claim has used, attested by a listed coordinator, then runs
// the shared nonce and fee rules with nothing to spend: the fee may come out
// of the mint, so a miner with no balance can claim.
func execReceiptClaim(c *txCtx, tx *types.Tx) error {
	rc, err := DecodeClaim(tx)
	if err != nil {
		return err
	}
	s := c.b.s
	if !s.isCoordinator(&rc.Coordinator) {
		return fmt.Errorf("%w: %s", ErrUnknownCoordinator, types.HexBytes(rc.Coordinator[:]))
	}
	r, err := receiptOf(tx, rc, c.b.applied, uint64(s.params.MintPerUnit))
	if err != nil {
		return err
	}
	if c.b.Claimed(r.JobHash) {
		return &ClaimedError{JobID: rc.JobID}
	}
	if err := c.credit(r.Miner, r.Minted, "mint"); err != nil {
		return err
	}
	if err := chargeSender(c, tx, 0); err != nil {
		return err
	}
	c.receipt, c.hasReceipt = r, true
	return nil
}

// CheckClaim is the admission-time part of the claim rules against the
// committed state: the coordinator is listed, the job is unclaimed and
// the mint does not overflow. It returns the amount the claim would mint.
// The pipeline runs it before spending a signature check on the claim.
func (s *State) CheckClaim(rc *types.ReceiptClaim) (minted uint64, err error) {
	if !s.isCoordinator(&rc.Coordinator) {
		return 0, fmt.Errorf("%w: %s", ErrUnknownCoordinator, types.HexBytes(rc.Coordinator[:]))
	}
	if s.Claimed(types.ReceiptJobHash(rc.JobID)) {
		return 0, &ClaimedError{JobID: rc.JobID}
	}
	minted, ok := mul64(rc.Units, uint64(s.params.MintPerUnit))
	if !ok {
		return 0, fmt.Errorf("%w: mint of %d units × %d per unit", ErrOverflow, rc.Units, s.params.MintPerUnit)
	}
	return minted, nil
}

func (s *State) isCoordinator(k *[types.PubKeyLen]byte) bool {
	for i := range s.coordinators {
		if s.coordinators[i] == *k {
			return true
		}
	}
	return false
}
