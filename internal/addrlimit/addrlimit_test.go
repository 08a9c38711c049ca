package addrlimit

import (
	"errors"
	"net/netip"
	"sync"
	"testing"
)

func TestKey(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		err      bool
	}{
		{"127.0.0.1:9080", "127.0.0.1", false},
		{"10.1.2.3", "10.1.2.3", false},
		{"[::1]:443", "::", false},
		{"[2001:db8:1:2:aaaa:bbbb:cccc:dddd]:1", "2001:db8:1:2::", false},
		{"[2001:db8:1:2::9]:2", "2001:db8:1:2::", false}, // same /64: same key
		{"[2001:db8:1:3::9]:2", "2001:db8:1:3::", false},
		{"[::ffff:192.0.2.7]:80", "192.0.2.7", false}, // 4-in-6 counts as IPv4
		{"[fe80::1%eth0]:80", "fe80::", false},
		{"", "", true},
		{"localhost:80", "", true},
		{"1.2.3.4:99999", "", true},
		{"pipe", "", true},
	} {
		got, err := Key(tc.in)
		if tc.err {
			if !errors.Is(err, ErrBadAddr) {
				t.Errorf("Key(%q) = %v, %v; want ErrBadAddr", tc.in, got, err)
			}
			continue
		}
		if err != nil || got != netip.MustParseAddr(tc.want) {
			t.Errorf("Key(%q) = %v, %v; want %s", tc.in, got, err, tc.want)
		}
	}
}

func TestCounter(t *testing.T) {
	c := NewCounter(2)
	a, b := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
	if !c.Acquire(a) || !c.Acquire(a) {
		t.Fatal("first two acquires refused")
	}
	if c.Acquire(a) {
		t.Fatal("third acquire for one key admitted past the cap of 2")
	}
	if !c.Acquire(b) {
		t.Fatal("another key is refused: caps must be per key")
	}
	c.Release(a)
	if !c.Acquire(a) {
		t.Fatal("a released slot is not reusable")
	}
	c.Release(a)
	c.Release(a)
	c.Release(a) // one too many: ignored
	c.Release(b)
	if c.Keys() != 0 || c.Held(a) != 0 {
		t.Fatalf("after releasing everything: %d keys, %d held by a; want an empty map", c.Keys(), c.Held(a))
	}
	if NewCounter(0).Max() != 1 {
		t.Fatal("a cap below 1 must admit one")
	}
}

func TestCounterConcurrent(t *testing.T) {
	const limit, tries = 5, 200
	c := NewCounter(limit)
	k := netip.MustParseAddr("198.51.100.1")
	var mu sync.Mutex
	held, peak := 0, 0
	var wg sync.WaitGroup
	for range tries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if !c.Acquire(k) {
				return
			}
			mu.Lock()
			held++
			peak = max(peak, held)
			mu.Unlock()
			mu.Lock()
			held--
			mu.Unlock()
			c.Release(k)
		}()
	}
	wg.Wait()
	if peak > limit || c.Held(k) != 0 {
		t.Fatalf("peak %d holders (cap %d), %d left held", peak, limit, c.Held(k))
	}
}

// FuzzKey: any string either yields a key or ErrBadAddr, never a panic, and
// a key is stable (a key is its own key).
func FuzzKey(f *testing.F) {
	for _, s := range []string{"127.0.0.1:1", "[::1]:1", "[::ffff:1.2.3.4]:5", "[fe80::1%lo]:1", "", ":", "[]:1", "1.2.3.4"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, err := Key(s)
		if err != nil {
			if !errors.Is(err, ErrBadAddr) {
				t.Fatalf("Key(%q): untyped error %v", s, err)
			}
			return
		}
		if k2, err := Key(k.String()); err != nil || k2 != k {
			t.Fatalf("Key(%q) = %v but Key(%v) = %v, %v", s, k, k, k2, err)
		}
	})
}
