package misbehave

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"aitbc/engine"
)

// SkewPrefix starts the clock-skew mode: "clock-skew:+3s", "clock-skew:-500ms".
const SkewPrefix = "clock-skew:"

// Assignment is one NODE=MODE entry of a --misbehave list.
type Assignment struct {
	Node  int    // the devnet node index (node3 → 3)
	Mode  string // a Modes key, or "clock-skew" (then Skew is set)
	Skew  time.Duration
	Entry string // the entry as written
}

// ParseError names the entry of a --misbehave list that is wrong and why.
type ParseError struct {
	Entry  string
	Reason string
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("misbehave: entry %q: %s", e.Entry, e.Reason)
}

// Parse reads "node3=future-time,node1=clock-skew:-3s": comma-separated
// NODE=MODE entries, NODE being node<index>, at most one entry per node.
// The empty string is no assignment.
func Parse(s string) ([]Assignment, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []Assignment
	seen := map[int]bool{}
	for _, entry := range strings.Split(s, ",") {
		entry = strings.TrimSpace(entry)
		bad := func(format string, args ...any) error {
			return &ParseError{Entry: entry, Reason: fmt.Sprintf(format, args...)}
		}
		node, mode, ok := strings.Cut(entry, "=")
		if !ok {
			return nil, bad("want NODE=MODE")
		}
		num, isNode := strings.CutPrefix(node, "node")
		idx, err := strconv.Atoi(num)
		if !isNode || err != nil || idx < 0 || strconv.Itoa(idx) != num {
			return nil, bad("node %q: want node<index>, e.g. node3", node)
		}
		if seen[idx] {
			return nil, bad("node%d has a mode already", idx)
		}
		seen[idx] = true
		a := Assignment{Node: idx, Mode: mode, Entry: entry}
		if d, isSkew := strings.CutPrefix(mode, SkewPrefix); isSkew {
			if !strings.HasPrefix(d, "+") && !strings.HasPrefix(d, "-") {
				return nil, bad("clock skew %q: want a signed duration, e.g. +3s or -500ms", d)
			}
			if a.Skew, err = time.ParseDuration(d); err != nil {
				return nil, bad("clock skew: %v", err)
			}
			a.Mode = "clock-skew"
		} else if _, known := Modes[mode]; !known {
			return nil, bad("unknown mode %q (have %s, %s±DURATION)", mode, strings.Join(ModeNames(), ", "), SkewPrefix)
		}
		out = append(out, a)
	}
	return out, nil
}

// Skewed is a clock that reads Offset off Base (an honest node whose
// clock is wrong); its timers and tickers run at Base's rate.
type Skewed struct {
	Base   engine.Clock
	Offset time.Duration
}

func (c Skewed) Now() time.Time                          { return c.Base.Now().Add(c.Offset) }
func (c Skewed) NewTimer(d time.Duration) engine.Timer   { return c.Base.NewTimer(d) }
func (c Skewed) NewTicker(d time.Duration) engine.Ticker { return c.Base.NewTicker(d) }
