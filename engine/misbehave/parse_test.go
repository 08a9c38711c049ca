package misbehave

import (
	"errors"
	"strings"
	"testing"
	"time"

	"aitbc/engine/enginetest"
)

func TestParse(t *testing.T) {
	got, err := Parse("node3=future-time, node1=clock-skew:-3s,node0=clock-skew:+250ms")
	if err != nil {
		t.Fatal(err)
	}
	want := []Assignment{
		{Node: 3, Mode: "future-time", Entry: "node3=future-time"},
		{Node: 1, Mode: "clock-skew", Skew: -3 * time.Second, Entry: "node1=clock-skew:-3s"},
		{Node: 0, Mode: "clock-skew", Skew: 250 * time.Millisecond, Entry: "node0=clock-skew:+250ms"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("entry %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if a, err := Parse(""); a != nil || err != nil {
		t.Errorf("empty: %v %v", a, err)
	}
	for _, bad := range []struct{ in, entry, why string }{
		{"node3", "node3", "NODE=MODE"},
		{"node3=teleport", "node3=teleport", "unknown mode"},
		{"n3=future-time", "n3=future-time", "node<index>"},
		{"node03=past-time", "node03=past-time", "node<index>"},
		{"node-1=past-time", "node-1=past-time", "node<index>"},
		{"node1=past-time,node1=bad-body", "node1=bad-body", "has a mode"},
		{"node1=clock-skew:3s", "node1=clock-skew:3s", "signed duration"},
		{"node1=clock-skew:+3parsecs", "node1=clock-skew:+3parsecs", "clock skew"},
		{"node1=past-time,,", "", "NODE=MODE"},
	} {
		_, err := Parse(bad.in)
		var pe *ParseError
		if !errors.As(err, &pe) || pe.Entry != bad.entry || !strings.Contains(pe.Reason, bad.why) {
			t.Errorf("Parse(%q) = %v, want a ParseError for %q saying %q", bad.in, err, bad.entry, bad.why)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"node3=future-time", "node1=clock-skew:-3s,node2=bad-body", "node0=", "=x", "node9999999999999999999=silent", ","} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		as, err := Parse(s)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse(%q): untyped error %v", s, err)
			}
			return
		}
		seen := map[int]bool{}
		for _, a := range as {
			if seen[a.Node] || a.Node < 0 {
				t.Fatalf("Parse(%q): node %d twice or negative", s, a.Node)
			}
			seen[a.Node] = true
			if _, ok := Modes[a.Mode]; !ok && a.Mode != "clock-skew" {
				t.Fatalf("Parse(%q): mode %q", s, a.Mode)
			}
		}
	})
}

func TestSkewedClock(t *testing.T) {
	base := enginetest.NewSimClock(time.Unix(1000, 0))
	c := Skewed{Base: base, Offset: -3 * time.Second}
	if got := c.Now(); !got.Equal(time.Unix(997, 0)) {
		t.Errorf("Now = %v", got)
	}
}
