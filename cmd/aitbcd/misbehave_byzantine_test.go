//go:build byzantine

package main

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"aitbc/engine/misbehave"
)

// The byzantine build's devnet reads --misbehave into per-node modes and
// refuses a bad entry or a node it does not have, naming it.
func TestMisbehaveList(t *testing.T) {
	got, err := parseMisbehaveList("node3=future-time,node1=clock-skew:-3s")
	if err != nil || len(got) != 2 || got[3] != "future-time" || got[1] != "clock-skew:-3s" {
		t.Fatalf("parseMisbehaveList = %v, %v", got, err)
	}
	if _, err := parseMisbehaveList("node3=teleport"); err == nil || !strings.Contains(err.Error(), `"node3=teleport"`) {
		t.Errorf("bad mode: %v", err)
	}
	if err := checkMisbehaveMode("bad-body"); err != nil {
		t.Errorf("start --misbehave bad-body: %v", err)
	}
	if err := checkMisbehaveMode("clock-skew:3s"); err == nil {
		t.Errorf("unsigned skew accepted")
	}
	err = runDevnet([]string{"--validators", "4", "--dir", filepath.Join(t.TempDir(), "net"), "--misbehave", "node4=bad-body"}, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "node4") {
		t.Errorf("devnet with node4 of four: %v", err)
	}
	if _, err := misbehave.Parse("x"); !errors.As(err, new(*misbehave.ParseError)) {
		t.Errorf("Parse error type: %T", err)
	}
}
