package gpu

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hdevalence/ed25519consensus"
	"github.com/oasisprotocol/curve25519-voi/primitives/ed25519"
)

var update = flag.Bool("update", false, "rewrite testdata/zip215_verdicts.txt from the reference implementation")

const verdictsFile = "testdata/zip215_verdicts.txt"

// vector is one published test case.
type vector struct {
	set  string // "wycheproof" or "speccheck"
	id   int    // Wycheproof tcId, or the speccheck case index
	item Item
	// label is Wycheproof's own result ("valid"/"invalid"); speccheck has none.
	label   string
	comment string
}

func (v vector) key() string { return fmt.Sprintf("%s %d", v.set, v.id) }

func loadWycheproof(t *testing.T) []vector {
	t.Helper()
	var f struct {
		NumberOfTests int `json:"numberOfTests"`
		TestGroups    []struct {
			PublicKey struct {
				PK string `json:"pk"`
			} `json:"publicKey"`
			Tests []struct {
				TcID    int    `json:"tcId"`
				Comment string `json:"comment"`
				Msg     string `json:"msg"`
				Sig     string `json:"sig"`
				Result  string `json:"result"`
			} `json:"tests"`
		} `json:"testGroups"`
	}
	raw, err := os.ReadFile(filepath.Join(vecDir, "wycheproof_ed25519_test.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	var out []vector
	for _, g := range f.TestGroups {
		pk := unhex(t, g.PublicKey.PK)
		for _, tc := range g.Tests {
			out = append(out, vector{
				set: "wycheproof", id: tc.TcID, label: tc.Result, comment: tc.Comment,
				item: Item{PubKey: pk, Msg: unhex(t, tc.Msg), Sig: unhex(t, tc.Sig)},
			})
		}
	}
	if len(out) != f.NumberOfTests || len(out) != 151 {
		t.Fatalf("wycheproof: %d tests, file says %d, expected 151", len(out), f.NumberOfTests)
	}
	return out
}

func loadSpeccheck(t *testing.T) []vector {
	t.Helper()
	var cases []struct {
		Message   string `json:"message"`
		PubKey    string `json:"pub_key"`
		Signature string `json:"signature"`
	}
	raw, err := os.ReadFile(filepath.Join(vecDir, "cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) != 12 {
		t.Fatalf("speccheck: %d cases, expected 12", len(cases))
	}
	out := make([]vector, len(cases))
	for i, c := range cases {
		out[i] = vector{set: "speccheck", id: i, item: Item{
			PubKey: unhex(t, c.PubKey), Msg: unhex(t, c.Message), Sig: unhex(t, c.Signature),
		}}
	}
	return out
}

// loadVerdicts reads the checked-in table "<set> <id> accept|reject".
func loadVerdicts(t *testing.T) map[string]bool {
	t.Helper()
	f, err := os.Open(verdictsFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		if len(fields) != 3 || (fields[2] != "accept" && fields[2] != "reject") {
			t.Fatalf("%s: bad line %q", verdictsFile, sc.Text())
		}
		want[fields[0]+" "+fields[1]] = fields[2] == "accept"
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return want
}

func writeVerdicts(t *testing.T, vecs []vector) {
	var b strings.Builder
	b.WriteString("# ZIP-215 verdicts for the vectors in testdata/ed25519 (see docs/spec.md §12).\n")
	b.WriteString("# <set> <case id> accept|reject; produced by ed25519consensus (the ZIP-215\n")
	b.WriteString("# reference) and reviewed; regenerate with go test ./gpu -run TestVectors -update\n")
	for _, v := range vecs {
		verdict := "reject"
		if ed25519consensus.Verify(v.item.PubKey, v.item.Msg, v.item.Sig) {
			verdict = "accept"
		}
		fmt.Fprintf(&b, "%s %s\n", v.key(), verdict)
	}
	if err := os.WriteFile(verdictsFile, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestVectors gives every Wycheproof and speccheck case the ZIP-215
// verdict: the single check, the batch check and ed25519consensus (the
// ZIP-215 reference) must all equal the checked-in table.
func TestVectors(t *testing.T) {
	vecs := append(loadWycheproof(t), loadSpeccheck(t)...)
	if *update {
		writeVerdicts(t, vecs)
	}
	want := loadVerdicts(t)
	if len(want) != len(vecs) {
		t.Fatalf("%s has %d cases, vectors have %d", verdictsFile, len(want), len(vecs))
	}
	items := make([]Item, len(vecs))
	for i, v := range vecs {
		items[i] = v.item
	}
	batch, err := NewCPU(0).VerifyBatch(context.Background(), items)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range vecs {
		w, ok := want[v.key()]
		if !ok {
			t.Fatalf("%s: missing from %s", v.key(), verdictsFile)
		}
		it := v.item
		single := Verify(it.PubKey, it.Msg, it.Sig)
		ref := ed25519consensus.Verify(it.PubKey, it.Msg, it.Sig)
		if single != w || ref != w || batch[i] != w {
			t.Errorf("%s (%s): want %v, single %v, batch %v, ed25519consensus %v\n%s",
				v.key(), v.comment, w, single, batch[i], ref, describe(it))
		}
	}
	// The batch equation itself (not the per-item fallback) must accept a
	// batch made only of accepted edge cases, on both of the library's
	// paths: precomputed keys (small batches) and plain multiscalar
	// multiplication (large ones).
	var accepted []Item
	for _, v := range vecs {
		if want[v.key()] {
			accepted = append(accepted, v.item)
		}
	}
	small := ed25519.NewBatchVerifier()
	for _, it := range accepted[:40] {
		small.AddWithOptions(it.PubKey, it.Msg, it.Sig, zip215)
	}
	large := ed25519.NewBatchVerifier().ForceNoPublicKeyExpansion()
	for range 3 {
		for _, it := range accepted {
			large.AddWithOptions(it.PubKey, it.Msg, it.Sig, zip215)
		}
	}
	if !small.VerifyBatchOnly(nil) || !large.VerifyBatchOnly(nil) {
		t.Error("the batch equation rejects a batch of ZIP-215-valid signatures")
	}
}

// TestSpeccheckConditions checks the speccheck table row by row against
// what each case is built to exercise, so the verdicts follow from the
// rule: S >= L is rejected, small-order and non-canonical A and R are
// accepted, and k hashes R and A exactly as encoded.
func TestSpeccheckConditions(t *testing.T) {
	vecs := loadSpeccheck(t)
	want := loadVerdicts(t)
	accepts := make([]bool, len(vecs))
	for i, v := range vecs {
		accepts[i] = want[v.key()]
	}
	// Case 8 signs with k over the reduced (canonical) encoding of its
	// non-canonical R; ZIP-215 hashes R as given, so k differs: reject.
	// Cases 6 and 7 have S >= L. Everything else is accepted.
	wantAccepts := []bool{true, true, true, true, true, true, false, false, false, true, true, true}
	if !slices.Equal(accepts, wantAccepts) {
		t.Fatalf("speccheck verdicts %v, the rule gives %v", accepts, wantAccepts)
	}
	smallA := func(i int) bool { return inspectPoint(vecs[i].item.PubKey).smallOrder }
	smallR := func(i int) bool { return inspectPoint(vecs[i].item.Sig[:32]).smallOrder }
	if !smallA(0) || !smallR(0) || !smallA(1) || !smallR(2) || !smallA(10) || smallA(8) {
		t.Errorf("speccheck: small-order A/R not where the case table says")
	}
	for _, i := range []int{6, 7} {
		if canonicalS(vecs[i].item.Sig) {
			t.Errorf("speccheck %d: expected S >= L", i)
		}
	}
	for _, i := range []int{8, 9} {
		if inspectPoint(vecs[i].item.Sig[:32]).canonical {
			t.Errorf("speccheck %d: expected a non-canonical R", i)
		}
	}
	for _, i := range []int{10, 11} {
		if inspectPoint(vecs[i].item.PubKey).canonical {
			t.Errorf("speccheck %d: expected a non-canonical A", i)
		}
	}
}

// TestWycheproofDifferencesDocumented: the tcIds whose ZIP-215 verdict
// differs from Wycheproof's label are exactly the rows of the table in
// docs/spec.md §12, and each row's reason names what the test finds.
func TestWycheproofDifferencesDocumented(t *testing.T) {
	want := loadVerdicts(t)
	computed := map[int]string{}
	for _, v := range loadWycheproof(t) {
		if want[v.key()] != (v.label == "valid") {
			computed[v.id] = reasonTag(v.item)
		}
	}
	doc := docDifferences(t)
	if !slices.Equal(sortedKeys(doc), sortedKeys(computed)) {
		t.Fatalf("docs/spec.md §12 lists tcIds %v, the vectors differ at %v",
			sortedKeys(doc), sortedKeys(computed))
	}
	for id, tag := range computed {
		if !strings.Contains(doc[id], tag) {
			t.Errorf("tcId %d: doc reason %q does not mention %q", id, doc[id], tag)
		}
	}
}

// reasonTag names the property that makes a ZIP-215 verdict differ from
// an RFC 8032 / Wycheproof one.
func reasonTag(it Item) string {
	a, r := inspectPoint(it.PubKey), inspectPoint(it.Sig[:32])
	switch {
	case !a.canonical:
		return "non-canonical A"
	case !r.canonical:
		return "non-canonical R"
	case a.smallOrder:
		return "small-order A"
	case r.smallOrder:
		return "small-order R"
	}
	return "cofactored equation"
}

// docDifferences parses the differences table of docs/spec.md §12:
// rows "| tcId | Wycheproof | ZIP-215 | why |" under the heading that
// starts with "## Differences from Wycheproof".
func docDifferences(t *testing.T) map[int]string {
	t.Helper()
	raw, err := os.ReadFile("../docs/spec.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[int]string{}
	in := false
	for line := range strings.Lines(string(raw)) {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "#") {
			in = strings.Contains(line, "Differences from Wycheproof")
			continue
		}
		if !in || !strings.HasPrefix(line, "|") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		id, err := strconv.Atoi(strings.TrimSpace(cells[0]))
		if err != nil {
			continue // header or separator row
		}
		if len(cells) != 4 {
			t.Fatalf("docs/spec.md §12: row %q: want 4 cells", line)
		}
		rows[id] = strings.TrimSpace(cells[3])
	}
	if len(rows) == 0 {
		t.Fatal("docs/spec.md §12: no differences table found")
	}
	return rows
}

func sortedKeys[V any](m map[int]V) []int {
	return slices.Sorted(maps.Keys(m))
}

// TestSignInput: all 1024 lines of the original Ed25519 test vectors verify
// (single and batched), and flipping one bit of each signature breaks it.
func TestSignInput(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(vecDir, "sign.input"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
	if len(lines) != 1024 {
		t.Fatalf("sign.input: %d lines, expected 1024", len(lines))
	}
	var items, broken []Item
	for i, line := range lines {
		f := strings.Split(line, ":")
		if len(f) != 5 || f[4] != "" {
			t.Fatalf("line %d: %d fields", i, len(f))
		}
		pk, msg, sm := unhex(t, f[1]), unhex(t, f[2]), unhex(t, f[3])
		if len(msg) != i || len(sm) != 64+i {
			t.Fatalf("line %d: message length %d", i, len(msg))
		}
		it := Item{PubKey: pk, Msg: msg, Sig: sm[:64]}
		bad := Item{PubKey: pk, Msg: msg, Sig: flipBit(it.Sig, (i*37)%512)}
		if !Verify(it.PubKey, it.Msg, it.Sig) {
			t.Errorf("line %d: valid signature rejected", i)
		}
		if Verify(bad.PubKey, bad.Msg, bad.Sig) {
			t.Errorf("line %d: signature with bit %d flipped accepted", i, (i*37)%512)
		}
		items = append(items, it)
		broken = append(broken, bad)
	}
	cpu := NewCPU(0)
	ok, err := cpu.VerifyBatch(context.Background(), items)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range ok {
		if !v {
			t.Errorf("line %d: rejected in the all-valid batch", i)
		}
	}
	// Interleave good and broken so every chunk takes the slow path.
	mixed := make([]Item, 0, 2*len(items))
	for i := range items {
		mixed = append(mixed, items[i], broken[i])
	}
	ok, err = cpu.VerifyBatch(context.Background(), mixed)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range ok {
		if v != (i%2 == 0) {
			t.Errorf("mixed batch item %d (line %d): got %v", i, i/2, v)
		}
	}
}

// TestZIP215SmallOrder: every (A, R) pair of small-order encodings with
// S = 0 satisfies the cofactored equation, so ZIP-215 accepts all 196,
// canonical or not; this is the ZIP's own test-vector set.
func TestZIP215SmallOrder(t *testing.T) {
	encs := make([][]byte, len(smallOrderEncodings))
	nonCanonical := 0
	for i, h := range smallOrderEncodings {
		encs[i] = unhex(t, h)
		info := inspectPoint(encs[i])
		if !info.decodes || !info.smallOrder {
			t.Fatalf("encoding %s: %+v, want a small-order point", h, info)
		}
		if !info.canonical {
			nonCanonical++
		}
	}
	if nonCanonical != 6 {
		t.Fatalf("%d non-canonical encodings, want 6", nonCanonical)
	}
	var items []Item
	for _, a := range encs {
		for _, r := range encs {
			sig := append(slices.Clone(r), make([]byte, 32)...)
			items = append(items, Item{PubKey: a, Msg: []byte("Zcash"), Sig: sig})
		}
	}
	ok, err := NewCPU(0).VerifyBatch(context.Background(), items)
	if err != nil {
		t.Fatal(err)
	}
	for i, it := range items {
		if !ok[i] || !Verify(it.PubKey, it.Msg, it.Sig) || !ed25519consensus.Verify(it.PubKey, it.Msg, it.Sig) {
			t.Errorf("pair %d rejected (batch %v)\n%s", i, ok[i], describe(it))
		}
	}
}
