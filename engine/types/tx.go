package types

import (
	"crypto/ed25519"
	"fmt"
)

// TxType is the kind of a transaction.
type TxType uint8

const (
	TxTransfer     TxType = 1 // move Amount from the sender to Recipient
	TxReceiptClaim TxType = 2 // mint for an attested AI compute job (payload: ReceiptClaim)
	TxStake        TxType = 3 // bond Amount to the sender's validator stake
	TxUnstake      TxType = 4 // start unbonding Amount
	TxUnjail       TxType = 5 // leave jail after a downtime jail has expired
)

func (t TxType) String() string {
	switch t {
	case TxTransfer:
		return "TRANSFER"
	case TxReceiptClaim:
		return "RECEIPT_CLAIM"
	case TxStake:
		return "STAKE"
	case TxUnstake:
		return "UNSTAKE"
	case TxUnjail:
		return "UNJAIL"
	}
	return fmt.Sprintf("TxType(%d)", uint8(t))
}

// ParseTxType maps the names of String back to types.
func ParseTxType(s string) (TxType, bool) {
	for t := TxTransfer; t <= TxUnjail; t++ {
		if t.String() == s {
			return t, true
		}
	}
	return 0, false
}

// Valid reports whether t is a known type.
func (t TxType) Valid() bool { return t >= TxTransfer && t <= TxUnjail }

// Protocol limits enforced by the decoders.
const (
	PubKeyLen     = ed25519.PublicKeySize // 32
	SigLen        = ed25519.SignatureSize // 64
	MaxChainIDLen = 64
	MaxPayloadLen = 4096
	// MaxTxBytes is the largest possible encoded tx.
	MaxTxBytes = 1 + 4 + MaxChainIDLen + 1 + PubKeyLen + 8 + AddressLen + 8 + 8 + 4 + MaxPayloadLen + SigLen
	txVersion  = 1
)

// TxSignDomain prefixes the bytes an account key signs, so a tx signature
// can never be replayed as another kind of message.
const TxSignDomain = "AITBC/tx/v1\x00"

// Tx is a signed transaction. Field order here is the encoding order.
type Tx struct {
	ChainID   string
	Type      TxType
	Sender    [PubKeyLen]byte // Ed25519 public key; the sender address derives from it
	Nonce     uint64          // must equal the account nonce + 1
	Recipient Address
	Amount    uint64
	Fee       uint64
	Payload   []byte
	Sig       [SigLen]byte
}

// From is the sender's address.
func (tx *Tx) From() Address { return AddressFromPubKey(tx.Sender[:]) }

// AppendEncode appends the canonical encoding of tx to dst.
func (tx *Tx) AppendEncode(dst []byte) []byte {
	e := encoder{b: dst}
	tx.encodeUnsigned(&e)
	e.raw(tx.Sig[:])
	return e.b
}

func (tx *Tx) encodeUnsigned(e *encoder) {
	e.u8(txVersion)
	e.bytes([]byte(tx.ChainID))
	e.u8(uint8(tx.Type))
	e.raw(tx.Sender[:])
	e.u64(tx.Nonce)
	e.raw(tx.Recipient[:])
	e.u64(tx.Amount)
	e.u64(tx.Fee)
	e.bytes(tx.Payload)
}

// Encode returns the canonical encoding of tx.
func (tx *Tx) Encode() []byte { return tx.AppendEncode(make([]byte, 0, tx.Size())) }

// Size is the length of the canonical encoding; fees are charged on it.
func (tx *Tx) Size() int {
	return 1 + 4 + len(tx.ChainID) + 1 + PubKeyLen + 8 + AddressLen + 8 + 8 + 4 + len(tx.Payload) + SigLen
}

// SignBytes is what the sender signs: TxSignDomain || encoding without Sig.
func (tx *Tx) SignBytes() []byte {
	e := encoder{b: make([]byte, 0, len(TxSignDomain)+tx.Size()-SigLen)}
	e.raw([]byte(TxSignDomain))
	tx.encodeUnsigned(&e)
	return e.b
}

// Hash is SHA-256 of the full canonical encoding (signature included).
func (tx *Tx) Hash() Hash { return Sum256(tx.Encode()) }

// Sign fills Sig (and Sender) from an Ed25519 private key.
func (tx *Tx) Sign(priv ed25519.PrivateKey) {
	copy(tx.Sender[:], priv.Public().(ed25519.PublicKey))
	copy(tx.Sig[:], ed25519.Sign(priv, tx.SignBytes()))
}

// DecodeTx parses the canonical encoding of a tx; anything else is an error.
func DecodeTx(b []byte) (*Tx, error) {
	if len(b) > MaxTxBytes {
		return nil, &DecodeError{What: "tx", Field: "input", Err: ErrOversize, Info: fmt.Sprintf("%d bytes > %d", len(b), MaxTxBytes)}
	}
	d := newDecoder("tx", b)
	tx, err := decodeTx(d)
	if err != nil {
		return nil, err
	}
	if err := d.finish(); err != nil {
		return nil, err
	}
	return tx, nil
}

func decodeTx(d *decoder) (*Tx, error) {
	tx := new(Tx)
	if v := d.u8("version"); d.err == nil && v != txVersion {
		d.fail("version", ErrMalformed, fmt.Sprintf("unknown version %d", v))
	}
	tx.ChainID = decodeChainID(d)
	tx.Type = TxType(d.u8("type"))
	if d.err == nil && !tx.Type.Valid() {
		d.fail("type", ErrMalformed, fmt.Sprintf("unknown type %d", tx.Type))
	}
	d.fixed("sender", tx.Sender[:])
	tx.Nonce = d.u64("nonce")
	d.fixed("recipient", tx.Recipient[:])
	tx.Amount = d.u64("amount")
	tx.Fee = d.u64("fee")
	tx.Payload = d.bytes("payload", 0, MaxPayloadLen)
	if d.err == nil && len(tx.Payload) == 0 {
		tx.Payload = nil // one in-memory form for "no payload"
	}
	d.fixed("sig", tx.Sig[:])
	return tx, d.err
}

func decodeChainID(d *decoder) string {
	b := d.bytes("chain_id", 1, MaxChainIDLen)
	if d.err != nil {
		return ""
	}
	if err := ValidateChainID(string(b)); err != nil {
		d.fail("chain_id", ErrMalformed, err.Error())
	}
	return string(b)
}

// ValidateChainID: 1..64 characters from [A-Za-z0-9._-].
func ValidateChainID(s string) error {
	if len(s) == 0 || len(s) > MaxChainIDLen {
		return fmt.Errorf("chain_id must be 1..%d characters, got %d", MaxChainIDLen, len(s))
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
		if !ok {
			return fmt.Errorf("chain_id has invalid character %q at %d", c, i)
		}
	}
	return nil
}
