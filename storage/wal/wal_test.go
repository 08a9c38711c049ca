package wal

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestWriteReopenRecords(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cs.wal")
	l, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Write(5, [][]byte{[]byte("a"), []byte("b")}); err != nil {
		t.Fatal(err)
	}
	if err := l.Write(6, [][]byte{[]byte("c")}); err != nil {
		t.Fatal(err)
	}
	l.Close()
	if err := l.Write(7, nil); err != ErrClosed {
		t.Fatalf("write after close: %v", err)
	}
	l, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	got, _ := l.Records(5)
	if len(got) != 2 || string(got[0]) != "a" || string(got[1]) != "b" {
		t.Fatalf("height 5: %q", got)
	}
	if got, _ := l.Records(6); len(got) != 1 || string(got[0]) != "c" {
		t.Fatalf("height 6: %q", got)
	}
}

func TestTornTailIsDropped(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cs.wal")
	l, _ := Open(path)
	l.Write(1, [][]byte{[]byte("good")})
	l.Close()
	full, _ := os.ReadFile(path)
	// A second record cut at every possible point, and one with a bad checksum.
	second := encode(nil, 1, []byte("second record"))
	for cut := 1; cut <= len(second); cut++ {
		torn := append(append([]byte(nil), full...), second[:cut]...)
		if cut == len(second) {
			torn[len(torn)-1] ^= 0xff // complete but corrupt
		}
		os.WriteFile(path, torn, 0o600)
		l, err := Open(path)
		if err != nil {
			t.Fatalf("cut %d: %v", cut, err)
		}
		recs, _ := l.Records(1)
		if len(recs) != 1 || string(recs[0]) != "good" {
			t.Fatalf("cut %d: records %q", cut, recs)
		}
		// The torn bytes are gone, so new writes follow the good record.
		if err := l.Write(2, [][]byte{[]byte("after")}); err != nil {
			t.Fatal(err)
		}
		l.Close()
		l, _ = Open(path)
		if r, _ := l.Records(2); len(r) != 1 || string(r[0]) != "after" {
			t.Fatalf("cut %d: write after repair lost: %q", cut, r)
		}
		l.Close()
		os.WriteFile(path, full, 0o600)
	}
}

func TestTruncate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cs.wal")
	l, _ := Open(path)
	defer l.Close()
	for h := uint64(1); h <= 4; h++ {
		l.Write(h, [][]byte{[]byte(fmt.Sprint(h))})
	}
	if err := l.Truncate(3); err != nil {
		t.Fatal(err)
	}
	l.Write(5, [][]byte{[]byte("5")})
	l.Close()
	l2, _ := Open(path)
	defer l2.Close()
	for h, want := range map[uint64]int{1: 0, 2: 0, 3: 1, 4: 1, 5: 1} {
		if r, _ := l2.Records(h); len(r) != want {
			t.Errorf("height %d: %d records, want %d", h, len(r), want)
		}
	}
	if err := l2.Write(0, [][]byte{[]byte("x")}); !errors.Is(err, ErrHeightZero) {
		t.Fatalf("write at height 0: %v", err)
	}
	if err := l2.Truncate(100); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(path); st.Size() != 0 {
		t.Fatalf("size after dropping everything: %d", st.Size())
	}
}

// Truncating below a height the log still holds records of appends a
// floor mark instead of rewriting the file, until the dropped records
// take compactBytes; reopened, the log has only the live records either
// way.
func TestTruncateMarksFloorThenCompacts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cs.wal")
	l, _ := Open(path)
	defer func() { l.Close() }()
	big := bytes.Repeat([]byte{7}, 100<<10)
	h := uint64(1)
	var sizes []int64
	for ; h <= 14; h++ {
		if err := l.Write(h+1, [][]byte{[]byte("next")}); err != nil { // the next height's vote, before the block
			t.Fatal(err)
		}
		if err := l.Write(h, [][]byte{big}); err != nil {
			t.Fatal(err)
		}
		if err := l.Truncate(h + 1); err != nil {
			t.Fatal(err)
		}
		st, _ := os.Stat(path)
		sizes = append(sizes, st.Size())
		if r, _ := l.Records(h + 1); len(r) != 1 {
			t.Fatalf("after truncating below %d: %d records of it", h+1, len(r))
		}
	}
	drops := 0
	for i := 1; i < len(sizes); i++ {
		if sizes[i] < sizes[i-1] {
			drops++
		}
	}
	if drops != 1 || slices.Max(sizes) > compactBytes+2*int64(len(big)+64) {
		t.Fatalf("file sizes %v: want growth with floor marks, then one rewrite past %d bytes dropped", sizes, compactBytes)
	}
	l.Close()
	l, _ = Open(path)
	for k := uint64(1); k <= h; k++ {
		want := 0
		if k == h {
			want = 1
		}
		if r, _ := l.Records(k); len(r) != want {
			t.Fatalf("reopened: height %d has %d records, want %d", k, len(r), want)
		}
	}
}

func FuzzOpen(f *testing.F) {
	f.Add(encode(nil, 1, []byte("x")))
	f.Add(append(encode(nil, 7, bytes.Repeat([]byte{1}, 40)), 0, 0, 0))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		path := filepath.Join(t.TempDir(), "w")
		os.WriteFile(path, b, 0o600)
		l, err := Open(path)
		if errors.Is(err, ErrCorrupt) {
			return // a damaged record with more after it: refused, by design
		}
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		// Whatever survived re-encodes to a prefix of the input.
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		all, _, err := readAll(f)
		if err != nil {
			t.Fatal(err)
		}
		var again []byte
		for _, r := range all {
			again = encode(again, r.height, r.data)
		}
		if !bytes.HasPrefix(b, again) {
			t.Fatal("kept records are not a prefix of the file")
		}
	})
}

// A damaged record in the middle of the log (more records after it) is
// corruption, not a torn tail: Open refuses, naming the file and the
// offset, rather than silently dropping the later records (our own votes
// among them).
func TestCorruptMiddleRefusesToOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cs.wal")
	l, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	for h, rec := range []string{"first", "second", "our precommit"} {
		if err := l.Write(uint64(h+1), [][]byte{[]byte(rec)}); err != nil {
			t.Fatal(err)
		}
	}
	l.Close()
	full, _ := os.ReadFile(path)
	second := len(encode(nil, 1, []byte("first")))
	for name, mut := range map[string]func([]byte){
		"checksum": func(b []byte) { b[second+16] ^= 0x01 },                // a byte of the second record's data
		"length":   func(b []byte) { b[second], b[second+1] = 0xff, 0xff }, // its length field
	} {
		bad := append([]byte(nil), full...)
		mut(bad)
		if err := os.WriteFile(path, bad, 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := Open(path)
		if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), fmt.Sprintf("offset %d", second)) {
			t.Fatalf("%s: Open = %v, want ErrCorrupt naming %s and offset %d", name, err, path, second)
		}
		if after, _ := os.ReadFile(path); string(after) != string(bad) {
			t.Fatalf("%s: the refused log was modified", name)
		}
	}
}
