package gossiptest

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"aitbc/engine/bls"
	"aitbc/engine/types"
	"aitbc/engine/validators/valtest"
)

// ChainID and Genesis are the test chain of both packages' tests and of
// the spec's examples.
const ChainID = "aitbc-gossip-test"

var Genesis = types.Sum256([]byte("gossip test genesis"))

// NodeKey is the deterministic node key number i: its seed is the
// SHA-256 of "gossip test node i".
func NodeKey(i int) ed25519.PrivateKey {
	seed := sha256.Sum256([]byte(fmt.Sprintf("gossip test node %d", i)))
	return ed25519.NewKeyFromSeed(seed[:])
}

// ValidatorSet is the BLS keys of a four-validator test set.
func ValidatorSet(t testing.TB) ([]bls.PublicKey, []*bls.SecretKey) {
	t.Helper()
	_, keys := valtest.Set(valtest.Equal(4)...)
	var pks []bls.PublicKey
	var sks []*bls.SecretKey
	for _, k := range keys {
		pks, sks = append(pks, k.BLS.PublicKey()), append(sks, k.BLS)
	}
	return pks, sks
}

// The worked examples of docs/spec.md §16 live in fenced blocks labelled
// "gossip-vector NAME" (not "vector", which engine/types owns): hex, with
// spaces, line breaks and # comments ignored.
const vectorFence = "```gossip-vector "

// SpecVectors returns the bytes of every gossip vector of docs/spec.md
// by label.
func SpecVectors(t testing.TB) map[string][]byte {
	t.Helper()
	// Tests run in their package's directory: the spec is in the
	// module's docs.
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		up := filepath.Dir(dir)
		if up == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = up
	}
	doc, err := os.ReadFile(filepath.Join(dir, "docs", "spec.md"))
	if err != nil {
		t.Fatalf("read the spec: %v", err)
	}
	got := map[string][]byte{}
	var label string
	var body strings.Builder
	sc := bufio.NewScanner(bytes.NewReader(doc))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case label == "" && strings.HasPrefix(line, vectorFence):
			label = strings.TrimSpace(strings.TrimPrefix(line, vectorFence))
			body.Reset()
		case label != "" && strings.TrimSpace(line) == "```":
			b, err := hex.DecodeString(body.String())
			if err != nil {
				t.Fatalf("vector %s: %v", label, err)
			}
			got[label] = b
			label = ""
		case label != "":
			if i := strings.Index(line, "#"); i >= 0 {
				line = line[:i]
			}
			body.WriteString(strings.Join(strings.Fields(line), ""))
		}
	}
	return got
}

// NoiseVector reports whether a spec vector is the Noise layer's (an
// identity, a handshake message, a sealed frame), checked by
// netio/gossip/noise; the others are netio/gossip's frame codec's.
func NoiseVector(label string) bool {
	for _, p := range []string{"identity.", "handshake.", "session."} {
		if strings.HasPrefix(label, p) {
			return true
		}
	}
	return false
}

// CheckVectors compares the spec's vectors whose labels satisfy mine with
// want, the same vectors built by the code: each must be in both, with
// the same bytes.
func CheckVectors(t testing.TB, mine func(label string) bool, want map[string][]byte) {
	t.Helper()
	got := SpecVectors(t)
	for name, w := range want {
		g, ok := got[name]
		if !ok {
			t.Errorf("vector %s missing from the spec", name)
			continue
		}
		if !bytes.Equal(g, w) {
			t.Errorf("vector %s:\n spec %x\n code %x", name, g, w)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok && mine(name) {
			t.Errorf("vector %s in the spec has no generator", name)
		}
	}
}
