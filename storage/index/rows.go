package index

import (
	"fmt"
	"math"
	"strconv"

	"aitbc/engine/types"
)

// TxStatusCommitted is the status of every indexed tx: CommittedBlock
// carries no per-tx results yet, and a committed tx is final.
const TxStatusCommitted = "committed"

// BlockRow is an indexed block.
type BlockRow struct {
	Height    uint64
	Hash      types.Hash
	Time      uint64 // Unix ms
	Proposer  types.Address
	TxCount   int
	StateRoot types.Hash
}

// TxRow is an indexed tx and where it is.
type TxRow struct {
	Hash      types.Hash
	Height    uint64
	Index     uint32
	Type      types.TxType
	Sender    types.Address
	Recipient types.Address
	Nonce     uint64
	Amount    types.Amount
	Fee       types.Amount
	Status    string
}

// AccountRow is an account's state as of UpdatedHeight.
type AccountRow struct {
	Address       types.Address
	Balance       types.Amount
	Nonce         uint64
	UpdatedHeight uint64
}

// amountDigits is the width of a stored amount: len("18446744073709551615").
const amountDigits = 20

// encodeAmount is the stored form of an amount: 20 zero-padded digits.
func encodeAmount(v uint64) string { return fmt.Sprintf("%020d", v) }

// decodeAmount accepts exactly the output of encodeAmount.
func decodeAmount(s string) (uint64, error) {
	if len(s) != amountDigits {
		return 0, fmt.Errorf("amount %q: want %d digits", clip(s), amountDigits)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, fmt.Errorf("amount %q: not decimal", clip(s))
		}
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("amount %q overflows 64 bits", s)
	}
	return v, nil
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// toInt64 checks that v fits the schema's signed 64-bit columns.
func toInt64(what string, v uint64) (int64, error) {
	if v > math.MaxInt64 {
		return 0, fmt.Errorf("%w: %s %d exceeds 2^63-1", ErrOutOfRange, what, v)
	}
	return int64(v), nil
}

// Scan targets; converted through the decoders below so a bad stored value
// is a *CorruptError, never a panic or a silent zero.
type blockRecord struct {
	Height    int64  `db:"height"`
	Hash      string `db:"hash"`
	Time      int64  `db:"time"`
	Proposer  string `db:"proposer"`
	TxCount   int64  `db:"tx_count"`
	StateRoot string `db:"state_root"`
}

type txRecord struct {
	Hash      string `db:"hash"`
	Height    int64  `db:"height"`
	Idx       int64  `db:"idx"`
	Type      string `db:"type"`
	Sender    string `db:"sender"`
	Recipient string `db:"recipient"`
	Nonce     int64  `db:"nonce"`
	Amount    string `db:"amount"`
	Fee       string `db:"fee"`
	Status    string `db:"status"`
}

type accountRecord struct {
	Address       string `db:"address"`
	Balance       string `db:"balance"`
	Nonce         int64  `db:"nonce"`
	UpdatedHeight int64  `db:"updated_height"`
}

// rowDecoder collects the first failure while converting one row.
type rowDecoder struct {
	table string
	err   error
}

func (d *rowDecoder) fail(col string, err error) {
	if d.err == nil {
		d.err = &CorruptError{Table: d.table, Column: col, Cause: err}
	}
}

func (d *rowDecoder) hash(col, s string) types.Hash {
	h, err := types.ParseHash(s)
	if err != nil {
		d.fail(col, err)
	}
	return h
}

func (d *rowDecoder) address(col, s string) types.Address {
	a, err := types.ParseAddress(s)
	if err != nil {
		d.fail(col, err)
	}
	return a
}

func (d *rowDecoder) hex(col, s string) types.HexBytes {
	var b types.HexBytes
	if len(s) < 2 || s[:2] != "0x" {
		d.fail(col, fmt.Errorf("%q: want 0x-hex", clip(s)))
		return nil
	}
	if err := b.UnmarshalText([]byte(s)); err != nil {
		d.fail(col, err)
	}
	return b
}

func (d *rowDecoder) amount(col, s string) types.Amount {
	v, err := decodeAmount(s)
	if err != nil {
		d.fail(col, err)
	}
	return types.Amount(v)
}

func (d *rowDecoder) uint(col string, v, max int64) uint64 {
	if v < 0 || v > max {
		d.fail(col, fmt.Errorf("%d out of range 0..%d", v, max))
		return 0
	}
	return uint64(v)
}

func (r blockRecord) row() (BlockRow, error) {
	d := rowDecoder{table: "blocks"}
	out := BlockRow{
		Height:    d.uint("height", r.Height, math.MaxInt64),
		Hash:      d.hash("hash", r.Hash),
		Time:      d.uint("time", r.Time, math.MaxInt64),
		Proposer:  d.address("proposer", r.Proposer),
		TxCount:   int(d.uint("tx_count", r.TxCount, types.MaxBlockTxs)),
		StateRoot: d.hash("state_root", r.StateRoot),
	}
	return out, d.err
}

func (r txRecord) row() (TxRow, error) {
	d := rowDecoder{table: "txs"}
	typ, ok := types.ParseTxType(r.Type)
	if !ok {
		d.fail("type", fmt.Errorf("unknown tx type %q", clip(r.Type)))
	}
	out := TxRow{
		Hash:      d.hash("hash", r.Hash),
		Height:    d.uint("height", r.Height, math.MaxInt64),
		Index:     uint32(d.uint("idx", r.Idx, types.MaxBlockTxs-1)),
		Type:      typ,
		Sender:    d.address("sender", r.Sender),
		Recipient: d.address("recipient", r.Recipient),
		Nonce:     d.uint("nonce", r.Nonce, math.MaxInt64),
		Amount:    d.amount("amount", r.Amount),
		Fee:       d.amount("fee", r.Fee),
		Status:    r.Status,
	}
	return out, d.err
}

func (r accountRecord) row() (AccountRow, error) {
	d := rowDecoder{table: "accounts"}
	out := AccountRow{
		Address:       d.address("address", r.Address),
		Balance:       d.amount("balance", r.Balance),
		Nonce:         d.uint("nonce", r.Nonce, math.MaxInt64),
		UpdatedHeight: d.uint("updated_height", r.UpdatedHeight, math.MaxInt64),
	}
	return out, d.err
}
