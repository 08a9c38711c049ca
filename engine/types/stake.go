package types

import "fmt"

// StakePayloadLen is the size of a STAKE payload that registers a
// validator: its BLS public key and the proof of possession of it.
const StakePayloadLen = BLSPubKeyLen + BLSSigLen

// StakePayload is the payload of an address's first STAKE (docs/spec.md
// §2.2): the BLS key it will vote with and a proof that it holds the
// secret key (which stops rogue-key attacks on aggregate signatures).
// Later STAKEs carry no payload.
type StakePayload struct {
	BLSPubKey [BLSPubKeyLen]byte // compressed G1 point
	PoP       [BLSSigLen]byte    // proof of possession (compressed G2 point)
}

// Encode is BLSPubKey || PoP.
func (p *StakePayload) Encode() []byte {
	out := make([]byte, 0, StakePayloadLen)
	out = append(out, p.BLSPubKey[:]...)
	return append(out, p.PoP[:]...)
}

// DecodeStakePayload parses a STAKE payload. It checks lengths only; the
// BLS key and proof are checked by the state when the tx executes.
func DecodeStakePayload(b []byte) (*StakePayload, error) {
	if len(b) != StakePayloadLen {
		err := ErrMalformed
		if len(b) > StakePayloadLen {
			err = ErrOversize
		}
		return nil, &DecodeError{What: "stake_payload", Field: "input", Err: err, Info: fmt.Sprintf("%d bytes, want %d", len(b), StakePayloadLen)}
	}
	p := new(StakePayload)
	copy(p.BLSPubKey[:], b[:BLSPubKeyLen])
	copy(p.PoP[:], b[BLSPubKeyLen:])
	return p, nil
}
