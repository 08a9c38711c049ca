package rpctest

import (
	"crypto/ed25519"
	"encoding/json"
	"testing"

	"aitbc/engine/types"
	"aitbc/rpc/api"
)

// ChainID is the fixture chain's id.
const ChainID = "aitbc-test"

// Key is the Ed25519 key whose seed is 32 bytes of seed.
func Key(seed byte) ed25519.PrivateKey {
	s := make([]byte, ed25519.SeedSize)
	for i := range s {
		s[i] = seed
	}
	return ed25519.NewKeyFromSeed(s)
}

// Addr is k's address.
func Addr(k ed25519.PrivateKey) types.Address {
	return types.AddressFromPubKey(k.Public().(ed25519.PublicKey))
}

// SignedTx is a valid TRANSFER from `from` to `to`.
func SignedTx(from, to ed25519.PrivateKey, nonce, amount uint64) *types.Tx {
	tx := &types.Tx{ChainID: ChainID, Type: types.TxTransfer, Nonce: nonce, Recipient: Addr(to), Amount: amount, Fee: 500}
	tx.Sign(from)
	return tx
}

// TxBody is tx's send_tx body (api.TxToJSON, encoded).
func TxBody(t testing.TB, tx *types.Tx) string {
	b, err := json.Marshal(api.TxToJSON(tx))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Txs are the fixture chain's accounts and txs: alice (key 1) sent bob
// (key 2) the two txs of block 1, the second with a memo, and has a
// third in the mempool.
type Txs struct {
	Alice, Bob ed25519.PrivateKey
	Block1     []*types.Tx
	Committed  *types.Tx // Block1[1]
	Pending    *types.Tx
}

// NewTxs builds the fixture chain's txs.
func NewTxs() Txs {
	f := Txs{Alice: Key(1), Bob: Key(2)}
	tx1 := SignedTx(f.Alice, f.Bob, 1, 100)
	tx2 := SignedTx(f.Alice, f.Bob, 2, 200)
	tx2.Payload = []byte("memo")
	tx2.Sign(f.Alice)
	f.Block1 = []*types.Tx{tx1, tx2}
	f.Committed = tx2
	f.Pending = SignedTx(f.Alice, f.Bob, 3, 300)
	return f
}
