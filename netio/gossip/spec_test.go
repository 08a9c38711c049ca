package gossip

import (
	"testing"

	"aitbc/engine/types"
	"aitbc/netio/gossip/internal/gossiptest"
)

func TestSpecGossipVectors(t *testing.T) {
	head, err := types.ParseHash("0x1edb8accd3daebbbecea58c0a0c32a0e34ec7a6de5d086b9efbcb46330bf52dc")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]byte{
		"status.frame": statusFrame(2, head),
	}
	// The Noise layer's examples are the noise package's to check.
	gossiptest.CheckVectors(t, func(label string) bool { return !gossiptest.NoiseVector(label) }, want)
	// The example decodes back to what it describes.
	status := gossiptest.SpecVectors(t)["status.frame"]
	typ, p, n, err := splitFrame(status, DefaultConfig().MaxFrameBytes)
	if err != nil || typ != MsgStatus || n != len(status) {
		t.Fatalf("split: %v %v %d", typ, err, n)
	}
	if m, err := decodeStatus(p); err != nil || m.height != 2 || m.hash != head {
		t.Errorf("decoded %+v %v", m, err)
	}
}
