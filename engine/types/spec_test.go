package types

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// The golden vectors live in docs/spec.md as fenced blocks:
//
//	```vector LABEL
//	body
//	```
//
// TestSpecVectors recomputes every body from the code and fails on any
// difference, so the document and the code cannot drift. Run with -update
// to rewrite the bodies in place (then review the diff).

const specPath = "../../docs/spec.md"

var update = flag.Bool("update", false, "rewrite the vector blocks of docs/spec.md from the code")

const vectorFence = "```vector "

// specVectors maps each label to its generator. A generator returns the
// exact block body; annotated layouts rebuild the bytes field by field and
// check them against the code's encoder, so the annotations are verified too.
func specVectors() (map[string]func() (string, error), []string) {
	k1, k2 := specKey1(), specKey2()
	tx, tx2 := specTransfer(), specTransfer2()
	blk := specBlock()
	v, c, p := specVote(), specCommit(), specProposal()
	ev := specEvidence()
	m := map[string]func() (string, error){
		"key1.seed":            func() (string, error) { return hexLines(k1.Seed()), nil },
		"key1.pubkey":          func() (string, error) { return hexLines(pubOf(k1)), nil },
		"key1.address.bech32":  func() (string, error) { return AddressFromPubKey(pubOf(k1)).String(), nil },
		"key1.address.hex":     func() (string, error) { return AddressFromPubKey(pubOf(k1)).Hex(), nil },
		"key2.seed":            func() (string, error) { return hexLines(k2.Seed()), nil },
		"key2.pubkey":          func() (string, error) { return hexLines(pubOf(k2)), nil },
		"key2.address.bech32":  func() (string, error) { return AddressFromPubKey(pubOf(k2)).String(), nil },
		"key2.address.hex":     func() (string, error) { return AddressFromPubKey(pubOf(k2)).Hex(), nil },
		"tx.transfer.encoding": func() (string, error) { return txLayout(tx).check(tx.Encode()) },
		"tx.transfer.signbytes": func() (string, error) {
			l := txLayout(tx)
			l.fields = append([]layoutField{{[]byte(TxSignDomain), fmt.Sprintf("domain %q", TxSignDomain)}}, l.fields[:len(l.fields)-1]...)
			return l.check(tx.SignBytes())
		},
		"tx.transfer.signature":  func() (string, error) { return hexLines(tx.Sig[:]), nil },
		"tx.transfer.hash":       func() (string, error) { return tx.Hash().String(), nil },
		"tx.transfer2.encoding":  func() (string, error) { return txLayout(tx2).check(tx2.Encode()) },
		"tx.transfer2.hash":      func() (string, error) { return tx2.Hash().String(), nil },
		"header.encoding":        func() (string, error) { return headerLayout(&blk.Header).check(blk.Header.Encode()) },
		"header.hash":            func() (string, error) { return blk.Hash().String(), nil },
		"commit.encoding":        func() (string, error) { return commitLayout(c).check(c.Encode()) },
		"commit.hash":            func() (string, error) { return c.Hash().String(), nil },
		"block.txroot":           func() (string, error) { return blk.Header.TxRoot.String(), nil },
		"block.encoding.length":  func() (string, error) { return strconv.Itoa(len(blk.Encode())), nil },
		"block.encoding.sha256":  func() (string, error) { return Sum256(blk.Encode()).String(), nil },
		"block.encoding.outline": func() (string, error) { return blockLayout(blk).check(blk.Encode()) },
		"vote.encoding":          func() (string, error) { return voteLayout(v).check(v.Encode()) },
		"vote.signbytes":         func() (string, error) { return voteSignLayout(v).check(v.SignBytes(specChainID)) },
		"proposal.encoding":      func() (string, error) { return proposalLayout(p).check(p.Encode()) },
		"proposal.signbytes":     func() (string, error) { return proposalSignLayout(p).check(p.SignBytes(specChainID)) },
		"evidence.encoding":      func() (string, error) { return evidenceLayout(ev).check(ev.Encode()) },
		"evidence.hash":          func() (string, error) { return ev.Hash().String(), nil },
		"evidence.root":          func() (string, error) { return EvidenceRoot([]*Evidence{ev}).String(), nil },
		"genesis.example": func() (string, error) {
			b, err := json.MarshalIndent(specGenesis(), "", "  ")
			return string(b), err
		},
		"genesis.example.hash": func() (string, error) { return specGenesis().Hash().String(), nil },
	}
	for _, n := range []int{0, 1, 2, 3, 5} {
		m[fmt.Sprintf("merkle.%d", n)] = func() (string, error) { return MerkleRoot(specLeaves(n)).String(), nil }
	}
	labels := make([]string, 0, len(m))
	for l := range m {
		labels = append(labels, l)
	}
	sort.Strings(labels)
	return m, labels
}

// specBlocks reads docs/spec.md and its vector blocks.
func specBlocks(t *testing.T) ([]byte, []vectorBlock) {
	t.Helper()
	doc, err := os.ReadFile(specPath)
	if err != nil {
		t.Fatalf("read the spec: %v", err)
	}
	blocks, err := parseVectors(doc)
	if err != nil {
		t.Fatal(err)
	}
	return doc, blocks
}

func TestSpecVectors(t *testing.T) {
	doc, blocks := specBlocks(t)
	gens, labels := specVectors()
	want := map[string]string{}
	for _, l := range labels {
		body, err := gens[l]()
		if err != nil {
			t.Fatalf("vector %s: %v", l, err)
		}
		want[l] = body
	}
	seen := map[string]bool{}
	for _, b := range blocks {
		if seen[b.label] {
			t.Errorf("vector %s appears twice in the spec", b.label)
		}
		seen[b.label] = true
		if _, ok := want[b.label]; !ok {
			t.Errorf("vector %s in the spec has no generator in spec_test.go", b.label)
		}
	}
	for _, l := range labels {
		if !seen[l] {
			t.Errorf("vector %s is missing from the spec", l)
		}
	}
	if *update {
		out := rewriteVectors(doc, blocks, want)
		if err := os.WriteFile(specPath, out, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("rewrote %d vectors in %s", len(blocks), specPath)
		return
	}
	for _, b := range blocks {
		w, ok := want[b.label]
		if !ok || b.body == w {
			continue
		}
		if nv, nw := normalize(b.body), normalize(w); nv != nw {
			t.Errorf("vector %s (line %d) differs from the code:\n doc  %s\n code %s\n(if the code is right, run go test -run TestSpecVectors -update)", b.label, b.line, nv, nw)
		} else {
			t.Errorf("vector %s (line %d): value matches but its layout/annotations differ:\n doc:\n%s\n code:\n%s", b.label, b.line, b.body, w)
		}
	}
}

// The doc's genesis example must also be accepted as input, strictly.
func TestSpecGenesisExampleParses(t *testing.T) {
	_, blocks := specBlocks(t)
	for _, b := range blocks {
		if b.label != "genesis.example" {
			continue
		}
		dec := json.NewDecoder(strings.NewReader(b.body))
		dec.DisallowUnknownFields()
		var g Genesis
		if err := dec.Decode(&g); err != nil {
			t.Fatalf("genesis example: %v", err)
		}
		if err := g.Validate(); err != nil {
			t.Fatalf("genesis example: %v", err)
		}
		return
	}
	t.Fatal("no genesis.example vector in the spec")
}

type vectorBlock struct {
	label      string
	line       int // 1-based line of the opening fence
	start, end int // byte offsets of the body (end excludes the closing fence)
	body       string
}

func parseVectors(doc []byte) ([]vectorBlock, error) {
	var out []vectorBlock
	var cur *vectorBlock
	var body []string
	sc := bufio.NewScanner(bytes.NewReader(doc))
	off, line := 0, 0
	for sc.Scan() {
		text := sc.Text()
		line++
		lineStart := off
		off += len(text) + 1
		switch {
		case cur == nil && strings.HasPrefix(text, vectorFence):
			label := strings.TrimSpace(strings.TrimPrefix(text, vectorFence))
			if label == "" || strings.ContainsAny(label, " \t") {
				return nil, fmt.Errorf("%s:%d: bad vector label %q", specPath, line, label)
			}
			cur = &vectorBlock{label: label, line: line, start: off}
			body = body[:0]
		case cur != nil && strings.TrimSpace(text) == "```":
			cur.end = lineStart
			cur.body = strings.Join(body, "\n")
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			body = append(body, strings.TrimRight(text, " \t"))
		}
	}
	if cur != nil {
		return nil, fmt.Errorf("%s:%d: vector %s is not closed", specPath, cur.line, cur.label)
	}
	return out, sc.Err()
}

func rewriteVectors(doc []byte, blocks []vectorBlock, want map[string]string) []byte {
	var out []byte
	prev := 0
	for _, b := range blocks {
		out = append(out, doc[prev:b.start]...)
		if w, ok := want[b.label]; ok {
			out = append(out, w...)
			out = append(out, '\n')
		} else {
			out = append(out, doc[b.start:b.end]...)
		}
		prev = b.end
	}
	return append(out, doc[prev:]...)
}

// normalize drops annotations and whitespace, leaving the value.
func normalize(body string) string {
	var sb strings.Builder
	for _, l := range strings.Split(body, "\n") {
		if i := strings.Index(l, "#"); i >= 0 {
			l = l[:i]
		}
		sb.WriteString(strings.Join(strings.Fields(l), ""))
	}
	return sb.String()
}
