package main

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The normal binary links none of the byzantine code: go tool nm finds no
// symbol of engine/misbehave or of the misbehaving transport in it.
func TestNormalBuildLinksNoMisbehave(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary: skipped with -short")
	}
	bin := buildBinary(t)
	out, err := exec.Command("go", "tool", "nm", bin).Output()
	if err != nil {
		t.Fatalf("go tool nm: %v", err)
	}
	if !bytes.Contains(out, []byte("main.runNodeMode")) {
		t.Fatalf("nm finds no main.runNodeMode: the check would pass vacuously")
	}
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, "aitbc/engine/misbehave") || strings.Contains(line, "misbehavingGossip") {
			t.Errorf("the normal build links byzantine code: %s", strings.TrimSpace(line))
		}
	}
}

// The normal build refuses --misbehave with a message that says how to
// get the byzantine build.
func TestNormalBuildRejectsMisbehave(t *testing.T) {
	if byzantineTags {
		t.Skip("byzantine build")
	}
	var stderr bytes.Buffer
	dir := filepath.Join(t.TempDir(), "net")
	err := runDevnet([]string{"--validators", "4", "--dir", dir, "--misbehave", "node3=future-time"}, &bytes.Buffer{}, &stderr)
	if err == nil || !strings.Contains(err.Error(), "make byzantine") {
		t.Errorf("devnet --misbehave: %v, want a byzantine-build error", err)
	}
	if err := runStart([]string{"--misbehave", "bad-body"}, &bytes.Buffer{}, &stderr); err == nil || !strings.Contains(err.Error(), "make byzantine") {
		t.Errorf("start --misbehave: %v, want a byzantine-build error", err)
	}
}
