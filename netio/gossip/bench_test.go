package gossip

import (
	"sync/atomic"
	"testing"
	"time"

	"aitbc/engine"
	"aitbc/engine/consensus"
	"aitbc/engine/types"
)

// BenchmarkTxsFrame256 encodes 256 txs into one TXS frame (as
// BroadcastTxs does) and splits and decodes it (with the tx hashes).
func BenchmarkTxsFrame256(b *testing.B) {
	txs := testTxs(256, 1)
	size := 0
	for _, tx := range txs {
		size += tx.Size()
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		buf := make([]byte, 0, size)
		enc := make([][]byte, len(txs))
		for i, tx := range txs {
			start := len(buf)
			buf = tx.AppendEncode(buf)
			enc[i] = buf[start:]
		}
		f := txsFrame(enc)
		_, p, _, err := splitFrame(f, 1<<20)
		if err != nil {
			b.Fatal(err)
		}
		got, _, err := decodeTxs(p)
		if err != nil || len(got) != len(txs) {
			b.Fatal(err)
		}
	}
}

type countingHandler struct {
	recorder
	votes atomic.Int64
}

func (h *countingHandler) HandleConsensus(engine.PeerID, consensus.Message) error {
	h.votes.Add(1)
	return nil
}

// loopbackPair starts two connected transports on loopback: a (sending
// through a queue of sendQueue frames) and one that hands what it
// receives to h. Both are closed when b ends.
func loopbackPair(b *testing.B, sendQueue int, h engine.PeerHandler) (a, other *Transport) {
	b.Helper()
	cfgA := testConfig(0)
	cfgA.SendQueueFrames = sendQueue
	a, err := New(cfgA, nil, discardLogger())
	if err != nil {
		b.Fatal(err)
	}
	if err := a.Start(newRecorder()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { a.Close() })
	cfgB := testConfig(1)
	cfgB.Peers = []string{a.Addr()}
	other, err = New(cfgB, nil, discardLogger())
	if err != nil {
		b.Fatal(err)
	}
	if err := other.Start(h); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { other.Close() })
	for len(a.Peers()) == 0 || len(other.Peers()) == 0 {
		time.Sleep(time.Millisecond)
	}
	return a, other
}

// BenchmarkLoopbackVotes sends distinct votes from one transport to
// another over loopback and reports delivered votes per second.
func BenchmarkLoopbackVotes(b *testing.B) {
	const window = 2048 // in flight at most, below the queue limit
	h := &countingHandler{}
	a, _ := loopbackPair(b, 4*window, h)
	msgs := make([]consensus.Message, 1)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		// Distinct votes (the round differs) so dedup delivers each; the
		// transport does not check BLS signatures, so none are made.
		msgs[0] = &consensus.VoteMsg{Vote: &types.Vote{Type: types.Prevote, Height: 1, Round: uint32(i), ValidatorIndex: 1}}
		a.BroadcastConsensus(msgs)
		for int64(i+1)-h.votes.Load() >= window {
			time.Sleep(10 * time.Microsecond)
		}
	}
	for h.votes.Load() < int64(b.N) {
		time.Sleep(10 * time.Microsecond)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "votes/s")
}

// BenchmarkVoteFrameCodec is the per-vote cost on both ends, side by
// side: plaintext (encode, split, decode) and noise (the same plus seal
// and open with the session cipher, into reused buffers as the event
// loops do). The cipher alone: noise.BenchmarkSealOpen.
func BenchmarkVoteFrameCodec(b *testing.B) {
	v := newChainFixture(b).vote(0, 0).Vote
	b.Run("plaintext", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			f := voteFrame(v)
			typ, p, _, err := splitFrame(f, 1<<20)
			if err != nil || typ != MsgVote {
				b.Fatal(err)
			}
			if _, err := decodeVote(p); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("noise", func(b *testing.B) {
		s, o := sessionPair(b)
		var wbuf, rbuf []byte
		b.ReportAllocs()
		for b.Loop() {
			f := voteFrame(v)
			sealed, err := s.Seal(wbuf[:0], f)
			if err != nil {
				b.Fatal(err)
			}
			wbuf = sealed
			_, _, n, err := splitFrame(sealed, 1<<20) // the length prefix
			if err != nil || n != len(sealed) {
				b.Fatal(err)
			}
			plain, err := o.Open(rbuf, sealed)
			if err != nil || MsgType(plain[0]) != MsgVote {
				b.Fatal(err)
			}
			rbuf = plain[:0]
			if _, err := decodeVote(plain[1:]); err != nil {
				b.Fatal(err)
			}
		}
	})
}
