package types

import (
	"errors"
	"fmt"
)

// ErrInvalidTx wraps every stateless tx check failure.
var ErrInvalidTx = errors.New("invalid tx")

// ValidateBasic runs the stateless checks a tx must pass before its
// signature is checked: known chain, a sane nonce and amount. State checks
// (balance, nonce order) happen in engine/state.
func (tx *Tx) ValidateBasic(chainID string) error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidTx, fmt.Sprintf(format, a...))
	}
	if tx.ChainID != chainID {
		return bad("chain_id %q, this chain is %q", tx.ChainID, chainID)
	}
	if !tx.Type.Valid() {
		return bad("unknown type %d", tx.Type)
	}
	if tx.Nonce == 0 {
		return bad("nonce must be >= 1")
	}
	if IsSmallOrderKey(tx.Sender[:]) {
		return bad("sender key has small order: anyone could sign for it")
	}
	if len(tx.Payload) > MaxPayloadLen {
		return bad("payload %d bytes > %d", len(tx.Payload), MaxPayloadLen)
	}
	switch tx.Type {
	case TxTransfer:
		if tx.Amount == 0 {
			return bad("amount must be > 0")
		}
		if tx.Recipient.IsZero() {
			return bad("recipient is the zero address")
		}
	case TxStake, TxUnstake, TxUnjail:
		switch {
		case tx.Type == TxUnjail && tx.Amount != 0:
			return bad("UNJAIL amount must be 0")
		case tx.Type != TxUnjail && tx.Amount == 0:
			return bad("amount must be > 0")
		case !tx.Recipient.IsZero():
			return bad("%s recipient must be the zero address", tx.Type)
		case tx.Type == TxStake && len(tx.Payload) != 0:
			if _, err := DecodeStakePayload(tx.Payload); err != nil {
				return bad("payload: %v", err)
			}
		case tx.Type != TxStake && len(tx.Payload) != 0:
			return bad("%s payload must be empty", tx.Type)
		}
	}
	return nil
}
