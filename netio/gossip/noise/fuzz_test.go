package noise

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
)

// fuzzStatus is a STATUS frame (height 1, hash 01 00…): the plaintext
// the checked-in FuzzOpenFrame seeds were sealed from.
func fuzzStatus() []byte {
	p := binary.BigEndian.AppendUint64(nil, 1)
	p = append(p, 1)
	return frame(0x10, append(p, make([]byte, 31)...))
}

// FuzzOpenFrame: a sealed frame that is not exactly what the session
// sealed fails to open with a typed error, never a panic; what it seals
// opens to the same bytes.
func FuzzOpenFrame(f *testing.F) {
	key := [32]byte{1, 2, 3}
	s, _ := newFrameCipher(key)
	good, _ := s.seal(nil, fuzzStatus())
	f.Add(good, false)
	f.Add(good[:len(good)-1], false)
	f.Add([]byte{0, 0, 0, 17, 0x10}, false)
	f.Add(frame(0x03, binary.BigEndian.AppendUint64(nil, 1)), true) // a PING
	f.Fuzz(func(t *testing.T, b []byte, roundTrip bool) {
		if roundTrip {
			if len(b) < lenPrefix+1 {
				return
			}
			fr := frame(b[lenPrefix], b[lenPrefix+1:])
			s, _ := newFrameCipher(key)
			o, _ := newFrameCipher(key)
			sealed, err := s.seal(nil, fr)
			if err != nil {
				t.Fatal(err)
			}
			plain, err := o.open(nil, sealed)
			if err != nil || !bytes.Equal(plain, fr[lenPrefix:]) {
				t.Fatalf("round trip: %v", err)
			}
			return
		}
		o, _ := newFrameCipher(key)
		plain, err := o.open(nil, b)
		if err == nil {
			if !bytes.Equal(b, good) || !bytes.Equal(plain, fuzzStatus()[lenPrefix:]) {
				t.Fatalf("opened a frame we did not seal: %x", b)
			}
			return
		}
		if !errors.Is(err, ErrFrameAuth) && !errors.Is(err, ErrFrameSize) {
			t.Fatalf("untyped error %v", err)
		}
	})
}

// FuzzDecodeIdentity: DecodeIdentity either rejects with a typed error
// (an *IdentityError of class ErrMalformed, or ErrVersion) or accepts
// exactly the canonical encoding of what it returns.
func FuzzDecodeIdentity(f *testing.F) {
	for _, b := range sampleIdentities(f) {
		f.Add(b)
	}
	f.Add([]byte{0, ProtocolVersion, 0, 65})
	f.Add([]byte{0, 1, 0, 3, 'a', 'b', 'c'})
	f.Fuzz(func(t *testing.T, b []byte) {
		id, err := DecodeIdentity(b)
		if err != nil {
			var ie *IdentityError
			if !(errors.As(err, &ie) && errors.Is(err, ErrMalformed)) && !errors.Is(err, ErrVersion) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if got := id.Encode(); !bytes.Equal(got, b) {
			t.Fatalf("accepted a non-canonical payload\n in  %x\n out %x", b, got)
		}
	})
}
