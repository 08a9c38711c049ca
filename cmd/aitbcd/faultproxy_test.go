//go:build byzantine

package main

import (
	"math/rand"
	"net"
	"sync"
	"testing"
	"time"
)

// linkMode is what a faultLink does with its traffic.
type linkMode int

const (
	linkPass  linkMode = iota
	linkCut            // existing connections closed, new ones refused
	linkDelay          // every chunk held 50-500 ms (jitter), order kept
)

// faultLink is a TCP proxy from one node to another's gossip port: the
// node's PEERS name the link's port, so its traffic crosses real sockets
// that the test can cut or slow.
type faultLink struct {
	ln     net.Listener
	target string

	mu    sync.Mutex
	mode  linkMode
	conns map[net.Conn]bool
	rng   *rand.Rand
}

func newFaultLink(t *testing.T, target string, seed int64) *faultLink {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := &faultLink{ln: ln, target: target, conns: map[net.Conn]bool{}, rng: rand.New(rand.NewSource(seed))}
	t.Cleanup(func() { ln.Close(); l.set(linkCut) })
	go l.serve()
	return l
}

func (l *faultLink) addr() string { return l.ln.Addr().String() }

// set changes the mode; cutting closes every connection in flight.
func (l *faultLink) set(m linkMode) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.mode = m
	if m == linkCut {
		for c := range l.conns {
			c.Close()
		}
	}
}

func (l *faultLink) serve() {
	for {
		in, err := l.ln.Accept()
		if err != nil {
			return
		}
		l.mu.Lock()
		cut := l.mode == linkCut
		l.mu.Unlock()
		if cut {
			in.Close()
			continue
		}
		out, err := net.DialTimeout("tcp", l.target, time.Second)
		if err != nil {
			in.Close()
			continue
		}
		l.mu.Lock()
		if l.mode == linkCut {
			l.mu.Unlock()
			in.Close()
			out.Close()
			continue
		}
		l.conns[in], l.conns[out] = true, true
		l.mu.Unlock()
		go l.pipe(in, out)
		go l.pipe(out, in)
	}
}

// pipe copies src to dst, each chunk after the link's delay; a delayed
// chunk never overtakes an earlier one.
func (l *faultLink) pipe(src, dst net.Conn) {
	type chunk struct {
		b  []byte
		at time.Time
	}
	q := make(chan chunk, 1024)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for c := range q {
			time.Sleep(time.Until(c.at))
			if _, err := dst.Write(c.b); err != nil {
				return
			}
		}
	}()
	var last time.Time
	buf := make([]byte, 64<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			at := time.Now()
			l.mu.Lock()
			if l.mode == linkDelay {
				at = at.Add(50*time.Millisecond + time.Duration(l.rng.Int63n(int64(450*time.Millisecond))))
			}
			l.mu.Unlock()
			if at.Before(last) {
				at = last
			}
			last = at
			q <- chunk{append([]byte(nil), buf[:n]...), at}
		}
		if err != nil {
			break
		}
	}
	close(q)
	<-done
	src.Close()
	dst.Close()
	l.mu.Lock()
	delete(l.conns, src)
	delete(l.conns, dst)
	l.mu.Unlock()
}
