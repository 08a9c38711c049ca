package types

import (
	"crypto/ed25519"
	"errors"
	"strings"
	"testing"

	"github.com/hdevalence/ed25519consensus"
)

// TestSmallOrderKeysAreForgeable shows why the chain refuses these keys:
// for each of them the ZIP-215 reference verifier accepts R = identity,
// S = 0 as a signature on any message. An ordinary key does not.
func TestSmallOrderKeysAreForgeable(t *testing.T) {
	forged := make([]byte, 64)
	forged[0] = 1 // R = identity (y = 1), S = 0
	if len(smallOrderKeys) != 14 {
		t.Fatalf("%d small-order encodings, want 14", len(smallOrderKeys))
	}
	for k := range smallOrderKeys {
		for _, msg := range []string{"", "pay me", "AITBC/tx/v1"} {
			if !ed25519consensus.Verify(ed25519.PublicKey(k[:]), []byte(msg), forged) {
				t.Fatalf("key %x: forged signature on %q not accepted; is it really of small order?", k, msg)
			}
		}
	}
	normal := ed25519.NewKeyFromSeed(make([]byte, 32)).Public().(ed25519.PublicKey)
	if ed25519consensus.Verify(normal, []byte("pay me"), forged) || IsSmallOrderKey(normal) {
		t.Fatal("an ordinary key is treated as small order")
	}
	if IsSmallOrderKey(make([]byte, 31)) {
		t.Fatal("a short key is not a small-order key")
	}
}

func TestSmallOrderSenderRejected(t *testing.T) {
	for k := range smallOrderKeys {
		tx := &Tx{ChainID: "c", Type: TxTransfer, Sender: k, Nonce: 1, Recipient: Address{1}, Amount: 1}
		err := tx.ValidateBasic("c")
		if !errors.Is(err, ErrInvalidTx) || !strings.Contains(err.Error(), "small order") {
			t.Fatalf("sender %x: %v", k, err)
		}
	}
}
