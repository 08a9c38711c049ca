package gossip

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	"aitbc/engine/types"
)

// The worked examples of docs/spec.md §16 live in fenced blocks labelled
// "gossip-vector NAME" (not "vector", which engine/types owns). Each is
// rebuilt from the code here.
const gossipFence = "```gossip-vector "

func TestSpecGossipVectors(t *testing.T) {
	doc, err := os.ReadFile("../../docs/spec.md")
	if err != nil {
		t.Fatalf("read the spec: %v", err)
	}
	head, err := types.ParseHash("0x1edb8accd3daebbbecea58c0a0c32a0e34ec7a6de5d086b9efbcb46330bf52dc")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]byte{
		"status.frame": statusFrame(2, head),
	}
	got := map[string][]byte{}
	var label string
	var body strings.Builder
	sc := bufio.NewScanner(bytes.NewReader(doc))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case label == "" && strings.HasPrefix(line, gossipFence):
			label = strings.TrimSpace(strings.TrimPrefix(line, gossipFence))
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
		if _, ok := want[name]; !ok {
			t.Errorf("vector %s in the spec has no generator", name)
		}
	}
	// The example decodes back to what it describes.
	typ, p, n, err := splitFrame(got["status.frame"], DefaultConfig().MaxFrameBytes)
	if err != nil || typ != MsgStatus || n != len(got["status.frame"]) {
		t.Fatalf("split: %v %v %d", typ, err, n)
	}
	if m, err := decodeStatus(p); err != nil || m.height != 2 || m.hash != head {
		t.Errorf("decoded %+v %v", m, err)
	}
}
