package bls

import (
	"bytes"
	"encoding/hex"
	"testing"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

// Known-answer tests from the Ethereum consensus-spec BLS "sign" vectors,
// which use this exact ciphersuite (G1 keys, G2 signatures, POP DST). They
// pin interoperability with other implementations, not just stability.
var ethSignVectors = []struct{ sk, msg, sig string }{
	{"263dbd792f5b1be47ed85f8938c0f29586af0d3ac7b977f21c278fe1462040e3", "0000000000000000000000000000000000000000000000000000000000000000",
		"b6ed936746e01f8ecf281f020953fbf1f01debd5657c4a383940b020b26507f6076334f91e2366c96e9ab279fb5158090352ea1c5b0c9274504f4f0e7053af24802e51e4568d164fe986834f41e55c8e850ce1f98458c0cfc9ab380b55285a55"},
	{"47b8192d77bf871b62e87859d653922725724a5c031afeabc60bcef5ff665138", "5656565656565656565656565656565656565656565656565656565656565656",
		"af1390c3c47acdb37131a51216da683c509fce0e954328a59f93aebda7e4ff974ba208d9a4a2a2389f892a9d418d618418dd7f7a6bc7aa0da999a9d3a5b815bc085e14fd001f6a1948768a3f4afefc8b8240dda329f984cb345c6363272ba4fe"},
	{"328388aff0d4a5b7dc9205abd374e7e98f3cd9f3418edb4eafda5fb16473d216", "abababababababababababababababababababababababababababababababab",
		"ae82747ddeefe4fd64cf9cedb9b04ae3e8a43420cd255e3c7cd06a8d88b7c7f8638543719981c5d16fa3527c468c25f0026704a6951bde891360c7e8d12ddee0559004ccdbe6046b55bae1b257ee97f7cdb955773d7cf29adf3ccbb9975e4eb9"},
}

var ethPubKeys = []struct{ sk, pk string }{
	{"263dbd792f5b1be47ed85f8938c0f29586af0d3ac7b977f21c278fe1462040e3", "a491d1b0ecd9bb917989f0e74f0dea0422eac4a873e5e2644f368dffb9a6e20fd6e10c1b77654d067c0618f6e5a7f79a"},
	{"47b8192d77bf871b62e87859d653922725724a5c031afeabc60bcef5ff665138", "b301803f8b5ac4a1133581fc676dfedc60d891dd5fa99028805e5ea5b08d3491af75d0707adab3b70c6a6a580217bf81"},
}

func TestEthereumSignVectors(t *testing.T) {
	for _, v := range ethSignVectors {
		sk, err := SecretKeyFromBytes(unhex(t, v.sk))
		if err != nil {
			t.Fatal(err)
		}
		msg := unhex(t, v.msg)
		sig := Sign(sk, msg)
		if want := unhex(t, v.sig); !bytes.Equal(sig[:], want) {
			t.Errorf("sk %s…: sig %x, want %x", v.sk[:8], sig, want)
		}
		if !Verify(sk.PublicKey(), msg, sig) {
			t.Errorf("sk %s…: own signature does not verify", v.sk[:8])
		}
	}
	for _, v := range ethPubKeys {
		sk, err := SecretKeyFromBytes(unhex(t, v.sk))
		if err != nil {
			t.Fatal(err)
		}
		if pk := sk.PublicKey(); hex.EncodeToString(pk[:]) != v.pk {
			t.Errorf("sk %s…: pk %x, want %s", v.sk[:8], pk, v.pk)
		}
	}
}

// KeyGen known answers: EIP-2333's derive_master_SK is exactly the
// draft-irtf-cfrg-bls-signature KeyGen (HKDF_mod_r) with empty key_info.
func TestKeyGenEIP2333Vectors(t *testing.T) {
	for _, v := range []struct{ seed, sk string }{
		{"c55257c360c07c72029aebc1b53c05ed0362ada38ead3e3e9efa3708e53495531f09a6987599d18264c1e1c92f2cf141630c7a3c4ab7c81b2f001698e7463b04",
			"6083874454709270928345386274498605044986640685124978867557563392430687146096"},
		{"3141592653589793238462643383279502884197169399375105820974944592",
			"29757020647961307431480504535336562678282505419141012933316116377660817309383"},
		{"0099ff991111002299dd7744ee3355bbdd8844115566cc55663355668888cc00",
			"27580842291869792442942448775674722299803720648445448686099262467207037398656"},
		{"d4e56740f876aef8c010b86a40d5f56745a118d0906a34e69aec8c0db1cb8fa3",
			"19022158461524446591288038168518313374041767046816487870552872741050760015818"},
	} {
		sk, err := KeyGen(unhex(t, v.seed))
		if err != nil {
			t.Fatal(err)
		}
		if got := sk.s.String(); got != v.sk {
			t.Errorf("seed %s…: sk %s, want %s", v.seed[:8], got, v.sk)
		}
	}
}

// Golden vector of this implementation: KeyGen(0x00..0x1f) and what it
// signs. A change here is a consensus break.
func TestGoldenVector(t *testing.T) {
	ikm := make([]byte, 32)
	for i := range ikm {
		ikm[i] = byte(i)
	}
	sk, err := KeyGen(ikm)
	if err != nil {
		t.Fatal(err)
	}
	pk := sk.PublicKey()
	sig := Sign(sk, []byte("aitbc golden vector"))
	pop := ProvePossession(sk)
	for _, c := range []struct {
		name string
		got  []byte
		want string
	}{
		{"sk", sk.Bytes(), "23360db7e337b0a32b264e06bc11c1b474d16f55665373de1ce93cf15ddb3456"},
		{"pk", pk[:], "9112a0386a2340714ba0c6d2df235377a8679c3899d03e6ef04dba7a50ef49e5a1dc93105e9374e93ed301b63487e17c"},
		{"sig", sig[:], "a4673637bd3f39bd18d249ef8863b38f947541d84d17231bc1e18813933d6ee5c48f49605ea02723598824838233c9b513a0b7f0a7cd94435889f9b40c0f2398a79361d47da5a9b6c750a09462a37534f1668c4cdcd9ca338943981ad2de9cd0"},
		{"pop", pop[:], "915993b4e43e717ec8079234490be46018bdc7d70e81de1bbec515844a3754cc0a387ddf825a2faa0984fa794a96b5a20da605161aa42c1d4028abeb3c52ffbf35d41bd26398e7110d0b6566e0b74b30b3431c4b821cc85a9d61ad5ffd3f9042"},
	} {
		if hex.EncodeToString(c.got) != c.want {
			t.Errorf("%s = %x, want %s", c.name, c.got, c.want)
		}
	}
	if !Verify(pk, []byte("aitbc golden vector"), sig) || !VerifyPossession(pk, pop) {
		t.Fatal("golden signature or proof does not verify")
	}
}
