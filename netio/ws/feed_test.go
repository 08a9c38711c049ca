package ws

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"aitbc/internal/wait"
)

// chain is a BlockSource over a growing fake chain: block h's message
// carries its height and a pad of a size that varies with h.
type chain struct {
	head  atomic.Uint64
	reads atomic.Int64
	pad   int
}

var errNoBlock = errors.New("no such block")

func (c *chain) BlockMessage(h uint64) ([]byte, error) {
	c.reads.Add(1)
	if h == 0 || h > c.head.Load() {
		return nil, fmt.Errorf("%w: %d", errNoBlock, h)
	}
	return fmt.Appendf(nil, `{"topic":"new_blocks","height":%d,"pad":%q}`, h, strings.Repeat("x", c.pad*int(1+h%4))), nil
}

// commit adds blocks up to h and tells the server, as the node's commit path does.
func (c *chain) commit(s *Server, h uint64) {
	c.head.Store(h)
	s.NotifyBlock(h)
}

func startFeed(t *testing.T, cfg Config, head uint64, pad int) (*Server, *chain) {
	t.Helper()
	c := &chain{pad: pad}
	c.head.Store(head)
	reg := newRegistry()
	s, err := New(cfg, NewMetrics(reg), testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	s.SetBlockSource(c, head)
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Stop(t.Context()) })
	return s, c
}

type blockMsg struct {
	Sub    string `json:"sub"`
	Seq    uint64 `json:"seq"`
	Topic  string `json:"topic"`
	Height uint64 `json:"height"`
}

// TestFeedReplayThenLive: a subscription from a past height gets every
// block from there, then live blocks, with no gap and no duplicate while
// blocks commit during the replay; its messages carry one subscription id
// and consecutive sequence numbers from 1.
func TestFeedReplayThenLive(t *testing.T) {
	s, c := startFeed(t, testConfig(), 100, 100)
	e := newClientEngine(t)
	cl := mustDial(t, e, s, "/ws")
	cl.send(t, `{"op":"subscribe","topics":["new_blocks"],"from_height":3}`)
	ack := cl.nextReply(t)
	id := ack.Subscriptions["new_blocks"]
	if ack.Op != "subscribed" || id == "" {
		t.Fatalf("ack %+v", ack)
	}
	go func() { // commit while the client replays
		for h := uint64(101); h <= 300; h++ {
			c.commit(s, h)
		}
	}()
	for want := uint64(3); want <= 300; want++ {
		var m blockMsg
		if err := json.Unmarshal(cl.next(t), &m); err != nil {
			t.Fatal(err)
		}
		if m.Height != want || m.Seq != want-2 || m.Sub != id || m.Topic != TopicNewBlocks {
			t.Fatalf("got %+v, want height %d seq %d sub %s", m, want, want-2, id)
		}
	}
	// A plain subscription on another connection starts at the next block.
	live := mustDial(t, e, s, "/ws/new_blocks")
	wait.Until(t, "live subscriber", 10*time.Second, func() bool { return subscribers(s, TopicNewBlocks) == 2 })
	c.commit(s, 301)
	var m blockMsg
	if err := json.Unmarshal(live.next(t), &m); err != nil || m.Height != 301 || m.Seq != 1 {
		t.Fatalf("live subscriber's first message %+v (%v), want height 301 seq 1", m, err)
	}
}

// TestFeedFromHeightErrors: from_height is checked in messages and paths.
func TestFeedFromHeightErrors(t *testing.T) {
	s, _ := startFeed(t, testConfig(), 5, 0)
	e := newClientEngine(t)
	cl := mustDial(t, e, s, "/ws")
	for _, msg := range []string{
		`{"op":"subscribe","topics":["new_blocks"],"from_height":0}`,
		`{"op":"subscribe","topics":["new_transactions"],"from_height":2}`,
		`{"op":"unsubscribe","topics":["new_blocks"],"from_height":2}`,
		`{"op":"subscribe","topics":["new_blocks"],"from_height":-1}`,
	} {
		cl.send(t, msg)
		if r := cl.nextReply(t); r.Error == nil {
			t.Errorf("%s: %+v, want an error", msg, r)
		}
	}
	for _, path := range []string{"/ws/new_blocks?from_height=0", "/ws/new_blocks?from_height=x", "/ws?from_height=1",
		"/ws/new_blocks?from_height=1&from_height=2", "/ws/new_blocks?other=1", "/ws/new_transactions?from_height=1"} {
		_, resp := rawHandshake(t, s.Addr(), path, 0)
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), CodeBadFromHeight) {
			t.Errorf("%s: %s %s, want 400 %s", path, resp.Status, body, CodeBadFromHeight)
		}
	}
	// Without a block feed, from_height is refused.
	plain, _ := startServer(t, testConfig())
	_, resp := rawHandshake(t, plain.Addr(), "/ws/new_blocks?from_height=1", 0)
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("no feed: %s, want 400", resp.Status)
	}
}

// closeReason reads frames until the close frame and returns the heights
// of the block messages before it and the close code and reason.
func closeReason(t *testing.T, c *rawClient) (heights []uint64, code uint16, reason string) {
	t.Helper()
	_ = c.conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	for {
		op, p, err := c.readFrame()
		if err != nil {
			t.Fatalf("stream ended without a close frame: %v", err)
		}
		switch op {
		case opClose:
			if len(p) < 2 {
				t.Fatalf("close frame without a code")
			}
			return heights, binary.BigEndian.Uint16(p), string(p[2:])
		case opText:
			var m blockMsg
			if err := json.Unmarshal(p, &m); err != nil {
				t.Fatal(err)
			}
			heights = append(heights, m.Height)
		}
	}
}

// TestFeedSlowClientClosedWithLastHeight: a subscriber that stops reading
// is paced by its queue (bounded in bytes), then closed after SlowTimeout
// with a close frame naming the last height it was handed: exactly the
// last block message before the close.
func TestFeedSlowClientClosedWithLastHeight(t *testing.T) {
	cfg := testConfig()
	cfg.QueueBytes, cfg.SlowTimeout = 256<<10, 300*time.Millisecond
	s, c := startFeed(t, cfg, 0, 8<<10) // 8..32 KB blocks
	slow := rawDial(t, s.Addr(), "/ws/new_blocks?from_height=1", 4096)
	wait.Until(t, "subscribed", 10*time.Second, func() bool { return subscribers(s, TopicNewBlocks) == 1 })
	for h := uint64(1); h <= 2000; h++ { // ~40 MB: far past the queue and socket buffers
		c.commit(s, h)
	}
	wait.Until(t, "the slow subscriber dropped", 20*time.Second, func() bool { return subscribers(s, TopicNewBlocks) == 0 })
	heights, code, reason := closeReason(t, slow)
	if len(heights) == 0 {
		t.Fatal("no block before the close")
	}
	last := heights[len(heights)-1]
	for i, h := range heights {
		if h != uint64(i+1) {
			t.Fatalf("message %d is height %d", i, h)
		}
	}
	if code != 1008 || reason != fmt.Sprintf("slow consumer; last height delivered %d", last) {
		t.Fatalf("close %d %q, want 1008 naming height %d", code, reason, last)
	}
	t.Logf("slow subscriber got %d of 2000 blocks, then: %d %q", len(heights), code, reason)
	if q := uint64(cfg.QueueBytes); last*32<<10 > 64<<20 {
		t.Fatalf("%d blocks handed to one stalled connection: the queue bound (%d bytes) did not hold", last, q)
	}
}

// TestResumeAcross500Blocks: a client that disconnects at random moments
// and resumes each time from the height after the last one it received
// gets every height of a 500-block run exactly once, in order, while
// blocks commit and another topic carries load. The seed is printed so a
// failure replays.
func TestResumeAcross500Blocks(t *testing.T) {
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(uint64(seed), 0))
	cfg := testConfig()
	cfg.QueueBytes = 64 << 10
	s, c := startFeed(t, cfg, 0, 2<<10)
	const blocks = 500

	// Load: blocks commit every 1-3 ms, and txs are published to a reader.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for h := uint64(1); h <= blocks; h++ {
			c.commit(s, h)
			time.Sleep(time.Duration(1+h%3) * time.Millisecond)
		}
	}()
	txs := rawDial(t, s.Addr(), "/ws/new_transactions", 0)
	go func() { _, _ = io.Copy(io.Discard, txs.conn) }()
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			s.Publish(TopicNewTransactions, message(TopicNewTransactions, i))
			if i%64 == 0 {
				time.Sleep(time.Millisecond)
			}
		}
	}()
	defer func() { close(stop); wg.Wait() }()

	var got []uint64
	next, reconnects := uint64(1), 0
	deadline := time.Now().Add(60 * time.Second)
	for next <= blocks {
		if time.Now().After(deadline) {
			t.Fatalf("only reached height %d after %d reconnects", next-1, reconnects)
		}
		cl := rawDial(t, s.Addr(), fmt.Sprintf("/ws/new_blocks?from_height=%d", next), 0)
		_ = cl.conn.SetReadDeadline(time.Now().Add(20 * time.Second))
		take := 1 + rng.IntN(60) // messages before this connection is dropped
		var seq uint64
		sub := ""
		for take > 0 && next <= blocks {
			op, p, err := cl.readFrame()
			if err != nil {
				t.Fatalf("read at height %d: %v", next, err)
			}
			if op != opText {
				continue
			}
			var m blockMsg
			if err := json.Unmarshal(p, &m); err != nil {
				t.Fatal(err)
			}
			if sub == "" {
				sub = m.Sub
			}
			if m.Sub != sub || m.Seq != seq+1 {
				t.Fatalf("message %+v on subscription %s after seq %d", m, sub, seq)
			}
			seq = m.Seq
			got = append(got, m.Height)
			next = m.Height + 1
			take--
			if rng.IntN(8) == 0 {
				time.Sleep(time.Duration(rng.IntN(3)) * time.Millisecond) // a slow reader for a moment
			}
		}
		_ = cl.conn.Close() // drop mid-stream: frames in flight are lost with the connection
		reconnects++
	}
	if len(got) != blocks {
		t.Fatalf("received %d messages for %d blocks", len(got), blocks)
	}
	for i, h := range got {
		if h != uint64(i+1) {
			t.Fatalf("message %d is height %d: a gap or a duplicate", i, h)
		}
	}
	t.Logf("500 blocks, every height once, across %d connections", reconnects)
}
