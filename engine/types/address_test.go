package types

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"aitbc/internal/seedtest"
)

func TestAddressRoundTrip(t *testing.T) {
	r := seedtest.Rand(t)
	for i := 0; i < 200; i++ {
		a := randAddress(r)
		s := a.String()
		if len(s) != 42 || !strings.HasPrefix(s, "ait1") || s != strings.ToLower(s) {
			t.Fatalf("String() = %q: want 42 lowercase characters starting ait1", s)
		}
		for _, text := range []string{s, strings.ToUpper(s), a.Hex(), strings.ToUpper(a.Hex()), "0x" + strings.ToUpper(a.Hex()[2:])} {
			got, err := ParseAddress(text)
			if err != nil || got != a {
				t.Fatalf("ParseAddress(%q) = %v, %v; want %v", text, got, err, a)
			}
		}
		var back Address
		txt, _ := a.MarshalText()
		if err := back.UnmarshalText(txt); err != nil || back != a {
			t.Fatalf("text round trip of %s: %v", s, err)
		}
	}
}

func TestAddressFromPubKey(t *testing.T) {
	pub := pubOf(specKey1())
	sum := Sum256(pub)
	a := AddressFromPubKey(pub)
	if !bytes.Equal(a[:], sum[:AddressLen]) {
		t.Fatal("address is not SHA-256(pubkey)[0:20]")
	}
	if (Address{}).IsZero() != true || a.IsZero() {
		t.Fatal("IsZero")
	}
}

func TestParseAddressRejects(t *testing.T) {
	good := AddressFromPubKey(pubOf(specKey1())).String() // 42 characters
	flip := func(s string, i int) string {
		c := strings.IndexByte(bech32Charset, s[i])
		return s[:i] + string(bech32Charset[(c+1)%32]) + s[i+1:]
	}
	data := make([]byte, 32)
	tests := []struct{ name, in string }{
		{"empty", ""},
		{"no prefix", "qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq"},
		{"bad checksum last char", flip(good, len(good)-1)},
		{"bad checksum data char", flip(good, 10)},
		{"mixed case", "AIT1" + good[4:]},
		{"mixed case in data", good[:5] + strings.ToUpper(good[5:6]) + good[6:]},
		{"bad char b", good[:10] + "b" + good[11:]},
		{"bad char i", good[:10] + "i" + good[11:]},
		{"bad char o", good[:10] + "o" + good[11:]},
		{"bad char 1 in data", good[:10] + "1" + good[11:]},
		{"space", good[:10] + " " + good[11:]},
		{"wrong hrp bc", bech32Encode("bc", data[:20])},
		{"wrong hrp ait1x", bech32Encode("ait1x", data[:20])},
		{"wrong hrp aitx", bech32Encode("aitx", data[:20])},
		{"19 bytes", bech32Encode("ait", data[:19])},
		{"21 bytes", bech32Encode("ait", data[:21])},
		{"32 bytes", bech32Encode("ait", data[:32])},
		{"0 bytes", bech32Encode("ait", nil)},
		{"truncated", good[:len(good)-1]},
		{"checksum only", "ait1qqqqqq"},
		{"too short checksum", "ait1qqqqq"},
		{"over 90 chars", "ait1" + strings.Repeat("q", 87)},
		{"0x short", "0x" + strings.Repeat("ab", 19)},
		{"0x long", "0x" + strings.Repeat("ab", 21)},
		{"0x bad hex", "0x" + strings.Repeat("zz", 20)},
		{"0x no digits", "0x"},
		{"bare hex", strings.Repeat("ab", 20)},
		{"0x with space", "0x " + strings.Repeat("ab", 19) + "a"},
		// Non-ASCII that case-maps onto ASCII (KELVIN SIGN lowers to 'k')
		// must not alias a valid address.
		{"kelvin sign", kelvin(t, good)},
		{"invalid utf8", good[:10] + "\xff" + good[11:]},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, err := ParseAddress(tc.in)
			if !errors.Is(err, ErrBadAddress) {
				t.Fatalf("ParseAddress(%q) = %v, %v; want ErrBadAddress", tc.in, a, err)
			}
			var back Address
			if err := back.UnmarshalText([]byte(tc.in)); !errors.Is(err, ErrBadAddress) {
				t.Fatalf("UnmarshalText accepted %q", tc.in)
			}
		})
	}
}

// BIP-173 test vectors: the checksum and structure rules of bech32 itself,
// independent of the ait hrp and the 20-byte length.
func TestBech32BIP173(t *testing.T) {
	valid := []string{
		"A12UEL5L",
		"a12uel5l",
		"an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs",
		"abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
		"11qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqc8247j",
		"split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
		"?1ezyfcl",
	}
	for _, s := range valid {
		_, _, err := bech32Decode(s)
		// Some vectors carry 5-bit data that is not a whole number of bytes;
		// the checksum must still pass, so the only acceptable error is padding.
		if err != nil && err.Error() != "non-zero padding" {
			t.Errorf("valid BIP-173 string %q: %v", s, err)
		}
	}
	invalid := []struct{ in, why string }{
		{"\x201nwldj5", "hrp character out of range"},
		{"\x7f1axkwrx", "hrp character out of range"},
		{"\x801eym55h", "hrp character out of range"},
		{"an84characterslonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1569pvx", "overall max length exceeded"},
		{"pzry9x0s0muk", "no separator"},
		{"1pzry9x0s0muk", "empty hrp"},
		{"x1b4n0q5v", "invalid data character"},
		{"li1dgmt3", "too short checksum"},
		{"de1lg7wt\xff", "invalid character in checksum"},
		{"A1G7SGD8", "checksum calculated with uppercase hrp"},
		{"10a06t8", "empty hrp"},
		{"1qzzfhee", "empty hrp"},
	}
	for _, tc := range invalid {
		if _, _, err := bech32Decode(tc.in); err == nil {
			t.Errorf("invalid BIP-173 string %q (%s) accepted", tc.in, tc.why)
		}
	}
}

func TestBech32EncodeDecode(t *testing.T) {
	r := seedtest.Rand(t)
	for n := 0; n <= 40; n++ {
		data := make([]byte, n)
		randBytes(r, data)
		s := bech32Encode("ait", data)
		hrp, got, err := bech32Decode(s)
		if err != nil || hrp != "ait" || !bytes.Equal(got, data) {
			t.Fatalf("%d bytes: %q -> %q %x %v", n, s, hrp, got, err)
		}
	}
}

// kelvin replaces the first 'k' of the upper-cased address with U+212A.
func kelvin(t *testing.T, addr string) string {
	i := strings.IndexByte(addr[4:], 'k')
	if i < 0 {
		t.Fatalf("fixture address %s has no k", addr)
	}
	up := strings.ToUpper(addr)
	return up[:4+i] + "\u212a" + up[4+i+1:]
}
